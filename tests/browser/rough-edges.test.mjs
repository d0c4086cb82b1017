// Browser tests of the rough edges of issue #20, each at desktop and phone size and in
// English and Russian, against a real `payrange serve` (see README). One account, made
// through the API; every case opens its own browser context.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, signedInPage, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const EMAIL = `edges-${Date.now()}@example.com`;
const PASSWORD = 'Copper-meadow-lantern-58';
const JOB = { name: 'Backend developer', description: 'Go, PostgreSQL, Kafka, Kubernetes. Опыт от 3 лет.' };

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

let server, browser;
const cspViolations = [];

/** A page in `lang` at `viewport`, at `/<query>#/<route>`, signed in unless `signedOut`. */
async function open(m, { query = '', route = 'predict', signedOut = false } = {}) {
  const { ctx, page } = await signedInPage(browser, m, `${server.base}/${query}#/signin`, signedOut ? null : EMAIL, PASSWORD, (v) => cspViolations.push(v));
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
        try {
          const res = await route.fetch();
          const json = await res.json();
          Object.assign(json, { status: 'queued', salary_from: null, salary_to: null, explanation: null, finished_at: null });
          await route.fulfill({ response: res, status, json });
        } catch (e) {
          // A poll still in flight when the test closes its page: nothing left to answer.
          if (!page.isClosed() && !/disposed|closed/i.test(String(e && e.message))) throw e;
        }
      };
      await page.route('**/api/v1/predictions?wait=*', (route) => queued(route, 202));
      await page.route('**/api/v1/predictions/*', (route) => queued(route, 200));
      await fillJob(page);
      const slow = page.getByTestId('slow');
      await slow.waitFor();
      assert.equal((await slow.locator('[role=status]').textContent()), T[m.lang].slow);
      assert.equal(await page.locator('main .spinner').count(), 0, 'no spinner once it is slow');
      assert.equal(await page.locator('main form button[type=submit]').isDisabled(), false, 'another estimate can be asked');
      const box = await slow.evaluate((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
      assert.ok(box.top >= 0 && box.bottom <= m.viewport.height, `the message is in view (${JSON.stringify(box)})`);
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

  const LONG_WORD = 'Сверхвысоконагруженныхраспределённыхсистемобработкиданныхинженер';
  const TITLES = ['Frontend developer', `Инженер ${LONG_WORD}`, 'Data engineer'];

  /** Whether any two of the elements matching `sel` overlap on screen. */
  const overlapping = (page, sel) => page.locator(sel).evaluateAll((els) => {
    const r = els.map((e) => e.getBoundingClientRect());
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
      if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) return true;
    }
    return false;
  });
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  for (const m of MATRIX) {
    it(`draws the history chart in the table's order, each bar labelled and opening its estimate (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m);
      for (const name of TITLES) {
        const st = await page.evaluate(async (body) => (await fetch('/api/v1/predictions?wait=10', {
          method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        })).status, { name, description: `${name}. SQL, Python, Docker, отчёты.` });
        assert.equal(st, 200, `estimate ${name}`);
      }
      await page.locator('#nav a[data-route=history]').click();
      const bars = page.locator('#history-chart a.bar');
      await bars.first().waitFor();
      await page.waitForFunction(() => !document.querySelector('table.history .badge[data-status=queued], table.history .badge[data-status=running]'));
      const rows = await page.locator('table.history tbody tr').evaluateAll((trs) => trs
        .filter((tr) => tr.querySelector('.badge[data-status=done]'))
        .map((tr) => ({ id: tr.dataset.id, name: tr.querySelector('.title-cell a').textContent })));
      const chart = await bars.evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), label: a.querySelector('title').textContent, text: a.querySelector('text.bar-label').textContent })));
      assert.deepEqual(chart.map((c) => c.href), rows.map((r) => `#/p/${r.id}`), 'bars in the table order, newest first');
      chart.forEach((c, i) => {
        assert.ok(c.label.startsWith(`${rows[i].name}: `), `bar ${i} named by its title: ${c.label}`);
        assert.ok(rows[i].name.startsWith(c.text.replace(/…$/, '')), `bar ${i} labelled by its title: ${c.text}`);
      });
      assert.equal(await overlapping(page, '#history-chart .tick'), false, 'axis labels apart');
      assert.ok(await overflow(page) <= 0, 'no sideways scroll on the history (long word in a title)');
      await shot(page, `${m.size}-history-chart-${m.lang}`);
      await assertAccessible(page, `the history chart (${m.size}, ${m.lang})`);
      // The keyboard opens a bar's estimate, as does a click (or a tap).
      await bars.first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`#/p/${rows[0].id}$`));
      await page.getByTestId('range').waitFor();
      await page.goBack();
      await bars.nth(1).click();
      await page.waitForURL(new RegExp(`#/p/${rows[1].id}$`));
      await page.getByTestId('range').waitFor();
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`fits the result and the model figures on the screen (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m);
      await page.locator('#name').fill(TITLES[1]);
      await page.locator('#description').fill(JOB.description);
      await page.locator('main form button[type=submit]').click();
      await page.getByTestId('range').waitFor();
      const top = await page.locator('#result-area .result').evaluate((e) => e.getBoundingClientRect().top);
      assert.ok(top >= 0 && top < 844 / 2, `the result is in view after submitting (top at ${top})`);
      assert.ok(await overflow(page) <= 0, 'no sideways scroll on the result (long word in a title)');
      assert.equal(await overlapping(page, '.result .chart .tick'), false, 'axis labels apart');
      await page.locator('#nav a[data-route=model]').click();
      await page.getByTestId('model-version-ru').waitFor();
      await page.locator('details.tech summary').first().click();
      const poke = await page.locator('details.tech').first().evaluate((d) => {
        const card = d.closest('.card').getBoundingClientRect();
        const box = d.querySelector('.table-scroll').getBoundingClientRect();
        return box.right - card.right;
      });
      assert.ok(poke <= 0, `the figures stay inside their card (${poke} px out)`);
      assert.ok(await overflow(page) <= 0, 'no sideways scroll on the model page');
      await assertAccessible(page, `the model figures (${m.size}, ${m.lang})`);
      await ctx.close();
    });
  }

  const MODEL = {
    en: /^Model of \d{1,2} [A-Z][a-z]{2,3} \d{4} \([\w.-]+, [0-9a-f]{8}\)$/,
    ru: /^Модель от \d{1,2} [а-я]+\.? \d{4} г\. \([\w.-]+, [0-9a-f]{8}\)$/,
  };

  for (const m of MATRIX) {
    it(`names the model by its date and data, not by a hash alone (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m);
      await fillJob(page);
      const line = page.getByTestId('model-line');
      await line.filter({ hasText: /\(/ }).waitFor();
      const [name] = (await line.textContent()).split(' · ');
      assert.match(name, MODEL[m.lang]);
      const version = (await page.evaluate(async () => (await (await fetch('/api/v1/model')).json()).version));
      assert.ok(name.includes(version.slice(0, 8)), `${name} names ${version}`);
      await page.locator('#nav a[data-route=model]').click();
      await page.getByTestId('model-version-ru').waitFor();
      assert.equal(await page.getByTestId('model-version-ru').textContent(), name);
      await ctx.close();
    });
  }

  it("broke no rule of the pages' Content-Security-Policy", () => {
    assert.deepEqual(cspViolations, []);
  });
});
