// SPDX-License-Identifier: Apache-2.0
// Talking to mamorid: JSON over same-origin fetch. Every request other than GET carries the
// session's CSRF token. A 401 sends the user to the sign-in screen.

let csrf = '';
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function setCsrf(token) {
  csrf = token || '';
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, v === true ? '1' : String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function request(method, path, body, { quiet401 = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let data = null;
  const type = r.headers.get('Content-Type') || '';
  if (r.status !== 204 && type.startsWith('application/json')) {
    try {
      data = await r.json();
    } catch (e) {
      data = null;
    }
  }
  if (!r.ok) {
    if (r.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(r.status, (data && data.error) || `${r.status} ${r.statusText}`, data);
  }
  return data;
}

export const get = (path, params, opts) => request('GET', path + query(params), undefined, opts);
export const put = (path, body) => request('PUT', path, body);
export const post = (path, body) => request('POST', path, body);
export const del = (path) => request('DELETE', path);

// The catalog's texts, fetched once.
let catalog = null;
export async function getCatalog() {
  if (!catalog) {
    const c = await get('/v1/catalog');
    c.checkById = new Map(c.checks.map((x) => [x.id, x]));
    c.controlById = new Map(c.controls.map((x) => [x.id, x]));
    c.categoryById = new Map(c.categories.map((x) => [x.id, x]));
    c.topicById = new Map(c.topics.map((x) => [x.id, x]));
    c.severityById = new Map(c.severities.map((x) => [x.id, x]));
    c.roleById = new Map(c.roles.map((x) => [x.id, x]));
    catalog = c;
  }
  return catalog;
}
