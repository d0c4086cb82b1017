// Browser tests of model management in the admin console (issue #22, "Swap and roll back")
// against a real `payrange serve`: an administrator sees the model serving each market,
// uploads a model trained by `payrange train` on the project's 200-row sample (refused as
// worse than the built-in one on its held-back vacancies, then accepted with the box
// ticked), activates it, sees new estimates made by it, and rolls the market back. At
// 1280x800 in English and 390x844 in Russian, with axe-core and screenshots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchBrowser, shot, signedInPage, assertAccessible, createAdmin, payrangeCli, HERE, DESKTOP, PHONE } from './harness.mjs';

const STAMP = Date.now();
const PASSWORD = 'Copper-meadow-lantern-58';
const ROOT = `models-root-${STAMP}@example.com`;

const CASES = [
  { size: 'desktop', viewport: DESKTOP, lang: 'en' },
  { size: 'phone', viewport: PHONE, lang: 'ru' },
];

const T = {
  en: { title: 'Models', upload: 'Upload', force: 'Accept it even if it is worse than the active model', activate: 'Activate', rollback: 'Roll back', builtIn: '(built in)', refused: /held-back MAE/ },
  ru: { title: 'Модели', upload: 'Загрузить', force: 'Принять, даже если она хуже активной', activate: 'Включить', rollback: 'Откатить', builtIn: '(встроенная)', refused: /хуже активной/ },
};

let server, browser, modelDir, modelFile;
const cspViolations = [];

async function ruVersion() {
  const models = await (await fetch(`${server.base}/api/v1/models`)).json();
  return models.find((m) => m.market === 'ru').version;
}

describe('model management (issue #22)', { timeout: 900000 }, () => {
  before(async () => {
    browser = await launchBrowser();
    // One model file for every case; each case has a server of its own, where it is new.
    modelDir = mkdtempSync(path.join(os.tmpdir(), 'payrange-model-'));
    modelFile = path.join(modelDir, 'small.model');
    const data = path.resolve(HERE, '../../ml/tests/fixtures/hh_sample.csv');
    await payrangeCli({ dir: modelDir }, ['train', '--data', data, '--out', modelFile, '--trained-at', '2026-12-08T00:00:00Z']);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
    assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violation');
  });

  for (const m of CASES) {
    it(`uploads, activates and rolls back a model (${m.size}, ${m.lang})`, async () => {
      const L = T[m.lang];
      await server?.stop();
      server = await startServer();
      await createAdmin(server, ROOT, PASSWORD);
      const builtIn = await ruVersion();
      const { ctx, page } = await signedInPage(browser, m, `${server.base}/#/signin`, ROOT, PASSWORD, (v) => cspViolations.push(v));
      await page.reload();
      await page.evaluate(() => { location.hash = '#/admin'; });
      const card = page.locator('#admin-models');
      await card.getByRole('heading', { name: L.title, exact: true }).waitFor();
      const serving = card.getByTestId('models-serving');
      await serving.locator(`li[data-market=ru][data-version="${builtIn}"]`).waitFor();
      assert.match(await serving.locator('li[data-market=ru]').textContent(), new RegExp(L.builtIn.replace(/[()]/g, '\\$&')));
      await assertAccessible(page, `the models card (${m.size}, ${m.lang})`);

      // Refused as worse, said in words; accepted with the box ticked.
      await card.locator('#model-file').setInputFiles(modelFile);
      await card.getByRole('button', { name: L.upload, exact: true }).click();
      const note = card.getByTestId('models-note');
      await note.waitFor();
      assert.match(await note.textContent(), L.refused);
      assert.equal(await note.getAttribute('role'), 'alert');
      await card.locator('#model-file').setInputFiles(modelFile);
      await card.getByLabel(L.force).check();
      await card.getByRole('button', { name: L.upload, exact: true }).click();
      await card.locator('[data-testid=models-note][role=status]').waitFor();
      const row = card.getByTestId('models-stored').locator('tbody tr').first();
      const version = await row.getAttribute('data-version');
      assert.notEqual(version, builtIn);
      await shot(page, `${m.size}-admin-models-uploaded-${m.lang}`);

      // Activated: the market is priced by it, here and in new estimates.
      await row.getByRole('button', { name: L.activate }).click();
      await serving.locator(`li[data-market=ru][data-version="${version}"]`).waitFor();
      assert.equal(await ruVersion(), version);
      const made = await page.evaluate(async () => (await (await fetch('/api/v1/predictions?wait=10', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Бухгалтер', description: 'Ведение учёта, отчётность, 1С. Опыт от 3 лет.' }),
      })).json()).model_version);
      assert.equal(made, version);
      await assertAccessible(page, `the models card after activation (${m.size}, ${m.lang})`);

      // Rolled back: the built-in model again.
      await serving.locator('li[data-market=ru]').getByRole('button', { name: L.rollback }).click();
      await serving.locator(`li[data-market=ru][data-version="${builtIn}"]`).waitFor();
      assert.equal(await ruVersion(), builtIn);
      await shot(page, `${m.size}-admin-models-rolled-back-${m.lang}`);
      await ctx.close();
    });
  }
});
