// SPDX-License-Identifier: Apache-2.0
// Pieces the pages share: badges, labels from the catalog, links, the pager.
import { h, when } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';

// A device's state: revoked, none (no report yet), else its status.
export function deviceState(d) {
  if (d.revoked_at) return 'revoked';
  return d.status || 'none';
}

export function badge(state, extra) {
  return h('span', { class: `badge ${state}`, 'data-state': state }, t(`state.${state}`), extra);
}

export function severity(cat, id) {
  const s = cat.severityById.get(id);
  return h('span', { class: `sev ${id}` }, s ? tx(s.name) : id);
}

export function topicName(cat, id) {
  const x = cat.topicById.get(id);
  return x ? tx(x.name) : id;
}

export function categoryName(cat, id) {
  const x = cat.categoryById.get(id);
  return x ? tx(x.name) : id;
}

export function checkTitle(cat, id) {
  const c = cat.checkById.get(id);
  return c ? tx(c.title) : id;
}

export function deviceLink(d) {
  return h('a', { href: `#/device/${d.id}`, class: 'device-link', 'data-id': d.id }, d.hostname || d.id);
}

export function checkLink(cat, id) {
  return h('a', { href: `#/check/${encodeURIComponent(id)}`, class: 'check-link' }, checkTitle(cat, id));
}

export function controlLink(cat, id) {
  const c = cat.controlById.get(id);
  return h('a', { href: `#/control/${encodeURIComponent(id)}`, class: 'control-link' }, c ? `${c.label}` : id);
}

// "Debian GNU/Linux 12 (bookworm)" already names its version 12.
export function osText(os) {
  const name = (os && os.name) || '';
  const version = (os && os.version) || '';
  return version && !name.includes(version) ? `${name} ${version}`.trim() : name;
}

export function time(iso) {
  return h('time', { datetime: iso || '' }, when(iso, getLang()));
}

// The fix for a platform (the catalog's remediation), or the first one.
export function remediation(check, platform) {
  if (!check || !check.remediation || !check.remediation.length) return '';
  const r = check.remediation.find((x) => x.platform === platform) || check.remediation[0];
  return tx(r.text);
}

export function ageText(iso) {
  if (!iso) return '';
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 3600) return t('age.minutes', { n: Math.floor(s / 60) });
  if (s < 2 * 86400) return t('age.hours', { n: Math.floor(s / 3600) });
  return t('age.days', { n: Math.floor(s / 86400) });
}

// "Next page" / "first page" for keyset pages.
export function pager({ next, after, onNext, onFirst }) {
  return h('div', { class: 'pager' },
    after ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'first-page', on: { click: onFirst } }, t('common.first_page')) : null,
    next ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'next-page', on: { click: onNext } }, t('common.next_page')) : null);
}

export function section(title, ...body) {
  return h('section', { class: 'panel' }, h('h2', null, title), ...body);
}
