// SPDX-License-Identifier: Apache-2.0
// One device: its ledger entry, its findings grouped by status with the evidence (from the
// stored report) and the fix (from the catalog), and its report history.
import * as api from '../api.js';
import { h, mount, table, fmt } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';
import { badge, deviceState, severity, topicName, time, remediation, ageText, section, osText } from './common.js';

const GROUPS = ['fail', 'unknown', 'pass', 'not_applicable', 'disabled'];
const SEV_RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

// An evidence entry as the agent sent it: a bare {"fact": name} repeats the fact's record.
function evidenceOf(report, check) {
  if (!report || !Array.isArray(report.findings)) return [];
  const f = report.findings.find((x) => x && x.check === check);
  if (!f || !Array.isArray(f.evidence)) return [];
  const facts = report.facts || {};
  return f.evidence.map((e) => ({ ...(e && e.fact && facts[e.fact] ? facts[e.fact] : {}), ...e }));
}

function findingOf(report, check) {
  return report && Array.isArray(report.findings) ? report.findings.find((x) => x && x.check === check) : null;
}

function show(v) {
  if (v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 600 ? `${s.slice(0, 600)}…` : s;
}

function evidenceTable(list) {
  if (!list.length) return h('p', { class: 'muted' }, t('device.no_evidence'));
  return table([{ label: t('device.fact') }, { label: t('device.value') }, { label: t('device.source') }],
    list.map((e) => [e.fact || '', h('pre', { class: 'value' }, e.omitted ? t('device.omitted') : show(e.value)),
      [e.source || '', e.line ? `:${e.line}` : '', e.note ? ` — ${e.note}` : '', e.reason ? ` — ${e.reason}` : ''].join('')]),
    { class: 'evidence' });
}

function findingView(cat, f, report, platform) {
  const check = cat.checkById.get(f.check);
  const full = findingOf(report, f.check);
  const fix = remediation(check, platform);
  const open = f.status === 'fail';
  return h('details', { class: 'finding', open, 'data-check': f.check, 'data-status': f.status },
    h('summary', null, severity(cat, f.severity), badge(f.status), h('strong', null, check ? tx(check.title) : f.check),
      h('span', { class: 'muted' }, `${topicName(cat, f.topic)} · `, h('a', { href: `#/check/${encodeURIComponent(f.check)}` }, f.check))),
    h('div', { class: 'body' },
      full && full.reason ? h('p', { class: 'notice' }, show(full.reason)) : null,
      check ? h('p', { class: 'why' }, h('strong', null, `${t('device.why')}: `), tx(check.rationale)) : null,
      h('h3', null, t('device.evidence')), evidenceTable(evidenceOf(report, f.check)),
      f.status === 'fail' || f.status === 'unknown'
        ? [h('h3', null, t('device.fix')), h('div', { class: 'fix', 'data-testid': 'fix' }, fix || t('device.no_fix'))]
        : null,
      check && check.controls.length
        ? h('p', { class: 'muted' }, `${t('device.controls')}: `, check.controls.map((id, i) => [i ? ', ' : '',
          h('a', { href: `#/control/${encodeURIComponent(id)}` }, (cat.controlById.get(id) || { label: id }).label)]))
        : null));
}

async function history(id, before) {
  return api.get(`/v1/devices/${id}/reports`, { limit: 20, before });
}

export async function devicePage({ app, match, isCurrent, session }) {
  const id = match[1];
  const [cat, d, fl, hist] = await Promise.all([api.getCatalog(), api.get(`/v1/devices/${id}`),
    api.get(`/v1/devices/${id}/findings`), history(id)]);
  let report = null;
  if (fl.report_id) {
    try {
      report = await api.get(`/v1/reports/${fl.report_id}`);
    } catch (err) {
      report = null; // the findings still show, without evidence
    }
  }
  if (!isCurrent()) return;
  const platform = (report && report.platform) || 'linux';
  const state = deviceState(d);
  const fields = [
    [t('device.id'), d.id], [t('devices.hostname'), d.hostname], [t('devices.user'), d.user || '—'],
    [t('devices.os'), osText(d.os) || '—'],
    [t('device.serial'), d.serial_number || '—'], [t('device.packages'), d.packages ?? '—'],
    [t('device.updates'), d.security_updates_pending ?? '—'],
    [t('devices.last_report'), h('span', null, time(d.last_report_at || (report && report.generated_at)), ' ', h('span', { class: 'muted' }, ageText(report && report.generated_at)))],
    [t('devices.last_seen'), time(d.last_seen)], [t('device.enrolled'), time(d.enrolled_at)],
    [t('device.revoked'), d.revoked_at ? time(d.revoked_at) : '—'],
  ];
  const counts = d.counts;
  const byStatus = new Map(GROUPS.map((g) => [g, []]));
  for (const f of fl.findings) (byStatus.get(f.status) || byStatus.set(f.status, []).get(f.status)).push(f);
  for (const list of byStatus.values()) list.sort((a, b) => (SEV_RANK[a.severity] ?? 9) - (SEV_RANK[b.severity] ?? 9) || a.check.localeCompare(b.check));

  const revokeMsg = h('span', { class: 'muted', 'data-testid': 'revoke-result' });
  const revoke = h('button', { type: 'button', class: 'danger', disabled: Boolean(d.revoked_at), 'data-testid': 'revoke',
    on: { click: async () => {
      if (!window.confirm(t('device.revoke_confirm', { host: d.hostname }))) return;
      try {
        await api.post(`/v1/devices/${id}/revoke`, {});
        revokeMsg.textContent = t('device.revoked_now');
        revoke.disabled = true;
      } catch (err) {
        revokeMsg.textContent = err.status === 404 || err.status === 405 ? t('device.revoke_unavailable') : err.message;
      }
    } } }, t('device.revoke'));

  let histList = hist.reports;
  const histBox = h('div');
  const renderHist = (next) => {
    histBox.replaceChildren(
      table([{ label: t('device.generated') }, { label: t('device.received') }, { label: t('devices.status') },
        { label: t('state.pass'), cls: 'num' }, { label: t('state.fail'), cls: 'num' }, { label: t('state.unknown'), cls: 'num' }, { label: t('device.report_id') }],
      histList.map((r) => [time(r.generated_at), time(r.received_at), badge(r.status), fmt(r.counts.pass, getLang()),
        fmt(r.counts.fail, getLang()), fmt(r.counts.unknown, getLang()), h('code', null, r.report_id)]), { 'data-testid': 'history' }),
      next ? h('button', { type: 'button', class: 'secondary', on: { click: async () => {
        const more = await history(id, next);
        histList = histList.concat(more.reports);
        renderHist(more.next);
      } } }, t('common.more')) : null);
  };
  renderHist(hist.next);

  mount(app,
    h('p', null, h('a', { href: '#/devices' }, `← ${t('devices.title')}`)),
    h('h1', { 'data-testid': 'device-title' }, d.hostname, ' ', badge(state)),
    h('div', { class: 'grid2' },
      section(t('device.ledger'), h('dl', { class: 'fields', 'data-testid': 'ledger' }, fields.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]))),
      section(t('device.summary'),
        h('div', { class: 'cards' }, ['fail', 'unknown', 'pass', 'not_applicable'].map((s) =>
          h('div', { class: `card ${s}` }, h('div', { class: 'n' }, fmt(counts[s], getLang())), h('div', { class: 'label' }, t(`state.${s}`))))),
        session.via ? h('div', { class: 'actions' }, revoke, revokeMsg) : null)),
    h('h2', null, t('device.findings')),
    fl.findings.length ? null : h('p', { class: 'muted' }, t('device.no_report')),
    GROUPS.filter((g) => byStatus.get(g).length).map((g) => h('section', { class: 'group', 'data-group': g },
      h('h3', { class: 'group-title' }, badge(g), ' ', t('device.group_count', { n: byStatus.get(g).length })),
      byStatus.get(g).map((f) => findingView(cat, f, report, platform)))),
    h('h2', null, t('device.history')),
    histBox);
}
