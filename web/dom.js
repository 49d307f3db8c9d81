// SPDX-License-Identifier: Apache-2.0
// Building the page: elements and text nodes only (never HTML from strings: device data is untrusted).

const SVG = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function attrs(el, a) {
  for (const [k, v] of Object.entries(a || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'open' || k === 'hidden') el[k] = Boolean(v);
    else if (/^on/i.test(k) || k === 'style') throw new Error(`no ${k} attribute: the CSP forbids it`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return el;
}

// h('a', {href: '#/x', class: 'y'}, 'text', child, ...)
export function h(tag, a, ...children) {
  return append(attrs(document.createElement(tag), a), children);
}

export function svg(tag, a, ...children) {
  return append(attrs(document.createElementNS(SVG, tag), a), children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function mount(el, ...children) {
  clear(el);
  return append(el, children);
}

// "2026-11-23T09:00:00Z" in the reader's time zone, or "—".
export function when(iso, lang) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  });
}

export function fmt(n, lang) {
  return typeof n === 'number' ? n.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US') : '—';
}

// A table: columns [{label, cls}], rows: arrays of cell contents (or {cls, content}).
export function table(columns, rows, a = {}) {
  const head = h('tr', null, columns.map((c) => h('th', { class: c.cls, scope: 'col' }, c.label)));
  const body = rows.map((r) => {
    const tr = h('tr', r.attrs || null);
    for (const [i, cell] of (r.cells || r).entries()) {
      const td = h('td', { class: columns[i] && columns[i].cls });
      append(td, [cell]);
      tr.append(td);
    }
    return tr;
  });
  return h('div', { class: 'scroll' }, h('table', a, h('thead', null, head), h('tbody', null, body)));
}
