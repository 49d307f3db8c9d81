// SPDX-License-Identifier: Apache-2.0
// The interface's words (web/i18n/{en,ja}.json) and the chosen language: remembered in
// localStorage, by default the browser's (its Accept-Language).

const KEY = 'mamori.lang';
let lang = 'en';
let words = {};
let fallback = {};

export function detect() {
  let saved = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch (e) {
    saved = null;
  }
  if (saved === 'ja' || saved === 'en') return saved;
  const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const p of prefs) {
    const l = String(p).toLowerCase();
    if (l.startsWith('ja')) return 'ja';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

async function load(l) {
  const r = await fetch(`/static/i18n/${l}.json`, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`i18n ${l}: ${r.status}`);
  return r.json();
}

export async function setLang(l, remember) {
  lang = l === 'ja' ? 'ja' : 'en';
  if (!Object.keys(fallback).length) fallback = await load('en');
  words = lang === 'en' ? fallback : await load(lang);
  document.documentElement.lang = lang;
  if (remember) {
    try {
      localStorage.setItem(KEY, lang);
    } catch (e) {
      // private mode: the choice lasts for this page only
    }
  }
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

export function getLang() {
  return lang;
}

// t('overview.title'), t('devices.total', {n: 3}): {name} placeholders.
export function t(key, vars) {
  let s = words[key] ?? fallback[key] ?? key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
  return s;
}

// A catalog text {en, ja} in the current language.
export function tx(text) {
  if (!text) return '';
  return text[lang] || text.en || '';
}
