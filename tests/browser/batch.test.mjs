// Browser tests of batch estimates (#/batch, issue #20): a CSV with a bad line is uploaded,
// the refused line is shown with its number, the progress runs to the end and the results
// CSV downloads; at desktop and phone size, in English and Russian, with axe-core and
// screenshots. Against a real `payrange serve` (see README); one account, made through the API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, startProduction, launchBrowser, shot, signedInPage, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const EMAIL = `batch-${Date.now()}@example.com`;
const PASSWORD = 'Copper-meadow-lantern-58';

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

// Line 5 (after a quoted field over two lines) has no title.
const CSV = 'title,description,area\r\n'
  + 'Python developer,"Django, PostgreSQL.\nОпыт от 3 лет",Москва\r\n'
  + '=HYPERLINK("x"),Excel-shaped title,\r\n'
  + ',A row without a title,Казань\r\n'
  + 'Data analyst,"SQL, Python, dashboards",\r\n';

const T = {
  en: {
    title: 'Batch estimates', nav: 'Batch', submit: 'Estimate the batch', summary: '3 rows accepted, 1 refused.',
    problem: 'The title is empty.', finished: 'Finished: 3 estimated, 0 failed.', download: 'Download the results (CSV)',
    tooMany: 'The file has more than 1000 rows: split it into smaller files.',
  },
  ru: {
    title: 'Пакетная оценка', nav: 'Пакет', submit: 'Оценить пакет', summary: 'Принято строк: 3, отклонено: 1.',
    problem: 'Поле «название» пустое.', finished: 'Готово: оценено 3, не удалось 0.', download: 'Скачать результаты (CSV)',
    tooMany: 'В файле больше 1000 строк: разделите его на файлы поменьше.',
  },
};

let server, browser;
const cspViolations = [];

async function open(m) {
  const { ctx, page } = await signedInPage(browser, m, `${server.base}/#/signin`, EMAIL, PASSWORD, (v) => cspViolations.push(v));
  await page.goto(`${server.base}/#/predict`);
  await page.reload();
  await page.locator('h1').waitFor();
  return { ctx, page };
}

async function uploadFlow(m) {
  const { ctx, page } = await open(m);
  const t = T[m.lang];
  // From the navigation (on a phone too).
  await page.locator('#nav a[data-route=batch]', { hasText: t.nav }).click();
  await page.locator('h1', { hasText: t.title }).waitFor();
  await page.locator('.batch-list, .batch .muted').first().waitFor();
  await assertAccessible(page, `the empty batch page (${m.size}, ${m.lang})`);
  if (m.lang === 'en') {
    await page.locator('#batch-file').setInputFiles({ name: 'vacancies.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + CSV) });
  } else {
    await page.locator('#batch-text').fill(CSV);
  }
  await page.getByRole('button', { name: t.submit }).click();
  const summary = page.locator('#batch-summary');
  await summary.waitFor();
  assert.equal((await summary.locator('.lead').textContent()).trim(), t.summary);
  const bad = summary.locator('table.batch-rejected tbody tr');
  assert.equal(await bad.count(), 1);
  assert.equal(await bad.getAttribute('data-line'), '5');
  assert.equal((await bad.locator('td').first().textContent()).trim(), '5');
  assert.equal((await bad.locator('td').last().textContent()).trim(), t.problem);
  await page.locator('#batch-progress[data-done=true]').waitFor({ timeout: 60000 });
  assert.equal((await page.locator('#batch-progress [role=status]').textContent()).trim(), t.finished);
  await shot(page, `${m.size}-batch-${m.lang}`);
  await assertAccessible(page, `the finished batch (${m.size}, ${m.lang})`);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: t.download }).click()]);
  assert.match(download.suggestedFilename(), /^payrange-batch-[\d-]+\.csv$/);
  const lines = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  assert.deepEqual(head.slice(0, 5), ['line', 'name', 'status', 'salary_from', 'salary_to']);
  assert.equal(lines.length, 4, `a header and the 3 accepted rows: ${lines.join(' | ')}`);
  assert.match(lines[1], /^2,Python developer,done,\d+,\d+,/);
  assert.match(lines[2], /^4,"'=HYPERLINK\(""x""\)",done,/, 'formula made inert');
  assert.match(lines[3], /^6,Data analyst,done,/);
  // Each row's market comes from its text: Russian words make it `ru`, plain English `uk`.
  assert.match(lines[1], /,ru,RUB,/);
  assert.match(lines[2], /,uk,GBP,/);
  assert.match(lines[3], /,uk,GBP,/);

  // The batch is in the list, finished, with its own download button.
  const row = page.locator('table.batch-list tbody tr').first();
  await row.waitFor();
  assert.equal(await row.getByRole('button').count(), 1);
  // The estimates are in the history too.
  await page.locator('#nav a[data-route=history]').click();
  await page.locator('table.history tbody tr', { hasText: 'Data analyst' }).first().waitFor();
  await ctx.close();
}

describe('batch estimates in the web UI (issue #20)', { timeout: 600000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const r = await fetch(`${server.base}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    assert.equal(r.status, 201, await r.text());
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  for (const m of MATRIX) {
    it(`uploads a CSV with a bad line, shows the line, follows the progress, downloads the results (${m.size}, ${m.lang})`, () => uploadFlow(m));
  }

  it('refuses a file of more than 1,000 rows with a clear message, in both languages', async () => {
    for (const lang of LANGS) {
      const { ctx, page } = await open({ viewport: PHONE, lang });
      await page.goto(`${server.base}/#/batch`);
      await page.locator('h1', { hasText: T[lang].title }).waitFor();
      let big = 'title,description\n';
      for (let i = 0; i < 1001; i++) big += `Dev ${i},Code\n`;
      await page.locator('#batch-file').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(big) });
      await page.getByRole('button', { name: T[lang].submit }).click();
      await page.locator('#batch-error', { hasText: T[lang].tooMany }).waitFor();
      await assertAccessible(page, `the refused file (${lang})`);
      await shot(page, `phone-batch-too-many-${lang}`);
      await ctx.close();
    }
  });

  it('breaks no Content-Security-Policy rule', () => {
    assert.deepEqual(cspViolations, []);
  });
});

// The same upload in the production topology: PostgreSQL, RabbitMQ and a separate worker.
describe('batch estimates in the web UI, production mode (issue #20)', { timeout: 600000 }, () => {
  let skip = false;
  before(async () => {
    server = await startProduction();
    if (!server) { skip = true; return; }
    browser = await launchBrowser();
    const r = await fetch(`${server.base}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
    assert.equal(r.status, 201, await r.text());
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it('uploads a CSV through PostgreSQL + RabbitMQ + a worker, and downloads the results (desktop, en)', async (t) => {
    if (skip) { t.skip('TEST_DATABASE_URL and TEST_AMQP_URL are not set'); return; }
    await uploadFlow({ size: 'production-desktop', viewport: DESKTOP, lang: 'en' });
  });
});
