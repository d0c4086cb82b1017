// The admin console's models card (GET /admin/models): which model serves each market, with
// a rollback per market; the uploaded models with their check on the held-back sample and an
// Activate button; and an upload form for a file written by `payrange train`, with the choice
// to accept a model the check refuses. Every process serves an activation or a rollback
// within a second or so; the card redraws from the answer.
import { request, ApiError } from './api.js';
import { t, locale, lang, has } from './i18n.js';
import { h, errorText, handleAuthLoss, fmtDate, fmtMoney, modelName, state } from './app.js';

const modelsApi = {
  list: async () => (await request('GET', '/admin/models')).data,
  activate: async (version) => (await request('POST', `/admin/models/${encodeURIComponent(version)}/activate`)).data,
  rollback: async (market) => (await request('POST', `/admin/markets/${encodeURIComponent(market)}/rollback`)).data,
  // Raw bytes, not JSON: `request` sends JSON only.
  upload: async (file, force) => {
    let res;
    try {
      res = await fetch(`/api/v1/admin/models?force=${force ? 'true' : 'false'}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream' },
        body: file,
      });
    } catch (e) {
      throw new ApiError({ status: 0, code: 'network', message: String(e && e.message || e) });
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      throw new ApiError({ status: res.status, code: (data && data.code) || 'unknown', message: (data && data.message) || res.statusText });
    }
    return data;
  },
};

const num = (v) => (Number.isFinite(v) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(v) : '—');

let catalog = null; // the last GET /admin/models
let note = null; // { kind: 'ok' | 'error', text } after an action

/** What serves now, as GET /models would say: model names and the model page use it. */
function rememberServing() {
  if (catalog) state.models = catalog.serving;
}

function heldBack(s) {
  if (!s || !s.rows) return t('admin.models.noSample');
  return t('admin.models.mae', { from: num(s.mae_from), to: num(s.mae_to), n: num(s.rows) });
}

/** The server's own words in English (they carry the figures), else ours. */
function failure(err) {
  const key = err instanceof ApiError ? `admin.models.err.${err.code}` : '';
  if (lang() !== 'en' && key && has(key)) return t(key);
  return errorText(err);
}

async function act(c, action, done) {
  note = null;
  try {
    const answer = await action();
    note = { kind: 'ok', text: done(answer) };
  } catch (err) {
    if (handleAuthLoss(err)) return;
    note = { kind: 'error', text: failure(err) };
  }
  await load(c);
}

function servingList(c) {
  return h('ul', { class: 'plain-list', 'data-testid': 'models-serving' }, catalog.serving.map((m) => {
    const bundled = catalog.bundled.some((b) => b.version === m.version);
    const mt = m.metrics || {};
    const mae = (b) => (Number.isFinite(mt[`salary_${b}`]?.mae) ? fmtMoney(mt[`salary_${b}`].mae, m.currency) : '—');
    return h('li', { 'data-market': m.market, 'data-version': m.version },
      h('strong', {}, t(`market.${m.market}`)), ': ',
      h('span', { class: 'model-name', 'data-version': m.version }, modelName(m.version)),
      bundled ? h('span', { class: 'muted' }, ` ${t('admin.models.bundled')}`) : null,
      h('br'), h('span', { class: 'muted small' }, `${t('admin.model.mae')}: ${t('admin.model.mae.v', { from: mae('from'), to: mae('to') })}`), ' ',
      h('button', {
        type: 'button', class: 'btn btn-small', disabled: bundled,
        onclick: () => act(c, () => modelsApi.rollback(m.market), (a) => t('admin.models.rolledBack', { market: t(`market.${m.market}`), name: modelName(a.serving.version) })),
      }, t('admin.models.rollback')));
  }));
}

function storedTable(c) {
  if (!catalog.stored.length) return h('p', { class: 'muted', 'data-testid': 'models-none' }, t('admin.models.none'));
  const serving = new Set(catalog.serving.map((m) => m.version));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'admin-table', 'data-testid': 'models-stored' },
    h('caption', { class: 'visually-hidden' }, t('admin.models.stored')),
    h('thead', {}, h('tr', {}, ['model', 'market', 'uploaded', 'heldBack', 'active', ''].map((k) => h('th', { scope: 'col' }, k ? t(`admin.models.col.${k}`) : h('span', { class: 'visually-hidden' }, t('admin.models.col.action')))))),
    h('tbody', {}, catalog.stored.map((s) => h('tr', { 'data-version': s.model.version },
      h('td', { 'data-label': t('admin.models.col.model') }, h('span', { class: 'mono' }, s.model.version), s.forced ? h('span', { class: 'muted' }, ` ${t('admin.models.forced')}`) : null),
      h('td', { 'data-label': t('admin.models.col.market') }, t(`market.${s.model.market}`)),
      h('td', { 'data-label': t('admin.models.col.uploaded') }, fmtDate(s.uploaded_at)),
      h('td', { 'data-label': t('admin.models.col.heldBack') }, heldBack(s.held_back)),
      h('td', { 'data-label': t('admin.models.col.active') }, heldBack(s.compared_held_back)),
      h('td', {}, serving.has(s.model.version)
        ? h('span', { class: 'badge' }, t('admin.models.serving'))
        : h('button', {
          type: 'button', class: 'btn btn-small',
          onclick: () => act(c, () => modelsApi.activate(s.model.version), (a) => t('admin.models.activated', { market: t(`market.${a.activation.market}`), version: a.activation.version })),
        }, t('admin.models.activate'))))))));
}

function uploadForm(c) {
  const file = h('input', { type: 'file', id: 'model-file', name: 'model', accept: '.model,.bin,application/octet-stream', required: true });
  const force = h('input', { type: 'checkbox', id: 'model-force', name: 'force' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('admin.models.upload'));
  return h('form', {
    class: 'model-upload',
    onsubmit: async (e) => {
      e.preventDefault();
      const f = file.files && file.files[0];
      if (!f) { file.focus(); return; }
      submit.disabled = true;
      await act(c, () => modelsApi.upload(f, force.checked), (s) => t('admin.models.uploaded', { version: s.model.version, mine: heldBack(s.held_back), theirs: heldBack(s.compared_held_back) }));
    },
  },
  h('h3', {}, t('admin.models.uploadTitle')),
  h('p', { class: 'muted' }, t('admin.models.uploadLead')),
  h('div', { class: 'field' }, h('label', { for: 'model-file' }, t('admin.models.file')), file),
  h('div', { class: 'field checkbox' }, force, h('label', { for: 'model-force' }, t('admin.models.force'))),
  submit);
}

function draw(c, error) {
  const head = [h('h2', { id: 'admin-models-h' }, t('admin.models.title')), h('p', { class: 'muted' }, t('admin.models.lead'))];
  const message = note ? h('div', { class: note.kind === 'ok' ? 'ok-card' : 'error-card admin-error', role: note.kind === 'ok' ? 'status' : 'alert', 'data-testid': 'models-note' }, note.text) : null;
  if (error) { c.replaceChildren(...head, h('div', { class: 'error-card admin-error', role: 'alert' }, error)); return; }
  if (!catalog) { c.replaceChildren(...head, h('p', { class: 'loading' }, t('loading'))); return; }
  const more = h('p', {}, h('a', { href: '#/model' }, t('admin.model.more')));
  c.replaceChildren(...head, message, servingList(c), more, h('h3', {}, t('admin.models.stored')), storedTable(c), uploadForm(c));
}

async function load(c) {
  try {
    catalog = await modelsApi.list();
    rememberServing();
    draw(c, null);
  } catch (err) {
    if (handleAuthLoss(err)) return;
    draw(c, errorText(err));
  }
}

/** The card, which loads the catalogue itself (afresh on every visit of the console). */
export function modelsCard() {
  const c = h('section', { class: 'card admin-card', 'aria-labelledby': 'admin-models-h', id: 'admin-models' });
  note = null;
  draw(c, null);
  load(c);
  return c;
}
