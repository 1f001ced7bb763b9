// Shared helpers of the browser tests: a real `touchstone serve` on a free
// loopback port over a fresh database, Debian's chromium driven by
// playwright-core, console errors that fail the test, and screenshots under
// tests/browser/out/.
'use strict';
const { chromium } = require('playwright-core');
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const binary = process.env.TOUCHSTONE || path.join(root, 'touchstone');
const outDir = path.join(__dirname, 'out');
const DEMO_PASSWORD = 'touchstone-demo';

// A fresh temporary folder, removed at exit.
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Runs the binary synchronously (a setup step); returns stdout.
function ts(db, args, env) {
  return execFileSync(binary, ['--db', db, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...(env || {}) },
  });
}

// Starts `touchstone serve` on 127.0.0.1:0 over db; resolves to
// { url, stop() } once it prints its address.
function serve(db, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--db', db, 'serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, ...(env || {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Never left behind: killed when this process ends, however it ends.
    const reap = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
    process.on('exit', reap);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'])
      process.once(sig, () => { reap(); process.exit(1); });
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error('serve did not start: ' + err)), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+?)\/?\s/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          log: () => err,
          stop: () => new Promise((res) => {
            if (child.exitCode !== null) return res(child.exitCode);
            child.on('exit', (code) => res(code));
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('listening on')) reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
}

// Launches chromium headless with a fresh profile (options: extra
// context options, e.g. javaScriptEnabled).
async function browser(options) {
  const profile = tempDir('ts-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1180, height: 820 },
    timezoneId: 'UTC',
    locale: 'en-US',
    acceptDownloads: true,
    ...(options || {}),
  });
  return context;
}

// A page that records console errors, page errors and failed requests;
// check() throws when there were any. allow(regex) lets console errors
// matching it pass (a page that answers 4xx on purpose).
async function watchedPage(context) {
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  const allowed = [];
  page.allow = (re) => allowed.push(re);
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((re) => re.test(m.text()))) problems.push('console: ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('requestfailed', (r) => {
    // A download ends its request on purpose.
    if (!/ERR_ABORTED/.test(r.failure() && r.failure().errorText)) problems.push('request failed: ' + r.url());
  });
  page.check = () => {
    if (problems.length) throw new Error('problems in the browser:\n  ' + problems.join('\n  '));
  };
  page.setDefaultTimeout(15000);
  return page;
}

// Saves a full-page screenshot as out/NAME.png.
async function shot(page, name) {
  fs.mkdirSync(outDir, { recursive: true });
  await page.screenshot({ path: path.join(outDir, name + '.png'), fullPage: true });
}

// Logs in through the login form.
async function login(page, url, email, password) {
  await page.goto(url + '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password || DEMO_PASSWORD);
  await Promise.all([page.waitForURL(url + '/'), page.getByRole('button', { name: 'Log in' }).click()]);
}

async function logout(page) {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/login$/);
}

function assert(cond, message) {
  if (!cond) throw new Error('assertion failed: ' + message);
}

// Runs named tests in order, printing "browser: ok NAME" per pass; exits
// non-zero after the first failure.
async function run(tests) {
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`browser: ok ${name}`);
    } catch (e) {
      failed++;
      console.log(`browser: FAIL ${name}`);
      console.log(String(e && e.stack || e).split('\n').slice(0, 12).map((l) => '    ' + l).join('\n'));
    }
  }
  process.exitCode = failed ? 1 : 0;
}

// WCAG 2.1 relative luminance and contrast ratio of two [r, g, b] colours.
function luminance([r, g, b]) {
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

// A new clinic NAME in a temporary folder (named from prefix) with the
// login admin@clinic.example, whose password, in the file pw, is password;
// returns { dir, db, pw }.
function newClinic(prefix, name, password, env) {
  const dir = tempDir(prefix);
  const db = path.join(dir, 'clinic.db');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, password + '\n');
  ts(db, ['init', '--clinic', name], env);
  ts(db, ['user', 'add', '--email', 'admin@clinic.example', '--role', 'admin', '--password-file', pw], env);
  return { dir, db, pw };
}

// Whether a server stopped cleanly: exit 0, and no sanitizer report in
// its log.
function cleanExit(code, log) {
  return code === 0 && !/AddressSanitizer|LeakSanitizer|runtime error/.test(log);
}

// Stops the servers; one that does not stop cleanly fails the run, with
// the end of its log.
async function stopServers(servers) {
  for (const s of servers) {
    const code = await s.stop();
    if (!cleanExit(code, s.log())) {
      console.log(`browser: FAIL the server exited ${code}:\n${s.log().split('\n').slice(-30).join('\n')}`);
      process.exitCode = 1;
    }
  }
}

// Runs a test file's async main; an exception fails the run.
function main(fn) {
  fn().catch((e) => {
    console.log('browser: FAIL ' + (e && e.stack || e));
    process.exitCode = 1;
  });
}

module.exports = { ts, newClinic, contrast, cleanExit, stopServers, main, serve, browser, watchedPage, shot, login, logout, assert, run, tempDir, outDir, DEMO_PASSWORD, root };
