// Browser tests of the account page (#/account, issue #20 "Account self-service"): change
// the password, sign out everywhere, download my data, delete the account; axe-core and
// screenshots at desktop and phone size in English and Russian. Against a real
// `payrange serve` (see README); accounts are made through the API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, shot, signedInPage, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const PASSWORD = 'Copper-meadow-lantern-58';
const NEW_PASSWORD = 'Walnut-harbour-violet-73';

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];
const LANGS = ['en', 'ru'];
const MATRIX = SIZES.flatMap(([size, viewport]) => LANGS.map((lang) => ({ size, viewport, lang })));

const T = {
  en: {
    nav: 'Account', title: 'Your account', signin: 'Sign in',
    passwordDone: 'Password changed. Sign in with the new password.',
    sessionsDone: 'Signed out on every device.',
    deleted: 'Your account and everything stored about it has been deleted.',
    confirmFirst: 'Tick the box to confirm that you understand.',
    wrong: 'The password is wrong.',
    deleteButton: 'Delete my account', sessionsButton: 'Sign out everywhere',
    json: 'Download JSON', csv: 'Download CSV', changeButton: 'Change password',
  },
  ru: {
    nav: 'Аккаунт', title: 'Ваш аккаунт', signin: 'Вход',
    passwordDone: 'Пароль изменён. Войдите с новым паролем.',
    sessionsDone: 'Вы вышли на всех устройствах.',
    deleted: 'Ваш аккаунт и все связанные с ним данные удалены.',
    confirmFirst: 'Отметьте флажок, чтобы подтвердить, что вы понимаете последствия.',
    wrong: 'Неверный пароль.',
    deleteButton: 'Удалить аккаунт', sessionsButton: 'Выйти на всех устройствах',
    json: 'Скачать JSON', csv: 'Скачать CSV', changeButton: 'Сменить пароль',
  },
};

let server, browser;
const cspViolations = [];
let n = 0;

/** Registers a fresh account through the API; returns its email. */
async function register(tag) {
  const email = `account-${tag}-${Date.now()}-${n++}@example.com`;
  const r = await fetch(`${server.base}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  assert.equal(r.status, 201, await r.text());
  return email;
}

/** The API's status for signing in as `email` with `password`. */
async function apiSignIn(email, password) {
  const r = await fetch(`${server.base}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return r;
}

/** A page in `lang` at `viewport`, signed in as `email`, at `#/<route>`. */
async function open(m, email, route = 'account') {
  const { ctx, page } = await signedInPage(browser, m, `${server.base}/#/signin`, email, PASSWORD, (v) => cspViolations.push(v));
  // Another query string: a real navigation, so the app starts again, signed in.
  await page.goto(`${server.base}/?signed-in#/${route}`);
  await page.locator('h1').waitFor();
  return { ctx, page };
}

/** The status of `GET /users/me` from inside `page` (its cookie). */
const meStatus = (page) => page.evaluate(async () => (await fetch('/api/v1/users/me', { credentials: 'same-origin' })).status);

async function signedOutWith(page, lang, message) {
  await page.locator('h1', { hasText: T[lang].signin }).waitFor();
  await page.locator('#flash .flash-msg', { hasText: message }).waitFor();
  assert.equal(await meStatus(page), 401, 'the session is gone');
}

describe('the account page (issue #20)', { timeout: 600000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    assert.deepEqual(cspViolations, [], 'no Content-Security-Policy violations');
  });

  for (const m of MATRIX) {
    it(`is reached from the header, reads well and passes axe-core (${m.size}, ${m.lang})`, async () => {
      const email = await register(`view-${m.size}-${m.lang}`);
      const { ctx, page } = await open(m, email, 'predict');
      await page.locator('#nav').getByRole('link', { name: T[m.lang].nav }).click();
      await page.locator('h1', { hasText: T[m.lang].title }).waitFor();
      assert.equal(await page.locator('#nav a[data-route=account]').getAttribute('aria-current'), 'page');
      assert.match(await page.locator('main .lead').textContent(), new RegExp(email.replace(/[.]/g, '\\.')));
      for (const name of [T[m.lang].changeButton, T[m.lang].sessionsButton, T[m.lang].json, T[m.lang].csv, T[m.lang].deleteButton]) {
        assert.equal(await page.getByRole('button', { name }).count(), 1, name);
      }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= m.viewport.width, `no sideways scrolling (${width} px)`);
      assert.match(await page.title(), new RegExp(`^${T[m.lang].title}`));
      await shot(page, `${m.size}-account-${m.lang}`);
      await assertAccessible(page, `the account page (${m.size}, ${m.lang})`);
      // The delete form's own errors: the explicit "I understand" step is required.
      await page.locator('#acc-del-password').fill(PASSWORD);
      await page.getByRole('button', { name: T[m.lang].deleteButton }).click();
      assert.equal(await page.locator('#acc-del-understand-err').textContent(), T[m.lang].confirmFirst);
      assert.equal(await page.locator('#acc-del-understand').getAttribute('aria-invalid'), 'true');
      await shot(page, `${m.size}-account-confirm-${m.lang}`);
      await assertAccessible(page, `the account page's delete confirmation (${m.size}, ${m.lang})`);
      assert.equal(await meStatus(page), 200, 'nothing was deleted');
      await ctx.close();
    });
  }

  it('changes the password; the new one signs in, the old one does not', async () => {
    const m = MATRIX[0];
    const email = await register('password');
    const { ctx, page } = await open(m, email);
    await page.locator('#acc-current').fill('not the password at all');
    await page.locator('#acc-new').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: T.en.changeButton }).click();
    await page.locator('#acc-current-err', { hasText: T.en.wrong }).waitFor();
    await page.locator('#acc-current').fill(PASSWORD);
    await page.locator('#acc-new').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: T.en.changeButton }).click();
    await signedOutWith(page, 'en', T.en.passwordDone);
    // Sign in through the form with the new password.
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(NEW_PASSWORD);
    await page.locator('main form button[type=submit]').click();
    await page.locator('#nav a[data-route=account]').waitFor();
    assert.equal(await meStatus(page), 200);
    assert.equal((await apiSignIn(email, PASSWORD)).status, 401, 'the old password is refused');
    await ctx.close();
  });

  it('signs out everywhere: another browser\'s session dies too (phone, ru)', async () => {
    const m = MATRIX[3];
    const email = await register('everywhere');
    const { ctx, page } = await open(m, email);
    const other = await open(MATRIX[0], email, 'history');
    assert.equal(await meStatus(other.page), 200);
    await page.getByRole('button', { name: T.ru.sessionsButton }).click();
    await signedOutWith(page, 'ru', T.ru.sessionsDone);
    await assertAccessible(page, 'the sign-in page after signing out everywhere (phone, ru)');
    assert.equal(await meStatus(other.page), 401, 'the other browser is signed out');
    await other.page.reload();
    await other.page.locator('h1', { hasText: T.en.signin }).waitFor();
    // The account still works: signing in again does.
    assert.equal((await apiSignIn(email, PASSWORD)).status, 200);
    await other.ctx.close();
    await ctx.close();
  });

  it('downloads my data as JSON and as CSV with every estimate', async () => {
    const m = MATRIX[0];
    const email = await register('data');
    const { ctx, page } = await open(m, email);
    const title = '=cmd|calc developer';
    const done = await page.evaluate(async (name) => (await fetch('/api/v1/predictions?wait=10', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, description: 'Go, PostgreSQL, Kafka. Опыт от 3 лет.' }),
    })).json(), title);
    assert.equal(done.status, 'done');

    const [jsonFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: T.en.json }).click()]);
    assert.match(jsonFile.suggestedFilename(), /^payrange-data-\d{4}-\d{2}-\d{2}\.json$/);
    const data = JSON.parse(readFileSync(await jsonFile.path(), 'utf8'));
    assert.equal(data.account.email, email);
    assert.equal(data.predictions.length, 1);
    assert.equal(data.predictions[0].name, title);
    assert.equal(data.predictions[0].id, done.id);
    assert.ok(data.predictions[0].salary_from > 0 && data.predictions[0].description.includes('Kafka'));

    const [csvFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: T.en.csv }).click()]);
    assert.match(csvFile.suggestedFilename(), /^payrange-data-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync(await csvFile.path(), 'utf8').trim().split('\r\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], /^kind,id,created_at,email,/);
    assert.ok(lines[1].startsWith('account,') && lines[1].includes(email), lines[1]);
    assert.ok(lines[2].startsWith(`prediction,${done.id},`), lines[2]);
    assert.ok(lines[2].includes(`,'${title},`), `the formula is neutralised: ${lines[2]}`);
    await ctx.close();
  });

  it('deletes the account after the password and "I understand"; the email is free again (phone, en)', async () => {
    const m = MATRIX[2];
    const email = await register('delete');
    const { ctx, page } = await open(m, email);
    await page.locator('#acc-del-understand').check();
    await page.locator('#acc-del-password').fill('not the password at all');
    await page.getByRole('button', { name: T.en.deleteButton }).click();
    await page.locator('#acc-del-password-err', { hasText: T.en.wrong }).waitFor();
    assert.equal(await meStatus(page), 200, 'a wrong password deletes nothing');
    await page.locator('#acc-del-password').fill(PASSWORD);
    await page.getByRole('button', { name: T.en.deleteButton }).click();
    await signedOutWith(page, 'en', T.en.deleted);
    await shot(page, `${m.size}-account-deleted-en`);
    await assertAccessible(page, 'the sign-in page after deleting the account');
    // Signing in through the form fails.
    await page.locator('#email').fill(email);
    await page.locator('#password').fill(PASSWORD);
    await page.locator('main form button[type=submit]').click();
    await page.locator('main .form-error', { hasText: 'Wrong email or password.' }).waitFor();
    assert.equal((await apiSignIn(email, PASSWORD)).status, 401);
    const again = await fetch(`${server.base}/api/v1/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    assert.equal(again.status, 201, 'the API lets the email register again');
    await ctx.close();
  });
});
