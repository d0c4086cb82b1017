// Browser test of the training report that `payrange train --report FILE.html` writes
// (ml/src/report.rs): opened from file:// in headless Chromium at desktop and phone size,
// it must load nothing but itself, log no errors, show its sections and charts, and not
// scroll sideways on a phone. Screenshots: screenshots/report-desktop.png, report-phone.png.
//
// PAYRANGE_REPORT_FILE=/path/report.html checks that file instead of training a model
// (for work on the renderer: `PAYRANGE_REPORT_SAMPLE=/tmp/r.html cargo test -p payrange-ml
// --lib report::tests::write` writes one from synthetic data).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HERE, launchBrowser, shot, DESKTOP, PHONE } from './harness.mjs';

const TIMEOUT = Number(process.env.UI_TIMEOUT_MS || 30000);
const SECTIONS = [
  'Data',
  'Cross-validation',
  'Predicted against true',
  'Errors by salary band',
  'Interval calibration',
  'Learning curve',
  'Strongest terms',
  'Settings',
];

let browser, report, tmp;

/** The environment for the binary: it reads PAYRANGE_* variables as settings, so the runner's own stay out. */
function childEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PAYRANGE_')) delete env[k];
  return env;
}

/** Trains a small model with `--report` and returns the report's path. */
function trainReport(bin) {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'payrange-report-'));
  const out = path.join(tmp, 'report.html');
  execFileSync(bin, [
    'train',
    '--data', path.resolve(HERE, '../../ml/tests/fixtures/hh_sample.csv'),
    '--out', path.join(tmp, 'm.model'),
    '--report', out,
    '--threads', '2',
  ], { env: childEnv(), stdio: ['ignore', 'ignore', 'inherit'], timeout: 600000 });
  assert.ok(existsSync(out), `payrange train wrote no report at ${out}`);
  return out;
}

/** Why the binary cannot write a report yet, or null. */
function missingReportFlag(bin) {
  if (!existsSync(bin)) throw new Error(`payrange binary not found at ${bin}: run \`cargo build -p payrange-app\` or set PAYRANGE_BIN`);
  const help = execFileSync(bin, ['train', '--help'], { env: childEnv(), encoding: 'utf8' });
  return help.includes('--report') ? null : '`payrange train` has no --report option yet';
}

/** Opens the report at `viewport`; every request other than the file itself is refused and recorded. */
async function openReport(viewport) {
  const ctx = await browser.newContext({ viewport, locale: 'en-US' });
  ctx.setDefaultTimeout(TIMEOUT);
  const url = pathToFileURL(report).href;
  const foreign = new Set();
  const errors = [];
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    foreign.add(u);
    return route.abort();
  });
  const page = await ctx.newPage();
  page.on('request', (r) => { if (r.url() !== url) foreign.add(r.url()); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  return { ctx, page, foreign, errors };
}

async function checkPage(page) {
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.ok((await page.title()).length > 0, 'the page has a <title>');
  await page.locator('h1').waitFor();
  assert.equal(await page.locator('h1').count(), 1);
  assert.ok((await page.locator('p.lead').innerText()).includes('ElasticNet'), 'lead paragraph says what the model is');
  assert.deepEqual(await page.locator('h2').allInnerTexts(), SECTIONS);

  // Headings never skip a level.
  const levels = await page.locator('h1, h2, h3, h4').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
  levels.forEach((l, i) => { if (i > 0) assert.ok(l <= levels[i - 1] + 1, `heading h${l} after h${levels[i - 1]}`); });

  // Charts: each section that draws one shows either the chart or "Not available".
  const charts = page.locator('svg.chart');
  const n = await charts.count();
  assert.ok(n >= 2, `expected charts, found ${n}`);
  for (let i = 0; i < n; i++) {
    const svg = charts.nth(i);
    assert.equal(await svg.getAttribute('role'), 'img');
    const name = await svg.evaluate((s) => s.querySelector('title')?.textContent ?? '');
    assert.ok(name.length > 0, `chart ${i} has a <title>`);
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 60, `chart ${i} is drawn (${JSON.stringify(box)})`);
  }
  for (const id of ['data', 'scatter', 'bands', 'calibration', 'learning']) {
    const section = page.locator(`section[aria-labelledby="${id}"]`);
    const drawn = await section.locator('svg.chart').count();
    const na = await section.locator('.na').count();
    assert.ok(drawn > 0 || na > 0, `section ${id} shows a chart or says it is not available`);
  }
  for (const t of await page.locator('table').all()) {
    assert.equal(await t.locator('caption').count(), 1, 'every table has a caption');
  }

  // Nothing wider than the screen.
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert.ok(scroll <= width, `page scrolls sideways: ${scroll} > ${width}`);
}

describe('training report', { timeout: 900000 }, () => {
  before(async (t) => {
    if (process.env.PAYRANGE_REPORT_FILE) {
      report = path.resolve(process.env.PAYRANGE_REPORT_FILE);
    } else {
      const bin = path.resolve(HERE, process.env.PAYRANGE_BIN || '../../target/debug/payrange');
      const why = missingReportFlag(bin);
      if (why) {
        // Until the CLI is wired; under CI a missing report is a failure, not a skip.
        assert.notEqual(process.env.CI, 'true', `report test cannot run: ${why}`);
        console.error(`SKIPPED report test: ${why}`);
        return;
      }
      report = trainReport(bin);
    }
    assert.ok(readFileSync(report, 'utf8').startsWith('<!DOCTYPE html>'), `${report} is an HTML5 document`);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (tmp && !process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  });

  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    it(`reads well at ${name} size, loading nothing but itself`, async (t) => {
      if (!report) return t.skip('no report (see above)');
      const { ctx, page, foreign, errors } = await openReport(viewport);
      try {
        await checkPage(page);
        await shot(page, `report-${name}`);
        assert.deepEqual([...foreign], [], 'requests other than the report file');
        assert.deepEqual(errors, [], 'console errors');
      } finally {
        await ctx.close();
      }
    });
  }
});
