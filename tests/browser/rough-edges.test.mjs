// Browser tests of the rough edges of issue #20, each at desktop and phone size and in
// English and Russian, against a real `payrange serve` (see README). One account, made
// through the API; every case opens its own browser context.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, newContext, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const EMAIL = `edges-${Date.now()}@example.com`;
const PASSWORD = 'Copper-meadow-lantern-58';
const JOB = { name: 'Backend developer', description: 'Go, PostgreSQL, Kafka, Kubernetes. Опыт от 3 лет.' };

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

let server, browser;
const cspViolations = [];

/** A page in `lang` at `viewport`, at `/<query>#/<route>`, signed in unless `signedOut`. */
async function open({ viewport, lang }, { query = '', route = 'predict', signedOut = false } = {}) {
  const ctx = await newContext(browser, viewport, lang === 'ru' ? 'ru-RU' : 'en-US', (v) => cspViolations.push(v));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e));
  await page.goto(`${server.base}/${query}#/signin`);
  await page.locator('h1').waitFor();
  if (!signedOut) {
    const status = await page.evaluate(async ([email, password]) => (await fetch('/api/v1/sessions', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
    })).status, [EMAIL, PASSWORD]);
    assert.equal(status, 200, 'sign-in through the API');
  }
  await page.goto(`${server.base}/${query}#/${route}`);
  await page.reload();
  await page.locator('h1').waitFor();
  return { ctx, page };
}

/** Answers every request matching `pattern` with `status`, a JSON `body` and `headers`. */
const reply = (status, body, headers = {}) => (route) => route.fulfill({ status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

const T = {
  en: {
    slow: 'This is taking longer than usual. It stays queued and will finish; you can find it in History.',
    slowLink: 'See it in History',
    created: 'Account created. Welcome!',
    ended: 'Your session has ended. Please sign in again.',
    close: 'Close',
    historyTitle: 'Your estimates',
    signinTitle: 'Sign in · payrange',
    wait: { 896: 'Too many attempts. Please try again in 15 minutes.', 42: 'Too many attempts. Please try again in 42 seconds.', 60: 'Too many attempts. Please try again in 1 minute.' },
    teapot: 'I am a teapot',
    forbidden: 'This is not allowed.',
    queueFailed: 'The estimate failed: the job queue was unavailable, so it was not processed; please submit it again',
  },
  ru: {
    slow: 'Это занимает больше времени, чем обычно. Оценка остаётся в очереди и будет готова — её можно найти в истории.',
    slowLink: 'Посмотреть в истории',
    created: 'Учётная запись создана. Добро пожаловать!',
    ended: 'Сеанс завершён. Войдите снова.',
    close: 'Закрыть',
    historyTitle: 'Ваши оценки',
    signinTitle: 'Вход · payrange',
    wait: { 896: 'Слишком много попыток. Попробуйте снова через 15 минут.', 42: 'Слишком много попыток. Попробуйте снова через 42 секунды.', 60: 'Слишком много попыток. Попробуйте снова через 1 минуту.' },
    teapot: 'Что-то пошло не так (код teapot).',
    forbidden: 'Это действие не разрешено.',
    queueFailed: 'Оценить не удалось: очередь заданий была недоступна, и запрос не обработан; отправьте его ещё раз',
  },
};

async function fillJob(page) {
  await page.locator('#name').fill(JOB.name);
  await page.locator('#description').fill(JOB.description);
  await page.locator('main form button[type=submit]').click();
}

describe('rough edges of the web UI (issue #20)', { timeout: 600000 }, () => {
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
    it(`says honestly when an estimate is slow and stops spinning (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, { query: '?stuckMs=1500' });
      // The server finishes at once: make it look stuck in the queue.
      const queued = async (route, status) => {
        const res = await route.fetch();
        const json = await res.json();
        Object.assign(json, { status: 'queued', salary_from: null, salary_to: null, explanation: null, finished_at: null });
        await route.fulfill({ response: res, status, json });
      };
      await page.route('**/api/v1/predictions?wait=*', (route) => queued(route, 202));
      await page.route('**/api/v1/predictions/*', (route) => queued(route, 200));
      await fillJob(page);
      const slow = page.getByTestId('slow');
      await slow.waitFor();
      assert.equal((await slow.locator('[role=status]').textContent()), T[m.lang].slow);
      assert.equal(await page.locator('main .spinner').count(), 0, 'no spinner once it is slow');
      assert.equal(await page.locator('main form button[type=submit]').isDisabled(), false, 'another estimate can be asked');
      const link = page.getByRole('link', { name: T[m.lang].slowLink });
      assert.equal(await link.getAttribute('href'), '#/history');
      await shot(page, `${m.size}-predict-slow-${m.lang}`);
      await assertAccessible(page, `the slow estimate (${m.size}, ${m.lang})`);
      if (m.lang === 'en') {
        // Still checked at a slower pace: once done, it shows.
        await page.unroute('**/api/v1/predictions/*');
        await page.getByTestId('range').waitFor();
        assert.equal(await slow.count(), 0);
      } else {
        await link.click();
        await page.locator('h1', { hasText: T[m.lang].historyTitle }).waitFor();
        await page.locator('table.history tbody tr', { hasText: JOB.name }).first().waitFor();
      }
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`lets a success message go by itself, keeps a warning, names the close button (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, { query: '?flashMs=1500', route: 'signup', signedOut: true });
      await page.locator('#email').fill(`flash-${m.size}-${m.lang}-${Date.now()}@example.com`);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('main form button[type=submit]').click();
      const msg = page.locator('#flash .flash-msg');
      await msg.filter({ hasText: T[m.lang].created }).waitFor();
      assert.equal(await page.locator('#flash').getByRole('button', { name: T[m.lang].close }).count(), 1, 'the close button is named in words');
      await assertAccessible(page, `the welcome message (${m.size}, ${m.lang})`);
      await msg.waitFor({ state: 'detached', timeout: 6000 });
      // A warning stays until closed.
      await ctx.clearCookies();
      await page.locator('#nav a[data-route=history]').click();
      await msg.filter({ hasText: T[m.lang].ended }).waitFor();
      await page.waitForTimeout(2500);
      assert.equal(await msg.count(), 1, 'the warning is still there');
      await page.locator('#flash').getByRole('button', { name: T[m.lang].close }).click();
      assert.equal(await msg.count(), 0);
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`gives throttle waits in words and translates server errors (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, { route: 'signin', signedOut: true });
      const tryIn = async () => {
        await page.locator('#email').fill(EMAIL);
        await page.locator('#password').fill('not-the-password-at-all');
        await page.locator('main form button[type=submit]').click();
      };
      for (const secs of [896, 42, 60]) {
        await page.route('**/api/v1/sessions', reply(429, { code: 'too_many_requests', message: 'too many failed sign-ins' }, { 'Retry-After': String(secs) }));
        await tryIn();
        await page.locator('.form-error', { hasText: T[m.lang].wait[secs] }).waitFor();
        await page.unroute('**/api/v1/sessions');
      }
      await shot(page, `${m.size}-signin-throttled-${m.lang}`);
      await assertAccessible(page, `the throttle message (${m.size}, ${m.lang})`);
      await page.route('**/api/v1/sessions', reply(418, { code: 'teapot', message: 'I am a teapot' }));
      await tryIn();
      await page.locator('.form-error', { hasText: T[m.lang].teapot }).waitFor();
      await page.unroute('**/api/v1/sessions');
      await page.route('**/api/v1/sessions', reply(403, { code: 'forbidden', message: 'cross-site request refused' }));
      await tryIn();
      await page.locator('.form-error', { hasText: T[m.lang].forbidden }).waitFor();
      await page.unroute('**/api/v1/sessions');
      assert.doesNotMatch(await page.locator('.form-error').textContent(), /cross-site/);
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`translates why an estimate failed (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m);
      await page.route('**/api/v1/predictions?wait=*', reply(200, {
        id: '00000000-0000-4000-8000-000000000001', status: 'failed', name: JOB.name, description: JOB.description, area: null,
        error: 'the job queue was unavailable, so this request was not processed; please submit it again', created_at: new Date().toISOString(),
      }));
      await fillJob(page);
      await page.locator('#result-area .error-card', { hasText: T[m.lang].queueFailed }).waitFor();
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`keeps the tab title in the language shown, and the EN/RU focus ring whole (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, { route: 'signin', signedOut: true });
      const other = m.lang === 'en' ? 'ru' : 'en';
      assert.equal(await page.title(), T[m.lang].signinTitle);
      await page.locator(`[data-lang=${other}]`).click();
      await page.waitForFunction((want) => document.title === want, T[other].signinTitle);
      await page.locator(`[data-lang=${m.lang}]`).click();
      await page.waitForFunction((want) => document.title === want, T[m.lang].signinTitle);
      // Reach the switch with the keyboard: its focus ring shows and no box around it clips it.
      await page.locator('.skip').focus();
      await page.keyboard.press('Tab'); // the brand link
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const b = document.activeElement;
        const clippedBy = [];
        for (let e = b.parentElement; e && e !== document.body; e = e.parentElement) {
          const s = getComputedStyle(e);
          if (s.overflowX !== 'visible' || s.overflowY !== 'visible') clippedBy.push(e.className || e.tagName);
        }
        return { lang: b.dataset.lang, shadow: getComputedStyle(b).boxShadow, clippedBy };
      });
      assert.equal(ring.lang, 'en', 'the EN button has the focus');
      assert.notEqual(ring.shadow, 'none', 'a focus ring is drawn');
      assert.deepEqual(ring.clippedBy, [], 'nothing clips the focus ring');
      await ctx.close();
    });
  }

  it("broke no rule of the pages' Content-Security-Policy", () => {
    assert.deepEqual(cspViolations, []);
  });
});
