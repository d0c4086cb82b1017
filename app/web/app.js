// payrange web UI: hash-routed single page, no framework, no build step.
import { api, ApiError, LIMITS } from './api.js';
import { t, has, lang, setLang, locale, translateDom, LANGS } from './i18n.js';
import { rangeChart, historyChart, responsive } from './chart.js';
import { accountView } from './account.js';
import { landingView, takeKeptVacancy } from './landing.js';
import { batchView, resetBatches } from './batch.js';
import { adminView, resetAdmin, isAdmin } from './admin.js';
import { outcomeCard } from './outcome.js';

const PAGE_SIZE = 10;
const POLL_MS = 1000;
// After this long an estimate is called slow: the spinner stops and History is offered.
// `?stuckMs=` shortens it for the browser tests.
const PARAMS = new URLSearchParams(location.search);
const STUCK_MS = Number(PARAMS.get('stuckMs')) > 0 ? Number(PARAMS.get('stuckMs')) : 10000;
// A slow estimate is still checked, at this slower pace, and shown if it finishes.
const SLOW_POLL_MS = Math.min(5000, STUCK_MS / 2);

const state = {
  user: null,
  ready: false,
  bootError: null,
  authEmail: '',
  draft: { name: '', description: '', area: '', market: '' },
  predicting: null, // { status } while a job is in flight
  stuck: null, // { id } of an estimate that took longer than STUCK_MS and is still pending
  predictError: null,
  current: null, // last prediction shown on the Estimate page
  viewed: null, // prediction opened from history
  history: { cursors: [null], page: 0, items: [], next: null, loaded: false, error: null },
  model: null,
  models: null, // every model serving now (GET /models), for naming a result's model
  modelError: null,
};

// ---------- small DOM helpers ----------
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const $ = (sel, root = document) => root.querySelector(sel);
const main = () => $('#main');

// ---------- formatting ----------
function currencyCode(c) { return !c || c === 'RUR' ? 'RUB' : c; }
function fmtMoney(v, currency = 'RUR', round = true) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const n = round && Math.abs(v) >= 10000 ? Math.round(v / 1000) * 1000 : Math.round(v);
  try {
    return new Intl.NumberFormat(locale(), { style: 'currency', currency: currencyCode(currency), currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(n);
  } catch {
    return `${n} ${currencyCode(currency)}`;
  }
}
/**
 * A range of money with the currency sign once, on the side the locale puts it:
 * "250 000 – 350 000 ₽", "₽250,000 – 350,000".
 */
function fmtMoneyRange(a, b, currency = 'RUR', round = true) {
  const bare = (v) => {
    const n = round && Math.abs(v) >= 10000 ? Math.round(v / 1000) * 1000 : Math.round(v);
    return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(n);
  };
  let prefixed = true;
  try {
    const parts = new Intl.NumberFormat(locale(), { style: 'currency', currency: currencyCode(currency), currencyDisplay: 'narrowSymbol' }).formatToParts(1);
    prefixed = parts.findIndex((x) => x.type === 'currency') < parts.findIndex((x) => x.type === 'integer');
  } catch { /* unknown currency: fmtMoney falls back to the code after the number */ prefixed = false; }
  return prefixed
    ? t('result.range', { from: fmtMoney(a, currency, round), to: bare(b) })
    : t('result.range', { from: bare(a), to: fmtMoney(b, currency, round) });
}
/** A term's effect in money, with its sign: "+18 000 ₽", "−6 000 ₽" (not rounded to thousands). */
function fmtSigned(v, currency) {
  return `${v < 0 ? '−' : '+'}${fmtMoney(Math.abs(v), currency, false)}`;
}
/** "250 000 – 350 000 ₽", "from 250 000 ₽" or "up to 350 000 ₽". */
function fmtStated(from, to, currency) {
  const f = (v) => fmtMoney(v, currency, false);
  const has = (v) => Number.isFinite(v);
  if (has(from) && has(to)) return fmtMoneyRange(from, to, currency, false);
  if (has(from)) return t('stated.from', { v: f(from) });
  return t('stated.to', { v: f(to) });
}
/** Whether a prediction carries a likely range. */
function hasLikely(p) {
  return Number.isFinite(p.likely_from) && Number.isFinite(p.likely_to) && Number.isFinite(p.level);
}
/** "per month, before tax" and its variants: per year for GBP (Adzuna's salaries are annual). */
function perLine(p) {
  const per = t(p.currency === 'GBP' ? 'result.per.year' : 'result.per.month');
  const basis = (p.explanation && p.explanation.pay_basis) || 'unstated';
  return t(`result.per.${has(`result.per.${basis}`) ? basis : 'unstated'}`, { per });
}
function fmtPct(f, digits = 0) {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: digits }).format(f);
}
function fmtDate(s, withTime = true) {
  if (!s) return '—';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return new Intl.DateTimeFormat(locale(), withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'long' }).format(d);
}

// ---------- messages ----------
/**
 * A wait in words, from `Retry-After` seconds: seconds under a minute, else minutes rounded
 * up ("in 42 seconds", "in 15 minutes"; "через 42 секунды", "через 15 минут").
 */
function fmtWait(secs) {
  const s = Math.max(1, Math.ceil(secs));
  const [n, unit] = s < 60 ? [s, 'second'] : [Math.ceil(s / 60), 'minute'];
  try {
    return new Intl.RelativeTimeFormat(locale(), { numeric: 'always' }).format(n, unit);
  } catch {
    return `${n} ${unit === 'second' ? 's' : 'min'}`;
  }
}

/**
 * An API error in the current language. Known codes have their own words; an unknown code
 * gets a generic sentence with the code (in English the server's own message, which is
 * English).
 */
function errorText(err) {
  if (!(err instanceof ApiError)) return t('err.internal');
  if (err.code === 'too_many_requests' && err.retryAfter) return t('err.too_many_requests.wait', { when: fmtWait(err.retryAfter) });
  if (has(`err.${err.code}`)) return t(`err.${err.code}`);
  if (lang() === 'en' && err.message) return err.message;
  return t('err.unknown', { code: err.code });
}

// Reasons the server gives for a failed estimate, recognised so that they can be translated.
const FAILURES = [
  [/job queue was unavailable/i, 'fail.queue'],
  [/gave up after/i, 'fail.gaveUp'],
];

/** Why an estimate failed, in the current language where the reason is a known one. */
function failureText(reason) {
  const r = String(reason || '');
  const known = FAILURES.find(([re]) => re.test(r));
  if (known) return t(known[1]);
  return r && lang() === 'en' ? r : t('fail.other');
}

/** Turn a server field message into plain words in the current language where we recognise it. */
function fieldText(field, message) {
  const m = String(message || '');
  if (field === 'password') {
    // First: the "too simple" message also says "short pattern".
    if (/simple|repeated|sequence/i.test(m)) return t('v.password.simple');
    if (/common|popular|guess|breach|weak|dictionary/i.test(m)) return t('v.password.common');
    if (/short|least|min/i.test(m)) return t('v.password.tooShort');
    if (/long|most|max/i.test(m)) return t('v.password.long');
  }
  if (field === 'email' && /email|invalid|format/i.test(m) && lang() !== 'en') return t('v.email');
  return m || t('v.required');
}

// Success and information messages go away by themselves after this long (errors and
// warnings stay until closed); `?flashMs=` shortens it for the browser tests.
const FLASH_MS = Number(PARAMS.get('flashMs')) > 0 ? Number(PARAMS.get('flashMs')) : 6000;
let flashTimer = null;
let flashing = null; // { msg, kind } of the message shown, to redraw it in another language

/**
 * Shows a message: `msg` is a string key or a function giving the text, so that a language
 * switch redraws it. `ok` and `info` messages dismiss themselves.
 */
function flash(msg, kind = 'info') {
  clearTimeout(flashTimer);
  flashing = msg ? { msg, kind } : null;
  drawFlash();
  if (msg && (kind === 'ok' || kind === 'info')) {
    const expire = () => {
      const box = $('#flash');
      // Not while the pointer or the focus is on it: the person may be reading it.
      if (box.matches(':hover') || box.contains(document.activeElement)) { flashTimer = setTimeout(expire, 1000); return; }
      flashing = null;
      drawFlash();
    };
    flashTimer = setTimeout(expire, FLASH_MS);
  }
}

function drawFlash() {
  const box = $('#flash');
  box.replaceChildren();
  if (!flashing) return;
  const close = () => { clearTimeout(flashTimer); flashing = null; drawFlash(); };
  box.append(h('div', { class: `flash-msg flash-${flashing.kind}` }, h('span', {}, typeof flashing.msg === 'function' ? flashing.msg() : t(flashing.msg)),
    h('button', { type: 'button', class: 'flash-close', 'aria-label': t('close'), onclick: close }, h('span', { 'aria-hidden': 'true' }, '×'))));
}

// ---------- session handling ----------
function handleAuthLoss(err) {
  if (err instanceof ApiError && err.code === 'unauthorized') {
    if (!state.user) return true; // already signed out on purpose
    resetUserState();
    state.user = null;
    updateHeader();
    flash('auth.sessionEnded', 'warn');
    go('signin');
    return true;
  }
  return false;
}

function resetUserState() {
  state.draft = { name: '', description: '', area: '', market: '' };
  state.current = null;
  state.viewed = null;
  state.predicting = null;
  state.stuck = null;
  state.predictError = null;
  state.history = { cursors: [null], page: 0, items: [], next: null, loaded: false, error: null };
  state.model = null;
  state.models = null;
  modelAsked = false;
  resetAdmin();
  resetBatches();
}

// ---------- routing ----------
const PUBLIC = new Set(['signin', 'signup', 'welcome']);
let lastRoute = '';
let entering = false; // true while rendering a view the person just navigated to

function parseRoute() {
  const raw = (location.hash || '').replace(/^#\/?/, '');
  const [name, arg] = raw.split('/');
  return { name: name || (state.user ? 'predict' : 'welcome'), arg: arg ? decodeURIComponent(arg) : null };
}

function go(name, arg) {
  const target = `#/${name}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
  if (location.hash === target) render(true);
  else location.hash = target;
}

function render(focus = false) {
  if (!state.ready) return;
  let { name, arg } = parseRoute();
  if (!state.user && !PUBLIC.has(name)) { go('signin'); return; }
  if (state.user && PUBLIC.has(name)) { go('predict'); return; }
  const views = { signin: authView, signup: authView, predict: predictView, history: historyView, p: viewedView, model: modelView };
  views.account = accountView;
  views.welcome = () => landingView(LANDING_UI);
  views.admin = adminView;
  views.batch = () => batchView({ h, state, errorText, fmtDate, flash, handleAuthLoss, rerenderIf });
  const view = views[name] || predictView;
  const key = `${name}/${arg || ''}`;
  const changed = key !== lastRoute;
  lastRoute = key;
  entering = changed;
  main().replaceChildren(view(name, arg));
  entering = false;
  for (const a of document.querySelectorAll('#nav a')) {
    const active = a.dataset.route === name || (name === 'p' && a.dataset.route === 'history');
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const h1 = $('h1', main());
  if (focus || changed) {
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: false }); }
  }
  // Every render, so that the tab's title follows a language switch too.
  document.title = `${h1 ? h1.textContent + ' · ' : ''}payrange`;
}

function updateHeader() {
  translateDom();
  const signed = !!state.user;
  $('#nav').hidden = !signed;
  $('#signout').hidden = !signed;
  const who = $('#who');
  who.hidden = !signed;
  who.textContent = signed ? state.user.email : '';
  who.title = signed ? t('signedInAs', { email: state.user.email }) : '';
  $('#nav-admin').hidden = !isAdmin(state.user);
  $('#role').hidden = !isAdmin(state.user);
  for (const b of document.querySelectorAll('[data-lang]')) b.setAttribute('aria-pressed', String(b.dataset.lang === lang()));
}

// ---------- form helpers ----------
function field({ id, label, hint, type = 'text', value = '', textarea = false, autocomplete, required = true, max, oninput }) {
  const hintId = `${id}-hint`, errId = `${id}-err`;
  const attrs = { id, name: id, autocomplete, 'aria-describedby': `${hint ? hintId + ' ' : ''}${errId}`, required: required || undefined, oninput };
  const input = textarea ? h('textarea', { ...attrs, rows: 8 }) : h('input', { ...attrs, type });
  input.value = value;
  const counter = max ? h('span', { class: 'counter', 'aria-hidden': 'true' }) : null;
  const upd = () => {
    if (!counter) return;
    const n = input.value.length;
    counter.textContent = t('predict.chars', { n, max });
    counter.classList.toggle('over', n > max);
  };
  input.addEventListener('input', upd);
  upd();
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input,
    h('div', { class: 'field-foot' }, h('p', { class: 'field-err', id: errId }), counter));
}

function setFieldError(form, id, msg) {
  const input = form.querySelector(`#${id}`);
  const err = form.querySelector(`#${id}-err`);
  if (!input || !err) return false;
  err.textContent = msg || '';
  if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  return true;
}

function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-err')) e.textContent = '';
  for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  const sum = form.querySelector('.form-error');
  if (sum) sum.replaceChildren();
}

function formError(form, text, extra) {
  const sum = form.querySelector('.form-error');
  sum.replaceChildren(h('p', {}, text), extra || '');
}

function focusFirstInvalid(form) {
  const bad = form.querySelector('[aria-invalid="true"]');
  if (bad) bad.focus();
}

function showServerErrors(form, err, fieldMap = {}) {
  let any = false;
  if (err instanceof ApiError && err.code === 'validation_failed') {
    for (const d of err.details) {
      const id = fieldMap[d.field] || d.field;
      if (setFieldError(form, id, fieldText(d.field, d.message))) any = true;
    }
  }
  formError(form, errorText(err));
  if (any) focusFirstInvalid(form);
  else form.querySelector('.form-error').focus();
}

// ---------- views: auth ----------
function authView(name) {
  const signup = name === 'signup';
  const pw = field({ id: 'password', label: t('auth.password'), type: 'password', hint: signup ? t('auth.password.hint') : null, autocomplete: signup ? 'new-password' : 'current-password' });
  const email = field({ id: 'email', label: t('auth.email'), type: 'email', value: state.authEmail, autocomplete: 'username', oninput: (e) => { state.authEmail = e.target.value; } });
  const show = h('input', { type: 'checkbox', id: 'showpw', onchange: (e) => { form.querySelector('#password').type = e.target.checked ? 'text' : 'password'; } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t(signup ? 'auth.signup.submit' : 'auth.signin.submit'));
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'auth-title' },
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    email, pw,
    h('div', { class: 'check' }, show, h('label', { for: 'showpw' }, t('auth.password.show'))),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const em = form.querySelector('#email').value.trim();
    const p = form.querySelector('#password').value;
    let ok = true;
    const bad = (id, msg) => { setFieldError(form, id, msg); ok = false; };
    if (!em) bad('email', t('v.required'));
    else if (!/^[^\s@]+@[^\s@]+$/.test(em)) bad('email', t('v.email'));
    if (!p) bad('password', t('v.required'));
    else if (signup && p.length < LIMITS.passwordMin) bad('password', t('v.password.short', { n: p.length }));
    else if (signup && p.length > LIMITS.passwordMax) bad('password', t('v.password.long'));
    if (!ok) { focusFirstInvalid(form); return; }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      if (signup) await api.signUp(em, p);
      const user = await api.signIn(em, p);
      state.user = user || (await api.me());
      state.authEmail = '';
      resetUserState();
      // A vacancy tried on the landing page waits in the Estimate form.
      state.draft = takeKeptVacancy() || state.draft;
      updateHeader();
      flash(signup ? 'auth.created' : null, 'ok');
      go('predict');
    } catch (err) {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
      const extra = err instanceof ApiError && err.code === 'email_taken'
        ? h('a', { href: '#/signin' }, t('auth.toSignin')) : null;
      if (err instanceof ApiError && err.code === 'invalid_credentials') {
        form.querySelector('#password').value = '';
        form.querySelector('#password').setAttribute('aria-invalid', 'true');
      }
      showServerErrors(form, err);
      if (extra) form.querySelector('.form-error').append(extra);
    }
  });
  return h('section', { class: 'narrow' },
    h('h1', { id: 'auth-title' }, t(signup ? 'auth.signup.title' : 'auth.signin.title')),
    h('p', { class: 'lead' }, t(signup ? 'auth.signup.lead' : 'auth.signin.lead')),
    form,
    h('p', { class: 'switch' }, h('a', { href: signup ? '#/signin' : '#/signup' }, t(signup ? 'auth.toSignin' : 'auth.toSignup'))));
}

// ---------- views: predict ----------
function predictView() {
  const d = state.draft;
  const busy = !!state.predicting;
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'predict-title', 'aria-busy': busy ? 'true' : null },
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    field({ id: 'name', label: t('predict.name'), hint: t('predict.name.hint'), value: d.name, max: LIMITS.name, autocomplete: 'off', oninput: (e) => { d.name = e.target.value; } }),
    field({ id: 'description', label: t('predict.description'), hint: t('predict.description.hint'), value: d.description, textarea: true, max: LIMITS.description, oninput: (e) => { d.description = e.target.value; } }),
    field({ id: 'area', label: t('predict.area'), hint: t('predict.area.hint'), value: d.area, max: LIMITS.area, required: false, autocomplete: 'address-level2', oninput: (e) => { d.area = e.target.value; } }),
    marketField(d),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', disabled: busy }, t('predict.submit')),
      h('p', { class: 'busy', id: 'predict-status', role: 'status', 'aria-live': 'polite' },
        busy ? [h('span', { class: 'spinner', 'aria-hidden': 'true' }), t(`predict.${state.predicting.status}`)] : '')),
  );
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submitPrediction(form); });
  const out = h('div', { id: 'result-area' });
  if (busy) {
    out.append(h('div', { class: 'card placeholder busy-card', 'aria-hidden': 'true' },
      h('span', { class: 'spinner big' }), h('p', {}, t(`predict.${state.predicting.status}`)), h('p', { class: 'muted small' }, t('predict.busy.hint'))));
  } else if (state.stuck) {
    out.append(h('div', { class: 'card slow-card', 'data-testid': 'slow' },
      h('p', { role: 'status' }, t('predict.slow')),
      h('p', {}, h('a', { class: 'btn', href: '#/history' }, t('predict.slow.history')))));
  } else if (state.predictError) out.append(h('div', { class: 'card error-card', role: 'alert' }, state.predictError));
  else if (state.current) out.append(resultCard(state.current));
  else out.append(h('div', { class: 'card placeholder' }, h('p', { class: 'muted' }, t('predict.placeholder'))));
  return h('section', { class: 'two-col' },
    h('div', { class: 'span-all' },
      h('h1', { id: 'predict-title' }, t('predict.title')),
      h('p', { class: 'lead' }, t('predict.lead'))),
    form,
    out);
}

/** The market choice: Auto (the server picks it from the text's language), Russia or the UK. */
function marketField(d) {
  const select = h('select', { id: 'market', name: 'market', 'aria-describedby': 'market-hint market-err', onchange: (e) => { d.market = e.target.value; } },
    ['', 'ru', 'uk'].map((m) => h('option', { value: m }, t(`market.${m || 'auto'}`))));
  select.value = d.market || '';
  return h('div', { class: 'field' },
    h('label', { for: 'market' }, t('predict.market')),
    h('p', { class: 'hint', id: 'market-hint' }, t('predict.market.hint')),
    select,
    h('div', { class: 'field-foot' }, h('p', { class: 'field-err', id: 'market-err' })));
}

function validatePredict(form) {
  const d = state.draft;
  const checks = [
    ['name', d.name.trim(), LIMITS.name, true],
    ['description', d.description.trim(), LIMITS.description, true],
    ['area', d.area.trim(), LIMITS.area, false],
  ];
  let ok = true;
  for (const [id, v, max, req] of checks) {
    if (req && !v) { setFieldError(form, id, t('v.required')); ok = false; }
    else if (v.length > max) { setFieldError(form, id, t('v.maxlen', { max, n: v.length })); ok = false; }
  }
  return ok;
}

async function submitPrediction(form) {
  clearErrors(form);
  if (state.predicting) return;
  if (!validatePredict(form)) { focusFirstInvalid(form); return; }
  const d = state.draft;
  const input = { name: d.name.trim(), description: d.description.trim() };
  if (d.area.trim()) input.area = d.area.trim();
  if (d.market) input.market = d.market;
  state.predicting = { status: 'sending' };
  state.stuck = null;
  state.predictError = null;
  rerenderIf('predict');
  const started = Date.now();
  try {
    let p = await api.predict(input, 5);
    state.history.loaded = false;
    while (p.status === 'queued' || p.status === 'running') {
      if (Date.now() - started >= STUCK_MS) { becameSlow(p); return; }
      state.predicting = { status: p.status };
      rerenderIf('predict');
      await sleep(POLL_MS);
      p = await api.prediction(p.id);
    }
    state.predicting = null;
    showFinished(p);
  } catch (err) {
    state.predicting = null;
    if (handleAuthLoss(err)) return;
    rerenderIf('predict');
    const f = $('#main form');
    if (f && parseRoute().name === 'predict') showServerErrors(f, err);
  }
}

/** Shows a finished estimate (or its failure) on the Estimate page and brings it into view. */
function showFinished(p) {
  state.history.cursors = [null]; state.history.page = 0; state.history.loaded = false;
  if (p.status === 'failed') {
    state.current = null;
    state.predictError = t('predict.failed', { error: failureText(p.error) });
  } else {
    state.current = p;
  }
  rerenderIf('predict');
  const r = $('#result-area .result h2') || $('#result-area .error-card');
  if (r && parseRoute().name === 'predict') {
    r.setAttribute('tabindex', '-1');
    r.focus({ preventScroll: true });
    reveal(r.closest('.card'));
  }
}

/** On a phone the result sits below the form: bring the card's top into view. */
function reveal(card) {
  if (!card) return;
  const top = card.getBoundingClientRect().top;
  // To the whole pixel at or just above the card's top: scrollIntoView lands on the card's
  // fractional position rounded, which can leave its top edge a fraction of a pixel out of
  // view.
  if (top < 0 || top > window.innerHeight * 0.5) window.scrollTo({ top: Math.max(0, Math.floor(window.scrollY + top)), behavior: 'instant' });
}

/**
 * The estimate is taking longer than usual: say so, stop the spinner, point to History, and
 * keep checking at a slower pace; if it finishes while nothing newer was asked, show it.
 */
async function becameSlow(p) {
  state.predicting = null;
  state.stuck = { id: p.id };
  state.history.loaded = false;
  rerenderIf('predict');
  if (parseRoute().name === 'predict') reveal($('#result-area .slow-card'));
  while (state.stuck && state.stuck.id === p.id && state.user) {
    await sleep(SLOW_POLL_MS);
    if (!state.stuck || state.stuck.id !== p.id) return;
    try {
      p = await api.prediction(p.id);
    } catch (err) {
      if (handleAuthLoss(err)) return;
      continue;
    }
    if (p.status !== 'queued' && p.status !== 'running') {
      if (!state.stuck || state.stuck.id !== p.id) return;
      state.stuck = null;
      showFinished(p);
      return;
    }
  }
}

function rerenderIf(name) { if (parseRoute().name === name) render(false); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- result ----------
let modelAsked = false;

/**
 * A model version as people read it: "Model of 7 Dec 2026 (hh_vacancies, 83f94159)" when it
 * is one of the models being served, of any market (their dates and data files come from
 * GET /models, asked once), else "Model 83f94159".
 */
function modelName(version) {
  const hash = String(version).slice(0, 8);
  if (!state.models && !modelAsked) {
    modelAsked = true;
    // Names already shown are filled in where they are: a re-render would lose the focus.
    api.models().then((x) => {
      state.models = x;
      for (const e of document.querySelectorAll('.model-name[data-version]')) e.textContent = modelName(e.dataset.version);
    })
      .catch(() => { /* the hash alone then */ });
  }
  const m = (state.models || []).find((x) => x.version === version)
    || (state.model && state.model.version === version ? state.model : null);
  if (!m || !m.trained_at) return t('result.model.hash', { hash });
  const d = new Date(m.trained_at);
  const date = Number.isNaN(d.getTime()) ? String(m.trained_at) : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium' }).format(d);
  const data = String(m.data_file || '').split(/[\\/]/).pop().replace(/\.[^.]*$/, '');
  return data ? t('result.model', { date, data, hash }) : t('result.model.nodata', { date, hash });
}

// A description shorter than this gets the hint to add duties and requirements.
const SHORT_DESCRIPTION = 300;

/**
 * The terms behind one bound, each with its effect in money; terms that moved the bound by
 * less than 1 % are left out.
 */
function factorList(list, bound, currency, emptyKey = 'result.noFactors') {
  const amountOf = (f) => (Number.isFinite(f.amount) ? f.amount : bound * (1 - Math.exp(-f.contribution)));
  const items = (list || []).filter((f) => f && typeof f.term === 'string' && Number.isFinite(f.contribution))
    .map((f) => ({ ...f, amount: amountOf(f) }))
    .filter((f) => Number.isFinite(f.amount) && Math.abs(f.amount) >= 0.01 * Math.abs(bound))
    .sort((a, b) => Math.abs(b.amount) - Math.abs(a.amount)).slice(0, 6);
  if (!items.length) return h('p', { class: 'muted' }, t(emptyKey));
  const maxAbs = Math.max(...items.map((f) => Math.abs(f.amount)));
  return h('ul', { class: 'factors' }, items.map((f) => {
    const up = f.amount > 0;
    const kind = ['title', 'description', 'area'].includes(f.source) ? f.source : null;
    const bar = h('span', { class: `fbar ${up ? 'up' : 'down'}` });
    bar.style.width = `${Math.max(4, (Math.abs(f.amount) / maxAbs) * 100)}%`;
    return h('li', { class: up ? 'up' : 'down' },
      h('span', { class: 'arrow', 'aria-hidden': 'true' }, up ? '▲' : '▼'),
      h('span', { class: 'term' }, h('span', { class: 'word' }, f.term), kind ? h('span', { class: 'kind' }, t(`term.${kind}`)) : null),
      h('span', { class: 'effect', 'data-testid': 'amount' }, fmtSigned(f.amount, currency)),
      h('span', { class: 'fbar-track', 'aria-hidden': 'true' }, bar));
  }));
}

/** The likely range in words, its confidence label and what the label means. */
function likelyBlock(p, fmt) {
  const c = ['high', 'medium', 'low'].includes(p.confidence) ? p.confidence : null;
  return h('div', { class: 'likely', 'data-testid': 'likely' },
    h('p', { class: 'likely-line' },
      t('result.likely', { p: fmtPct(p.level) }), ' ', h('span', { class: 'nowrap' }, fmtMoneyRange(p.likely_from, p.likely_to, p.currency)),
      c ? [' ', h('span', { class: `conf conf-${c}`, 'data-testid': 'confidence' }, t(`conf.${c}`))] : null),
    h('p', { class: 'muted small' }, t('result.likely.meaning', { p: fmtPct(p.level) }), c ? [' ', t(`conf.${c}.what`)] : null));
}

function statedLine(p) {
  const s = p.explanation && p.explanation.stated_salary;
  if (!s || !(Number.isFinite(s.from) || Number.isFinite(s.to))) return null;
  const effect = ['used_as_given', 'moved_towards', 'set_aside'].includes(s.effect) ? s.effect : 'moved_towards';
  return h('p', { class: 'stated', 'data-testid': 'stated' }, t(`stated.${effect}`, { s: fmtStated(s.from, s.to, p.currency) }));
}

function resultCard(p) {
  const from = p.salary_from, to = p.salary_to, cur = p.currency;
  const fmt = (v) => fmtMoney(v, cur);
  const hasRange = Number.isFinite(from) && Number.isFinite(to);
  const likely = hasRange && hasLikely(p) ? { from: p.likely_from, to: p.likely_to } : null;
  const short = String(p.description || '').trim().length < SHORT_DESCRIPTION;
  const sharpen = hasRange && (short || p.confidence === 'low');
  const ex = p.explanation;
  const chartLabel = (max) => t('result.chart', { from: fmt(from), to: fmt(to), max: fmt(max) })
    + (likely ? ` ${t('result.chart.likely', { from: fmt(likely.from), to: fmt(likely.to) })}` : '');
  return h('article', { class: 'card result', 'aria-labelledby': `res-${p.id}` },
    h('h2', { id: `res-${p.id}` }, t('result.title')),
    h('p', { class: 'job' }, p.name, p.area ? h('span', { class: 'muted' }, ` · ${p.area}`) : null,
      p.market ? h('span', { class: 'muted', 'data-testid': 'market' }, ` · ${t(`market.${p.market}`)}`) : null),
    h('p', { class: 'range', 'data-testid': 'range' }, hasRange ? fmtMoneyRange(from, to, cur) : '—'),
    h('p', { class: 'muted small', 'data-testid': 'per' }, perLine(p)),
    hasRange ? responsive((width) => rangeChart({ from, to, likely, loc: locale(), fmt, width, label: chartLabel })) : null,
    likely ? likelyBlock(p, fmt) : null,
    sharpen ? h('p', { class: 'sharpen', role: 'note', 'data-testid': 'sharpen' }, t('result.sharpen')) : null,
    h('p', { class: 'muted small model-line', 'data-testid': 'model-line' }, p.model_version ? h('span', { class: 'model-name', 'data-version': p.model_version }, modelName(p.model_version)) : '', ' · ', fmtDate(p.finished_at || p.created_at)),
    h('section', { class: 'why', 'aria-labelledby': `why-${p.id}` },
      h('h3', { id: `why-${p.id}` }, t('result.why')),
      ex ? ((emptyKey) => [
        statedLine(p),
        h('p', { class: 'muted small' }, t('result.why.lead')),
        h('div', { class: 'why-cols' },
          h('div', { class: 'why-col', 'data-testid': 'why-from' }, h('h4', {}, t('result.lower', { v: fmt(from) })), factorList(ex.salary_from, from, cur, emptyKey)),
          h('div', { class: 'why-col', 'data-testid': 'why-to' }, h('h4', {}, t('result.upper', { v: fmt(to) })), factorList(ex.salary_to, to, cur, emptyKey))),
      ])(ex.stated_salary && ex.stated_salary.effect === 'used_as_given' ? 'result.noFactors.stated' : 'result.noFactors')
        : h('p', { class: 'muted' }, t('result.noExplain'))));
}

function viewedView(_name, id) {
  const wrap = h('section', { class: 'narrow wide' }, h('p', {}, h('a', { href: '#/history' }, t('history.back'))));
  const p = state.viewed && state.viewed.id === id ? state.viewed : null;
  if (!p) {
    wrap.append(h('h1', {}, t('loading')));
    api.prediction(id).then((x) => { state.viewed = x; rerenderIf('p'); }).catch((err) => {
      if (handleAuthLoss(err)) return;
      wrap.replaceChildren(h('p', {}, h('a', { href: '#/history' }, t('history.back'))), h('h1', {}, t('result.title')), h('div', { class: 'card error-card', role: 'alert' }, errorText(err)));
    });
    return wrap;
  }
  wrap.append(h('h1', { class: 'visually-hidden' }, p.name));
  if (p.status === 'done') {
    wrap.append(resultCard(p));
    // A recorded outcome changes only its own card: the page is not redrawn.
    const changed = (np) => { state.viewed = np; state.history.loaded = false; wrap.querySelector('[data-testid="outcome"]').replaceWith(outcomeCard(np, changed)); };
    wrap.append(outcomeCard(p, changed));
  } else {
    wrap.append(h('div', { class: 'card' }, h('h2', {}, p.name), statusBadge(p.status),
      p.error ? h('p', { role: 'alert' }, t('predict.failed', { error: failureText(p.error) })) : null));
    if (p.status === 'queued' || p.status === 'running') setTimeout(() => { if (parseRoute().arg === id) { state.viewed = null; rerenderIf('p'); } }, 1500);
  }
  return wrap;
}

// ---------- history ----------
function statusBadge(status) {
  const pending = status === 'queued' || status === 'running';
  return h('span', { class: `badge badge-${status}`, 'data-status': status },
    pending ? h('span', { class: 'spinner small', 'aria-hidden': 'true' }) : null, t(`status.${status}`) || status);
}

let historyPoll = null;

async function loadHistory() {
  const hs = state.history;
  try {
    const { items, next_cursor } = await api.predictions(PAGE_SIZE, hs.cursors[hs.page]);
    hs.items = items; hs.next = next_cursor; hs.loaded = true; hs.error = null;
  } catch (err) {
    if (handleAuthLoss(err)) return;
    hs.error = errorText(err); hs.loaded = true;
  }
  rerenderIf('history');
  schedulePoll();
}

function schedulePoll() {
  clearTimeout(historyPoll);
  if (!state.history.items.some((p) => p.status === 'queued' || p.status === 'running')) return;
  historyPoll = setTimeout(async () => {
    if (parseRoute().name !== 'history' || !state.user) return;
    const hs = state.history;
    const pending = hs.items.filter((p) => p.status === 'queued' || p.status === 'running');
    for (const p of pending) {
      try {
        const fresh = await api.prediction(p.id);
        const i = hs.items.findIndex((x) => x.id === p.id);
        if (i >= 0) hs.items[i] = fresh;
        const row = document.querySelector(`tr[data-id="${CSS.escape(p.id)}"]`);
        if (row) row.replaceWith(historyRow(fresh));
      } catch (err) { if (handleAuthLoss(err)) return; }
    }
    const chartBox = $('#history-chart');
    if (chartBox) chartBox.replaceWith(historyChartBox());
    schedulePoll();
  }, 2000);
}

function historyRow(p) {
  const done = p.status === 'done';
  const range = done ? [
    h('span', { class: 'range-main' }, fmtMoneyRange(p.salary_from, p.salary_to, p.currency)),
    hasLikely(p) ? h('span', { class: 'range-likely', 'data-testid': 'history-likely' }, t('history.likely', { p: fmtPct(p.level), range: fmtMoneyRange(p.likely_from, p.likely_to, p.currency) })) : null,
  ] : (p.status === 'failed' ? failureText(p.error) : '…');
  return h('tr', { 'data-id': p.id },
    h('td', { 'data-label': t('history.col.date'), class: 'date-cell' }, fmtDate(p.created_at)),
    h('td', { 'data-label': t('history.col.title'), class: 'title-cell' }, h('a', { href: `#/p/${encodeURIComponent(p.id)}` }, p.name)),
    h('td', { 'data-label': t('history.col.city'), class: 'city-cell' }, p.area || '—'),
    h('td', { 'data-label': t('history.col.range'), class: 'num' }, range),
    h('td', { 'data-label': t('history.col.status') }, statusBadge(p.status)));
}

function historyChartBox() {
  // In the table's order: newest first.
  const finished = state.history.items.filter((p) => p.status === 'done' && Number.isFinite(p.salary_from) && Number.isFinite(p.salary_to));
  const cur = finished[0] ? finished[0].currency : 'RUR';
  // One axis, one currency: the newest estimate's (roubles a month and pounds a year do not compare).
  const done = finished.filter((p) => p.currency === cur);
  return h('figure', { class: 'card chart-card', id: 'history-chart' },
    h('figcaption', {}, t('history.chart')),
    done.length ? responsive((width) => historyChart({
      items: done.map((p) => ({
        from: p.salary_from, to: p.salary_to, name: p.name, href: `#/p/${encodeURIComponent(p.id)}`, range: fmtMoneyRange(p.salary_from, p.salary_to, cur),
        label: t('history.chart.bar', { name: p.name, range: fmtMoneyRange(p.salary_from, p.salary_to, cur), date: fmtDate(p.created_at) }),
      })),
      loc: locale(), fmt: (v) => fmtMoney(v, cur), label: t('history.chart.label'), width,
    })) : h('p', { class: 'muted' }, t('history.chart.empty')));
}

function historyView() {
  const hs = state.history;
  if (!hs.loaded || entering) loadHistory(); // refresh on every visit; old rows stay until then
  const exportBtn = h('button', { type: 'button', class: 'btn', id: 'export', onclick: (e) => exportCsv(e.currentTarget) }, t('history.export'));
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('h1', {}, t('history.title')), h('p', { class: 'lead' }, t('history.lead'))), exportBtn);
  const sec = h('section', { class: 'wide' }, head);
  if (!hs.loaded) { sec.append(h('p', { class: 'loading' }, t('loading'))); return sec; }
  if (hs.error) { sec.append(h('div', { class: 'card error-card', role: 'alert' }, hs.error)); return sec; }
  if (!hs.items.length && hs.page === 0) {
    sec.append(h('div', { class: 'card' }, h('p', {}, t('history.empty')), h('p', {}, h('a', { class: 'btn btn-primary', href: '#/predict' }, t('nav.predict')))));
    return sec;
  }
  sec.append(historyChartBox());
  sec.append(h('div', { class: 'card table-card' },
    h('table', { class: 'history' },
      h('caption', { class: 'visually-hidden' }, `${t('history.title')} — ${t('history.page', { n: hs.page + 1 })}`),
      h('thead', {}, h('tr', {}, ['date', 'title', 'city', 'range', 'status'].map((c) => h('th', { scope: 'col', class: c === 'range' ? 'num' : null }, t(`history.col.${c}`))))),
      h('tbody', {}, hs.items.map(historyRow)))));
  const turn = (delta) => {
    if (delta > 0) { hs.cursors[hs.page + 1] = hs.next; hs.page += 1; } else hs.page = Math.max(0, hs.page - 1);
    hs.cursors.length = hs.page + 1;
    hs.loaded = false;
    render(false);
    loadHistory().then(() => {
      const [mine, other] = delta > 0 ? ['#next', '#prev'] : ['#prev', '#next'];
      const b = [$(mine), $(other)].find((x) => x && !x.disabled);
      if (b) b.focus(); else $('#main h1')?.focus();
    });
  };
  sec.append(h('nav', { class: 'pager', 'aria-label': t('history.page', { n: hs.page + 1 }) },
    h('button', { type: 'button', class: 'btn', id: 'prev', disabled: hs.page === 0, onclick: () => turn(-1) }, t('history.prev')),
    h('span', { class: 'page-no', 'aria-live': 'polite' }, t('history.page', { n: hs.page + 1 })),
    h('button', { type: 'button', class: 'btn', id: 'next', disabled: !hs.next, onclick: () => turn(1) }, t('history.next'))));
  return sec;
}

// A text cell that a spreadsheet would read as a formula (=, +, -, @, tab, carriage return
// first: OWASP's CSV injection rule) gets a leading ' so that it shows as the text it is;
// `=HYPERLINK(...)` in a vacancy title must not become a link. Numbers stay numbers.
function csvCell(v) {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(items) {
  const cols = ['id', 'created_at', 'status', 'name', 'area', 'salary_from', 'salary_to', 'currency', 'likely_from', 'likely_to', 'level', 'confidence', 'model_version', 'finished_at', 'error', 'market', 'description'];
  // The real salary the user recorded (empty without one), before the long description.
  const outcome = ['salary_from', 'salary_to', 'kind', 'recorded_at'].map((c) => `outcome_${c}`);
  cols.splice(cols.indexOf('description'), 0, ...outcome);
  const lines = [cols.join(',')];
  // The ISO code (RUB), not the model's legacy RUR.
  const cell = (p, c) => {
    if (c === 'currency' && p.currency) return currencyCode(p.currency);
    if (c.startsWith('outcome_')) return p.outcome ? p.outcome[c.slice('outcome_'.length)] : null;
    return p[c];
  };
  for (const p of items) lines.push(cols.map((c) => csvCell(cell(p, c))).join(','));
  return lines.join('\r\n') + '\r\n';
}

async function exportCsv(btn) {
  btn.disabled = true;
  btn.textContent = t('history.exporting');
  try {
    const all = [];
    let cursor = null;
    for (let i = 0; i < 1000; i++) {
      const { items, next_cursor } = await api.predictions(100, cursor);
      all.push(...items);
      if (!next_cursor) break;
      cursor = next_cursor;
    }
    const blob = new Blob(['\ufeff' + toCsv(all)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `payrange-history-${new Date().toISOString().slice(0, 10)}.csv`, class: 'visually-hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    if (handleAuthLoss(err)) return;
    flash(() => errorText(err), 'error');
  } finally {
    btn.disabled = false;
    btn.textContent = t('history.export');
  }
}

// ---------- model ----------
// One section per market served (GET /models): its facts and its accuracy.
function modelView() {
  const sec = h('section', { class: 'narrow wide' }, h('h1', {}, t('model.title')), h('p', { class: 'lead' }, t('model.lead')));
  const models = state.models;
  if (!models && !state.modelError) {
    modelAsked = true;
    api.models().then((x) => { state.models = x; state.modelError = null; rerenderIf('model'); })
      .catch((err) => { if (handleAuthLoss(err)) return; state.modelError = errorText(err); rerenderIf('model'); });
    sec.append(h('p', { class: 'loading' }, t('loading')));
    return sec;
  }
  if (!models) {
    const err = state.modelError;
    state.modelError = null; // retry on next visit
    sec.append(h('div', { class: 'card error-card', role: 'alert' }, err));
    return sec;
  }
  sec.append(h('p', {}, t('model.how')));
  for (const m of models) sec.append(modelSection(m));
  sec.append(h('p', { class: 'muted small' }, t('model.caveat')));
  return sec;
}

function modelSection(m) {
  const market = m.market || 'ru';
  const cur = m.currency || 'RUR';
  const mt = m.metrics || {};
  const num = (v) => (Number.isFinite(v) ? v : null);
  const headId = `model-${market}-h`;
  const part = h('section', { class: 'model-market', 'aria-labelledby': headId, 'data-market': market },
    h('h2', { id: headId }, t(`model.market.${market}`)));
  part.append(h('div', { class: 'card' },
    h('dl', { class: 'facts' },
      h('dt', {}, t('model.version')), h('dd', { 'data-testid': `model-version-${market}` }, m.version ? modelName(m.version) : '—'),
      h('dt', {}, t('model.trained')), h('dd', {}, fmtDate(m.trained_at, false)),
      h('dt', {}, t('model.rows')), h('dd', {}, Number.isFinite(m.training_rows) ? t('model.rows.v', { n: new Intl.NumberFormat(locale()).format(m.training_rows) }) : '—'),
      h('dt', {}, t('model.currency')), h('dd', {}, currencyCode(cur)),
      m.data_file ? [h('dt', {}, t('model.data')), h('dd', { class: 'mono' }, m.data_file)] : null)));
  const acc = h('div', { class: 'card' }, h('h3', {}, t('model.accuracy')), h('p', { class: 'muted' }, t('model.accuracy.lead')));
  const list = h('ul', { class: 'plain-list' });
  for (const b of ['from', 'to']) {
    const x = mt[`salary_${b}`] || {};
    // The relative error is shown only when it is meaningful: a few tiny salaries in the
    // data can push the mean relative error far above 100%.
    if (num(x.mae) !== null) {
      const rel = num(x.mape) !== null && x.mape <= 1;
      list.append(h('li', {}, t(rel ? 'model.mae' : 'model.mae.abs', { bound: t(`model.bound.${b}`), mae: fmtMoney(x.mae, cur), mape: rel ? fmtPct(x.mape) : '' })));
    }
  }
  for (const b of ['from', 'to']) {
    const x = mt[`salary_${b}`] || {};
    if (num(x.r2) !== null) list.append(h('li', {}, t('model.r2', { bound: t(`model.bound.${b}`).toLowerCase(), boundGen: t(`model.boundGen.${b}`), r2: fmtPct(Math.max(0, x.r2)) })));
  }
  if (num(mt.coverage) !== null) list.append(h('li', {}, t('model.coverage', { p: fmtPct(mt.coverage) })));
  const lk = m.likely || null;
  if (lk && num(lk.level) !== null && num(lk.coverage) !== null && num(lk.mean_width) !== null) {
    list.append(h('li', { 'data-testid': `model-likely-${market}` }, t('model.likely', { level: fmtPct(lk.level), p: fmtPct(lk.coverage), w: fmtMoney(lk.mean_width, cur) })));
  }
  acc.append(list);
  const techLabel = `${t('model.tech')} (${t(`model.market.${market}`)})`;
  const tech = h('details', { class: 'tech' }, h('summary', {}, t('model.tech')),
    h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': techLabel }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { scope: 'col' }, 'MAE'), h('th', { scope: 'col' }, 'MAPE'), h('th', { scope: 'col' }, 'R²'))),
      h('tbody', {}, ['from', 'to'].map((b) => {
        const x = mt[`salary_${b}`] || {};
        return h('tr', {}, h('th', { scope: 'row' }, `salary_${b}`), h('td', {}, num(x.mae)?.toFixed(0) ?? '—'), h('td', {}, num(x.mape)?.toFixed(3) ?? '—'), h('td', {}, num(x.r2)?.toFixed(3) ?? '—'));
      })))),
    num(mt.coverage) !== null ? h('p', {}, `coverage = ${mt.coverage.toFixed(3)}`) : null,
    lk && num(lk.coverage) !== null ? h('p', {}, `likely: level = ${lk.level}, coverage = ${lk.coverage.toFixed(3)}, mean_width = ${lk.mean_width.toFixed(0)}`) : null);
  acc.append(tech);
  part.append(acc);
  return part;
}

// For the admin console (admin.js).
export { h, state, errorText, fmtDate, fmtMoney, fmtMoneyRange, handleAuthLoss, flash, statusBadge, modelName };

// What the landing page (landing.js) draws with.
const LANDING_UI = { h, field, resultCard, reveal, rerenderIf, fmtWait, errorText, clearErrors, setFieldError, focusFirstInvalid, showServerErrors };

// For the account page (account.js).
export { field, go, resetUserState, updateHeader, clearErrors, setFieldError, focusFirstInvalid, showServerErrors };

// ---------- boot ----------
async function boot() {
  updateHeader();
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => { setLang(b.dataset.lang); updateHeader(); drawFlash(); render(false); });
  }
  $('#signout').addEventListener('click', async () => {
    try { await api.signOut(); } catch (err) { if (!(err instanceof ApiError && err.code === 'unauthorized')) { flash(() => errorText(err), 'error'); return; } }
    state.user = null;
    resetUserState();
    updateHeader();
    flash('auth.signedOut', 'ok');
    go('signin');
  });
  window.addEventListener('hashchange', () => render(false));
  try {
    state.user = await api.me();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'unauthorized')) {
      main().replaceChildren(h('section', { class: 'narrow' }, h('h1', {}, 'payrange'),
        h('div', { class: 'card error-card', role: 'alert' }, errorText(err)),
        h('p', {}, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => location.reload() }, '↻'))));
      return;
    }
    state.user = null;
  }
  state.ready = true;
  updateHeader();
  render(true);
}

void LANGS;
boot();
