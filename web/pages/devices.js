// SPDX-License-Identifier: Apache-2.0
// The ledger: filtered and sorted by the server, one page at a time.
import * as api from '../api.js';
import { h, mount, table, fmt } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';
import { badge, deviceState, deviceLink, time, topicName, checkTitle, osText } from './common.js';

const FIELDS = ['status', 'topic', 'check', 'q', 'stale', 'sort'];

function select(name, value, options) {
  return h('select', { name, 'data-testid': `filter-${name}` },
    options.map(([v, label]) => h('option', { value: v, selected: v === (value || '') }, label)));
}

export async function devicesPage({ app, params, go, isCurrent }) {
  const cat = await api.getCatalog();
  const f = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) || '']));
  const after = params.get('after') || '';
  const page = await api.get('/v1/devices', { ...f, after, limit: 50 });
  if (!isCurrent()) return;

  const form = h('form', { class: 'filters', 'data-testid': 'filters', role: 'search' },
    h('label', null, t('devices.filter.q'), h('input', { type: 'search', name: 'q', value: f.q, placeholder: t('devices.filter.q_hint'), 'data-testid': 'filter-q' })),
    h('label', null, t('devices.status'), select('status', f.status, [['', t('common.all')], ...['fail', 'unknown', 'pass', 'none', 'revoked'].map((s) => [s, t(`state.${s}`)])])),
    h('label', null, t('devices.filter.topic'), select('topic', f.topic, [['', t('common.all')], ...cat.topics.map((x) => [x.id, tx(x.name)])])),
    h('label', null, t('devices.filter.check'), select('check', f.check, [['', t('common.all')], ...cat.checks.map((x) => [x.id, `${tx(x.title)} (${x.id})`])])),
    h('label', null, t('devices.filter.sort'), select('sort', f.sort, [['', t('devices.sort.hostname')], ['worst', t('devices.sort.worst')], ['last_seen', t('devices.sort.last_seen')]])),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'stale', checked: f.stale === '1', 'data-testid': 'filter-stale' }), t('devices.filter.stale')),
    h('button', { type: 'submit', 'data-testid': 'apply-filters' }, t('common.apply')),
    h('button', { type: 'button', class: 'secondary', on: { click: () => go('/devices') } }, t('common.reset')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    go('/devices', { status: d.get('status'), topic: d.get('topic'), check: d.get('check'), q: (d.get('q') || '').trim(), sort: d.get('sort'), stale: d.get('stale') ? '1' : '' });
  });

  const active = [];
  if (f.topic) active.push(t('devices.failing_topic', { topic: topicName(cat, f.topic) }));
  if (f.check) active.push(t('devices.failing_check', { check: checkTitle(cat, f.check) }));
  const order = t(`devices.order.${page.order}`);
  const rows = page.devices.map((d) => ({
    attrs: { 'data-state': deviceState(d) },
    cells: [deviceLink(d), badge(deviceState(d)), fmt(d.counts.fail, getLang()), fmt(d.counts.unknown, getLang()),
      osText(d.os), d.user || '', time(d.last_report_at), time(d.last_seen)],
  }));
  mount(app,
    h('h1', null, t('devices.title')),
    form,
    h('p', { class: 'muted', 'data-testid': 'devices-summary' },
      page.total !== null && page.total !== undefined ? t('devices.total', { n: fmt(page.total, getLang()) }) : '',
      page.total !== null && page.total !== undefined ? ' · ' : '', order, active.length ? ` · ${active.join(', ')}` : ''),
    page.partial ? h('p', { class: 'notice', 'data-testid': 'devices-partial' }, t('devices.partial')) : null,
    rows.length
      ? table([{ label: t('devices.hostname') }, { label: t('devices.status') }, { label: t('devices.fail'), cls: 'num' },
        { label: t('devices.unknown'), cls: 'num' }, { label: t('devices.os') }, { label: t('devices.user') },
        { label: t('devices.last_report') }, { label: t('devices.last_seen') }], rows, { 'data-testid': 'devices-table' })
      : h('p', { class: 'muted', 'data-testid': 'devices-empty' }, t('devices.none')),
    h('div', { class: 'pager' },
      after ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'first-page', on: { click: () => go('/devices', f) } }, t('common.first_page')) : null,
      page.next ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'next-page', on: { click: () => go('/devices', { ...f, after: page.next }) } }, t('common.next_page')) : null));
}
