// SPDX-License-Identifier: Apache-2.0
// The fleet at a glance: counts, failures by topic and by guideline category, the trend, the
// worst and the stale devices.
import * as api from '../api.js';
import { h, mount, table, fmt } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { barChart, lineChart, legend } from '../charts.js';
import { badge, deviceState, deviceLink, topicName, categoryName, checkLink, time, ageText, section } from './common.js';

function card(state, n, href, label) {
  return h('a', { class: `card ${state}`, href, 'data-testid': `count-${state}`, 'data-count': n },
    h('div', { class: 'n' }, fmt(n, getLang())), h('div', { class: 'label' }, label));
}

function devicesTable(cat, list, withAge) {
  return table(
    [{ label: t('devices.hostname') }, { label: t('devices.status') }, { label: t('devices.fail'), cls: 'num' },
      { label: withAge ? t('devices.last_report') : t('devices.user') }],
    list.map((d) => [deviceLink(d), badge(deviceState(d)), fmt(d.counts.fail, getLang()),
      withAge ? h('span', null, time(d.last_report_at), ' ', h('span', { class: 'muted' }, ageText(d.last_report_at))) : d.user || '']),
    { 'data-testid': withAge ? 'stale-devices' : 'worst-devices' });
}

export async function overviewPage({ app, isCurrent }) {
  const [cat, o, tr] = await Promise.all([api.getCatalog(), api.get('/v1/overview'), api.get('/v1/trend', { days: 30 })]);
  if (!isCurrent()) return;
  const c = o.devices;
  const hours = Math.round(o.policy.max_report_age / 3600);
  const cards = h('div', { class: 'cards', 'data-testid': 'counts' },
    card('total', c.total, '#/devices', t('overview.total')),
    card('pass', c.pass, '#/devices?status=pass', t('state.pass')),
    card('fail', c.fail, '#/devices?status=fail', t('state.fail')),
    card('unknown', c.unknown, '#/devices?status=unknown', t('state.unknown')),
    card('stale', c.stale, '#/devices?stale=1', t('state.stale')),
    card('none', c.none, '#/devices?status=none', t('state.none')),
    card('revoked', c.revoked, '#/devices?status=revoked', t('state.revoked')));

  const topics = [...o.topics].sort((a, b) => b.fail - a.fail || b.unknown - a.unknown || a.topic.localeCompare(b.topic));
  const topicChart = barChart(topics.map((x) => ({
    label: topicName(cat, x.topic), href: `#/devices?topic=${encodeURIComponent(x.topic)}`,
    parts: [{ cls: 'fail', value: x.fail, title: `${t('state.fail')}: ${x.fail}` },
      { cls: 'unknown', value: x.unknown, title: `${t('state.unknown')}: ${x.unknown}` },
      { cls: 'pass', value: x.pass, title: `${t('state.pass')}: ${x.pass}` }],
    total: x.fail,
  })), { testid: 'chart-topics' });

  const cats = [...o.categories].sort((a, b) => b.failing_findings - a.failing_findings || b.unknown_findings - a.unknown_findings);
  const catChart = barChart(cats.map((x) => ({
    label: categoryName(cat, x.category), href: `#/checklist?category=${encodeURIComponent(x.category)}`,
    parts: [{ cls: 'fail', value: x.failing_findings, title: `${t('overview.failing_findings')}: ${x.failing_findings}` },
      { cls: 'unknown', value: x.unknown_findings, title: `${t('state.unknown')}: ${x.unknown_findings}` }],
    total: x.failing_findings,
  })), { testid: 'chart-categories', labelWidth: 250, width: 620 });

  const days = tr.days.map((d) => d.day);
  const series = [
    { key: 'pass', cls: 'pass', label: t('state.pass'), values: tr.days.map((d) => d.pass) },
    { key: 'fail', cls: 'fail', label: t('state.fail'), values: tr.days.map((d) => d.fail) },
    { key: 'unknown', cls: 'unknown', label: t('state.unknown'), values: tr.days.map((d) => d.unknown) },
    { key: 'stale', cls: 'stale', label: t('state.stale'), values: tr.days.map((d) => d.stale) },
  ];
  const trend = days.length
    ? [legend(series), lineChart(days, series, { testid: 'chart-trend' })]
    : h('p', { class: 'muted' }, t('overview.no_trend'));

  const checks = o.checks.filter((x) => x.fail > 0).slice(0, 10);
  mount(app,
    h('h1', null, t('overview.title')),
    cards,
    h('p', { class: 'muted' }, t('overview.stale_rule', { hours })),
    h('div', { class: 'grid2' },
      section(t('overview.by_topic'), legend([{ cls: 'fail', label: t('state.fail') }, { cls: 'unknown', label: t('state.unknown') }, { cls: 'pass', label: t('state.pass') }]), topicChart),
      section(t('overview.by_category'), h('p', { class: 'muted' }, t('overview.by_category_note')), catChart)),
    h('div', { class: 'grid2' },
      section(t('overview.trend'), trend),
      section(t('overview.top_checks'), checks.length
        ? table([{ label: t('common.check') }, { label: t('state.fail'), cls: 'num' }, { label: t('state.unknown'), cls: 'num' }],
          checks.map((x) => [checkLink(cat, x.check), fmt(x.fail, getLang()), fmt(x.unknown, getLang())]), { 'data-testid': 'top-checks' })
        : h('p', { class: 'muted' }, t('overview.no_failures')))),
    h('div', { class: 'grid2' },
      section(t('overview.worst'), o.worst.length ? devicesTable(cat, o.worst, false) : h('p', { class: 'muted' }, t('devices.none')),
        h('p', null, h('a', { href: '#/devices?sort=worst' }, t('overview.all_by_failures')))),
      section(t('overview.stale', { hours }), o.stale.length ? devicesTable(cat, o.stale, true) : h('p', { class: 'muted' }, t('overview.no_stale')),
        o.stale_next ? h('p', null, h('a', { href: '#/devices?stale=1' }, t('overview.all_stale'))) : null)));
}
