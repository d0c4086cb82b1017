// Browser test of real outcomes (issue #22, "Real outcomes"): on a finished estimate the owner
// answers "What was the real salary?" (a bad entry is refused with its field marked), sees
// the real salary recorded, changes and clears it; an administrator sees it in the console's
// accuracy table and filters the request log by model version. At desktop and phone size,
// in English and Russian, with axe-core and screenshots. Against a real `payrange serve`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, shot, signedInPage, assertAccessible, DESKTOP, PHONE, createAdmin } from './harness.mjs';

const STAMP = Date.now();
const PASSWORD = 'Copper-meadow-lantern-58';
const ANN = `outcomes-${STAMP}@example.com`;
const ROOT = `outcomes-root-${STAMP}@example.com`;

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

const T = {
  en: {
    title: 'What was the real salary?', from: 'Real salary from', to: 'Real salary to', offered: 'Offered to me',
    save: 'Save the real salary', edit: 'Change', clear: 'Clear', order: 'The lower bound is above the upper one.',
    accuracy: 'Accuracy on real salaries', admin: 'Administration',
  },
  ru: {
    title: 'Какой оказалась зарплата?', from: 'Реальная зарплата от', to: 'Реальная зарплата до', offered: 'Мне её предложили',
    save: 'Сохранить реальную зарплату', edit: 'Изменить', clear: 'Удалить', order: 'Нижняя граница больше верхней.',
    accuracy: 'Точность на реальных зарплатах', admin: 'Администрирование',
  },
};

let server, browser;
const cspViolations = [];
const ids = [];

async function api(method, p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${server.base}/api/v1${p}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

async function open(m, email, route) {
  const { ctx, page } = await signedInPage(browser, m, `${server.base}/#/signin`, email, PASSWORD, (v) => cspViolations.push(v));
  await page.reload();
  await page.locator('#nav').waitFor();
  await page.evaluate((r) => { location.hash = `#/${r}`; }, route);
  await page.locator('h1').first().waitFor();
  return { ctx, page };
}

describe('real outcomes (issue #22)', { timeout: 900000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    assert.equal((await api('POST', '/users', { email: ANN, password: PASSWORD })).status, 201);
    await createAdmin(server, ROOT, PASSWORD);
    const { json } = await api('POST', '/sessions', { email: ANN, password: PASSWORD });
    // One finished estimate per case of the matrix, so that each starts without an outcome.
    for (const m of MATRIX) {
      const r = await api('POST', '/predictions?wait=20', {
        name: `Backend developer (${m.size}, ${m.lang})`,
        description: 'Go, PostgreSQL, Kafka, Kubernetes. Опыт от 3 лет.',
        area: 'Москва',
      }, json.token);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      ids.push(r.json.id);
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violation');
  });

  MATRIX.forEach((m, i) => {
    it(`records, changes and clears the real salary of an estimate (${m.size}, ${m.lang})`, async () => {
      const L = T[m.lang];
      const { ctx, page } = await open(m, ANN, `p/${ids[i]}`);
      const card = page.getByTestId('outcome');
      await card.waitFor();
      assert.equal((await card.locator('h2').textContent()).trim(), L.title);
      await shot(page, `${m.size}-outcome-form-${m.lang}`);
      await assertAccessible(page, `the outcome form (${m.size}, ${m.lang})`);

      // An inverted range is refused on the spot, the field marked, nothing sent.
      await page.getByLabel(L.from).fill('300000');
      await page.getByLabel(L.to).fill('200000');
      await page.getByTestId('outcome-save').click();
      assert.equal(await page.getByLabel(L.from).getAttribute('aria-invalid'), 'true');
      assert.equal((await page.locator('#outcome-from-err').textContent()).trim(), L.order);
      assert.equal((await api('GET', `/predictions/${ids[i]}`, null, (await api('POST', '/sessions', { email: ANN, password: PASSWORD })).json.token)).json.outcome, null);
      await assertAccessible(page, `the outcome form with an error (${m.size}, ${m.lang})`);

      // Saved: the card shows it, and the API holds it.
      await page.getByLabel(L.to).fill('350 000');
      await page.getByLabel(L.offered).check();
      const put = page.waitForResponse((r) => r.url().endsWith(`/predictions/${ids[i]}/outcome`) && r.request().method() === 'PUT');
      await page.getByTestId('outcome-save').click();
      assert.equal((await put).status(), 200);
      const value = page.getByTestId('outcome-value');
      await value.waitFor();
      assert.match(await value.textContent(), /300[\s\u00a0\u202f,]?000/);
      assert.match(await value.textContent(), /350[\s\u00a0\u202f,]?000/);
      assert.match(await card.textContent(), new RegExp(L.offered));
      await shot(page, `${m.size}-outcome-recorded-${m.lang}`);
      await assertAccessible(page, `the recorded outcome (${m.size}, ${m.lang})`);
      // It is still there after a reload.
      await page.reload();
      await page.getByTestId('outcome-value').waitFor();

      // Changed: the form comes back filled in.
      assert.equal((await page.getByTestId('outcome-edit').textContent()).trim(), L.edit);
      await page.getByTestId('outcome-edit').click();
      assert.equal(await page.getByLabel(L.from).inputValue(), '300000');
      await page.getByLabel(L.from).fill('');
      await page.getByTestId('outcome-save').click();
      await page.getByTestId('outcome-value').waitFor();
      assert.doesNotMatch(await page.getByTestId('outcome-value').textContent(), /300[\s\u00a0\u202f,]?000/);

      // Cleared: the empty form again.
      const del = page.waitForResponse((r) => r.url().endsWith(`/predictions/${ids[i]}/outcome`) && r.request().method() === 'DELETE');
      assert.equal((await page.getByTestId('outcome-clear').textContent()).trim(), L.clear);
      await page.getByTestId('outcome-clear').click();
      assert.equal((await del).status(), 204);
      await page.getByTestId('outcome-save').waitFor();
      assert.equal((await page.getByTestId('outcome-save').textContent()).trim(), L.save);
      assert.equal(await page.getByLabel(L.from).inputValue(), '');
      // Record one for the admin's table.
      await page.getByLabel(L.from).fill('250000');
      await page.getByTestId('outcome-save').click();
      await page.getByTestId('outcome-value').waitFor();
      await ctx.close();
    });
  });

  it('exports the real salary with the history as CSV (desktop, en)', async () => {
    const { ctx, page } = await open({ viewport: DESKTOP, lang: 'en' }, ANN, 'history');
    await page.locator('table.history tbody tr').first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/);
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(-5), ['outcome_salary_from', 'outcome_salary_to', 'outcome_kind', 'outcome_recorded_at', 'description']);
    // Each estimate got 250000 as its last recorded lower bound; the outcome cells come just
    // before the (quoted, comma-holding) description, so they are read from the end.
    for (const line of lines.slice(1)) {
      assert.match(line, /,"[^"]*"$/, 'the description is quoted for its commas');
      const [from, to, kind, at] = line.replace(/,"[^"]*"$/, '').split(',').slice(-4);
      assert.deepEqual([from, to, kind], ['250000', '', ''], line);
      assert.match(at, /^\d{4}-\d{2}-\d{2}T/);
    }
    assert.equal(lines.length, 1 + ids.length);
    await ctx.close();
  });

  it('filters the request log by model version (desktop, en)', async () => {
    const { json } = await api('POST', '/sessions', { email: ANN, password: PASSWORD });
    const version = (await api('GET', `/predictions/${ids[0]}`, null, json.token)).json.model_version;
    const { ctx, page } = await open({ viewport: DESKTOP, lang: 'en' }, ROOT, 'admin');
    const rows = page.locator('[data-testid=admin-log-table] tbody tr');
    await rows.first().waitFor();
    await page.getByLabel('Model version').fill('no-such-model');
    await page.locator('#log-apply').click();
    await page.getByTestId('admin-log-empty').waitFor();
    await page.getByLabel('Model version').fill(version);
    const sent = page.waitForRequest((r) => r.url().includes('/admin/predictions') && r.url().includes('model_version='));
    await page.locator('#log-apply').click();
    assert.equal(new URL((await sent).url()).searchParams.get('model_version'), version);
    await rows.first().waitFor();
    assert.equal(await rows.count(), ids.length, 'every estimate of that version');
    await assertAccessible(page, 'the request log filtered by model version');
    await ctx.close();
  });

  for (const m of MATRIX) {
    it(`shows the accuracy per model version in the admin console (${m.size}, ${m.lang})`, async () => {
      const L = T[m.lang];
      const { ctx, page } = await open(m, ROOT, 'admin');
      await page.locator('h1', { hasText: L.admin }).waitFor();
      const table = page.getByTestId('accuracy-table');
      await table.waitFor();
      assert.equal((await page.locator('#admin-accuracy-h').textContent()).trim(), L.accuracy);
      const rows = table.locator('tbody tr');
      assert.ok(await rows.count() >= 1, 'a row per model version');
      const counted = (await rows.first().locator('td').nth(1).textContent()).trim();
      assert.ok(Number(counted) >= 1, `outcomes counted (${counted})`);
      await page.locator('#admin-accuracy').scrollIntoViewIfNeeded();
      await shot(page, `${m.size}-admin-accuracy-${m.lang}`);
      await assertAccessible(page, `the accuracy table (${m.size}, ${m.lang})`);
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      assert.ok(scroll <= width, `the page is ${scroll}px wide in a ${width}px window`);
      await ctx.close();
    });
  }
});
