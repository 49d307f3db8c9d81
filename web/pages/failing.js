// SPDX-License-Identifier: Apache-2.0
// A check or a guideline control: what it asks, how the fleet fares on its checks, and the
// devices that fail it.
import * as api from '../api.js';
import { h, mount, table, fmt } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';
import { badge, deviceState, deviceLink, severity, topicName, categoryName, checkLink, controlLink, time, remediation, section } from './common.js';

export async function failingPage({ app, match, params, go, isCurrent }, kind) {
  const id = decodeURIComponent(match[1]);
  const after = params.get('after') || '';
  const cat = await api.getCatalog();
  const page = await api.get(`/v1/${kind === 'check' ? 'checks' : 'controls'}/${encodeURIComponent(id)}/devices`, { after, limit: 50 });
  if (!isCurrent()) return;
  const perCheck = kind === 'check' ? [{ ...page.counts, check: page.check }] : page.checks;
  const lang = getLang();
  let head;
  if (kind === 'check') {
    const c = cat.checkById.get(id);
    head = [h('h1', { 'data-testid': 'failing-title' }, c ? tx(c.title) : id),
      h('p', { class: 'muted' }, id, c ? [' · ', topicName(cat, c.topic), ' · ', severity(cat, c.severity)] : null),
      c ? h('p', { class: 'why' }, tx(c.rationale)) : null,
      c ? h('div', { class: 'fix' }, remediation(c, 'linux')) : null,
      c && c.controls.length ? h('p', null, `${t('device.controls')}: `, c.controls.map((x, i) => [i ? ', ' : '', controlLink(cat, x)])) : null];
  } else {
    const c = cat.controlById.get(id);
    head = [h('h1', { 'data-testid': 'failing-title' }, c ? `${c.label} ${tx(c.title)}` : id),
      c ? h('p', { class: 'muted' }, `${c.mark} · ${categoryName(cat, c.category)} · ${t(`level.${c.level}`)}`) : null,
      c ? h('p', { class: 'why' }, tx(c.text)) : null,
      h('p', null, h('a', { href: `#/register?edit=${encodeURIComponent(id)}` }, t('register.edit_this')))];
  }
  const checksTable = perCheck.length
    ? table([{ label: t('common.check') }, { label: t('state.fail'), cls: 'num' }, { label: t('state.unknown'), cls: 'num' },
      { label: t('state.pass'), cls: 'num' }, { label: t('state.not_applicable'), cls: 'num' }],
    perCheck.map((x) => [checkLink(cat, x.check), fmt(x.fail, lang), fmt(x.unknown, lang), fmt(x.pass, lang), fmt(x.not_applicable, lang)]),
    { 'data-testid': 'check-counts' })
    : h('p', { class: 'muted' }, t('control.no_checks'));
  const rows = page.devices.map((d) => [deviceLink(d), badge(deviceState(d)),
    kind === 'check' ? time(d.failing_since) : h('span', null, d.failing.map((f, i) => [i ? ', ' : '', checkLink(cat, f.check)])),
    kind === 'check' ? time(d.last_report_at) : time(d.failing.map((f) => f.since).sort()[0])]);
  const path = `/${kind}/${encodeURIComponent(id)}`;
  mount(app,
    h('p', null, h('a', { href: kind === 'check' ? '#/' : '#/checklist' }, `← ${kind === 'check' ? t('nav.overview') : t('nav.checklist')}`)),
    ...head,
    section(t('control.fleet'), checksTable),
    h('h2', null, t('control.failing_devices')),
    rows.length
      ? table([{ label: t('devices.hostname') }, { label: t('devices.status') },
        { label: kind === 'check' ? t('control.failing_since') : t('control.failing_checks') },
        { label: kind === 'check' ? t('devices.last_report') : t('control.failing_since') }], rows, { 'data-testid': 'failing-devices' })
      : h('p', { class: 'muted', 'data-testid': 'failing-empty' }, t('control.none_failing')),
    h('div', { class: 'pager' },
      after ? h('button', { type: 'button', class: 'secondary', on: { click: () => go(path) } }, t('common.first_page')) : null,
      page.next ? h('button', { type: 'button', class: 'secondary', 'data-testid': 'next-page', on: { click: () => go(path, { after: page.next }) } }, t('common.next_page')) : null));
}
