// Browser tests of the admin console (issue #20, "An admin console") against a real
// `payrange serve` (see README): an administrator made with `payrange admin create-user
// --admin` on the server's own SQLite database searches and pages users, disables and
// re-enables one (who then cannot, then can, sign in), filters the request log by user and
// status, and sees the model; a normal user sees no Admin item and is told at #/admin that
// the section is not theirs. Every screen at 1280x800 and 390x844, in English and Russian,
// with axe-core and screenshots.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, shot, newContext, assertAccessible, DESKTOP, PHONE, createAdmin } from './harness.mjs';

const STAMP = Date.now();
const PASSWORD = 'Copper-meadow-lantern-58';
const ROOT = `root-${STAMP}@example.com`;
const ANN = `ann_${STAMP}@example.com`;
const BOB = `bob-${STAMP}@example.com`;
// Ten more, so that the users take two pages of ten.
const OTHERS = Array.from({ length: 9 }, (_, i) => `user${i}-${STAMP}@example.com`);

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

const T = {
  en: {
    title: 'Administration', nav: 'Admin', badge: 'admin',
    notAdmin: 'You are not an administrator, so this section is not available to you.',
    disabled: (e) => `${e} is disabled and can no longer sign in.`,
    enabled: (e) => `${e} is enabled and can sign in again.`,
    self: 'You cannot disable your own account: you would lock yourself out.',
    stateDisabled: 'Disabled', stateActive: 'Active',
    none: (q) => `No user’s email contains “${q}”.`,
    logEmpty: 'No requests match these filters.',
    model: 'Everything about the model',
  },
  ru: {
    title: 'Администрирование', nav: 'Администрирование', badge: 'админ',
    notAdmin: 'Вы не администратор, поэтому этот раздел вам недоступен.',
    disabled: (e) => `${e} отключён и больше не может войти.`,
    enabled: (e) => `${e} включён и снова может войти.`,
    self: 'Нельзя отключить собственную учётную запись: вы не сможете войти.',
    stateDisabled: 'Отключён', stateActive: 'Активен',
    none: (q) => `Нет пользователей, чей email содержит «${q}».`,
    logEmpty: 'Нет запросов, подходящих под эти фильтры.',
    model: 'Всё о модели',
  },
};

let server, browser;
const cspViolations = [];

async function api(method, p, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${server.base}/api/v1${p}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

const signIn = (email) => api('POST', '/sessions', { email, password: PASSWORD });

/** A page in `lang` at `viewport` on `#/<route>`, signed in as `email`. */
async function open({ viewport, lang }, email, route = 'admin') {
  const ctx = await newContext(browser, viewport, lang === 'ru' ? 'ru-RU' : 'en-US', (v) => cspViolations.push(v));
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e));
  await page.goto(`${server.base}/#/signin`);
  await page.locator('h1').waitFor();
  const status = await page.evaluate(async ([e, password]) => (await fetch('/api/v1/sessions', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: e, password }),
  })).status, [email, PASSWORD]);
  assert.equal(status, 200, `sign-in of ${email} through the API`);
  // Signed in on the server now: reload (the page then goes to #/predict), then open the route.
  await page.reload();
  await page.locator('#nav').waitFor();
  await page.evaluate((r) => { location.hash = `#/${r}`; }, route);
  if (route === 'admin') await page.locator('h1', { hasText: T[lang].title }).waitFor();
  else await page.locator('h1').waitFor();
  return { ctx, page };
}

/** Fails when the page is wider than the window (a table widening the page on a phone). */
async function assertNoSideScroll(page, what) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px window`);
}

const userRows = (page) => page.locator('[data-testid=admin-users-table] tbody tr');
const rowOf = (page, email) => page.locator(`[data-testid=admin-users-table] tbody tr[data-email="${email}"]`);

async function search(page, text) {
  await page.locator('#admin-q').fill(text);
  await page.locator('#admin-q').press('Enter');
}

describe('admin console (issue #20)', { timeout: 900000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    for (const email of [ANN, BOB, ...OTHERS]) {
      const r = await api('POST', '/users', { email, password: PASSWORD });
      assert.equal(r.status, 201, JSON.stringify(r.json));
    }
    await createAdmin(server, ROOT, PASSWORD);
    // Two estimates by Ann, one by Bob: the request log's rows.
    for (const [email, name] of [[ANN, 'Backend developer'], [ANN, 'QA engineer'], [BOB, 'Data analyst']]) {
      const { json } = await signIn(email);
      const r = await api('POST', '/predictions?wait=20', { name, description: 'Go, PostgreSQL, Kafka, Kubernetes. Опыт от 3 лет.' }, json.token);
      assert.ok([200, 202].includes(r.status), JSON.stringify(r.json));
    }
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violation');
  });

  for (const m of MATRIX) {
    it(`tells a normal user that #/admin is not theirs, with no Admin item (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, BOB);
      const L = T[m.lang];
      assert.equal(await page.locator('h1').textContent(), L.title);
      assert.equal((await page.getByTestId('not-admin').locator('p').first().textContent()), L.notAdmin);
      assert.equal(await page.locator('#nav-admin').isVisible(), false, 'no Admin nav item');
      assert.equal(await page.locator('#role').isVisible(), false, 'no role badge');
      assert.equal(await page.locator('#admin-users').count(), 0, 'no users table');
      await shot(page, `${m.size}-admin-not-admin-${m.lang}`);
      await assertAccessible(page, `#/admin for a normal user (${m.size}, ${m.lang})`);
      await assertNoSideScroll(page, 'not an administrator');
      await ctx.close();
    });
  }

  for (const m of MATRIX) {
    it(`shows the console to an admin: role, users, log and model (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, ROOT, 'predict');
      const L = T[m.lang];
      const nav = page.locator('#nav-admin');
      assert.equal(await nav.isVisible(), true, 'the Admin nav item');
      assert.equal((await nav.textContent()).trim(), L.nav);
      assert.equal((await page.locator('#role').textContent()).trim(), L.badge, 'the role next to the email');
      assert.equal(await page.locator('#role').isVisible(), true);
      await nav.click();
      await page.locator('h1', { hasText: L.title }).waitFor();
      assert.equal(await nav.getAttribute('aria-current'), 'page');
      await userRows(page).first().waitFor();
      assert.equal(await userRows(page).count(), 10, 'a page of ten users');
      await page.locator('[data-testid=admin-log-table] tbody tr').first().waitFor();
      await page.getByTestId('models-serving').locator('li').nth(1).waitFor();
      assert.match(await page.getByTestId('models-serving').textContent(), /\d/);
      assert.equal(await page.getByRole('link', { name: L.model }).getAttribute('href'), '#/model');
      await shot(page, `${m.size}-admin-${m.lang}`);
      await assertAccessible(page, `the admin console (${m.size}, ${m.lang})`);
      await assertNoSideScroll(page, 'the admin console');

      // The confirmation of a disable, and a search that finds nobody.
      await search(page, `bob-${STAMP}`);
      await rowOf(page, BOB).waitFor();
      assert.equal(await userRows(page).count(), 1);
      await rowOf(page, BOB).locator('.admin-toggle').click();
      await page.getByTestId('confirm').waitFor();
      assert.equal(await page.getByTestId('confirm').evaluate((e) => e === document.activeElement), true, 'the focus is on the confirmation');
      await shot(page, `${m.size}-admin-confirm-${m.lang}`);
      await assertAccessible(page, `the disable confirmation (${m.size}, ${m.lang})`);
      await assertNoSideScroll(page, 'the disable confirmation');
      await page.locator('.admin-confirm .btn:not([data-testid])').click(); // Cancel
      assert.equal(await page.getByTestId('confirm').count(), 0);
      assert.equal((await signIn(BOB)).status, 200, 'cancelled: Bob still signs in');
      await search(page, 'nobody-here');
      await page.getByTestId('admin-users-empty').waitFor();
      assert.equal(await page.getByTestId('admin-users-empty').textContent(), L.none('nobody-here'));
      await ctx.close();
    });
  }

  it('searches and pages users, disables and enables one, and refuses to disable oneself (desktop, en)', async () => {
    const m = { viewport: DESKTOP, lang: 'en' };
    const L = T.en;
    const { ctx, page } = await open(m, ROOT);
    await userRows(page).first().waitFor();
    // Paging: 12 users, newest first: the administrator, then the others in reverse order.
    const first = await userRows(page).evaluateAll((rows) => rows.map((r) => r.dataset.email));
    assert.equal(first.length, 10);
    assert.equal(first[0], ROOT);
    await page.locator('#users-next').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-users-table] tbody tr').length === 2);
    const second = await userRows(page).evaluateAll((rows) => rows.map((r) => r.dataset.email));
    assert.deepEqual(second, [BOB, ANN]);
    assert.equal(await page.locator('#users-next').isDisabled(), true);
    await page.locator('#users-prev').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-users-table] tbody tr').length === 10);

    // Search: a piece of the address, in any case; `_` is no wildcard.
    await search(page, `ANN_${STAMP}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-users-table] tbody tr').length === 1);
    assert.deepEqual(await userRows(page).evaluateAll((rows) => rows.map((r) => r.dataset.email)), [ANN]);
    await search(page, `${STAMP}@example`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-users-table] tbody tr').length === 10);
    assert.equal(await page.locator('#users-next').isDisabled(), false, 'a search pages too');

    // Disable Ann: she cannot sign in; enable her: she can.
    await search(page, ANN);
    const ann = rowOf(page, ANN);
    await ann.waitFor();
    await ann.locator('.admin-toggle').click();
    await page.getByTestId('confirm').click();
    await page.locator('#flash .flash-msg', { hasText: L.disabled(ANN) }).waitFor();
    assert.equal(await ann.getByTestId('user-state').textContent(), L.stateDisabled);
    const refused = await signIn(ANN);
    assert.equal(refused.status, 401, 'a disabled user cannot sign in');
    assert.equal(refused.json.code, 'invalid_credentials');
    await ann.locator('.admin-toggle').click();
    await page.getByTestId('confirm').click();
    await page.locator('#flash .flash-msg', { hasText: L.enabled(ANN) }).waitFor();
    assert.equal(await ann.getByTestId('user-state').textContent(), L.stateActive);
    assert.equal((await signIn(ANN)).status, 200, 'enabled again, she signs in');

    // Disabling oneself: 409 cannot_disable_self, said in words.
    await search(page, ROOT);
    const me = rowOf(page, ROOT);
    await me.waitFor();
    await me.locator('.admin-toggle').click();
    await page.getByTestId('confirm').click();
    await page.locator('#flash .flash-msg', { hasText: L.self }).waitFor();
    assert.equal(await me.getByTestId('user-state').textContent(), L.stateActive);
    await shot(page, 'desktop-admin-self-disable');
    await assertAccessible(page, 'the refused self-disable');
    await ctx.close();
  });

  for (const m of [{ size: 'desktop', viewport: DESKTOP, lang: 'en' }, { size: 'phone', viewport: PHONE, lang: 'ru' }]) {
    it(`filters the request log by user and status (${m.size}, ${m.lang})`, async () => {
      const { ctx, page } = await open(m, ROOT);
      const L = T[m.lang];
      const logRows = page.locator('[data-testid=admin-log-table] tbody tr');
      await logRows.first().waitFor();
      assert.equal(await logRows.count(), 3, 'every request');
      // Picked from the users table.
      await search(page, ANN);
      await rowOf(page, ANN).locator('.admin-requests').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-log-table] tbody tr').length === 2);
      assert.deepEqual(await logRows.locator('.admin-email').allTextContents(), [ANN, ANN]);
      assert.equal(await page.locator('#log-user').inputValue(), ANN);
      // Typed: Bob's address, then his requests that failed (none).
      await page.locator('#log-user').fill(BOB);
      await page.locator('#log-apply').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-log-table] tbody tr').length === 1);
      assert.deepEqual(await logRows.locator('.admin-email').allTextContents(), [BOB]);
      await page.locator('#log-status').selectOption('done');
      await page.locator('#log-apply').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-log-table] tbody tr [data-status=done]').length === 1);
      await shot(page, `${m.size}-admin-log-${m.lang}`);
      await assertAccessible(page, `the filtered request log (${m.size}, ${m.lang})`);
      await assertNoSideScroll(page, 'the filtered request log');
      await page.locator('#log-status').selectOption('failed');
      await page.locator('#log-apply').click();
      await page.getByTestId('admin-log-empty').waitFor();
      assert.equal(await page.getByTestId('admin-log-empty').textContent(), L.logEmpty);
      // A date range before any request selects nothing; one that includes today selects them.
      await page.locator('#log-status').selectOption('');
      await page.locator('#log-to').fill('2020-01-01');
      await page.locator('#log-apply').click();
      await page.getByTestId('admin-log-empty').waitFor();
      await page.locator('#log-to').fill('');
      await page.locator('#log-from').fill('2020-01-01');
      await page.locator('#log-apply').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=admin-log-table] tbody tr').length === 1);
      // Nobody by that address: said next to the field.
      await page.locator('#log-user').fill('nobody-here');
      await page.locator('#log-apply').click();
      await page.locator('#log-user-err', { hasText: L.none('nobody-here') }).waitFor();
      assert.equal(await page.locator('#log-user').getAttribute('aria-invalid'), 'true');
      await ctx.close();
    });
  }
});
