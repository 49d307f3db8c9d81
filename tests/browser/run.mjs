// SPDX-License-Identifier: Apache-2.0
// The dashboard in Debian's Chromium, driven by Playwright (tests/browser/test_dashboard.sh
// starts mamorid with real agents' reports and sets the environment):
//   MAMORI_URL, MAMORI_CA, MAMORI_ADMIN_CERT, MAMORI_ADMIN_KEY, SCREENSHOTS, CHROMIUM.
// Each step compares what the page shows with what the API answers.
import { chromium } from 'playwright-core';
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

  await step('without a certificate: the sign-in screen, in the browser\'s language (ja-JP)', async () => {
    // Another browser, Japanese, with no client certificate and no stored choice.
    const bare = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-bare-')), {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, ignoreHTTPSErrors: true, locale: 'ja-JP',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const p = bare.pages()[0] || (await bare.newPage());
      const seen = [];
      p.on('console', (m) => /Content[- ]Security[- ]Policy|Refused to/i.test(m.text()) && seen.push(m.text()));
      await p.goto(`${URL_}/`);
      await p.waitForSelector('[data-testid="signin-form"]');
      assert.equal(await p.evaluate(() => document.documentElement.lang), 'ja');
      assert.equal(await p.locator('.signin h1').innerText(), 'サインイン');
      assert.ok(await p.locator('#nav').isHidden(), 'no navigation before signing in');
      // The sign-in request goes out as the contract says; this server has no sessions yet.
      const [req] = await Promise.all([p.waitForRequest((r) => r.url().endsWith('/v1/session') && r.method() === 'POST'),
        (async () => {
          await p.fill('input[name="name"]', 'admin');
          await p.fill('input[name="password"]', 'correct horse');
          await p.fill('input[name="code"]', '123456');
          await p.click('.signin button[type="submit"]');
        })()]);
      assert.deepEqual(JSON.parse(req.postData()), { name: 'admin', password: 'correct horse', code: '123456' });
      assert.equal(req.headers()['content-type'], 'application/json');
      assert.ok('x-csrf-token' in req.headers(), 'X-CSRF-Token sent');
      await p.waitForFunction(() => document.querySelector('[data-testid="signin-error"]').textContent.length > 0);
      await p.screenshot({ path: path.join(SHOTS, 'signin.png'), fullPage: true });
      assert.deepEqual(seen, []);
    } finally {
      await bare.close();
    }
  });

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
