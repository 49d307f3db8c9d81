// SPDX-License-Identifier: Apache-2.0
// The dashboard: sign-in, hash routing, language switch. Pages are in pages/.
import * as api from './api.js';
import { h, mount } from './dom.js';
import { detect, setLang, t, getLang } from './i18n.js';
import { overviewPage } from './pages/overview.js';
import { devicesPage } from './pages/devices.js';
import { devicePage } from './pages/device.js';
import { failingPage } from './pages/failing.js';
import { registerPage } from './pages/register.js';
import { checklistPage } from './pages/checklist.js';
import { signinPage } from './pages/signin.js';

const app = document.getElementById('app');
const session = { admin: null, via: null }; // via: 'session' | 'certificate'

const routes = [
  { re: /^\/?$/, name: 'overview', page: overviewPage },
  { re: /^\/devices$/, name: 'devices', page: devicesPage },
  { re: /^\/device\/([0-9a-f]{32})$/, name: 'devices', page: devicePage },
  { re: /^\/check\/([^/]+)$/, name: 'checklist', page: (ctx) => failingPage(ctx, 'check') },
  { re: /^\/control\/([^/]+)$/, name: 'checklist', page: (ctx) => failingPage(ctx, 'control') },
  { re: /^\/register$/, name: 'register', page: registerPage },
  { re: /^\/checklist$/, name: 'checklist', page: checklistPage },
];

// "#/devices?status=fail" -> {path: '/devices', params: URLSearchParams}
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const i = raw.indexOf('?');
  return { path: i < 0 ? raw : raw.slice(0, i), params: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)) };
}

export function go(path, params) {
  const q = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)).toString() : '';
  const target = `#${path}${q ? `?${q}` : ''}`;
  if (location.hash === target) render();
  else location.hash = target;
}

let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  if (!session.admin) {
    showChrome(false);
    signinPage({ app, onSignedIn: signedIn });
    return;
  }
  showChrome(true);
  const { path, params } = parseHash();
  const route = routes.find((r) => r.re.test(path));
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', route && a.dataset.route === route.name);
  if (!route) {
    mount(app, h('h1', null, t('error.notfound')), h('p', null, h('a', { href: '#/' }, t('nav.overview'))));
    return;
  }
  const match = path.match(route.re);
  mount(app, h('p', { class: 'loading' }, t('common.loading')));
  try {
    await route.page({ app, params, match, go, session, isCurrent: () => seq === renderSeq });
  } catch (err) {
    if (seq !== renderSeq) return;
    if (err instanceof api.ApiError && err.status === 401) return; // sign-in shown
    mount(app, h('h1', null, t('error.title')), h('p', { class: 'error', 'data-testid': 'page-error' }, err.message || String(err)));
  }
}

function showChrome(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  const who = document.getElementById('who');
  who.hidden = !signedIn;
  who.textContent = signedIn ? (session.via === 'certificate' ? t('signin.cert_admin') : session.admin) : '';
  document.getElementById('signout').hidden = !(signedIn && session.via === 'session');
}

function signedIn(info) {
  session.admin = info.admin;
  session.via = 'session';
  api.setCsrf(info.csrf);
  render();
}

// Who is here: a session (GET /v1/session), or, where sessions are not served yet or none
// is open, an admin client certificate the data API accepts.
async function whoami() {
  try {
    const s = await api.get('/v1/session', null, { quiet401: true });
    if (s && s.admin) {
      session.admin = s.admin;
      session.via = 'session';
      api.setCsrf(s.csrf);
      return;
    }
  } catch (err) {
    if (!(err instanceof api.ApiError) || (err.status !== 401 && err.status !== 404 && err.status !== 405)) throw err;
  }
  try {
    await api.get('/v1/overview', { limit: 1 }, { quiet401: true });
    session.admin = 'certificate';
    session.via = 'certificate';
  } catch (err) {
    if (!(err instanceof api.ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
    session.admin = null;
  }
}

async function start() {
  await setLang(detect(), false);
  const sel = document.getElementById('lang');
  sel.value = getLang();
  sel.addEventListener('change', async () => {
    await setLang(sel.value, true);
    showChrome(Boolean(session.admin));
    render();
  });
  document.getElementById('signout').addEventListener('click', async () => {
    try {
      await api.del('/v1/session');
    } catch (err) {
      // the session may be gone already
    }
    session.admin = null;
    api.setCsrf('');
    render();
  });
  api.setUnauthorizedHandler(() => {
    session.admin = null;
    render();
  });
  window.addEventListener('hashchange', render);
  try {
    await whoami();
  } catch (err) {
    mount(app, h('p', { class: 'error' }, err.message || String(err)));
    return;
  }
  document.body.dataset.ready = '1';
  render();
}

start();
