// End-to-end tests of the web UI in headless Chromium against a real `payrange serve`.
// Run: node --test (see README). The tests in this file run in order and share state.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, shot, newContext as harnessContext, assertAccessible, DESKTOP, PHONE } from './harness.mjs';

const EMAIL = `ui-${Date.now()}@example.com`;
const PASSWORD = 'Violet-lantern-harbour-72';
const JOB = {
  name: 'Senior Python developer',
  description: 'Разработка backend на Python и Django, PostgreSQL, Docker, Kubernetes. Опыт работы от 5 лет. Remote, полный день.',
  area: 'Москва',
};
// Long enough (300+ characters) not to get the hint about a short description, and stating
// a take-home salary.
const STATED_JOB = {
  name: 'Python developer',
  description: 'Разработка и поддержка backend-сервисов на Python (Django, FastAPI), PostgreSQL, Redis, Docker. '
    + 'Обязанности: проектирование API, код-ревью, оптимизация запросов, участие в планировании. '
    + 'Требования: опыт коммерческой разработки от 3 лет, знание SQL, понимание HTTP и REST. '
    + 'Условия: зарплата от 250 000 до 350 000 руб. на руки, удалённая работа, ДМС, гибкий график.',
  area: 'Москва',
};
/** The amounts listed in an explanation column. */
const amounts = (p, col) => p.locator(`[data-testid=${col}] [data-testid=amount]`).allTextContents();

let server, browser, ctx, page;

/** Every Content-Security-Policy violation of any page, as "directive blocked-URI". */
const cspViolations = [];

/** A browser context that reports each Content-Security-Policy violation into `cspViolations`. */
async function newContext(viewport, locale = 'en-US') {
  return harnessContext(browser, viewport, locale, (v) => cspViolations.push(v));
}

const h1 = (p, text) => p.locator('h1', { hasText: text }).waitFor();

async function signInVia(p, email, password) {
  await h1(p, /Sign in|Вход/);
  await p.getByLabel(/^(Email|Эл\. почта)$/).fill(email);
  await p.getByLabel(/^(Password|Пароль)$/).fill(password);
  await p.getByLabel(/^(Password|Пароль)$/).press('Enter'); // keyboard submit
}

async function createPredictionViaApi(p, input, wait = 5) {
  return p.evaluate(async ([body, w]) => {
    const r = await fetch(`/api/v1/predictions?wait=${w}`, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: await r.json() };
  }, [input, wait]);
}

describe('payrange web UI', { timeout: 600000 }, () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ctx = await newContext(DESKTOP);
    page = await ctx.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e));
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  it('serves the UI at / and shows the landing page, sign-in one click away, when signed out', async () => {
    const res = await page.goto(server.base + '/');
    assert.equal(res.status(), 200);
    await h1(page, 'What does this job pay?');
    await page.locator('main a[href="#/signin"]').first().click();
    await h1(page, 'Sign in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.locator('#nav').isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'no sign-out button when signed out');
    await shot(page, 'desktop-signin');
  });

  it('still shows the app after a reload (conditional requests for cached files)', async () => {
    // A reload revalidates the cached index.html with If-None-Match; the server must
    // answer 304 (or 200), never an error page.
    const res = await page.reload();
    assert.ok([200, 304].includes(res.status()), `reload answered ${res.status()}: ${(await res.text()).slice(0, 200)}`);
    await h1(page, 'Sign in');
  });

  it('signs up, with client-side password checks, and lands signed in', async () => {
    await page.getByRole('link', { name: 'No account yet? Create one' }).click();
    await h1(page, 'Create an account');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#password-err', { hasText: 'too short' }).waitFor();
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shot(page, 'desktop-signup-error');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await h1(page, 'Estimate a salary');
    await page.locator('#who', { hasText: EMAIL }).waitFor();
    // The session is only in the HttpOnly cookie: nothing readable by scripts.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!/token|payrange_session|v4\.local|v4\.public/i.test(storage), `token leaked to script-visible storage: ${storage}`);
    const cookies = await ctx.cookies();
    const sess = cookies.find((c) => c.name === 'payrange_session');
    assert.ok(sess && sess.httpOnly, 'HttpOnly session cookie set');
  });

  it('says plainly when the email is taken', async () => {
    const c = await newContext(DESKTOP);
    const p = await c.newPage();
    await p.goto(server.base + '/#/signup');
    await h1(p, 'Create an account');
    await p.getByLabel('Email').fill(EMAIL);
    await p.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.locator('.form-error', { hasText: 'An account with this email already exists' }).waitFor();
    await c.close();
  });

  it('signs out and shows a wrong-password message', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await h1(page, 'Sign in');
    await page.locator('#flash', { hasText: 'You have signed out' }).waitFor();
    await signInVia(page, EMAIL, 'not-the-right-password-1');
    await page.locator('.form-error', { hasText: 'Wrong email or password.' }).waitFor();
    await shot(page, 'desktop-signin-wrong-password');
  });

  it('signs in, using the keyboard only', async () => {
    await page.reload();
    await h1(page, 'Sign in');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus starts at the page heading');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'email');
    await page.keyboard.type(EMAIL);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await h1(page, 'Estimate a salary');
    assert.equal(await page.locator('#nav').isVisible(), true);
  });

  it('checks the form on the client before sending', async () => {
    await page.getByRole('button', { name: 'Estimate salary' }).click();
    await page.locator('#name-err', { hasText: 'Please fill in this field.' }).waitFor();
    await page.locator('#description-err', { hasText: 'Please fill in this field.' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'name');
    await page.getByLabel('City (optional)').fill('x'.repeat(101));
    await page.getByRole('button', { name: 'Estimate salary' }).click();
    await page.locator('#area-err', { hasText: 'at most 100 characters' }).waitFor();
  });

  it('predicts: busy state, then the range and the explanation', async () => {
    await page.getByLabel('Job title').fill(JOB.name);
    await page.getByLabel('Description').fill(JOB.description);
    await page.getByLabel('City (optional)').fill(JOB.area);
    // Hold the request briefly so the busy state is observable deterministically.
    await page.route('**/api/v1/predictions?wait=*', async (route) => { await new Promise((r) => setTimeout(r, 700)); await route.continue(); });
    await page.getByRole('button', { name: 'Estimate salary' }).click();
    await page.locator('#predict-status .spinner').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Estimate salary' }).isDisabled(), true);
    await shot(page, 'desktop-predict-busy');
    const range = page.getByTestId('range');
    await range.waitFor();
    await page.unroute('**/api/v1/predictions?wait=*');
    const text = await range.textContent();
    assert.match(text, /\d.*–.*\d/, `range text: ${text}`);
    assert.match(text, /₽|RUB/);
    await page.locator('.result svg.chart-range').waitFor();
    await page.locator('.result [data-testid=model-line]', { hasText: /^Model of \d{1,2} \w{3} \d{4} \([\w.-]+, [0-9a-f]{8}\) · / }).waitFor();
    const upFrom = await page.locator('[data-testid=why-from] .factors li').count();
    const upTo = await page.locator('[data-testid=why-to] .factors li').count();
    assert.ok(upFrom > 0 && upTo > 0, `explanation rows: ${upFrom}, ${upTo}`);
    // Each term with its amount in money: never a percentage, never an internal name.
    for (const col of ['why-from', 'why-to']) {
      const list = await amounts(page, col);
      assert.ok(list.length > 0 && list.every((a) => /^[+−]₽\d{1,3}(,\d{3})*$/.test(a)), `${col} amounts: ${list}`);
      const text = await page.locator(`[data-testid=${col}] .factors`).textContent();
      assert.doesNotMatch(text, /%|(title|description|area|chars|amount|stated salary)\s*:/i, `${col}: ${text}`);
    }
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Estimated salary', 'focus moves to the result');
    // The likely range: a lighter band around the predicted one, in words with its label.
    await page.locator('.result svg.chart-range rect.likely-band').waitFor();
    const likely = await page.getByTestId('likely').textContent();
    assert.match(likely, /^Likely range \(80%\): ₽[\d,]+ – [\d,]+ (High|Medium|Low) confidence/, likely);
    assert.match(likely, /For 80% of vacancies like this one, the middle of the real salary range falls within it\./);
    assert.match(likely, /(High|Medium|Low): the range is (narrow|moderate|wide)/);
    // The description is under 300 characters.
    assert.equal(await page.getByTestId('sharpen').textContent(), 'Add duties and requirements for a sharper estimate.');
    assert.equal(await page.getByTestId('per').textContent(), 'per month; the vacancy does not say whether before or after tax');
    assert.equal(await page.getByTestId('stated').count(), 0, 'no salary stated in the vacancy');
    assert.doesNotMatch(await page.locator('main').textContent(), /RUR/);
    await shot(page, 'desktop-predict-result');
    await assertAccessible(page, 'the result at 1280x800');
  });

  it('shows the new entry at the top of the history', async () => {
    await page.getByRole('link', { name: 'History' }).click();
    await h1(page, 'Your estimates');
    const first = page.locator('table.history tbody tr').first();
    await first.waitFor();
    assert.match(await first.textContent(), new RegExp(JOB.name));
    assert.match(await first.textContent(), new RegExp(JOB.area));
    assert.equal(await first.locator('.badge').getAttribute('data-status'), 'done');
    assert.match(await first.getByTestId('history-likely').textContent(), /^likely \(80%\): ₽[\d,]+ – [\d,]+$/);
    await page.locator('#history-chart svg').waitFor();
    await shot(page, 'desktop-history');
    await assertAccessible(page, 'the history at 1280x800');
  });

  it('paginates the history, newest first', async () => {
    for (let i = 1; i <= 11; i++) {
      const r = await createPredictionViaApi(page, { name: `Data analyst ${i}`, description: `SQL, Python, отчёты, A/B-тесты. Вакансия номер ${i}.` });
      assert.ok(r.status === 200 || r.status === 202, `create ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await page.reload();
    await h1(page, 'Your estimates');
    const rows = page.locator('table.history tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 10);
    assert.match(await rows.first().textContent(), /Data analyst 11/);
    assert.equal(await page.locator('#prev').isDisabled(), true);
    await page.locator('#next').click();
    await page.locator('.page-no', { hasText: 'Page 2' }).waitFor();
    await page.locator('table.history tbody tr', { hasText: JOB.name }).waitFor();
    assert.equal(await rows.count(), 2);
    assert.equal(await page.locator('#next').isDisabled(), true);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'prev', 'focus stays on the pager');
    await page.locator('#prev').click();
    await page.locator('.page-no', { hasText: 'Page 1' }).waitFor();
    await page.locator('table.history tbody tr', { hasText: 'Data analyst 11' }).waitFor();
  });

  it('updates pending status badges by itself', async () => {
    // Make the list report the newest entry as still queued; the page must then poll
    // that prediction and flip the badge to done without a reload.
    await page.route('**/api/v1/predictions?limit=*', async (route) => {
      const res = await route.fetch();
      const json = await res.json();
      if (json.items && json.items[0]) Object.assign(json.items[0], { status: 'queued', salary_from: null, salary_to: null });
      await route.fulfill({ response: res, json });
    });
    await page.getByRole('link', { name: 'Estimate' }).click();
    await page.getByRole('link', { name: 'History' }).click();
    const badge = page.locator('table.history tbody tr').first().locator('.badge');
    await page.locator('table.history tbody tr .badge[data-status=queued]').first().waitFor();
    await page.unroute('**/api/v1/predictions?limit=*');
    await page.locator('table.history tbody tr').first().locator('.badge[data-status=done]').waitFor();
    assert.equal(await badge.getAttribute('data-status'), 'done');
  });

  it('exports the history as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^payrange-history-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines[0], 'id,created_at,status,name,area,salary_from,salary_to,currency,likely_from,likely_to,level,confidence,model_version,finished_at,error,market,outcome_salary_from,outcome_salary_to,outcome_kind,outcome_recorded_at,description');
    assert.equal(lines.length, 1 + 12, 'header + 12 predictions');
    assert.match(lines[1], /Data analyst 11/);
    const mine = lines.find((l) => l.includes(JOB.name));
    assert.ok(mine, 'first prediction is exported');
    const cells = mine.split(',');
    assert.equal(cells[2], 'done');
    assert.equal(cells[4], JOB.area);
    assert.ok(Number(cells[5]) > 0 && Number(cells[6]) >= Number(cells[5]), `salaries: ${cells[5]} ${cells[6]}`);
    assert.equal(cells[7], 'RUB');
    assert.ok(Number(cells[8]) > 0 && Number(cells[9]) >= Number(cells[8]), `likely range: ${cells[8]} ${cells[9]}`);
    assert.equal(cells[10], '0.8');
    assert.match(cells[11], /^(high|medium|low)$/);
  });

  it('exports text that looks like a formula as text', async () => {
    const formula = '=HYPERLINK("http://x","y")';
    const r = await createPredictionViaApi(page, { name: formula, description: '-5% к окладу за опоздания. Python, Django, PostgreSQL.', area: '@Москва' }, 10);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await page.getByRole('link', { name: 'Estimate' }).click();
    await page.getByRole('link', { name: 'History' }).click();
    await page.locator('table.history tbody tr', { hasText: formula }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const lines = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/);
    const line = lines.find((l) => l.includes('HYPERLINK'));
    // Quoted for its commas and quotes, and led by ' so that no spreadsheet runs it.
    assert.ok(line.includes(`,"'=HYPERLINK(""http://x"",""y"")",'@Москва,`), line);
    assert.ok(line.endsWith(`,"'-5% к окладу за опоздания. Python, Django, PostgreSQL."`), line);
    // The numbers stay numbers.
    const cells = line.split(',');
    const from = cells.findIndex((c) => c.startsWith("'@"));
    assert.ok(Number(cells[from + 1]) > 0 && Number(cells[from + 2]) >= Number(cells[from + 1]), line);
  });

  it('opens a past estimate from the history', async () => {
    await page.locator('table.history tbody tr').first().getByRole('link').click();
    await page.getByTestId('range').waitFor();
    await page.getByRole('link', { name: '← Back to history' }).click();
    await h1(page, 'Your estimates');
  });

  it('explains the model in plain words', async () => {
    await page.getByRole('link', { name: 'About the model' }).click();
    await h1(page, 'About the model');
    const version = await page.getByTestId('model-version-ru').textContent();
    assert.ok(version.trim().length > 0 && version.trim() !== '—');
    await page.locator('main', { hasText: 'typically off by about' }).waitFor();
    assert.match(await page.getByTestId('model-likely-ru').textContent(), /^Likely ranges \(80%\): for \d+(\.\d)?% of those vacancies/);
    // Both markets, each in its currency.
    await page.getByRole('heading', { name: 'United Kingdom: Adzuna vacancies, pounds a year' }).waitFor();
    assert.match(await page.getByTestId('model-likely-uk').textContent(), /£/);
    assert.notEqual(await page.getByTestId('model-version-uk').textContent(), version);
    await shot(page, 'desktop-model');
  });

  it('switches language and remembers it; defaults to the browser language', async () => {
    await page.getByRole('button', { name: 'RU' }).click();
    await h1(page, 'О модели');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
    await page.getByRole('link', { name: 'История' }).waitFor();
    await page.reload();
    await h1(page, 'О модели');
    await page.getByRole('link', { name: 'История' }).click();
    await h1(page, 'Ваши оценки');
    await shot(page, 'desktop-history-ru');
    await page.getByRole('button', { name: 'EN' }).click();
    await h1(page, 'Your estimates');
    // A fresh Russian-speaking browser starts in Russian.
    const c = await newContext(DESKTOP, 'ru-RU');
    const p = await c.newPage();
    await p.goto(server.base + '/#/signin');
    await h1(p, 'Вход');
    await signInVia(p, EMAIL, 'совсем-не-тот-пароль');
    await p.locator('.form-error', { hasText: 'Неверная почта или пароль.' }).waitFor();
    await c.close();
  });

  it("puts the server's error codes in plain words", async () => {
    const c = await newContext(DESKTOP);
    const p = await c.newPage();
    const reply = (status, body, headers = {}) => (route) => route.fulfill({ status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await p.goto(server.base + '/#/signup');
    await h1(p, 'Create an account');
    const fill = async () => {
      await p.locator('#email').fill(`x-${Date.now()}@example.com`);
      await p.locator('#password').fill('password123456');
      await p.locator('main form button[type=submit]').click();
    };
    // Weak password: the reason, next to the field.
    await p.route('**/api/v1/users', reply(422, { code: 'validation_failed', message: 'validation failed', details: [{ field: 'password', message: 'password is too common' }] }));
    await fill();
    await p.locator('#password-err', { hasText: 'This password is too common' }).waitFor();
    await p.unroute('**/api/v1/users');
    // Too many attempts, with the wait from Retry-After.
    await p.route('**/api/v1/users', reply(429, { code: 'too_many_requests', message: 'slow down' }, { 'Retry-After': '42' }));
    await fill();
    await p.locator('.form-error', { hasText: 'Too many attempts. Please try again in 42 seconds.' }).waitFor();
    await p.unroute('**/api/v1/users');
    // Service unavailable.
    await p.route('**/api/v1/users', reply(503, { code: 'service_unavailable', message: 'db down' }));
    await fill();
    await p.locator('.form-error', { hasText: 'temporarily unavailable' }).waitFor();
    await p.unroute('**/api/v1/users');
    // A code the UI does not know: the server's own message.
    await p.route('**/api/v1/users', reply(418, { code: 'teapot', message: 'I am a teapot' }));
    await fill();
    await p.locator('.form-error', { hasText: 'I am a teapot' }).waitFor();
    await p.unroute('**/api/v1/users');
    // Same in Russian.
    await p.getByRole('button', { name: 'RU' }).click();
    await p.route('**/api/v1/users', reply(422, { code: 'validation_failed', message: 'validation failed', details: [{ field: 'password', message: 'password is too common' }] }));
    await fill();
    await p.locator('#password-err', { hasText: 'слишком распространённый пароль' }).waitFor();
    await p.unroute('**/api/v1/users');
    await p.getByRole('button', { name: 'EN' }).click();
    // A session that ends while the page is open sends the person to sign-in.
    await p.goto(server.base + '/#/signin');
    await signInVia(p, EMAIL, PASSWORD);
    await h1(p, 'Estimate a salary');
    await c.clearCookies();
    await p.getByRole('link', { name: 'History' }).click();
    await h1(p, 'Sign in');
    await p.locator('#flash', { hasText: 'Your session has ended' }).waitFor();
    await c.close();
  });

  it('names a stated salary and the pay basis, in both languages', async () => {
    await page.getByRole('link', { name: 'Estimate' }).click();
    await h1(page, 'Estimate a salary');
    await page.getByLabel('Job title').fill(STATED_JOB.name);
    await page.getByLabel('Description').fill(STATED_JOB.description);
    await page.getByLabel('City (optional)').fill(STATED_JOB.area);
    await page.getByRole('button', { name: 'Estimate salary' }).click();
    await page.locator('.result', { hasText: STATED_JOB.name }).waitFor();
    assert.match(await page.getByTestId('stated').textContent(),
      /^Salary stated in the vacancy: ₽250,000 – 350,000(, used as given|; the estimate moved towards it|; set aside as implausible for this vacancy)\.$/);
    // The stated salary comes before the lists of words.
    assert.ok(await page.locator('[data-testid=stated] ~ .why-cols').count() === 1);
    assert.equal(await page.getByTestId('per').textContent(), 'per month, take-home (after tax)');
    await page.locator('.result svg.chart-range rect.likely-band').waitFor();
    const low = /Low confidence/.test(await page.getByTestId('confidence').textContent());
    assert.equal(await page.getByTestId('sharpen').count(), low ? 1 : 0, 'a long description gets the hint only with low confidence');
    await shot(page, 'desktop-predict-stated');

    await page.getByRole('button', { name: 'RU' }).click();
    await h1(page, 'Оценить зарплату');
    assert.match(await page.getByTestId('stated').textContent(),
      /^Зарплата, указанная в вакансии: 250\s000 – 350\s000\s₽(, взята как есть|; оценка сдвинута к ней|; отброшена как неправдоподобная для этой вакансии)\.$/);
    assert.equal(await page.getByTestId('per').textContent(), 'в месяц, на руки (после вычета налогов)');
    assert.match(await page.getByTestId('likely').textContent(),
      /^Вероятный диапазон \(80\s%\): [\d\s]+ – [\d\s]+\s₽ (Высокая|Средняя|Низкая) уверенность/);
    await shot(page, 'desktop-predict-stated-ru');

    // The short vacancy again, in Russian: amounts, source labels and the hint.
    await page.getByLabel('Название должности').fill(JOB.name);
    await page.getByLabel('Описание').fill(JOB.description);
    await page.getByLabel('Город (необязательно)').fill(JOB.area);
    await page.getByRole('button', { name: 'Оценить зарплату' }).click();
    await page.getByTestId('stated').waitFor({ state: 'detached' });
    await page.locator('[data-testid=why-from] .factors').waitFor();
    for (const col of ['why-from', 'why-to']) {
      const list = await amounts(page, col);
      assert.ok(list.length > 0 && list.every((a) => /^[+−]\d{1,3}(\s\d{3})*\s₽$/.test(a)), `${col} amounts: ${list}`);
    }
    assert.match(await page.locator('.result .factors .kind').first().textContent(), /^(название|описание|город)$/);
    assert.equal(await page.getByTestId('sharpen').textContent(), 'Добавьте обязанности и требования — оценка станет точнее.');
    assert.equal(await page.getByTestId('per').textContent(), 'в месяц; в вакансии не сказано, до или после вычета налогов');
    assert.match(await page.getByTestId('likely').textContent(), /Для 80\s% похожих вакансий середина настоящей вилки попадает в этот диапазон\./);
    await shot(page, 'desktop-predict-result-ru');
    await assertAccessible(page, 'the Russian result');
    await page.getByRole('button', { name: 'EN' }).click();
    await h1(page, 'Estimate a salary');
  });

  it('works at phone width', async () => {
    const c = await newContext(PHONE);
    const p = await c.newPage();
    await p.goto(server.base + '/#/signin');
    await h1(p, 'Sign in');
    await shot(p, 'phone-signin');
    await signInVia(p, EMAIL, PASSWORD);
    await h1(p, 'Estimate a salary');
    await p.getByLabel('Job title').fill(JOB.name);
    await p.getByLabel('Description').fill(JOB.description);
    await p.getByLabel('City (optional)').fill(JOB.area);
    await shot(p, 'phone-predict');
    await p.getByRole('button', { name: 'Estimate salary' }).click();
    await p.getByTestId('range').waitFor();
    await p.locator('.result svg.chart-range rect.likely-band').waitFor();
    await p.getByTestId('sharpen').waitFor();
    await shot(p, 'phone-predict-result');
    const overflow = async () => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(await overflow() <= 0, 'no horizontal scroll on the result');
    await assertAccessible(p, 'the result at 390x844');
    await p.getByRole('link', { name: 'History' }).click();
    await p.locator('table.history tbody tr').first().waitFor();
    assert.ok(await overflow() <= 0, 'no horizontal scroll on the history');
    await shot(p, 'phone-history');
    await p.getByRole('link', { name: 'About the model' }).click();
    await p.getByTestId('model-version-ru').waitFor();
    await shot(p, 'phone-model');
    await c.close();
  });

  it('shows the API documentation with only the inline code its policy allows', async () => {
    const p = await ctx.newPage();
    const res = await p.goto(server.base + '/docs');
    assert.match(res.headers()['content-security-policy'], /script-src 'sha256-/);
    await p.locator('.swagger-ui .info .title', { hasText: 'payrange' }).waitFor();
    await p.locator('.opblock-summary-path', { hasText: '/predictions' }).first().waitFor();
    await p.close();
  });

  it('broke no rule of the pages\' Content-Security-Policy', async () => {
    const res = await page.goto(server.base + '/');
    assert.match(res.headers()['content-security-policy'], /^default-src 'self'/);
    assert.deepEqual(cspViolations, []);
  });

  it('signs out, after which the history is no longer reachable', async () => {
    const before = (await ctx.cookies()).find((c) => c.name === 'payrange_session');
    assert.ok(before);
    await page.getByRole('link', { name: 'History' }).click();
    await h1(page, 'Your estimates');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await h1(page, 'Sign in');
    assert.equal(await page.locator('#nav').isVisible(), false);
    await page.goto(server.base + '/#/history');
    await h1(page, 'Sign in');
    assert.equal(await page.locator('table.history').count(), 0);
    const status = await page.evaluate(async () => (await fetch('/api/v1/predictions', { credentials: 'same-origin' })).status);
    assert.equal(status, 401);
    // The old session token is revoked on the server, not just forgotten by the browser.
    const r = await fetch(`${server.base}/api/v1/predictions`, { headers: { Cookie: `payrange_session=${before.value}` } });
    assert.equal(r.status, 401);
  });
});
