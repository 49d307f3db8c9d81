// SPDX-License-Identifier: Apache-2.0
// The dashboard in Debian's Chromium, driven by Playwright (tests/browser/test_dashboard.sh
// starts mamorid with real agents' reports and sets the environment):
//   MAMORI_URL, MAMORI_CA, MAMORI_ADMIN_CERT, MAMORI_ADMIN_KEY, SCREENSHOTS, CHROMIUM.
// Each step compares what the page shows with what the API answers.
import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const URL_ = env('MAMORI_URL');

// RFC 6238 (SHA-1, 6 digits, 30 s) computed here, apart from mamorid's liboath.
function totp(base32, stepOffset = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of base32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + stepOffset));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}
const SHOTS = env('SCREENSHOTS');
fs.mkdirSync(SHOTS, { recursive: true });
const origin = new URL(URL_).origin;

const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-chromium-'));
const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-downloads-'));
const context = await chromium.launchPersistentContext(userData, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
  locale: 'en-US',
  acceptDownloads: true,
  downloadsPath: downloads,
  // The server's certificate is verified against mamorid's CA (NODE_EXTRA_CA_CERTS, set by
  // test_dashboard.sh) by Playwright's client-certificate proxy.
  ignoreHTTPSErrors: false,
  clientCertificates: [{ origin, certPath: env('MAMORI_ADMIN_CERT'), keyPath: env('MAMORI_ADMIN_KEY') }],
  viewport: { width: 1280, height: 900 },
});

const failures = [];
const cspViolations = [];
let passed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok: ${name}`);
  } catch (err) {
    failures.push(`${name}: ${err.stack || err}`);
    console.log(`FAIL: ${name}: ${err.message}`);
  }
}

const page = context.pages()[0] || (await context.newPage());
// A listener in every document, before the app's own code: CSP violations of any kind.
await context.addInitScript(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
  });
});
page.on('console', (m) => {
  const text = m.text();
  if (/Content[- ]Security[- ]Policy|Refused to/i.test(text)) cspViolations.push(`console: ${text}`);
  if (m.type() === 'error') console.log(`  console error: ${text}`);
});
page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));

// The API as the page's own client certificate sees it.
async function api(p) {
  const r = await context.request.get(URL_ + p);
  assert.equal(r.status(), 200, `${p}: ${r.status()} ${await r.text()}`);
  return r.json();
}

async function collectCsp() {
  const list = await page.evaluate(() => window.__csp || []).catch(() => []);
  cspViolations.push(...list);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function open(hash) {
  await collectCsp();
  await page.goto(`${URL_}/${hash}`);
  await page.waitForSelector('body[data-ready="1"]');
}

const text = (sel) => page.locator(sel).first().innerText();

try {
  await step('the SPA loads with its headers (CSP, ETag, 304)', async () => {
    const r = await context.request.get(`${URL_}/`);
    assert.equal(r.status(), 200);
    const hd = r.headers();
    assert.match(hd['content-security-policy'], /default-src 'none'; script-src 'self'/);
    assert.equal(hd['x-frame-options'], 'DENY');
    assert.equal(hd['referrer-policy'], 'no-referrer');
    assert.equal(hd['x-content-type-options'], 'nosniff');
    assert.ok(hd.etag, 'ETag');
    const again = await context.request.get(`${URL_}/static/app.js`, { headers: { 'If-None-Match': (await context.request.get(`${URL_}/static/app.js`)).headers().etag } });
    assert.equal(again.status(), 304);
  });

  await step('overview counts match the API, charts drawn', async () => {
    await open('#/');
    await page.waitForSelector('[data-testid="counts"]');
    const o = await api('/v1/overview');
    for (const k of ['total', 'pass', 'fail', 'unknown', 'stale', 'none', 'revoked']) {
      const shown = await page.getAttribute(`[data-testid="count-${k}"]`, 'data-count');
      assert.equal(Number(shown), o.devices[k], `count ${k}`);
    }
    assert.ok(o.devices.total >= 4 && o.devices.stale >= 1 && o.devices.none >= 1, JSON.stringify(o.devices));
    assert.ok(await page.locator('svg[data-testid="chart-trend"] polyline').count() >= 4, 'trend lines');
    const bars = await page.locator('svg[data-testid="chart-topics"] rect.bar').count();
    assert.ok(bars >= o.topics.length, `topic bars: ${bars}`);
    assert.ok(await page.locator('svg[data-testid="chart-categories"] rect.bar').count() >= 1, 'category bars');
    const worst = await page.locator('[data-testid="worst-devices"] tbody tr').count();
    assert.equal(worst, o.worst.length);
    const stale = await page.locator('[data-testid="stale-devices"] a.device-link').allInnerTexts();
    assert.deepEqual(stale, o.stale.map((d) => d.hostname));
    await shot('overview');
  });

  let deviceId = null;
  await step('a device: ledger, a failing finding with its evidence and fix, history', async () => {
    const o = await api('/v1/overview');
    deviceId = o.worst[0].id;
    await page.click(`[data-testid="worst-devices"] a[data-id="${deviceId}"]`);
    await page.waitForSelector('[data-testid="device-title"]');
    const d = await api(`/v1/devices/${deviceId}`);
    assert.match(await text('[data-testid="device-title"]'), new RegExp(d.hostname));
    const fl = await api(`/v1/devices/${deviceId}/findings`);
    const failing = fl.findings.filter((f) => f.status === 'fail');
    assert.ok(failing.length > 0, 'the worst device fails something');
    assert.equal(await page.locator('details.finding[data-status="fail"]').count(), failing.length);
    const cat = await api('/v1/catalog');
    const f = failing[0];
    const check = cat.checks.find((c) => c.id === f.check);
    const det = page.locator(`details.finding[data-check="${f.check}"]`);
    assert.ok(await det.evaluate((e) => e.open), 'failing findings are open');
    const fix = (await det.locator('[data-testid="fix"]').innerText()).trim();
    const expected = (check.remediation.find((r) => r.platform === 'linux') || check.remediation[0]).text.en.trim();
    assert.equal(fix.replace(/\s+/g, ' '), expected.replace(/\s+/g, ' '));
    assert.ok(await det.locator('table.evidence tbody tr').count() >= 1, 'evidence rows');
    const hist = await api(`/v1/devices/${deviceId}/reports`);
    assert.equal(await page.locator('[data-testid="history"] tbody tr').count(), hist.reports.length);
    await shot('device');
  });

  await step('language: Japanese chosen, shown, and kept after a reload', async () => {
    await page.selectOption('#lang', 'ja');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    await page.waitForSelector('text=端末台帳');
    assert.equal(await text('#nav a[data-route="overview"]'), '概要');
    const fl = await api(`/v1/devices/${deviceId}/findings`);
    const cat = await api('/v1/catalog');
    const f = fl.findings.find((x) => x.status === 'fail');
    const title = cat.checks.find((c) => c.id === f.check).title.ja;
    await page.waitForSelector(`details.finding[data-check="${f.check}"] summary >> text=${title}`);
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForSelector('text=端末台帳');
    assert.equal(await page.inputValue('#lang'), 'ja');
    await shot('device-ja');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
  });

  await step('devices: filter by status and host name prefix, sort, paging', async () => {
    await open('#/devices');
    await page.waitForSelector('[data-testid="devices-table"]');
    const all = await api('/v1/devices?limit=50');
    assert.equal(await page.locator('[data-testid="devices-table"] tbody tr').count(), all.devices.length);
    await page.selectOption('[data-testid="filter-status"]', 'fail');
    await page.click('[data-testid="apply-filters"]');
    await page.waitForURL(/status=fail/);
    await page.waitForSelector('[data-testid="devices-table"]');
    const fail = await api('/v1/devices?status=fail&limit=50');
    const states = await page.locator('[data-testid="devices-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.state));
    assert.equal(states.length, fail.devices.length);
    assert.ok(states.every((s) => s === 'fail'), states.join());
    assert.match(await text('[data-testid="devices-summary"]'), new RegExp(`${fail.total} devices`));
    await open('#/devices?q=pc-old');
    await page.waitForSelector('[data-testid="devices-table"]');
    const hosts = await page.locator('[data-testid="devices-table"] a.device-link').allInnerTexts();
    assert.ok(hosts.length >= 1 && hosts.every((x) => x.startsWith('pc-old')), hosts.join());
    await open('#/devices?stale=1');
    await page.waitForSelector('[data-testid="devices-table"]');
    const stale = await api('/v1/devices?stale=1');
    assert.deepEqual(await page.locator('[data-testid="devices-table"] a.device-link').allInnerTexts(), stale.devices.map((d) => d.hostname));
    await open('#/devices?sort=worst');
    await page.waitForSelector('[data-testid="devices-table"]');
    const worst = await api('/v1/devices?sort=worst');
    assert.deepEqual(await page.locator('[data-testid="devices-table"] a.device-link').evaluateAll((a) => a.map((x) => x.dataset.id)), worst.devices.map((d) => d.id));
    const paged = await api('/v1/devices?limit=2');
    assert.ok(paged.next, 'more than two devices');
    await shot('devices');
  });

  await step('a control: its checks across the fleet and the failing devices', async () => {
    const cat = await api('/v1/catalog');
    const ov = await api('/v1/overview');
    const failingCheck = ov.checks.find((c) => c.fail > 0).check;
    const control = cat.checks.find((c) => c.id === failingCheck).controls[0];
    const x = await api(`/v1/controls/${control}/devices`);
    await open(`#/control/${control}`);
    await page.waitForSelector('[data-testid="failing-title"]');
    assert.equal(await page.locator('[data-testid="check-counts"] tbody tr').count(), x.checks.length);
    assert.ok(x.devices.length > 0);
    assert.deepEqual(await page.locator('[data-testid="failing-devices"] a.device-link').evaluateAll((a) => a.map((e) => e.dataset.id)), x.devices.map((d) => d.id));
    await shot('control');
    const y = await api(`/v1/checks/${failingCheck}/devices`);
    await open(`#/check/${failingCheck}`);
    await page.waitForSelector('[data-testid="failing-devices"]');
    assert.equal(await page.locator('[data-testid="failing-devices"] tbody tr').count(), y.devices.length);
    assert.equal(y.devices.length, y.counts.fail);
    await shot('check');
  });

  await step('register: edit, save, the saved value shown and stored', async () => {
    await open('#/register');
    await page.waitForSelector('[data-testid="add-control"]');
    await page.selectOption('[data-testid="add-control"]', 'csaj-5.1.1');
    await page.click('[data-testid="add-entry"]');
    await page.waitForSelector('[data-testid="entry-form"]');
    // A bad entry first: will-do without a deadline is refused with the register's rule.
    await page.fill('[data-testid="entry-state"]', 'Set up by the vendor; AV checked on delivery');
    await page.selectOption('[data-testid="entry-decision"]', 'will-do');
    await page.click('[data-testid="entry-save"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="entry-error"]').textContent.length > 0);
    assert.match(await text('[data-testid="entry-error"]'), /deadline: required when the decision is will-do/);
    await page.fill('[data-testid="entry-deadline"]', '2026-12-31');
    await page.fill('[data-testid="entry-owner"]', 'Sato (IT)');
    await page.selectOption('select[name="confidentiality"]', 'critical');
    await page.click('[data-testid="entry-save"]');
    await page.waitForSelector('[data-testid="saved"]');
    const row = page.locator('[data-testid="register-table"] tr[data-control="csaj-5.1.1"]');
    assert.match(await row.locator('[data-field="state"]').innerText(), /AV checked on delivery/);
    assert.match(await row.locator('[data-field="decision"]').innerText(), /Will do \(2026-12-31\)/);
    const reg = await api('/v1/register');
    const e = reg.entries.find((x) => x.control === 'csaj-5.1.1');
    assert.equal(e.decision, 'will-do');
    assert.equal(e.deadline, '2026-12-31');
    assert.equal(e.impact.confidentiality, 'critical');
    assert.equal(e.owner, 'Sato (IT)');
    await shot('register');
  });

  async function download(testid) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid="${testid}"]`)]);
    const p = path.join(downloads, dl.suggestedFilename());
    await dl.saveAs(p);
    return { name: dl.suggestedFilename(), data: fs.readFileSync(p) };
  }

  await step('exports: register and checklist as CSV and XLSX', async () => {
    await open('#/register');
    await page.waitForSelector('[data-testid="export-register-csv"]');
    const csv = await download('export-register-csv');
    assert.equal(csv.name, 'mamori-register.csv');
    const lines = csv.data.toString('utf8').split('\r\n');
    assert.match(lines[0], /^"ID","Priority","Source"/);
    assert.ok(lines.some((l) => l.startsWith('"csaj-5.1.1"') && l.includes('"will-do"') && l.includes('"2026-12-31"')), 'the saved entry in the CSV');
    const xlsx = await download('export-register-xlsx');
    assert.equal(xlsx.data.subarray(0, 4).toString('binary'), 'PK\x03\x04');
    assert.ok(xlsx.data.includes(Buffer.from('xl/worksheets/sheet1.xml')), 'the workbook has its sheet');
    await open('#/checklist');
    await page.waitForSelector('[data-testid="checklist-table"]');
    const cl = await api('/v1/checklist');
    assert.equal(await page.locator('[data-testid="checklist-table"] tbody tr').count(), cl.rows.length);
    await shot('checklist');
    const ccsv = await download('export-checklist-csv');
    const clines = ccsv.data.toString('utf8').split('\r\n').filter(Boolean);
    assert.equal(clines.length, cl.rows.length + 1);
    const cx = await download('export-checklist-xlsx');
    assert.ok(cx.data.includes(Buffer.from('xl/worksheets/sheet1.xml')));
  });

  // A browser with no client certificate: an administrator signs in with password and TOTP.
  const bare = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-bare-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, ignoreHTTPSErrors: true, locale: 'ja-JP',
    acceptDownloads: true, downloadsPath: downloads, viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const sp = bare.pages()[0] || (await bare.newPage());
  sp.on('console', (m) => /Content[- ]Security[- ]Policy|Refused to/i.test(m.text()) && cspViolations.push(`signed-in page: ${m.text()}`));
  sp.on('pageerror', (e) => failures.push(`page error (signed in): ${e.message}`));
  const signinAs = async (p, name, password, code) => {
    await p.fill('input[name="name"]', name);
    await p.fill('input[name="password"]', password);
    await p.fill('input[name="code"]', code);
    const [resp] = await Promise.all([
      p.waitForResponse((r) => r.url().endsWith('/v1/session') && r.request().method() === 'POST'),
      p.click('.signin button[type="submit"]'),
    ]);
    return resp;
  };
  const wrongShown = (p) => p.waitForFunction(() => document.querySelector('[data-testid="signin-error"]')?.textContent.length > 0);
  let csrf = null;

  await step('sign in with password and TOTP: the session cookie, then the fleet', async () => {
    await sp.goto(`${URL_}/`);
    await sp.waitForSelector('[data-testid="signin-form"]');
    assert.equal(await sp.evaluate(() => document.documentElement.lang), 'ja');
    assert.equal(await sp.locator('.signin h1').innerText(), 'サインイン');
    assert.ok(await sp.locator('#nav').isHidden(), 'no navigation before signing in');
    assert.equal((await sp.request.get(`${URL_}/v1/overview`)).status(), 401, 'no data without signing in');
    await sp.screenshot({ path: path.join(SHOTS, 'signin.png'), fullPage: true });
    // A right password with a wrong code is not enough.
    let r = await signinAs(sp, env('MAMORI_SIGNIN_NAME'), env('MAMORI_SIGNIN_PASSWORD'), totp(env('MAMORI_SIGNIN_KEY'), 10));
    assert.equal(r.status(), 401);
    await wrongShown(sp);
    assert.match(await sp.locator('[data-testid="signin-error"]').innerText(), /正しくありません/);
    r = await signinAs(sp, env('MAMORI_SIGNIN_NAME'), env('MAMORI_SIGNIN_PASSWORD'), totp(env('MAMORI_SIGNIN_KEY')));
    assert.equal(r.status(), 200, await r.text());
    csrf = (await r.json()).csrf;
    assert.match(csrf, /^[0-9a-f]{64}$/);
    await sp.waitForSelector('[data-testid="counts"]');
    const cookies = await bare.cookies(URL_);
    const c = cookies.find((x) => x.name === '__Host-mamori');
    assert.ok(c, `session cookie: ${JSON.stringify(cookies)}`);
    assert.equal(c.httpOnly, true);
    assert.equal(c.secure, true);
    assert.equal(c.sameSite, 'Strict');
    assert.equal(c.path, '/');
    assert.equal(await sp.evaluate(() => document.cookie), '', 'the page cannot read its session');
    assert.equal(await sp.locator('#who').innerText(), env('MAMORI_SIGNIN_NAME'));
    const o = await api('/v1/overview');
    for (const k of ['total', 'pass', 'fail', 'stale', 'none']) {
      assert.equal(Number(await sp.getAttribute(`[data-testid="count-${k}"]`, 'data-count')), o.devices[k], `count ${k}`);
    }
    await sp.screenshot({ path: path.join(SHOTS, 'signed-in-overview.png'), fullPage: true });
  });

  await step('signed in: open a device, switch language, export', async () => {
    const o = await api('/v1/overview');
    const id = o.worst[0].id;
    await sp.click(`[data-testid="worst-devices"] a[data-id="${id}"]`);
    await sp.waitForSelector('[data-testid="device-title"]');
    const d = await api(`/v1/devices/${id}`);
    assert.match(await sp.locator('[data-testid="device-title"]').innerText(), new RegExp(d.hostname));
    await sp.selectOption('#lang', 'en');
    await sp.waitForFunction(() => document.documentElement.lang === 'en');
    await sp.waitForSelector('text=Device ledger');
    await sp.goto(`${URL_}/#/checklist`);
    await sp.waitForSelector('[data-testid="export-checklist-csv"]');
    const [dl] = await Promise.all([sp.waitForEvent('download'), sp.click('[data-testid="export-checklist-csv"]')]);
    const file = path.join(downloads, `signed-in-${dl.suggestedFilename()}`);
    await dl.saveAs(file);
    const cl = await api('/v1/checklist');
    assert.equal(fs.readFileSync(file, 'utf8').split('\r\n').filter(Boolean).length, cl.rows.length + 1);
  });

  await step('a CSRF attempt is refused: no token, a wrong token, another origin', async () => {
    const tokensBefore = (await api('/v1/audit?limit=500')).entries.filter((e) => e.action === 'token-create').length;
    // From the dashboard's own origin, with the cookie but without the session's token.
    const post = (headers) => sp.evaluate(async ([u, h]) => (await fetch(u, { method: 'POST', headers: h, body: '{}' })).status,
      [`${URL_}/v1/tokens`, headers]);
    assert.equal(await post({ 'Content-Type': 'application/json' }), 403, 'no X-CSRF-Token');
    assert.equal(await post({ 'Content-Type': 'application/json', 'X-CSRF-Token': '0'.repeat(64) }), 403, 'a wrong X-CSRF-Token');
    // A page of another origin on the same site (another port of this host, so the
    // SameSite=Strict cookie does go along) posts a form to mamorid: the Origin is refused.
    const evil = 'https://127.0.0.1:9/prize.html';
    await bare.route(evil, (route) => route.fulfill({
      contentType: 'text/html',
      body: `<form method="POST" action="${URL_}/v1/tokens" enctype="text/plain"><input name="{&quot;expires&quot;:&quot;24h&quot;,&quot;x&quot;:&quot;" value="&quot;}"></form>` +
        '<script>document.forms[0].submit()</script>',
    }));
    const ep = await bare.newPage();
    const [resp] = await Promise.all([
      ep.waitForResponse((r) => r.url() === `${URL_}/v1/tokens`),
      ep.goto(evil),
    ]);
    assert.equal(resp.request().headers()['origin'], 'https://127.0.0.1:9');
    assert.equal(resp.status(), 403, await resp.text());
    await ep.close();
    // A cross-origin fetch with credentials cannot read an answer, and changes nothing.
    await bare.route('https://127.0.0.1:9/blank.html', (route) => route.fulfill({ contentType: 'text/html', body: '<p>blank</p>' }));
    const ep2 = await bare.newPage();
    await ep2.goto('https://127.0.0.1:9/blank.html');
    // Chromium sends it (a "simple" request) and, with no CORS header in the answer, fails it.
    const seen = ep2.waitForEvent('requestfailed', (r) => r.url() === `${URL_}/v1/tokens`);
    const readable = await ep2.evaluate(async (u) => {
      try {
        const r = await fetch(u, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
        return `read ${r.status}`;
      } catch (e) {
        return 'blocked';
      }
    }, `${URL_}/v1/tokens`);
    assert.equal(readable, 'blocked');
    assert.equal((await seen).method(), 'POST');
    await ep2.close();
    const tokensAfter = (await api('/v1/audit?limit=500')).entries.filter((e) => e.action === 'token-create').length;
    assert.equal(tokensAfter, tokensBefore, 'no token was created by the refused requests');
    // The same request with the session's token goes through: the refusals were the CSRF rule's.
    assert.equal(await post({ 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }), 201);
    const audit = (await api('/v1/audit?limit=500')).entries;
    assert.ok(audit.some((e) => e.action === 'token-create' && e.actor === env('MAMORI_SIGNIN_NAME')), 'the token is audited');
  });

  await step('sign out ends the session', async () => {
    await sp.goto(`${URL_}/`);
    await sp.waitForSelector('#signout:not([hidden])');
    await sp.click('#signout');
    await sp.waitForSelector('[data-testid="signin-form"]');
    assert.equal((await sp.request.get(`${URL_}/v1/session`)).status(), 401);
    const audit = (await api('/v1/audit?limit=500')).entries;
    assert.ok(audit.some((e) => e.action === 'signout' && e.actor === env('MAMORI_SIGNIN_NAME')));
  });

  await step('ten wrong passwords lock the account: then even the right ones are refused', async () => {
    const name = env('MAMORI_LOCKOUT_NAME');
    for (let i = 1; i <= 10; i++) {
      const r = await signinAs(sp, name, `wrong password number ${i}`, totp(env('MAMORI_LOCKOUT_KEY')));
      assert.equal(r.status(), 401, `attempt ${i}`);
      await wrongShown(sp);
    }
    const r = await signinAs(sp, name, env('MAMORI_LOCKOUT_PASSWORD'), totp(env('MAMORI_LOCKOUT_KEY')));
    assert.equal(r.status(), 401, 'the right password and code while locked');
    await wrongShown(sp);
    assert.ok(await sp.locator('#nav').isHidden(), 'still signed out');
    await sp.screenshot({ path: path.join(SHOTS, 'locked-out.png'), fullPage: true });
    const admins = (await api('/v1/admins')).admins;
    const a = admins.find((x) => x.name === name);
    const now = Date.now() / 1000;
    assert.ok(a.locked_until > now + 29 * 60 && a.locked_until <= now + 30 * 60 + 5, JSON.stringify(a));
    const audit = (await api('/v1/audit?limit=500')).entries.filter((e) => e.target === name || e.actor === name);
    assert.equal(audit.filter((e) => e.action === 'lockout').length, 1, JSON.stringify(audit));
    assert.equal(audit.filter((e) => e.action === 'signin-failed').length, 10);
    assert.equal(audit.filter((e) => e.action === 'signin').length, 0);
  });
  await bare.close();

  await step('no Content-Security-Policy violation on any page', async () => {
    await collectCsp();
    assert.deepEqual(cspViolations, []);
  });
} finally {
  await context.close();
  fs.rmSync(userData, { recursive: true, force: true });
  fs.rmSync(downloads, { recursive: true, force: true });
}

console.log(`screenshots: ${SHOTS}`);
console.log(`${passed} passed, ${failures.length} failed`);
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
