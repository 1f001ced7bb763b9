// Browser test of the patient's page: the clinic prints a link's sheet, its
// QR code (as chromium draws it) decodes with zbarimg to the link; a phone
// (390x844, touch, no JavaScript) opens the link, answers and submits; the
// thanks show; the observations are the patient's own; the link is dead
// afterwards. And the whole loop with no help from the clinic: the
// follow-up invitation is emailed through a real SMTP server (aiosmtpd),
// the link is read out of the received message and answered on the phone.
// On the way: every input has a label, every target is at
// least 44 CSS pixels, text meets WCAG 2.1 AA contrast (computed here from
// the computed styles), and the page does not scroll sideways.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const L = require('./lib.js');

const env = { TOUCHSTONE_NOW: '2026-06-30T12:00:00Z', TZ: 'UTC' };
const PASSWORD = 'a synthetic first-day password';

const sql = (db, q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim();

// A closed low-back-pain episode of "Robin Canarysurname" and (printed:
// true) an invitation at follow-up for NPRS and PSFS; returns { db, id }.
function clinic(printed = true) {
  const { db } = L.newClinic('ts-browser-patient-', 'Synthetic Phone Clinic', PASSWORD, env);
  L.ts(db, ['practitioner', 'add', '--name', 'Synthetic Therapist Lee', '--license', 'LMT-SYN-9', '--credentials', 'LMT'], env);
  L.ts(db, ['training', 'add', '--practitioner', '1', '--protocol', 'stress-management-full-body', '--hours', '150', '--completed', '2024-01-10'], env);
  L.ts(db, ['training', 'add', '--practitioner', '1', '--protocol', 'low-back-pain', '--hours', '32', '--completed', '2024-03-10'], env);
  L.ts(db, ['patient', 'add', '--name', 'Robin Canarysurname', '--dob', '1975-04-12', '--sex', 'female', '--email', 'robin@example.org'], env);
  const catalog = require('../../catalog/protocols/lower-back.json');
  const flags = catalog.protocols.find((p) => p.id === 'low-back-pain').red_flags.flatMap((f) => ['--red-flag', f.id + '=no']);
  L.ts(db, ['episode', 'open', '--patient', '1', '--practitioner', '1', '--protocol', 'low-back-pain', '--icd10', 'M54.50', '--start', '2026-04-01', ...flags], env);
  L.ts(db, ['observe', '--episode', '1', '--instrument', 'nprs', '--timepoint', 'baseline', '--at', '2026-04-01T10:00:00Z', '--value', '7'], env);
  L.ts(db, ['episode', 'close', '1', '--end', '2026-05-20'], env);
  if (!printed) return { db };
  const nonce = crypto.randomBytes(16).toString('hex');
  sql(db, `INSERT INTO invitation (episode_id, timepoint, instruments, nonce, token_hash, channel, created_at, opens_at, expires_at) VALUES (1, 'followup', '["nprs","psfs"]', '${nonce}', 'unset', 'print', '2026-06-29T08:00:00Z', '2026-06-17T00:00:00Z', '2026-08-01T00:00:00Z')`);
  return { db, id: sql(db, `SELECT id FROM invitation WHERE nonce = '${nonce}'`) };
}

async function phoneAnswers(url, link, db) {
  await withContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    deviceScaleFactor: 2, javaScriptEnabled: false,
  }, async (page) => {
    await page.goto(link);
    await L.shot(page, 'patient-01-form');
    const body = await page.locator('body').innerText();
    L.assert(body.includes('Hello Robin') && body.includes('Synthetic Phone Clinic'), 'first name and clinic shown');
    for (const canary of ['Canarysurname', 'M54', 'Lee', 'ow back', '1975'])
      L.assert(!body.includes(canary), `the page shows '${canary}'`);
    L.assert(await page.evaluate(() => document.documentElement.lang) === 'en', 'lang');
    L.assert(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no sideways scroll at 390px');

    // Labels and target sizes: each input is labelled; what is tapped
    // (the label holding a choice, a field, the button) is >= 44 x 44.
    const inputs = await page.locator('input:not([type=hidden])').all();
    L.assert(inputs.length >= 11 + 5 * 11, 'the questions have their inputs: ' + inputs.length);
    for (const input of inputs) {
      const info = await input.evaluate((el) => {
        const label = el.labels && el.labels[0];
        const target = el.type === 'radio' ? label : el;
        const r = target ? target.getBoundingClientRect() : { width: 0, height: 0 };
        return { id: el.id, labelled: !!(label && label.innerText.trim()), w: r.width, h: r.height };
      });
      L.assert(info.labelled, `input ${info.id} has a label with text`);
      L.assert(info.w >= 44 && info.h >= 44, `target of ${info.id} is ${info.w}x${info.h}`);
    }
    const button = await page.getByRole('button', { name: 'Send my answers' }).boundingBox();
    L.assert(button.width >= 44 && button.height >= 44, 'the submit button is large');

    // Contrast of every element holding text, against the background it
    // is drawn on (the nearest ancestor with an opaque background).
    const samples = await page.evaluate(() => {
      const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const st = getComputedStyle(el);
        if (st.visibility === 'hidden' || st.display === 'none' || el.closest('.sr')) continue;
        let bg = null;
        for (let a = el; a; a = a.parentElement) {
          const c = rgb(getComputedStyle(a).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) { bg = c.slice(0, 3); break; }
        }
        out.push({
          text: el.textContent.trim().slice(0, 30), color: rgb(st.color).slice(0, 3),
          bg: bg || [255, 255, 255], size: parseFloat(st.fontSize), weight: Number(st.fontWeight) || 400,
        });
      }
      return out;
    });
    L.assert(samples.length > 20, 'text found: ' + samples.length);
    for (const s of samples) {
      const large = s.size >= 24 || (s.size >= 18.66 && s.weight >= 700);
      const ratio = L.contrast(s.color, s.bg);
      L.assert(ratio >= (large ? 3 : 4.5), `contrast ${ratio.toFixed(2)} of '${s.text}'`);
    }

    // A wrong answer first (PSFS activity 3 left unrated): refused, kept.
    page.allow(/status of 422/);
    await page.locator('label[for="f-nprs-item-1-4"]').tap();
    await page.locator('label[for="f-psfs-item-1-5"]').tap();
    await page.locator('label[for="f-psfs-item-2-6"]').tap();
    await send(page);
    await page.locator('.error-summary', { hasText: 'were not sent' }).waitFor();
    L.assert(await page.locator('#f-nprs-item-1-4').isChecked(), 'the answers are kept');
    await L.shot(page, 'patient-02-refused');
    await page.locator('label[for="f-psfs-item-3-8"]').tap();
    await page.locator('label[for="f-psfs-item-4-none"]').tap();
    await send(page);
    await page.locator('h1', { hasText: 'Thank you, Robin' }).waitFor();
    await L.shot(page, 'patient-03-thanks');

    const rows = sql(db, "SELECT instrument || '|' || timepoint || '|' || source || '|' || ifnull(items, '') || '|' || printf('%.6f', total) FROM observation WHERE source = 'patient' ORDER BY instrument");
    const psfs = ((5 + 6 + 8) / 3).toFixed(6); // PSFS: the mean of the activities rated
    L.assert(rows === `nprs|followup|patient||4.000000\npsfs|followup|patient|[5,6,8]|${psfs}`, 'the observations: ' + rows);

    // The link is dead now.
    page.allow(/status of 410/);
    const again = await page.goto(link);
    L.assert(again.status() === 410, 'a used link answers 410, not ' + again.status());
    L.assert((await page.locator('h1').innerText()).includes('This link cannot be used'), 'the used-link page');
    await L.shot(page, 'patient-04-used');
  });
}

// Taps the submit button and waits for the page the POST answers.
async function send(page) {
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Send my answers' }).tap(),
  ]);
  await page.waitForLoadState('load');
}

async function withContext(options, fn) {
  const context = await L.browser(options);
  try {
    const page = await L.watchedPage(context);
    await fn(page, context);
    page.check();
  } finally {
    await context.close();
  }
}

// The clinic's printed sheet: its QR code, drawn by chromium, decodes to
// the link.
async function printedCode(url, link, id) {
  await withContext({}, async (page) => {
    await L.login(page, url, 'admin@clinic.example', PASSWORD);
    await page.goto(`${url}/episodes/1/invitations/${id}/print`);
    L.assert((await page.locator('.print-sheet code').innerText()) === link, 'the sheet shows the link');
    await L.shot(page, 'patient-00-sheet');
    const file = path.join(__dirname, 'out', 'patient-qr.png');
    await page.locator('figure.qr svg').screenshot({ path: file });
    const decoded = execFileSync('zbarimg', ['--nodbus', '-q', '--raw', file], { encoding: 'utf8' }).trim();
    L.assert(decoded === link, `the QR code decodes to ${decoded}`);
  });
}

// A real SMTP server (tests/e2e/smtp-server.py, aiosmtpd) on a free
// loopback port; resolves to { port, dir, stop() }.
function smtpServer() {
  const dir = L.tempDir('ts-browser-mail-');
  const portFile = path.join(dir, 'port');
  const python = ['/usr/bin/python3', 'python3'].find((p) => {
    try { execFileSync(p, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }); return true; } catch (e) { return false; }
  });
  L.assert(python, 'a python3 with aiosmtpd (Debian python3-aiosmtpd)');
  const child = require('child_process').spawn(python, [path.join(__dirname, '..', 'e2e', 'smtp-server.py'),
    '--dir', path.join(dir, 'mail'), '--port-file', portFile], { stdio: 'ignore' });
  process.on('exit', () => child.kill('SIGKILL'));
  fs.mkdirSync(path.join(dir, 'mail'));
  return new Promise((resolve, reject) => {
    let tries = 0;
    const wait = () => {
      if (fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim())
        return resolve({ port: fs.readFileSync(portFile, 'utf8').trim(), dir: path.join(dir, 'mail'), stop: () => child.kill('SIGTERM') });
      if (++tries > 100) return reject(new Error('the SMTP server did not start'));
      setTimeout(wait, 100);
    };
    wait();
  });
}

// The whole loop with no help from the clinic: the follow-up invitation
// goes out by email through a real SMTP server; the link is read out of
// the received message; a phone opens it, answers and submits; the
// observations are the patient's own and the link is dead afterwards.
async function emailedLink() {
  const { db } = clinic(false);
  const smtp = await smtpServer();
  const server = await L.serve(db, env);
  try {
    L.ts(db, ['mail', 'configure', '--smtp', `smtp://127.0.0.1:${smtp.port}`, '--from', 'clinic@clinic.example', '--base-url', server.url], env);
    L.ts(db, ['invite', '--episode', '1', '--timepoint', 'followup'], env);
    L.ts(db, ['outbox', 'send'], env);
    const files = fs.readdirSync(smtp.dir).filter((f) => f.endsWith('.eml'));
    L.assert(files.length === 1, 'one message received, not ' + files.length);
    const message = fs.readFileSync(path.join(smtp.dir, files[0]), 'utf8');
    L.assert(/^To: robin@example.org\r?$/m.test(message), 'sent to the patient');
    L.assert(message.includes('Hello Robin') && !message.includes('Canarysurname'), 'first name only');
    const escaped = server.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const found = message.match(new RegExp(escaped + '/r/[A-Za-z0-9_-]{43}'));
    L.assert(found, 'the message holds a link to the clinic\'s server');
    await phoneAnswers(server.url, found[0], db);
  } finally {
    smtp.stop();
    const code = await server.stop();
    L.assert(L.cleanExit(code, server.log()),
      `the server exited ${code}: ${server.log().split('\n').slice(-20).join('\n')}`);
  }
}

L.main(async () => {
  const { db, id } = clinic();
  const server = await L.serve(db, env);
  try {
    sql(db, `INSERT INTO mail_config (id, smtp_url, from_address, base_url, updated_at) VALUES (1, 'smtp://127.0.0.1:1', 'clinic@clinic.example', '${server.url}', '2026-06-01T00:00:00Z')`);
    const link = L.ts(db, ['invite', 'print', id], env).trim();
    const token = link.split('/r/')[1];
    sql(db, `UPDATE invitation SET token_hash = '${crypto.createHash('sha256').update(token).digest('hex')}' WHERE id = ${id}`);
    await L.run([
      ['patient-printed-code', () => printedCode(server.url, link, id)],
      ['patient-phone-answers', () => phoneAnswers(server.url, link, db)],
      ['patient-emailed-link', () => emailedLink()],
    ]);
  } finally {
    await L.stopServers([server]);
  }
});
