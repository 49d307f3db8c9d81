// SPDX-License-Identifier: Apache-2.0
// The organization's risk register (docs/register.md): the entries, an edit form per
// control, and the exports.
import * as api from '../api.js';
import { h, mount, table } from '../dom.js';
import { t, tx, getLang } from '../i18n.js';
import { controlLink, time } from './common.js';

const AXES = ['confidentiality', 'integrity', 'availability', 'accountability'];
const IMPACTS = ['critical', 'serious', 'minor'];
const DECISIONS = ['done', 'will-do', 'not-needed'];

export function exportButtons(kind) {
  const lang = getLang();
  return h('div', { class: 'actions', 'data-testid': `export-${kind}` },
    h('span', { class: 'muted' }, t('export.label')),
    h('a', { class: 'button secondary', href: `/v1/${kind}.csv?lang=${lang}`, download: `mamori-${kind}.csv`, 'data-testid': `export-${kind}-csv` }, 'CSV'),
    h('a', { class: 'button secondary', href: `/v1/${kind}.xlsx?lang=${lang}`, download: `mamori-${kind}.xlsx`, 'data-testid': `export-${kind}-xlsx` }, 'XLSX'));
}

export function decisionText(en) {
  if (!en || !en.decision) return t('register.undecided');
  return t(`decision.${en.decision}`) + (en.deadline ? ` (${en.deadline})` : '');
}

function options(name, value, values, prefix) {
  return h('select', { name, 'data-testid': `entry-${name}` },
    h('option', { value: '', selected: !value }, t('register.not_set')),
    values.map((v) => h('option', { value: v, selected: v === value }, t(`${prefix}.${v}`))));
}

function entryForm(cat, control, entry, onSaved, onCancel) {
  const e = entry || {};
  const impact = e.impact || {};
  const msg = h('span', { class: 'error', 'data-testid': 'entry-error', role: 'alert' });
  const c = cat.controlById.get(control);
  const form = h('form', { class: 'entry', 'data-testid': 'entry-form', 'data-control': control },
    h('h3', { class: 'wide' }, t('register.editing'), ' ', c ? `${c.label} — ${tx(c.title)}` : control),
    c ? h('p', { class: 'wide muted' }, tx(c.text)) : null,
    h('label', { class: 'wide' }, t('register.state'), h('textarea', { name: 'state', 'data-testid': 'entry-state' }, e.state || '')),
    AXES.map((a) => h('label', null, t(`axis.${a}`), options(a, impact[a], IMPACTS, 'impact'))),
    h('label', null, t('register.decision'), options('decision', e.decision, DECISIONS, 'decision')),
    h('label', null, t('register.deadline'), h('input', { type: 'date', name: 'deadline', value: e.deadline || '', 'data-testid': 'entry-deadline' })),
    h('label', null, t('register.owner'), h('input', { type: 'text', name: 'owner', value: e.owner || '', 'data-testid': 'entry-owner' })),
    h('label', { class: 'wide' }, t('register.reason'), h('textarea', { name: 'reason', 'data-testid': 'entry-reason' }, e.reason || '')),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit', 'data-testid': 'entry-save' }, t('common.save')),
      h('button', { type: 'button', class: 'secondary', on: { click: onCancel } }, t('common.cancel')), msg));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    const body = { state: d.get('state'), decision: d.get('decision'), deadline: d.get('deadline'), owner: d.get('owner'), reason: d.get('reason'), impact: {} };
    for (const a of AXES) body.impact[a] = d.get(a);
    msg.textContent = '';
    try {
      const saved = await api.put(`/v1/register/${encodeURIComponent(control)}`, body);
      onSaved(saved);
    } catch (err) {
      msg.textContent = err.message;
    }
  });
  return form;
}

export async function registerPage({ app, params, go, isCurrent }) {
  const [cat, reg] = await Promise.all([api.getCatalog(), api.get('/v1/register')]);
  if (!isCurrent()) return;
  const byControl = new Map(reg.entries.map((e) => [e.control, e]));
  const editing = params.get('edit');
  const saved = params.get('saved');
  const formBox = h('div');
  if (editing && cat.controlById.has(editing)) {
    formBox.append(entryForm(cat, editing, byControl.get(editing),
      (entry) => go('/register', { saved: entry.control }), () => go('/register')));
  }
  const picker = h('select', { 'data-testid': 'add-control' },
    h('option', { value: '' }, t('register.pick')),
    cat.controls.map((c) => h('option', { value: c.id }, `${c.label} ${tx(c.title)}`)));
  const rows = reg.entries.map((e) => ({
    attrs: { 'data-control': e.control, class: e.control === saved ? 'saved' : null },
    cells: [controlLink(cat, e.control), cat.controlById.has(e.control) ? tx(cat.controlById.get(e.control).title) : '',
      h('span', { 'data-field': 'state' }, e.state || ''),
      AXES.map((a) => (e.impact && e.impact[a] ? h('div', null, `${t(`axis.${a}`)}: ${t(`impact.${e.impact[a]}`)}`) : null)),
      h('span', { 'data-field': 'decision' }, decisionText(e)), e.owner || '', e.reason || '',
      h('span', null, time(e.updated_at), e.updated_by ? ` ${e.updated_by}` : ''),
      h('a', { href: `#/register?edit=${encodeURIComponent(e.control)}`, 'data-testid': 'edit' }, t('common.edit'))],
  }));
  mount(app,
    h('h1', null, t('register.title')),
    h('p', { class: 'muted' }, t('register.intro')),
    exportButtons('register'),
    saved ? h('p', { class: 'ok', 'data-testid': 'saved' }, t('register.saved', { control: saved })) : null,
    formBox,
    h('div', { class: 'actions' }, picker,
      h('button', { type: 'button', class: 'secondary', 'data-testid': 'add-entry', on: { click: () => picker.value && go('/register', { edit: picker.value }) } }, t('register.add'))),
    rows.length
      ? table([{ label: t('common.control') }, { label: t('common.title') }, { label: t('register.state') }, { label: t('register.impact') },
        { label: t('register.decision') }, { label: t('register.owner') }, { label: t('register.reason') }, { label: t('register.updated') }, { label: '' }],
      rows, { 'data-testid': 'register-table' })
      : h('p', { class: 'muted', 'data-testid': 'register-empty' }, t('register.empty')));
}
