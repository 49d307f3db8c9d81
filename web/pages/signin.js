// SPDX-License-Identifier: Apache-2.0
// Signing in: name, password and a TOTP code or a recovery code (POST /v1/session).
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';

export function signinPage({ app, onSignedIn }) {
  const msg = h('p', { class: 'error', role: 'alert', 'data-testid': 'signin-error' });
  const form = h('form', { 'data-testid': 'signin-form' },
    h('label', null, t('signin.name'), h('input', { type: 'text', name: 'name', autocomplete: 'username', required: true })),
    h('label', null, t('signin.password'), h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true })),
    h('label', null, t('signin.code'), h('input', { type: 'text', name: 'code', autocomplete: 'one-time-code', inputmode: 'text', required: true, pattern: '[0-9]{6}|[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}', placeholder: '123456' })),
    h('p', { class: 'muted' }, t('signin.code_hint')),
    h('button', { type: 'submit' }, t('signin.submit')),
    msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const d = new FormData(form);
    msg.textContent = '';
    try {
      const s = await api.request('POST', '/v1/session', { name: d.get('name'), password: d.get('password'), code: String(d.get('code')).trim() }, { quiet401: true });
      onSignedIn(s);
    } catch (err) {
      // A locked account gets the same 401 as a wrong password: the answer must not tell
      // which names exist (docs/admin.md), so the message names both.
      if (err.status === 401) msg.textContent = t('signin.wrong');
      else if (err.status === 429) msg.textContent = t('signin.too_fast');
      else if (err.status === 404 || err.status === 405) msg.textContent = t('signin.unavailable');
      else msg.textContent = err.message;
    }
  });
  mount(app, h('div', { class: 'signin' }, h('h1', null, t('signin.title')), h('p', { class: 'muted' }, t('signin.intro')), form));
}
