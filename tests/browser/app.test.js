// Browser tests of the web app: Debian's chromium, driven by playwright-core,
// against a real `touchstone serve` on a free loopback port over a fresh
// database. Every page is screenshot under tests/browser/out/, and a
// console error, a page error or a failed request fails the test (a few
// pages answer 4xx on purpose; those are allowed one by one).
'use strict';
const fs = require('fs');
const path = require('path');
const L = require('./lib.js');

const NOW = '2026-06-30T12:00:00Z';            // the server's "today"
const BROWSER_NOW = '2026-06-30T09:00:00Z';     // the browser's clock, earlier
const env = { TOUCHSTONE_NOW: NOW, TZ: 'UTC' };
const PASSWORD = 'a synthetic first-day password';

// A fresh clinic: one admin login; a colleague trained in tension-type
// headache (to be referred to); a researcher.
function freshClinic() {
  const { db, pw } = L.newClinic('ts-browser-', 'Synthetic First-Day Clinic', PASSWORD, env);
  L.ts(db, ['user', 'add', '--email', 'researcher@clinic.example', '--role', 'researcher', '--password-file', pw], env);
  const morgan = L.ts(db, ['practitioner', 'add', '--name', 'Synthetic Therapist Morgan', '--license', 'LMT-SYN-2',
    '--credentials', 'LMT'], env).trim();
  L.ts(db, ['training', 'add', '--practitioner', morgan, '--protocol', 'stress-management-full-body',
    '--hours', '150', '--completed', '2024-01-10'], env);
  L.ts(db, ['training', 'add', '--practitioner', morgan, '--protocol', 'tension-headache',
    '--hours', '32', '--completed', '2024-03-10'], env);
  return db;
}

// The demo clinic (therapist, admin and researcher logins).
function demoClinic() {
  const dir = L.tempDir('ts-browser-demo-');
  const db = path.join(dir, 'demo.db');
  L.ts(db, ['demo'], env);
  return db;
}

async function withBrowser(fn, options) {
  const context = await L.browser(options);
  try {
    if (!options || options.javaScriptEnabled !== false)
      await context.clock.install({ time: new Date(BROWSER_NOW) });
    const page = await L.watchedPage(context);
    await fn(page, context);
    page.check();
  } finally {
    await context.close();
  }
}

const text = async (page, selector) => (await page.locator(selector).first().innerText()).trim();

async function submit(page, name) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name, exact: true }).click()]);
}

async function fillItems(page, values) {
  for (let i = 0; i < values.length; i++) await page.locator(`#f-item-${i + 1}`).fill(String(values[i]));
}

// ---- a new clinic's first day ----
async function firstDay(url) {
  await withBrowser(async (page) => {
    // The admin sets up the therapist: practitioner, training, login.
    await L.login(page, url, 'admin@clinic.example', PASSWORD);
    await L.shot(page, '01-admin-home');
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Practitioners and training' }).click();
    await page.getByLabel('Full name').fill('Synthetic Therapist Jordan');
    await page.getByLabel('Credentials').fill('LMT');
    await page.getByLabel('License number').fill('LMT-SYN-1');
    await submit(page, 'Add the practitioner');
    L.assert(/done=practitioner/.test(page.url()), 'practitioner added: ' + page.url());
    for (const [protocol, hours] of [['stress-management-full-body', '150'], ['low-back-pain', '24']]) {
      await page.getByLabel('Protocol').selectOption(protocol);
      await page.getByLabel('Hours').fill(hours);
      await page.getByLabel('Completed on').fill('2025-09-01');
      await submit(page, 'Add the training');
      L.assert(/done=training/.test(page.url()), 'training added');
    }
    await L.shot(page, '02-admin-training');
    const practitionerId = page.url().match(/practitioners\/(\d+)/)[1];
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email').fill('jordan@clinic.example');
    await page.getByLabel('Role').selectOption('therapist');
    await page.getByLabel('Practitioner record (therapists)').selectOption(practitionerId);
    await page.getByLabel('Initial password').fill(PASSWORD);
    await submit(page, 'Create the account');
    L.assert((await text(page, '.notice')).includes('The account is created'), 'account created');
    await L.shot(page, '03-admin-users');
    await L.logout(page);

    // The therapist: a new patient with a physician's referral.
    await L.login(page, url, 'jordan@clinic.example', PASSWORD);
    await L.shot(page, '04-therapist-home');
    await page.getByRole('link', { name: 'New patient' }).click();
    await page.getByLabel('Full name').fill('Synthetic Patient Quinn');
    await page.getByLabel('Date of birth').fill('1978-04-12');
    await page.getByLabel('Sex').selectOption('female');
    await page.getByLabel('ZIP code (optional)').fill('02139');
    await page.getByLabel('Referring physician').fill('Dr. Synthetic Avery');
    await page.getByLabel('Specialty').fill('Family medicine');
    await page.getByLabel('Diagnosis codes (ICD-10-CM)').fill('M54.50');
    await page.getByLabel('Reason for referral').fill('Low back pain for four months');
    await page.getByLabel('Referred on').fill('2026-06-20');
    await page.getByLabel('The patient consents to treatment').check();
    await page.getByLabel(/de-identified data in research/).check();
    await L.shot(page, '05-intake-form');
    await submit(page, 'Save the patient');
    L.assert((await text(page, '.notice')).includes('The patient and the referral are saved'), 'intake saved');
    await L.shot(page, '06-patient');

    // The protocol: suggested by the referral, screened, opened.
    await page.getByRole('link', { name: 'Open an episode' }).click();
    const suggested = page.locator('section.suggested');
    L.assert((await suggested.innerText()).includes('Chronic low back pain'), 'the referral suggests the protocol');
    await L.shot(page, '07-protocols');
    await suggested.getByRole('link', { name: 'Screen and open' }).click();
    const questions = page.locator('fieldset.yesno');
    const n = await questions.count();
    L.assert(n >= 3, 'red-flag questions shown');
    for (let i = 0; i < n; i++) await questions.nth(i).getByLabel('No').check();
    await page.getByLabel(/How long has the condition lasted/).fill('16');
    await page.getByLabel(/Comorbidities/).fill('0');
    await L.shot(page, '08-screen');
    await submit(page, 'Open the episode');
    L.assert(/\/episodes\/\d+\?done=opened/.test(page.url()), 'episode opened: ' + page.url());
    const episodeUrl = page.url().replace(/\?.*/, '');
    await L.shot(page, '09-episode-opened');

    // Baseline scores: the live total, then the server's, then saved.
    await page.getByRole('link', { name: 'Record scores' }).click();
    L.assert((await text(page, 'h1')).startsWith('Oswestry Disability Index'), 'ODI first');
    await fillItems(page, [3, 3, 2, 3, 2, 3, 2, 3, 2, 2]); // 25 / 50 x 100 = 50
    await page.waitForFunction(() => document.getElementById('live-value').textContent === '50');
    await L.shot(page, '10-scores-live-total');
    await submit(page, 'Compute the total');
    L.assert((await text(page, '.total-preview output')) === '50', 'ODI total 50');
    await submit(page, 'Save the scores');
    L.assert(/done=scores/.test(page.url()), 'scores saved');
    await page.getByRole('link', { name: 'Record scores' }).click();
    await page.getByLabel('Instrument').selectOption('nprs');
    await submit(page, 'Change');
    await page.getByLabel('item 1').fill('7');
    await submit(page, 'Compute the total');
    await submit(page, 'Save the scores');

    // The session: the plan, the timer through every phase, the note.
    await page.getByRole('link', { name: 'Start a session' }).click();
    L.assert((await text(page, 'h2')) === 'Plan for 30 minutes', 'plan for the default length');
    await page.locator('#timer').waitFor({ state: 'visible' });
    const rows = page.locator('table.plan tbody tr');
    const phases = await rows.count();
    const planned = [];
    for (let i = 0; i < phases; i++) planned.push(Number(await rows.nth(i).getAttribute('data-planned')));
    await page.getByRole('button', { name: 'Start' }).click();
    for (let i = 0; i < phases; i++) {
      L.assert((await text(page, '#timer-phase')).startsWith('Now: ' + await rows.nth(i).getAttribute('data-phase')),
        'the timer names the phase');
      await page.clock.fastForward(planned[i] * 60000);
      if (i === 1) await L.shot(page, '11-session-timer');
      await page.locator('#timer-next').click();
    }
    for (let i = 0; i < phases; i++) {
      const v = await rows.nth(i).locator('input').inputValue();
      L.assert(Number(v) === planned[i], `phase ${i + 1}: timer recorded ${v}, planned ${planned[i]}`);
    }
    L.assert(await page.getByLabel('Length of the session (minutes)').inputValue() === '30', 'length from the timer');
    L.assert(/^2026-06-30T09:0\d$/.test(await page.getByLabel('Started at').inputValue()), 'start from the timer');
    await page.getByLabel('Subjective').fill('Pain 7/10, worse after sitting.');
    await page.getByLabel('Objective').fill('Tender lumbar paravertebrals, more on the left.');
    await page.getByLabel('Assessment').fill('Tolerated well; pain eased during kneading.');
    await page.getByLabel('Plan').fill('Twice a week; walking breaks at work.');
    await submit(page, 'Review before saving');
    L.assert((await text(page, '.notice')).includes('no fidelity findings'), 'fidelity preview');
    await L.shot(page, '12-session-review');
    await submit(page, 'Save the session');
    L.assert(/scores\/new\?session=\d+&timepoint=post/.test(page.url()), 'to the post-session scores');

    // After the session.
    await fillItems(page, [1, 2, 1, 1, 1, 1, 1, 1, 0, 1]); // 10 / 50 x 100 = 20
    await submit(page, 'Compute the total');
    L.assert((await text(page, '.total-preview')).includes('a clinically important improvement'), 'responder shown');
    await L.shot(page, '13-scores-preview');
    await submit(page, 'Save the scores');
    await page.goto(episodeUrl);
    await L.shot(page, '14-episode-course');

    // The chart, and the report for the physician printed to PDF.
    await page.getByRole('link', { name: 'Progress chart' }).click();
    L.assert(await page.locator('figure.chart svg[role="img"]').count() === 1, 'chart drawn');
    L.assert((await page.locator('figure.chart svg').innerHTML()).includes('responder line'), 'responder line');
    await L.shot(page, '15-chart');
    await page.getByLabel('Instrument').selectOption('nprs');
    await submit(page, 'Show');
    await L.shot(page, '16-chart-nprs');
    await page.goto(episodeUrl);
    await page.getByRole('link', { name: 'Report for the physician' }).click();
    L.assert((await text(page, 'article.report h1')) === 'Progress report', 'the report');
    await L.shot(page, '17-report');
    await page.emulateMedia({ media: 'print' });
    L.assert(await page.locator('header.site').isHidden(), 'no chrome in print');
    await L.shot(page, '18-report-print');
    fs.mkdirSync(L.outDir, { recursive: true });
    const pdf = await page.pdf({ path: path.join(L.outDir, 'physician-report.pdf'), format: 'Letter', printBackground: false });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    L.assert(pages >= 1 && pages <= 2, `the report prints on ${pages} pages`);
    L.assert(pdf.toString('latin1').startsWith('%PDF-'), 'a PDF');
    await page.emulateMedia({ media: 'screen' });
  });
}

// ---- a therapist asked for a protocol they are not trained in ----
async function refusedEpisode(url) {
  await withBrowser(async (page) => {
    await L.login(page, url, 'jordan@clinic.example', PASSWORD);
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('link', { name: 'Synthetic Patient Quinn' }).click();
    await page.getByRole('link', { name: 'Open an episode' }).click();
    await page.getByLabel('Search protocols').fill('headache');
    await submit(page, 'Search');
    const row = page.locator('li.protocol', { has: page.getByRole('link', { name: 'Tension-type headache', exact: true }) });
    L.assert((await row.innerText()).includes('Refer to Synthetic Therapist Morgan'), 'refers to the trained colleague');
    L.assert(await row.getByRole('link', { name: 'Screen and open' }).count() === 0, 'cannot open it');
    await L.shot(page, '20-refer-to-colleague');
    // The screen's address typed by hand: still a referral, no form.
    const patient = page.url().match(/patients\/(\d+)/)[1];
    await page.goto(`${url}/patients/${patient}/episodes/new/tension-headache`);
    L.assert((await text(page, 'h1')) === 'Refer to a trained colleague', 'refusal page');
    L.assert((await text(page, 'pre.note')).includes('Synthetic Therapist Morgan'), 'the note names the colleague');
    L.assert(await page.getByRole('button', { name: 'Open the episode' }).count() === 0, 'no form');
    await L.shot(page, '21-refused-episode');
  });
}

// ---- a researcher cannot reach a patient ----
async function researcher(url) {
  await withBrowser(async (page) => {
    await L.login(page, url, 'researcher@clinic.example', PASSWORD);
    L.assert(await page.getByRole('link', { name: 'Patients' }).count() === 0, 'no patients link');
    page.allow(/status of 403/);
    const response = await page.goto(url + '/patients/1');
    L.assert(response.status() === 403, 'patient page refused: ' + response.status());
    L.assert((await text(page, '.error')).includes('never a patient'), 'says why');
    await L.shot(page, '22-researcher-refused');
    await page.goto(url + '/outcomes');
    L.assert((await text(page, 'h1')) === 'Registry outcomes', 'registry view');
    await L.shot(page, '23-researcher-registry');
  });
}

// ---- a certificate issued, downloaded and verified by anyone ----
async function certificate(url) {
  await withBrowser(async (page) => {
    await L.login(page, url, 'admin@demo.example');
    await page.getByRole('link', { name: 'Outcomes' }).click();
    await page.getByLabel('Therapist', { exact: true }).selectOption({ label: 'Avery Demo (synthetic)' });
    await submit(page, 'Show');
    L.assert(await page.locator('#funnel svg rect[fill="#000"] title').count() >= 1, 'therapist highlighted');
    await L.shot(page, '30-dashboard');
    const row = page.locator('tr[data-protocol="low-back-pain"][data-instrument="nprs"]');
    await row.getByRole('link', { name: 'Certificate' }).click();
    await L.shot(page, '31-certificate-criteria');
    await submit(page, 'Issue the reproducible certificate');
    L.assert((await text(page, 'h1')) === 'Certificate issued', 'issued');
    await L.shot(page, '32-certificate-issued');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the certificate (JSON)' }).click(),
    ]);
    const file = path.join(L.outDir, 'certificate.json');
    await download.saveAs(file);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    L.assert(doc.certificate.designation === 'reproducible', 'the downloaded certificate');
    await L.logout(page);

    // Anyone, without an account: upload it.
    await page.goto(url + '/verify');
    await page.getByLabel('Certificate file (.json)').setInputFiles(file);
    await submit(page, 'Verify');
    L.assert((await text(page, '.verdict')).includes('The signature holds'), 'verified');
    L.assert((await text(page, '.lead')).includes('Avery Demo (synthetic)'), 'what it claims');
    await L.shot(page, '33-verify-valid');
    // A changed copy, pasted.
    await page.getByLabel('Or paste the certificate').fill(fs.readFileSync(file, 'utf8').replace('"reproducible"', '"advanced"'));
    await submit(page, 'Verify');
    L.assert((await text(page, '.verdict')).includes('Not a valid certificate'), 'changed copy refused');
    await L.shot(page, '34-verify-invalid');
  });
}

// ---- without JavaScript: typed minutes, server totals ----
async function noJavaScript(url) {
  await withBrowser(async (page) => {
    await L.login(page, url, 'therapist@demo.example');
    await page.locator('table.list a[href^="/episodes/"]').first().click();
    await page.getByRole('link', { name: 'Start a session' }).click();
    L.assert(await page.locator('#timer').isHidden(), 'no timer without JavaScript');
    const rows = page.locator('table.plan tbody tr');
    for (let i = 0; i < await rows.count(); i++)
      await rows.nth(i).locator('input').fill(await rows.nth(i).getAttribute('data-planned'));
    await page.getByLabel('Started at').fill('2026-06-30T08:00');
    await submit(page, 'Review before saving');
    await submit(page, 'Save the session');
    L.assert(/timepoint=post/.test(page.url()), 'saved without JavaScript');
    L.assert(await page.locator('#live-total').isHidden(), 'no live total without JavaScript');
    await page.getByLabel('Instrument').selectOption('nprs');
    await submit(page, 'Change');
    await page.getByLabel('item 1').fill('3');
    await submit(page, 'Compute the total');
    L.assert((await text(page, '.total-preview output')) === '3', 'server total');
    await submit(page, 'Save the scores');
    L.assert(/done=scores/.test(page.url()), 'scores saved without JavaScript');
    await L.shot(page, '40-no-javascript');
  }, { javaScriptEnabled: false });
}

// ---- a tablet: no sideways scrolling, the keyboard first reaches the skip link ----
async function tablet(url) {
  await withBrowser(async (page) => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await L.login(page, url, 'therapist@demo.example');
    const episode = await page.locator('table.list a[href^="/episodes/"]').first().getAttribute('href');
    const patient = await (async () => { await page.goto(url + episode); return page.locator('.crumbs a[href^="/patients/"]').last().getAttribute('href'); })();
    const pages = ['/', '/patients', patient, patient + '/episodes/new', episode, episode + '/sessions/new',
      episode + '/scores/new', episode + '/chart', episode + '/report', '/followups', '/outcomes', '/protocols/low-back-pain'];
    let i = 0;
    for (const p of pages) {
      await page.goto(url + p);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      L.assert(overflow <= 1, `${p} scrolls sideways by ${overflow}px on a tablet`);
      await L.shot(page, `50-tablet-${String(i++).padStart(2, '0')}`);
    }
    await page.goto(url + '/patients');
    await page.keyboard.press('Tab');
    L.assert(await page.evaluate(() => document.activeElement.textContent) === 'Skip to the content', 'skip link first');
  });
}

L.main(async () => {
  const fresh = freshClinic();
  const demo = demoClinic();
  const servers = [];
  try {
    const a = await L.serve(fresh, env);
    servers.push(a);
    const b = await L.serve(demo, env);
    servers.push(b);
    await L.run([
      ['first-day', () => firstDay(a.url)],
      ['refused-episode', () => refusedEpisode(a.url)],
      ['researcher', () => researcher(a.url)],
      ['certificate', () => certificate(b.url)],
      ['no-javascript', () => noJavaScript(b.url)],
      ['tablet', () => tablet(b.url)],
    ]);
  } finally {
    await L.stopServers(servers);
  }
});
