// "What was the real salary?": on a finished estimate (#/p/<id>), the owner records the
// salary actually offered or published (PUT /predictions/{id}/outcome), sees it, changes it
// or clears it (DELETE). Outcomes feed the admin console's accuracy table and the training
// export, so the next model learns from real traffic.
import { request } from './api.js';
import { t } from './i18n.js';
import { h, errorText, fmtMoney, fmtDate, handleAuthLoss, flash, field, clearErrors, setFieldError, focusFirstInvalid, showServerErrors } from './app.js';

const MAX_SALARY = 100000000;

export const outcomeApi = {
  record: async (id, body) => (await request('PUT', `/predictions/${encodeURIComponent(id)}/outcome`, body)).data,
  clear: async (id) => { await request('DELETE', `/predictions/${encodeURIComponent(id)}/outcome`); },
};

/** A typed amount: `null` when blank, `NaN` when not a number (spaces and a decimal comma allowed). */
function amount(text) {
  const s = String(text || '').replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!s) return null;
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
}

/** The bound as one line: "180 000 ₽ – 220 000 ₽", "from 180 000 ₽", "up to 220 000 ₽". */
function outcomeLine(o) {
  const from = Number.isFinite(o.salary_from) ? fmtMoney(o.salary_from, o.currency, false) : null;
  const to = Number.isFinite(o.salary_to) ? fmtMoney(o.salary_to, o.currency, false) : null;
  if (from && to) return t('outcome.range', { from, to });
  return from ? t('outcome.from', { v: from }) : t('outcome.to', { v: to });
}

/** Checks the form; returns the body to send, or null after marking the bad fields. */
function validate(form) {
  clearErrors(form);
  const from = amount(form.querySelector('#outcome-from').value);
  const to = amount(form.querySelector('#outcome-to').value);
  let ok = true;
  for (const [id, v] of [['outcome-from', from], ['outcome-to', to]]) {
    if (v === null) continue;
    if (!Number.isFinite(v) || v <= 0) { setFieldError(form, id, t('outcome.v.positive')); ok = false; }
    else if (v > MAX_SALARY) { setFieldError(form, id, t('outcome.v.large')); ok = false; }
  }
  if (ok && from === null && to === null) { setFieldError(form, 'outcome-from', t('outcome.v.none')); ok = false; }
  if (ok && from !== null && to !== null && from > to) { setFieldError(form, 'outcome-from', t('outcome.v.order')); ok = false; }
  if (!ok) { focusFirstInvalid(form); return null; }
  const kind = form.querySelector('input[name="outcome-kind"]:checked');
  return { salary_from: from, salary_to: to, kind: kind && kind.value ? kind.value : null };
}

/**
 * The card: the recorded outcome with "Change" and "Clear", or the form. `changed(p)` gets
 * the prediction with its new outcome (or none), for the caller to redraw.
 */
export function outcomeCard(p, changed, editing = false) {
  const o = p.outcome;
  const card = h('section', { class: 'card outcome', 'aria-labelledby': `outcome-${p.id}`, 'data-testid': 'outcome' },
    h('h2', { id: `outcome-${p.id}` }, t('outcome.title')));
  if (o && !editing) {
    card.append(
      h('p', { class: 'range small-range', 'data-testid': 'outcome-value' }, outcomeLine(o)),
      h('p', { class: 'muted small' }, [o.kind ? t(`outcome.kind.${o.kind}`) : null, t('outcome.recorded', { date: fmtDate(o.recorded_at) })].filter(Boolean).join(' · ')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', 'data-testid': 'outcome-edit', onclick: () => card.replaceWith(outcomeCard(p, changed, true)) }, t('outcome.edit')),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'outcome-clear', onclick: (e) => clear(p, changed, e.currentTarget) }, t('outcome.clear'))));
    return card;
  }
  const kinds = h('fieldset', { class: 'field outcome-kind' },
    h('legend', {}, t('outcome.kind')),
    ...[['', 'outcome.kind.unsaid'], ['offered', 'outcome.kind.offered'], ['published', 'outcome.kind.published']].map(([value, key]) => {
      const id = `outcome-kind-${value || 'unsaid'}`;
      const input = h('input', { type: 'radio', name: 'outcome-kind', id, value });
      input.checked = (o && o.kind ? o.kind : '') === value;
      return h('label', { for: id, class: 'radio' }, input, ' ', t(key));
    }));
  const form = h('form', { class: 'outcome-form', novalidate: true, 'aria-describedby': `outcome-lead-${p.id}` },
    h('p', { class: 'muted', id: `outcome-lead-${p.id}` }, t('outcome.lead')),
    h('div', { class: 'row' },
      field({ id: 'outcome-from', label: t('outcome.salaryFrom'), hint: t('outcome.hint', { cur: p.currency || 'RUB' }), value: o && o.salary_from != null ? String(o.salary_from) : '', required: false, autocomplete: 'off' }),
      field({ id: 'outcome-to', label: t('outcome.salaryTo'), value: o && o.salary_to != null ? String(o.salary_to) : '', required: false, autocomplete: 'off' })),
    kinds,
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'outcome-save' }, t('outcome.save')),
      editing ? h('button', { type: 'button', class: 'btn', onclick: () => card.replaceWith(outcomeCard(p, changed)) }, t('admin.cancel')) : null));
  for (const input of form.querySelectorAll('#outcome-from, #outcome-to')) input.setAttribute('inputmode', 'decimal');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = validate(form);
    if (!body) return;
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      const stored = await outcomeApi.record(p.id, body);
      flash('outcome.saved', 'ok');
      changed({ ...p, outcome: stored });
    } catch (err) {
      if (handleAuthLoss(err)) return;
      showServerErrors(form, err, { salary_from: 'outcome-from', salary_to: 'outcome-to' });
    } finally {
      btn.disabled = false;
    }
  });
  card.append(form);
  return card;
}

async function clear(p, changed, btn) {
  btn.disabled = true;
  try {
    await outcomeApi.clear(p.id);
    flash('outcome.cleared', 'ok');
    changed({ ...p, outcome: null });
  } catch (err) {
    if (handleAuthLoss(err)) return;
    btn.disabled = false;
    flash(() => errorText(err), 'error');
  }
}
