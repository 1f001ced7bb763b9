// Browser test of the registry's public directory and /verify page, on a
// real registry (its own PostgreSQL from scripts/pg-temp) that a real
// synthetic clinic enrolled with, pushed to and sent its listing to. A
// phone (390x844, touch, no JavaScript) finds the designated therapist by
// protocol and state, downloads their certificate and checks it on
// /verify: valid; the same certificate changed by hand: tampered; a
// revoked one leaves the directory. On the way: every field is labelled,
// every target is at least 44 CSS pixels, text meets WCAG 2.1 AA contrast
// (computed here from the computed styles), and no page scrolls sideways.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const L = require('./lib.js');

const binary = process.env.TOUCHSTONE || path.join(L.root, 'touchstone');
const env = { ...process.env, TZ: 'UTC' };
const run = (args) => execFileSync(binary, args, { encoding: 'utf8', env }).trim();
const psql = (conn, q) => execFileSync('psql', [conn, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', q], { encoding: 'utf8' }).trim();
const THERAPIST = 'Synthetic Rowan Example, LMT';

// A PostgreSQL of the test's own, stopped at exit.
function postgres(dir) {
  fs.chmodSync(dir, 0o755); // the server runs as postgres when we are root
  const pgdir = path.join(dir, 'pg');
  const conn = execFileSync(path.join(L.root, 'scripts', 'pg-temp'), ['start', pgdir, '--fast'], { encoding: 'utf8' }).trim();
  // Before the folder is removed (its handler was added first).
  process.prependListener('exit', () => {
    try { execFileSync(path.join(L.root, 'scripts', 'pg-temp'), ['stop', pgdir], { stdio: 'ignore' }); } catch (e) { /* stopped */ }
  });
  return conn;
}

// `touchstone registry serve` on a free port; resolves to its URL.
function registryServe(conn, key) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['registry', 'serve', '--pg', conn, '--key', key, '--listen', '127.0.0.1:0'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // Before PostgreSQL stops and the folder goes.
    process.prependListener('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error('registry serve did not start: ' + err)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+?)\/?\s/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => { clearTimeout(timer); if (!out.includes('listening on')) reject(new Error(`registry serve exited ${code}: ${err}`)); });
  });
}

// The registry with one clinic (in Oregon, ZIP 972xx) listing one
// therapist who holds a low-back-pain certificate; returns what the test
// needs.
async function setup() {
  const dir = L.tempDir('ts-browser-directory-');
  const conn = postgres(dir);
  const key = path.join(dir, 'registry.key');
  run(['registry', 'init', '--pg', conn, '--key', key]);
  const url = await registryServe(conn, key);
  const db = path.join(dir, 'clinic.db');
  const at = (...args) => run(['--db', db, ...args]);
  at('demo');
  at('practitioner', 'consent', '1', '--registry', 'yes');
  const clinic = JSON.parse(at('registry', 'enroll', '--url', url, '--json')).clinic;
  run(['registry', 'clinic', 'approve', String(clinic), '--pg', conn]);
  at('push');
  at('clinic', 'set', '--state', 'OR', '--zip3', '972');
  at('practitioner', 'consent', '1', '--directory', 'yes', '--display-name', THERAPIST);
  at('registry', 'directory');
  // The demo's practitioner 1 is designated in low back pain by NPRS.
  const file = path.join(dir, 'issued.json');
  at('registry', 'certify', '--practitioner', '1', '--protocol', 'low-back-pain', '--instrument', 'nprs', '--out', file);
  const issuedText = fs.readFileSync(file, 'utf8');
  const issued = JSON.parse(issuedText);
  const certs = [issued.certificate.id];
  const revoke = (id) => run(['registry', 'revoke', '--pg', conn, '--key', key, '--certificate', String(id), '--reason', 'synthetic revocation']);
  return { url, conn, dir, certs, issued, issuedText, revoke };
}

// Labels, target sizes, contrast and width of the page as it is.
async function accessible(page, what) {
  const fields = await page.locator('input:not([type=hidden]), select, textarea').all();
  L.assert(fields.length >= 1, `${what}: fields found`);
  for (const field of fields) {
    const info = await field.evaluate((el) => {
      const label = el.labels && el.labels[0];
      const r = el.getBoundingClientRect();
      return { id: el.id, labelled: !!(label && label.innerText.trim()), w: r.width, h: r.height };
    });
    L.assert(info.labelled, `${what}: field ${info.id} has a label with text`);
    L.assert(info.w >= 44 && info.h >= 44, `${what}: field ${info.id} is ${info.w}x${info.h}`);
  }
  for (const el of await page.locator('main a, button').all()) {
    const r = await el.boundingBox();
    L.assert(r && r.height >= 44, `${what}: target '${await el.innerText()}' is ${r && r.height} high`);
  }
  const samples = await page.evaluate(() => {
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.closest('.sr') || el.closest('option')) continue;
      const st = getComputedStyle(el);
      if (st.visibility === 'hidden' || st.display === 'none') continue;
      let bg = null;
      for (let a = el; a; a = a.parentElement) {
        const c = rgb(getComputedStyle(a).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) { bg = c.slice(0, 3); break; }
      }
      out.push({ text: el.textContent.trim().slice(0, 30), color: rgb(st.color).slice(0, 3), bg: bg || [255, 255, 255], size: parseFloat(st.fontSize), weight: Number(st.fontWeight) || 400 });
    }
    return out;
  });
  L.assert(samples.length > 5, `${what}: text found`);
  for (const s of samples) {
    const large = s.size >= 24 || (s.size >= 18.66 && s.weight >= 700);
    const ratio = L.contrast(s.color, s.bg);
    L.assert(ratio >= (large ? 3 : 4.5), `${what}: contrast ${ratio.toFixed(2)} of '${s.text}'`);
  }
  L.assert(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, `${what}: no sideways scroll at 390px`);
  L.assert(await page.locator('script').count() === 0, `${what}: no script`);
}

async function main() {
  const reg = await setup();
  const context = await L.browser({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, javaScriptEnabled: false });
  try {
    const page = await L.watchedPage(context);
    let downloaded;
    await L.run([
      ['a phone finds the designated therapist by protocol and state', async () => {
        await page.goto(reg.url + '/directory');
        await accessible(page, 'the search');
        await page.getByLabel('Condition treated (protocol)').selectOption({ label: 'Chronic low back pain' });
        await page.getByLabel('State').fill('OR');
        await Promise.all([page.waitForURL(/\/directory\?/), page.getByRole('button', { name: 'Search' }).tap()]);
        L.assert(new URL(page.url()).searchParams.get('protocol') === 'low-back-pain', 'the protocol searched');
        const item = page.locator(`#certificate-${reg.certs[0]}`);
        L.assert(await item.locator('h3').innerText() === THERAPIST, 'the therapist is found');
        const text = await item.innerText();
        L.assert(/Chronic low back pain/.test(text) && /OR ZIP 972xx/.test(text) && /entry 0/.test(text), 'what the entry says: ' + text);
        L.assert(await page.locator('ul.results > li').count() === 1, 'one designation for low back pain');
        await accessible(page, 'the results');
        await L.shot(page, 'directory-01-results');
        const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: /Download the certificate/ }).tap()]);
        downloaded = path.join(L.outDir, 'registry-certificate.json');
        await download.saveAs(downloaded);
        L.assert(fs.readFileSync(downloaded, 'utf8').trim() === reg.issuedText.trim(), 'the certificate downloaded is the one issued');
        page.check();
      }],
      ['the physician checks the certificate on /verify', async () => {
        await page.goto(reg.url + '/verify');
        await accessible(page, 'the verify form');
        await page.getByLabel('Certificate file').setInputFiles(downloaded);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the certificate' }).tap()]);
        await page.locator('#verdict-valid').waitFor();
        L.assert(/Valid/.test(await page.locator('#verdict-valid').innerText()), 'valid');
        const main = await page.locator('main').innerText();
        L.assert(main.includes(reg.issued.certificate.practitioner.name) && /Chronic low back pain/.test(main) && /reproducible/.test(main), 'what it states: ' + main);
        L.assert(/hold[s]? it at that entry today/.test(main), 'the log holds it');
        await accessible(page, 'the verdict');
        await L.shot(page, 'directory-02-valid');
        // The same certificate changed by hand, pasted: tampered.
        const changed = JSON.parse(fs.readFileSync(downloaded, 'utf8'));
        changed.certificate.designation = 'the best';
        page.allow(/status of 400/);
        await page.goto(reg.url + '/verify');
        await page.getByLabel('Or paste the certificate').fill(JSON.stringify(changed));
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the certificate' }).tap()]);
        await page.locator('#verdict-tampered').waitFor();
        await L.shot(page, 'directory-03-tampered');
        page.check();
      }],
      ['a revoked designation leaves the directory at once', async () => {
        reg.revoke(reg.certs[0]);
        await page.goto(reg.url + '/directory?protocol=low-back-pain&state=OR');
        L.assert(await page.locator('ul.results > li').count() === 0, 'gone');
        L.assert(/0 therapist designations found/.test(await page.locator('#results').innerText()), 'the count says so');
        await page.goto(reg.url + '/verify');
        await page.getByLabel('Certificate file').setInputFiles(downloaded);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Check the certificate' }).tap()]);
        await page.locator('#verdict-revoked').waitFor();
        page.check();
      }],
    ]);
  } finally {
    await context.close();
  }
}

// process.exit runs the exit handlers that stop the registry server and
// its PostgreSQL; without it their open pipes would keep node waiting.
main()
  .catch((e) => { console.log('browser: FAIL directory setup'); console.log(e.stack || e); process.exitCode = 1; })
  .finally(() => process.exit());
