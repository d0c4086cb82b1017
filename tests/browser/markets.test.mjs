// Browser test of markets (issue #22): a UK vacancy submitted with the market chosen on the
// form is priced by the Adzuna model and shown in pounds, per year, with its market named;
// "Auto" sends no market and the server picks it from the text. At desktop and phone size,
// in English and Russian, with axe-core and screenshots. Against a real `payrange serve`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, signedInPage, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const EMAIL = `markets-${Date.now()}@example.com`;
const PASSWORD = 'Copper-meadow-lantern-58';

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

const UK_JOB = {
  name: 'Staff Nurse',
  description: 'Full time staff nurse for a busy surgical ward in a Leeds NHS hospital. NMC registration required; weekend shifts on a rota.',
};

const T = {
  en: { name: 'Job title', description: 'Description', market: 'Market', uk: 'UK (£)', auto: 'Auto (from the text)', submit: 'Estimate salary', per: /per year/ },
  ru: { name: 'Название должности', description: 'Описание', market: 'Рынок', uk: 'Великобритания (£)', auto: 'Авто (по тексту)', submit: 'Оценить зарплату', per: /в год/ },
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

async function ukFlow(m) {
  const { ctx, page } = await open(m);
  const t = T[m.lang];
  const market = page.getByLabel(t.market);
  assert.equal(await market.inputValue(), '', 'Auto is the default');
  assert.equal((await market.locator('option:checked').textContent()).trim(), t.auto);
  await assertAccessible(page, `the form with the market choice (${m.size}, ${m.lang})`);
  await page.getByLabel(t.name).fill(UK_JOB.name);
  await page.getByLabel(t.description).fill(UK_JOB.description);
  await market.selectOption({ label: t.uk });
  const sent = page.waitForRequest((r) => r.url().includes('/api/v1/predictions') && r.method() === 'POST');
  await page.getByRole('button', { name: t.submit }).click();
  assert.equal(JSON.parse((await sent).postData()).market, 'uk', 'the chosen market is sent');
  const range = page.getByTestId('range');
  await range.waitFor();
  const text = await range.textContent();
  assert.match(text, /£/, `range in pounds: ${text}`);
  assert.doesNotMatch(text, /₽|RUB|GBP/, text);
  assert.match(await page.getByTestId('per').textContent(), t.per);
  assert.equal((await page.getByTestId('market').textContent()).replace(/^ · /, ''), t.uk);
  // The model that made it is named by its training data and date, as the Russian one is.
  await page.locator('[data-testid=model-line] .model-name', { hasText: /adzuna/ }).waitFor();
  await shot(page, `${m.size}-market-uk-${m.lang}`);
  await assertAccessible(page, `a UK result (${m.size}, ${m.lang})`);

  // In the history too, in pounds.
  await page.locator('#nav a[data-route=history]').click();
  const row = page.locator('table.history tbody tr', { hasText: UK_JOB.name }).first();
  await row.waitFor();
  assert.match(await row.textContent(), /£/);
  await ctx.close();
}

describe('markets in the web UI (issue #22)', { timeout: 600000 }, () => {
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
    it(`prices a UK vacancy in pounds when the market is chosen (${m.size}, ${m.lang})`, () => ukFlow(m));
  }

  it('has no Content-Security-Policy violations', () => {
    assert.deepEqual(cspViolations, []);
  });
});
