// SPDX-License-Identifier: Apache-2.0
// The checklist: every control of the guidance with the fleet's results on its checks and the
// register's decision; filtered here (a few hundred rows), exported by the server.
import * as api from '../api.js';
import { h, mount, table, fmt } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';
import { categoryName, controlLink } from './common.js';
import { exportButtons, decisionText } from './register.js';

function measuredText(m, devices) {
  if (!m.devices) return devices ? t('checklist.not_measured') : '';
  if (m.fail) return t('checklist.fail_on', { n: m.fail, m: m.devices });
  if (m.unknown) return t('checklist.unknown_on', { n: m.unknown, m: m.devices });
  return t('checklist.pass_on', { n: m.pass, m: m.devices });
}

export async function checklistPage({ app, params, go, isCurrent }) {
  const [cat, cl] = await Promise.all([api.getCatalog(), api.get('/v1/checklist')]);
  if (!isCurrent()) return;
  const lang = getLang();
  const f = { category: params.get('category') || '', priority: params.get('priority') || '', q: params.get('q') || '', failing: params.get('failing') || '' };
  const form = h('form', { class: 'filters', 'data-testid': 'checklist-filters' },
    h('label', null, t('checklist.category'), h('select', { name: 'category' }, h('option', { value: '' }, t('common.all')),
      cat.categories.map((c) => h('option', { value: c.id, selected: c.id === f.category }, tx(c.name))))),
    h('label', null, t('checklist.priority'), h('select', { name: 'priority' }, h('option', { value: '' }, t('common.all')),
      ['first', 'next', 'out'].map((p) => h('option', { value: p, selected: p === f.priority }, t(`priority.${p}`))))),
    h('label', null, t('checklist.search'), h('input', { type: 'search', name: 'q', value: f.q })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'failing', checked: f.failing === '1' }), t('checklist.only_failing')),
    h('button', { type: 'submit' }, t('common.apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    go('/checklist', { category: d.get('category'), priority: d.get('priority'), q: (d.get('q') || '').trim(), failing: d.get('failing') ? '1' : '' });
  });
  const q = f.q.toLowerCase();
  const rows = cl.rows.filter((r) => {
    const c = cat.controlById.get(r.id);
    if (!c) return false;
    if (f.category && c.category !== f.category) return false;
    if (f.priority && c.priority !== f.priority) return false;
    if (f.failing && !r.measured.fail) return false;
    if (q && !`${c.id} ${c.label} ${tx(c.title)} ${tx(c.text)}`.toLowerCase().includes(q)) return false;
    return true;
  }).map((r) => {
    const c = cat.controlById.get(r.id);
    return {
      attrs: { 'data-control': r.id },
      cells: [c.mark, controlLink(cat, r.id), tx(c.title), categoryName(cat, c.category), t(`level.${c.level}`),
        r.checks.length ? h('span', null, r.checks.map((x, i) => [i ? ', ' : '', h('a', { href: `#/check/${encodeURIComponent(x.check)}` }, x.check), x.fail ? h('span', { class: 'error' }, ` ✕${x.fail}`) : null])) : h('span', { class: 'muted' }, t('checklist.manual')),
        h('span', { class: r.measured.fail ? 'error' : '' }, measuredText(r.measured, cl.devices)),
        h('span', { class: r.overdue ? 'error' : '' }, decisionText(r.entry), r.overdue ? ` ${t('checklist.overdue')}` : ''),
        h('a', { href: `#/register?edit=${encodeURIComponent(r.id)}` }, t('common.edit'))],
    };
  });
  const p = cl.progress;
  mount(app,
    h('h1', null, t('checklist.title')),
    h('p', { class: 'muted' }, t('checklist.intro', { devices: fmt(cl.devices, lang) })),
    h('p', { 'data-testid': 'progress' }, t('checklist.progress', { rows: p.rows, automated: p.automated, done: p.done, planned: p.planned, overdue: p.overdue, not_needed: p.not_needed, undecided: p.undecided, first_open: p.first_open })),
    exportButtons('checklist'),
    form,
    h('p', { class: 'muted' }, t('checklist.shown', { n: rows.length })),
    table([{ label: t('checklist.mark') }, { label: t('common.control'), cls: 'nowrap' }, { label: t('common.title') }, { label: t('checklist.category') },
      { label: t('checklist.level'), cls: 'nowrap' }, { label: t('checklist.checks'), cls: 'small' }, { label: t('checklist.measured'), cls: 'nowrap' },
      { label: t('register.decision'), cls: 'nowrap' }, { label: '', cls: 'nowrap' }],
    rows, { 'data-testid': 'checklist-table', class: 'checklist' }));
}
