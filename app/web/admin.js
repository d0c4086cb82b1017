// The admin console (#/admin): users with search, paging and disable / enable; the request
// log filtered by user, status and date; the model of every market in brief, with upload,
// activation and rollback (models.js); their accuracy on real salaries (accuracy.js). Only administrators see it in the nav; anyone else who opens #/admin is told
// plainly that it is not for them.
//
// The view is built once per visit and its cards redraw themselves in place (a search, a
// page turn or a change of a user does not re-render the page, so the focus stays where the
// person is).
import { request, ApiError } from './api.js';
import { t } from './i18n.js';
import { h, state, errorText, fmtDate, fmtMoneyRange, handleAuthLoss, flash, statusBadge } from './app.js';
import { accuracyCard } from './accuracy.js';
import { modelsCard } from './models.js';

const USERS_PAGE = 10;
const LOG_PAGE = 10;
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const STATUSES = ['queued', 'running', 'done', 'failed'];

const adminApi = {
  users: async ({ email, cursor, limit = USERS_PAGE }) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (email) q.set('email', email);
    if (cursor) q.set('cursor', cursor);
    return (await request('GET', `/admin/users?${q}`)).data;
  },
  setDisabled: async (id, disabled) => (await request('PATCH', `/admin/users/${encodeURIComponent(id)}`, { disabled })).data,
  predictions: async ({ userId, status, version, from, before, cursor }) => {
    const q = new URLSearchParams({ limit: String(LOG_PAGE) });
    if (userId) q.set('user_id', userId);
    if (status) q.set('status', status);
    if (version) q.set('model_version', version);
    if (from) q.set('created_from', from);
    if (before) q.set('created_before', before);
    if (cursor) q.set('cursor', cursor);
    return (await request('GET', `/admin/predictions?${q}`)).data;
  },
};

// What the console shows, kept across visits and language switches.
const admin = {
  users: { search: '', cursors: [null], page: 0, items: [], next: null, loaded: false, error: null, confirm: null },
  log: { user: '', userId: null, status: '', from: '', to: '', cursors: [null], page: 0, items: [], next: null, loaded: false, error: null },
  emails: new Map(), // user id -> email, from every page of users seen
};

/** Forgets everything (on sign-out). */
export function resetAdmin() {
  admin.users = { search: '', cursors: [null], page: 0, items: [], next: null, loaded: false, error: null, confirm: null };
  admin.log = { user: '', userId: null, status: '', from: '', to: '', cursors: [null], page: 0, items: [], next: null, loaded: false, error: null };
  admin.emails.clear();
}

export const isAdmin = (user) => !!user && user.role === 'admin';

/** The #/admin view. */
export function adminView() {
  if (!isAdmin(state.user)) {
    return h('section', { class: 'narrow' },
      h('h1', {}, t('admin.title')),
      h('div', { class: 'card', 'data-testid': 'not-admin' },
        h('p', {}, t('admin.notAdmin')),
        h('p', {}, h('a', { class: 'btn btn-primary', href: '#/predict' }, t('admin.back')))));
  }
  const usersCard = h('section', { class: 'card admin-card', 'aria-labelledby': 'admin-users-h', id: 'admin-users' });
  const logCard = h('section', { class: 'card admin-card', 'aria-labelledby': 'admin-log-h', id: 'admin-log' });
  drawUsers(usersCard);
  drawLog(logCard);
  if (!admin.users.loaded) loadUsers();
  if (!admin.log.loaded) loadLog();
  return h('section', { class: 'wide admin' },
    h('h1', {}, t('admin.title')), h('p', { class: 'lead' }, t('admin.lead')),
    usersCard, logCard, modelsCard(), accuracyCard());
}

const card = (id) => document.getElementById(id);

function pager(id, s, turn) {
  return h('nav', { class: 'pager', 'aria-label': t(`admin.${id}.pages`) },
    h('button', { type: 'button', class: 'btn', id: `${id}-prev`, disabled: s.page === 0, onclick: () => turn(-1) }, t('history.prev')),
    h('span', { class: 'page-no' }, t('history.page', { n: s.page + 1 })),
    h('button', { type: 'button', class: 'btn', id: `${id}-next`, disabled: !s.next, onclick: () => turn(1) }, t('history.next')));
}

/** Moves `s` one page forward or back, loads it with `load`, keeps the focus on the pager. */
async function turnPage(s, delta, load, id) {
  if (delta > 0) { s.cursors[s.page + 1] = s.next; s.page += 1; } else s.page = Math.max(0, s.page - 1);
  s.cursors.length = s.page + 1;
  await load();
  const [mine, other] = delta > 0 ? [`${id}-next`, `${id}-prev`] : [`${id}-prev`, `${id}-next`];
  const b = [document.getElementById(mine), document.getElementById(other)].find((x) => x && !x.disabled);
  if (b) b.focus();
}

// ---------- users ----------
async function loadUsers() {
  const s = admin.users;
  try {
    const page = await adminApi.users({ email: s.search.trim(), cursor: s.cursors[s.page] });
    s.items = page.items || []; s.next = page.next_cursor || null; s.error = null;
    for (const u of s.items) admin.emails.set(u.id, u.email);
  } catch (err) {
    if (handleAuthLoss(err)) return;
    s.items = []; s.next = null; s.error = err;
  }
  s.loaded = true;
  const c = card('admin-users');
  if (c) drawUsers(c);
  const log = card('admin-log');
  if (log) drawLogTable(log); // emails of the log's users may be known now
}

function drawUsers(c) {
  const s = admin.users;
  const input = h('input', { type: 'search', id: 'admin-q', name: 'q', autocomplete: 'off', maxlength: 254, 'aria-describedby': 'admin-q-err' });
  input.value = s.search;
  const search = (e) => {
    e.preventDefault();
    s.search = input.value;
    s.page = 0; s.cursors = [null]; s.confirm = null;
    loadUsers().then(() => document.getElementById('admin-q')?.focus());
  };
  const clear = () => { input.value = ''; search(new Event('submit')); };
  const form = h('form', { class: 'admin-search', role: 'search', 'aria-label': t('admin.users.search'), onsubmit: search, novalidate: true },
    h('label', { for: 'admin-q' }, t('admin.users.search')),
    h('div', { class: 'admin-search-row' }, input,
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('admin.users.find')),
      s.search ? h('button', { type: 'button', class: 'btn', onclick: clear }, t('admin.clear')) : null),
    h('p', { class: 'field-err', id: 'admin-q-err' }, s.error && s.error.code === 'validation_failed' ? errorText(s.error) : ''));
  const body = [];
  if (!s.loaded) body.push(h('p', { class: 'loading' }, t('loading')));
  else if (s.error && s.error.code !== 'validation_failed') body.push(h('div', { class: 'error-card admin-error', role: 'alert' }, errorText(s.error)));
  else if (!s.items.length) body.push(h('p', { class: 'muted', 'data-testid': 'admin-users-empty' }, s.search ? t('admin.users.none', { q: s.search.trim() }) : t('admin.users.empty')));
  else {
    body.push(h('table', { class: 'admin-table', 'data-testid': 'admin-users-table' },
      h('caption', { class: 'visually-hidden' }, `${t('admin.users.title')} — ${t('history.page', { n: s.page + 1 })}`),
      h('thead', {}, h('tr', {}, ['email', 'role', 'state', 'created', 'actions'].map((k) => h('th', { scope: 'col' }, t(`admin.users.col.${k}`))))),
      h('tbody', {}, s.items.map(userRow))));
    body.push(pager('users', s, (d) => { s.confirm = null; turnPage(s, d, loadUsers, 'users'); }));
  }
  c.replaceChildren(
    h('h2', { id: 'admin-users-h' }, t('admin.users.title')),
    form, ...body);
}

function userRow(u) {
  const s = admin.users;
  const me = state.user && state.user.id === u.id;
  const actions = h('td', { class: 'admin-actions', 'data-label': t('admin.users.col.actions') });
  if (s.confirm === u.id) {
    const yes = h('button', { type: 'button', class: `btn ${u.disabled ? 'btn-primary' : 'btn-danger'}`, 'data-testid': 'confirm', onclick: () => setDisabled(u, !u.disabled) },
      t(u.disabled ? 'admin.users.enable.yes' : 'admin.users.disable.yes'));
    const no = h('button', { type: 'button', class: 'btn', onclick: () => { s.confirm = null; redrawUsers(`[data-user="${u.id}"] .admin-toggle`); } }, t('admin.cancel'));
    actions.append(h('p', { class: 'admin-confirm', role: 'group', 'aria-label': t('admin.users.confirm') },
      h('span', {}, t(u.disabled ? 'admin.users.enable.ask' : 'admin.users.disable.ask', { email: u.email })), ' ', yes, ' ', no));
  } else {
    actions.append(
      h('button', { type: 'button', class: 'btn admin-toggle', 'aria-label': t(u.disabled ? 'admin.users.enable.for' : 'admin.users.disable.for', { email: u.email }),
        onclick: () => { s.confirm = u.id; redrawUsers('[data-testid="confirm"]'); } },
      t(u.disabled ? 'admin.users.enable' : 'admin.users.disable')),
      ' ',
      h('button', { type: 'button', class: 'btn admin-requests', 'aria-label': t('admin.users.requests.for', { email: u.email }), onclick: () => showRequestsOf(u) }, t('admin.users.requests')));
  }
  return h('tr', { 'data-user': u.id, 'data-email': u.email },
    h('td', { class: 'admin-email', 'data-label': t('admin.users.col.email') }, u.email, me ? h('span', { class: 'muted small' }, ` ${t('admin.users.you')}`) : null),
    h('td', { 'data-label': t('admin.users.col.role') }, u.role === 'admin' ? h('span', { class: 'badge badge-admin' }, t('role.admin')) : t('role.user')),
    h('td', { 'data-label': t('admin.users.col.state') }, h('span', { class: `badge ${u.disabled ? 'badge-failed' : 'badge-done'}`, 'data-testid': 'user-state' }, t(u.disabled ? 'admin.users.disabled' : 'admin.users.active'))),
    h('td', { class: 'admin-date', 'data-label': t('admin.users.col.created') }, fmtDate(u.created_at)),
    actions);
}

function redrawUsers(focusSel) {
  const c = card('admin-users');
  if (!c) return;
  drawUsers(c);
  if (focusSel) c.querySelector(focusSel)?.focus();
}

async function setDisabled(u, disabled) {
  const s = admin.users;
  try {
    const updated = await adminApi.setDisabled(u.id, disabled);
    const i = s.items.findIndex((x) => x.id === u.id);
    if (i >= 0) s.items[i] = updated;
    s.confirm = null;
    flash(() => t(disabled ? 'admin.users.disabled.ok' : 'admin.users.enabled.ok', { email: updated.email }), 'ok');
  } catch (err) {
    if (handleAuthLoss(err)) return;
    s.confirm = null;
    flash(() => errorText(err), 'error');
  }
  redrawUsers(`[data-user="${u.id}"] .admin-toggle`);
}

function showRequestsOf(u) {
  const l = admin.log;
  l.user = u.email; l.userId = u.id;
  l.page = 0; l.cursors = [null];
  const c = card('admin-log');
  if (c) drawLog(c);
  loadLog().then(() => {
    const heading = document.getElementById('admin-log-h');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); heading.scrollIntoView({ block: 'start' }); }
  });
}

// ---------- request log ----------
/** Local midnight of a `YYYY-MM-DD` date, `days` later, as RFC 3339. */
function dayStart(ymd, days = 0) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(y, m - 1, d + days).toISOString();
}

/**
 * The user id that the log's user field names: an id as it is, or the one user whose email
 * is (or, failing that, is the only one to contain) the text. Throws a message key.
 */
async function resolveUser(text) {
  const q = text.trim();
  if (!q) return null;
  if (UUID_RE.test(q)) return q.toLowerCase();
  const page = await adminApi.users({ email: q, limit: 20 });
  const items = page.items || [];
  for (const u of items) admin.emails.set(u.id, u.email);
  const exact = items.find((u) => u.email === q.toLowerCase());
  if (exact) return exact.id;
  if (items.length === 1) return items[0].id;
  throw new Error(items.length ? 'admin.log.user.many' : 'admin.log.user.none');
}

async function loadLog() {
  const l = admin.log;
  try {
    const page = await adminApi.predictions({
      userId: l.userId, status: l.status, version: l.version,
      from: l.from ? dayStart(l.from) : null,
      before: l.to ? dayStart(l.to, 1) : null,
      cursor: l.cursors[l.page],
    });
    l.items = page.items || []; l.next = page.next_cursor || null; l.error = null;
  } catch (err) {
    if (handleAuthLoss(err)) return;
    l.items = []; l.next = null; l.error = err;
  }
  l.loaded = true;
  const c = card('admin-log');
  if (c) drawLogTable(c);
}

function drawLog(c) {
  const l = admin.log;
  const user = h('input', { type: 'text', id: 'log-user', name: 'user', autocomplete: 'off', 'aria-describedby': 'log-user-hint log-user-err' });
  user.value = l.user;
  const status = h('select', { id: 'log-status', name: 'status' },
    h('option', { value: '' }, t('admin.log.status.any')),
    STATUSES.map((st) => h('option', { value: st, selected: l.status === st }, t(`status.${st}`))));
  const from = h('input', { type: 'date', id: 'log-from', name: 'from' });
  from.value = l.from;
  const to = h('input', { type: 'date', id: 'log-to', name: 'to' });
  to.value = l.to;
  const version = h('input', { type: 'text', id: 'log-version', name: 'version', autocomplete: 'off', maxlength: 100 });
  version.value = l.version || '';
  const userErr = h('p', { class: 'field-err', id: 'log-user-err' });
  const apply = async (e) => {
    e.preventDefault();
    userErr.textContent = '';
    user.removeAttribute('aria-invalid');
    let id;
    try {
      id = await resolveUser(user.value);
    } catch (err) {
      if (err instanceof ApiError) { if (handleAuthLoss(err)) return; userErr.textContent = errorText(err); } else userErr.textContent = t(err.message, { q: user.value.trim() });
      user.setAttribute('aria-invalid', 'true');
      user.focus();
      return;
    }
    Object.assign(l, { user: user.value.trim(), userId: id, status: status.value, version: version.value.trim(), from: from.value, to: to.value, page: 0, cursors: [null] });
    await loadLog();
    document.getElementById('log-apply')?.focus();
  };
  const clear = () => {
    Object.assign(l, { user: '', userId: null, status: '', version: '', from: '', to: '', page: 0, cursors: [null] });
    drawLog(c);
    loadLog();
  };
  const fld = (id, label, input, extra) => h('div', { class: 'field' }, h('label', { for: id }, label), extra, input);
  const form = h('form', { class: 'admin-filters', onsubmit: apply, novalidate: true, 'aria-label': t('admin.log.filters') },
    h('div', { class: 'field admin-user-field' }, h('label', { for: 'log-user' }, t('admin.log.user')), user,
      h('p', { class: 'hint', id: 'log-user-hint' }, t('admin.log.user.hint')), userErr),
    fld('log-status', t('admin.log.status'), status),
    fld('log-version', t('admin.log.version'), version),
    fld('log-from', t('admin.log.from'), from),
    fld('log-to', t('admin.log.to'), to),
    h('div', { class: 'actions admin-filter-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', id: 'log-apply' }, t('admin.log.apply')),
      h('button', { type: 'button', class: 'btn', onclick: clear }, t('admin.clear'))));
  c.replaceChildren(h('h2', { id: 'admin-log-h' }, t('admin.log.title')), h('p', { class: 'muted' }, t('admin.log.lead')), form,
    h('div', { class: 'admin-log-body' }));
  drawLogTable(c);
}

function drawLogTable(c) {
  const box = c.querySelector('.admin-log-body');
  if (!box) return;
  const l = admin.log;
  const body = [];
  if (!l.loaded) body.push(h('p', { class: 'loading' }, t('loading')));
  else if (l.error) body.push(h('div', { class: 'error-card admin-error', role: 'alert' }, errorText(l.error)));
  else if (!l.items.length) body.push(h('p', { class: 'muted', 'data-testid': 'admin-log-empty' }, t('admin.log.empty')));
  else {
    body.push(h('table', { class: 'admin-table admin-log-table', 'data-testid': 'admin-log-table' },
      h('caption', { class: 'visually-hidden' }, `${t('admin.log.title')} — ${t('history.page', { n: l.page + 1 })}`),
      h('thead', {}, h('tr', {}, ['date', 'user', 'title', 'range', 'status'].map((k) => h('th', { scope: 'col' }, t(`admin.log.col.${k}`))))),
      h('tbody', {}, l.items.map(logRow))));
    body.push(pager('log', l, (d) => turnPage(l, d, loadLog, 'log')));
  }
  box.replaceChildren(...body);
}

function logRow(p) {
  const email = admin.emails.get(p.user_id);
  const range = p.status === 'done' ? fmtMoneyRange(p.salary_from, p.salary_to, p.currency) : '—';
  return h('tr', { 'data-id': p.id, 'data-user': p.user_id },
    h('td', { class: 'admin-date', 'data-label': t('admin.log.col.date') }, fmtDate(p.created_at)),
    h('td', { class: 'admin-email', 'data-label': t('admin.log.col.user') }, email || h('span', { class: 'mono', title: p.user_id }, p.user_id.slice(0, 8))),
    h('td', { class: 'admin-title', 'data-label': t('admin.log.col.title') }, p.name),
    h('td', { class: 'admin-range', 'data-label': t('admin.log.col.range') }, range),
    h('td', { 'data-label': t('admin.log.col.status') }, statusBadge(p.status)));
}
