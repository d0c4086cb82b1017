// The account page (#/account): change the password, sign out of every session, download
// my data (JSON or CSV), delete the account. Reached from the "Account" item of the nav.
//
// Changing the password, signing out everywhere and deleting the account all end every
// session, this one included: afterwards the person is signed out, told why, and taken to the
// sign-in screen.
import { request, ApiError, LIMITS } from './api.js';
import { t } from './i18n.js';
import {
  h, state, errorText, fmtDate, handleAuthLoss, flash,
  field, go, resetUserState, updateHeader, clearErrors, setFieldError, focusFirstInvalid, showServerErrors,
} from './app.js';

const accountApi = {
  changePassword: (current, next) => request('PUT', '/users/me/password', { current_password: current, new_password: next }),
  signOutEverywhere: () => request('DELETE', '/sessions'),
  deleteAccount: (password) => request('DELETE', '/users/me', { password }),
};

/** Signed out by the server (every session is gone): forget the user and say why. */
function signedOut(message) {
  state.user = null;
  resetUserState();
  updateHeader();
  flash(message, 'ok');
  go('signin');
}

/** A wrong password, shown on the field; anything else (throttling in words) on the form. */
function showError(form, err, passwordId) {
  if (handleAuthLoss(err)) return;
  if (err instanceof ApiError && err.code === 'invalid_credentials') {
    const input = form.querySelector(`#${passwordId}`);
    input.value = '';
    setFieldError(form, passwordId, t('account.wrongPassword'));
    focusFirstInvalid(form);
    return;
  }
  showServerErrors(form, err, { current_password: 'acc-current', new_password: 'acc-new', password: 'acc-del-password' });
}

function busy(form, button, on) {
  button.disabled = on;
  if (on) form.setAttribute('aria-busy', 'true'); else form.removeAttribute('aria-busy');
}

function passwordCard() {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('account.password.submit'));
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'acc-pw-title' },
    h('h2', { id: 'acc-pw-title' }, t('account.password.title')),
    h('p', { class: 'muted' }, t('account.password.lead')),
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    field({ id: 'acc-current', label: t('account.password.current'), type: 'password', autocomplete: 'current-password' }),
    field({ id: 'acc-new', label: t('account.password.new'), type: 'password', hint: t('auth.password.hint'), autocomplete: 'new-password' }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const current = form.querySelector('#acc-current').value;
    const next = form.querySelector('#acc-new').value;
    let ok = true;
    const bad = (id, msg) => { setFieldError(form, id, msg); ok = false; };
    if (!current) bad('acc-current', t('v.required'));
    if (!next) bad('acc-new', t('v.required'));
    else if (next.length < LIMITS.passwordMin) bad('acc-new', t('v.password.short', { n: next.length }));
    else if (next.length > LIMITS.passwordMax) bad('acc-new', t('v.password.long'));
    if (!ok) { focusFirstInvalid(form); return; }
    busy(form, submit, true);
    try {
      await accountApi.changePassword(current, next);
      signedOut('account.password.done');
    } catch (err) {
      busy(form, submit, false);
      showError(form, err, 'acc-current');
    }
  });
  return form;
}

function sessionsCard() {
  const button = h('button', { type: 'button', class: 'btn' }, t('account.sessions.submit'));
  const error = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' });
  button.addEventListener('click', async () => {
    error.replaceChildren();
    button.disabled = true;
    try {
      await accountApi.signOutEverywhere();
      signedOut('account.sessions.done');
    } catch (err) {
      button.disabled = false;
      if (handleAuthLoss(err)) return;
      error.textContent = errorText(err);
      error.focus();
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'acc-sessions-title' },
    h('h2', { id: 'acc-sessions-title' }, t('account.sessions.title')),
    h('p', { class: 'muted' }, t('account.sessions.lead')),
    error,
    h('div', { class: 'actions' }, button));
}

/** Downloads the export in `format` as a file, through the session cookie. */
async function download(format, button, error) {
  error.replaceChildren();
  button.disabled = true;
  try {
    const res = await fetch(`/api/v1/users/me/export?format=${format}`, { credentials: 'same-origin' });
    if (!res.ok) {
      let body = {};
      try { body = await res.json(); } catch { /* not JSON */ }
      const ra = res.headers.get('Retry-After');
      throw new ApiError({ status: res.status, code: body.code || (res.status === 401 ? 'unauthorized' : 'unknown'), message: body.message, retryAfter: ra && /^\d+$/.test(ra) ? Number(ra) : null });
    }
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `payrange-data-${new Date().toISOString().slice(0, 10)}.${format}`, class: 'visually-hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    if (err instanceof ApiError && handleAuthLoss(err)) return;
    error.textContent = errorText(err instanceof ApiError ? err : new ApiError({ code: 'network' }));
    error.focus();
  } finally {
    button.disabled = false;
  }
}

function dataCard() {
  const error = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' });
  const json = h('button', { type: 'button', class: 'btn' }, t('account.data.json'));
  const csv = h('button', { type: 'button', class: 'btn' }, t('account.data.csv'));
  json.addEventListener('click', () => download('json', json, error));
  csv.addEventListener('click', () => download('csv', csv, error));
  return h('section', { class: 'card', 'aria-labelledby': 'acc-data-title' },
    h('h2', { id: 'acc-data-title' }, t('account.data.title')),
    h('p', { class: 'muted' }, t('account.data.lead')),
    error,
    h('div', { class: 'actions' }, json, csv));
}

function deleteCard() {
  const understand = h('input', { type: 'checkbox', id: 'acc-del-understand', 'aria-describedby': 'acc-del-understand-err' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger' }, t('account.delete.submit'));
  const form = h('form', { class: 'card form danger-zone', novalidate: true, 'aria-labelledby': 'acc-del-title' },
    h('h2', { id: 'acc-del-title' }, t('account.delete.title')),
    h('p', { class: 'muted' }, t('account.delete.lead')),
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    field({ id: 'acc-del-password', label: t('account.delete.password'), type: 'password', autocomplete: 'current-password' }),
    h('div', { class: 'check' }, understand, h('label', { for: 'acc-del-understand' }, t('account.delete.understand'))),
    h('p', { class: 'field-err', id: 'acc-del-understand-err' }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const err = form.querySelector('#acc-del-understand-err');
    err.textContent = '';
    understand.removeAttribute('aria-invalid');
    const password = form.querySelector('#acc-del-password').value;
    let ok = true;
    if (!password) { setFieldError(form, 'acc-del-password', t('v.required')); ok = false; }
    if (!understand.checked) {
      err.textContent = t('account.delete.confirmFirst');
      understand.setAttribute('aria-invalid', 'true');
      if (ok) understand.focus();
      ok = false;
    }
    if (!ok) { if (password === '') focusFirstInvalid(form); return; }
    busy(form, submit, true);
    try {
      await accountApi.deleteAccount(password);
      signedOut('account.delete.done');
    } catch (e) {
      busy(form, submit, false);
      showError(form, e, 'acc-del-password');
    }
  });
  return form;
}

/** The #/account view. */
export function accountView() {
  const u = state.user;
  return h('section', { class: 'narrow account' },
    h('h1', {}, t('account.title')),
    h('p', { class: 'lead' }, t('account.lead', { email: u.email, date: fmtDate(u.created_at, false) })),
    passwordCard(),
    sessionsCard(),
    dataCard(),
    deleteCard());
}
