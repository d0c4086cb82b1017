// Batch estimates (#/batch): upload a CSV file or paste rows, see which lines were refused
// and why, follow the progress, download the results as CSV; the list of past batches.

import { ApiError, request } from './api.js';
import { t, lang } from './i18n.js';
// The page helpers of app.js, handed over by batchView (no import: app.js imports this).
let h, state, errorText, fmtDate, flash, handleAuthLoss, rerenderIf;

const MAX_ROWS = 1000;
const POLL_MS = 1000;
const EXAMPLE = 'title,description,area\r\n'
  + 'Python developer,"Django, PostgreSQL, Docker. 3+ years",Москва\r\n'
  + 'Data analyst,"SQL, Python, dashboards",Санкт-Петербург\r\n';

const view = { batches: null, next: null, error: null, current: null, submitting: false };
let poll = null;

/** Forget everything of the signed-in user (sign-out, another account). */
export function resetBatches() {
  clearTimeout(poll);
  view.batches = null; view.next = null; view.error = null; view.current = null; view.submitting = false;
}

const onBatchPage = () => /^#\/batch\b/.test(location.hash || '');

async function upload(body, isCsv) {
  if (!isCsv) return (await request('POST', '/batches', body)).data;
  let res;
  try {
    res = await fetch('/api/v1/batches/csv', {
      method: 'POST', credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'text/csv; charset=utf-8' }, body,
    });
  } catch (e) {
    throw new ApiError({ status: 0, code: 'network', message: String(e && e.message || e) });
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const ra = res.headers.get('Retry-After');
    throw new ApiError({
      status: res.status, code: (data && data.code) || 'unknown', message: (data && data.message) || res.statusText,
      retryAfter: ra && /^\d+$/.test(ra) ? Number(ra) : null,
    });
  }
  return data;
}

async function loadList() {
  try {
    const { data } = await request('GET', '/batches?limit=20');
    view.batches = (data && data.items) || []; view.next = data && data.next_cursor; view.error = null;
  } catch (err) {
    if (handleAuthLoss(err)) return;
    view.error = errorText(err); view.batches = view.batches || [];
  }
  // Only the list: a re-render of the page would drop a file just chosen or an error shown.
  const box = document.getElementById('batch-list-box');
  if (box && onBatchPage()) box.replaceWith(pastBatches());
}

function schedulePoll() {
  clearTimeout(poll);
  const b = view.current && view.current.batch;
  if (!b || b.done) return;
  poll = setTimeout(async () => {
    if (!onBatchPage() || !state.user) return;
    try {
      const { data } = await request('GET', `/batches/${encodeURIComponent(b.id)}`);
      view.current.batch = data;
      const box = document.getElementById('batch-progress');
      if (box) box.replaceWith(progressBox(data));
      if (data.done) loadList();
    } catch (err) { if (handleAuthLoss(err)) return; }
    schedulePoll();
  }, POLL_MS);
}

async function download(b, btn) {
  btn.disabled = true;
  try {
    const res = await fetch(`/api/v1/batches/${encodeURIComponent(b.id)}/results.csv`, { credentials: 'same-origin' });
    if (!res.ok) throw new ApiError({ status: res.status, code: res.status === 401 ? 'unauthorized' : 'unknown' });
    const text = await res.text();
    // A BOM so that spreadsheet programs read the file as UTF-8 (Cyrillic titles).
    const url = URL.createObjectURL(new Blob(['\ufeff' + text], { type: 'text/csv;charset=utf-8' }));
    const a = h('a', { href: url, download: `payrange-batch-${fmtFileDate(b.created_at)}.csv`, class: 'visually-hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    if (handleAuthLoss(err)) return;
    flash(() => errorText(err), 'error');
  } finally {
    btn.disabled = false;
  }
}

const fmtFileDate = (s) => String(s || '').slice(0, 19).replace(/[:T]/g, '-');

function finished(b) { return b.succeeded + b.failed; }

function progressBox(b) {
  const done = finished(b);
  const label = t('batch.progress', { done, total: b.total });
  return h('div', { class: 'batch-progress', id: 'batch-progress', 'data-done': String(b.done) },
    h('p', { class: 'batch-progress-text', role: 'status', 'aria-live': 'polite' },
      b.done ? t('batch.finished', { ok: b.succeeded, failed: b.failed }) : label),
    h('progress', { max: String(Math.max(1, b.total)), value: String(done), 'aria-label': label }),
    b.done && b.total > 0
      ? h('p', {}, h('button', { type: 'button', class: 'btn btn-primary', id: 'batch-download', onclick: (e) => download(b, e.currentTarget) }, t('batch.download')))
      : null);
}

function rejectionText(r) {
  const field = r.field ? t(`batch.field.${r.field}`) : '';
  if (r.code === 'quota_exceeded') return t('batch.rej.quota');
  if (r.code === 'csv_malformed') return t('batch.rej.csv');
  const m = String(r.message || '');
  if (/empty|required/i.test(m)) return t('batch.rej.empty', { field });
  const long = m.match(/at most (\d+)/i);
  if (long) return t('batch.rej.long', { field, n: long[1] });
  if (/control/i.test(m)) return t('batch.rej.control', { field });
  return lang() === 'en' ? m : t('batch.rej.other', { field });
}

function summary(result) {
  const { batch, rejected } = result;
  const box = h('div', { class: 'card batch-summary', id: 'batch-summary', tabindex: '-1' },
    h('h2', {}, t('batch.summary.title')),
    h('p', { class: 'lead' }, t('batch.summary', { ok: batch.total, bad: rejected.length })));
  if (rejected.length) {
    box.append(h('table', { class: 'history batch-rejected' },
      h('caption', {}, t('batch.rejected.caption')),
      h('thead', {}, h('tr', {}, ['line', 'field', 'problem'].map((c) => h('th', { scope: 'col' }, t(`batch.col.${c}`))))),
      h('tbody', {}, rejected.map((r) => h('tr', { 'data-line': String(r.line) },
        h('td', { 'data-label': t('batch.col.line'), class: 'num' }, String(r.line)),
        h('td', { 'data-label': t('batch.col.field') }, r.field ? t(`batch.field.${r.field}`) : '—'),
        h('td', { 'data-label': t('batch.col.problem') }, rejectionText(r)))))));
  }
  if (batch.total > 0) box.append(progressBox(batch));
  return box;
}

async function submit(form) {
  if (view.submitting) return;
  const file = form.querySelector('#batch-file').files[0];
  const pasted = form.querySelector('#batch-text').value;
  const err = form.querySelector('#batch-error');
  err.textContent = '';
  let body = null;
  if (file) body = await file.text();
  else if (pasted.trim()) body = pasted;
  if (!body) { err.textContent = t('batch.choose'); form.querySelector('#batch-file').focus(); return; }
  view.submitting = true;
  const btn = form.querySelector('button[type=submit]');
  btn.disabled = true;
  btn.textContent = t('batch.sending');
  try {
    view.current = await upload(body, true);
    form.reset();
    rerenderIf('batch');
    document.getElementById('batch-summary')?.focus();
    schedulePoll();
    loadList();
  } catch (e) {
    if (handleAuthLoss(e)) return;
    err.textContent = batchErrorText(e);
    btn.focus();
  } finally {
    view.submitting = false;
    btn.disabled = false;
    btn.textContent = t('batch.submit');
  }
}

function batchErrorText(e) {
  if (e instanceof ApiError && ['too_many_rows', 'empty_batch', 'csv_header'].includes(e.code)) return t(`batch.err.${e.code}`, { n: MAX_ROWS });
  return errorText(e);
}

function pastBatches() {
  const wrap = h('section', { class: 'card table-card', id: 'batch-list-box', 'aria-labelledby': 'batch-list-title' },
    h('h2', { id: 'batch-list-title' }, t('batch.list.title')));
  if (view.batches === null) { wrap.append(h('p', { class: 'loading' }, t('loading'))); return wrap; }
  if (view.error) wrap.append(h('div', { class: 'error-card', role: 'alert' }, view.error));
  if (!view.batches.length) { wrap.append(h('p', { class: 'muted' }, t('batch.list.empty'))); return wrap; }
  wrap.append(h('table', { class: 'history batch-list' },
    h('thead', {}, h('tr', {}, ['date', 'rows', 'state', 'results'].map((c) => h('th', { scope: 'col' }, t(`batch.list.col.${c}`))))),
    h('tbody', {}, view.batches.map((b) => h('tr', { 'data-id': b.id },
      h('td', { 'data-label': t('batch.list.col.date') }, fmtDate(b.created_at)),
      h('td', { 'data-label': t('batch.list.col.rows') }, t('batch.list.rows', { ok: b.total, bad: b.rejected })),
      h('td', { 'data-label': t('batch.list.col.state') }, b.done ? t('batch.finished', { ok: b.succeeded, failed: b.failed }) : t('batch.progress', { done: finished(b), total: b.total })),
      h('td', { 'data-label': t('batch.list.col.results') }, b.done && b.total > 0
        ? h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('batch.download.of', { date: fmtDate(b.created_at) }), onclick: (e) => download(b, e.currentTarget) }, t('batch.download.short'))
        : '—'))))));
  return wrap;
}

export function batchView(helpers) {
  ({ h, state, errorText, fmtDate, flash, handleAuthLoss, rerenderIf } = helpers);
  if (view.batches === null) loadList();
  const form = h('form', { class: 'card form batch-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(e.currentTarget); } },
    h('div', { class: 'field' },
      h('label', { for: 'batch-file' }, t('batch.file')),
      h('input', { id: 'batch-file', type: 'file', accept: '.csv,text/csv,text/plain', 'aria-describedby': 'batch-file-hint' }),
      h('p', { class: 'hint', id: 'batch-file-hint' }, t('batch.file.hint', { n: MAX_ROWS }))),
    h('div', { class: 'field' },
      h('label', { for: 'batch-text' }, t('batch.paste')),
      h('textarea', { id: 'batch-text', rows: '6', spellcheck: 'false', placeholder: EXAMPLE, 'aria-describedby': 'batch-text-hint' }),
      h('p', { class: 'hint', id: 'batch-text-hint' }, t('batch.paste.hint'))),
    h('p', { class: 'form-error', id: 'batch-error', role: 'alert' }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('batch.submit')));
  const sec = h('section', { class: 'wide batch' },
    h('h1', {}, t('batch.title')),
    h('p', { class: 'lead' }, t('batch.lead', { n: MAX_ROWS })),
    form);
  if (view.current) { sec.append(summary(view.current)); schedulePoll(); }
  sec.append(pastBatches());
  return sec;
}
