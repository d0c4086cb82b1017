// The landing page for signed-out visitors (#/welcome, the default signed-out route): what
// payrange does, the model's estimate of a real vacancy (GET /estimates/example, computed once
// by the server and costing no try), and one estimate to try without an account
// (POST /estimates: answered at once, stored nowhere, a few per address an hour), followed by
// an invitation to sign up that keeps the vacancy for the first estimate.
import { api, ApiError, LIMITS } from './api.js';
import { t } from './i18n.js';

// The page's own helpers, handed over by app.js with each render (see landingView): the same
// result card, form fields and error wording as the signed-in pages, without a module cycle.
let h, field, resultCard, reveal, rerenderIf, fmtWait, errorText, clearErrors, setFieldError,
  focusFirstInvalid, showServerErrors;

const ROUTE = 'welcome';
// The server's default PAYRANGE_TRY_QUOTA, for the sentence that says how many tries there are.
const TRIES = 5;

const landing = {
  example: null, // { ...estimate, at } once loaded
  exampleError: null,
  exampleAsked: false,
  draft: { name: '', description: '', area: '' },
  trying: false,
  result: null, // the last try's estimate
  limited: null, // the 429 of a try past the quota
};

// The vacancy to carry into the first signed-in estimate, taken once by takeKeptVacancy().
let kept = null;

/** The vacancy the visitor tried, for the Estimate form after sign-up (once), or null. */
export function takeKeptVacancy() {
  const k = kept;
  kept = null;
  return k;
}

function keepVacancy() {
  const d = landing.draft;
  if (d.name.trim() || d.description.trim()) kept = { ...d };
}

/** A finished estimate in the shape the result card reads. */
function asResult(e, id) {
  return { ...e, id, status: 'done', finished_at: new Date().toISOString() };
}

function loadExample() {
  if (landing.exampleAsked) return;
  landing.exampleAsked = true;
  api.exampleEstimate()
    .then((e) => { landing.example = asResult(e, 'example'); })
    .catch((err) => { landing.exampleError = err; })
    .finally(() => rerenderIf(ROUTE));
}

function signupLink(cls = 'btn btn-primary') {
  return h('a', { class: cls, href: '#/signup', 'data-testid': 'signup-cta', onclick: keepVacancy }, t('landing.signup'));
}

/** The result card of the example, its "why" region named apart from a tried estimate's. */
function exampleCard(e) {
  const card = resultCard(e);
  const why = card.querySelector('section.why');
  if (why) {
    why.removeAttribute('aria-labelledby');
    why.setAttribute('aria-label', `${t('result.why')} · ${t('landing.example.title')}`);
  }
  return card;
}

function exampleSection() {
  loadExample();
  let body;
  if (landing.example) {
    const e = landing.example;
    body = [
      h('details', { class: 'example-ad' },
        h('summary', {}, t('landing.example.ad')),
        h('p', { lang: 'ru' }, e.description)),
      exampleCard(e),
    ];
  } else if (landing.exampleError) {
    body = h('div', { class: 'card error-card', role: 'alert' }, errorText(landing.exampleError));
  } else {
    body = h('div', { class: 'card placeholder', 'aria-busy': 'true' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', t('loading'));
  }
  return h('section', { class: 'landing-example', 'aria-labelledby': 'example-title', 'data-testid': 'example' },
    h('h2', { id: 'example-title' }, t('landing.example.title')),
    h('p', { class: 'muted' }, t('landing.example.lead')),
    body);
}

function validate(form) {
  const d = landing.draft;
  let ok = true;
  for (const [id, key, max, req] of [['try-name', 'name', LIMITS.name, true], ['try-description', 'description', LIMITS.description, true], ['try-area', 'area', LIMITS.area, false]]) {
    const v = d[key].trim();
    if (req && !v) { setFieldError(form, id, t('v.required')); ok = false; }
    else if (v.length > max) { setFieldError(form, id, t('v.maxlen', { max, n: v.length })); ok = false; }
  }
  return ok;
}

async function tryOne(form) {
  clearErrors(form);
  if (landing.trying) return;
  if (!validate(form)) { focusFirstInvalid(form); return; }
  const d = landing.draft;
  const input = { name: d.name.trim(), description: d.description.trim() };
  if (d.area.trim()) input.area = d.area.trim();
  landing.trying = true;
  landing.limited = null;
  rerenderIf(ROUTE);
  try {
    landing.result = asResult(await api.tryEstimate(input), 'try');
    landing.trying = false;
    rerenderIf(ROUTE);
    const r = document.querySelector('#try-result .result h2');
    if (r) { r.setAttribute('tabindex', '-1'); r.focus({ preventScroll: true }); reveal(r.closest('.card')); }
  } catch (err) {
    landing.trying = false;
    if (err instanceof ApiError && err.status === 429) {
      landing.limited = err;
      rerenderIf(ROUTE);
      const c = document.querySelector('#try-result .limit-card');
      if (c) { c.focus({ preventScroll: true }); reveal(c); }
      return;
    }
    rerenderIf(ROUTE);
    const f = document.querySelector('#try-form');
    if (f) showServerErrors(f, err, { name: 'try-name', description: 'try-description', area: 'try-area' });
  }
}

function trySection() {
  const d = landing.draft;
  const busy = landing.trying;
  const form = h('form', { id: 'try-form', class: 'card form', novalidate: true, 'aria-labelledby': 'try-title', 'aria-busy': busy ? 'true' : null },
    h('div', { class: 'form-error', role: 'alert', tabindex: '-1' }),
    field({ id: 'try-name', label: t('predict.name'), hint: t('predict.name.hint'), value: d.name, max: LIMITS.name, autocomplete: 'off', oninput: (e) => { d.name = e.target.value; } }),
    field({ id: 'try-description', label: t('predict.description'), hint: t('predict.description.hint'), value: d.description, textarea: true, max: LIMITS.description, oninput: (e) => { d.description = e.target.value; } }),
    field({ id: 'try-area', label: t('predict.area'), hint: t('predict.area.hint'), value: d.area, max: LIMITS.area, required: false, autocomplete: 'address-level2', oninput: (e) => { d.area = e.target.value; } }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', disabled: busy }, t('landing.try.submit')),
      h('p', { class: 'busy', role: 'status', 'aria-live': 'polite' }, busy ? [h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('predict.sending')] : '')));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); tryOne(form); });
  const out = h('div', { id: 'try-result' });
  if (landing.limited) {
    const wait = landing.limited.retryAfter;
    out.append(h('div', { class: 'card limit-card', role: 'alert', tabindex: '-1', 'data-testid': 'try-limit' },
      h('p', {}, wait ? t('landing.try.limit.wait', { when: fmtWait(wait) }) : t('landing.try.limit')),
      h('p', {}, signupLink())));
  } else if (landing.result) {
    out.append(resultCard(landing.result),
      h('aside', { class: 'card invite', 'aria-labelledby': 'invite-title', 'data-testid': 'invite' },
        h('h3', { id: 'invite-title' }, t('landing.invite.title')),
        h('p', {}, t('landing.invite.text')),
        h('p', { class: 'cta-row' }, signupLink(), h('a', { class: 'btn', href: '#/signin', onclick: keepVacancy }, t('landing.signin')))));
  } else {
    out.append(h('div', { class: 'card placeholder' }, h('p', { class: 'muted' }, t('landing.try.placeholder'))));
  }
  return h('section', { class: 'landing-try', 'aria-labelledby': 'try-title' },
    h('h2', { id: 'try-title' }, t('landing.try.title')),
    h('p', { class: 'muted' }, t('landing.try.lead', { n: TRIES })),
    h('div', { class: 'two-col' }, form, out));
}

/** The landing view, drawn with app.js's helpers `ui`. */
export function landingView(ui) {
  ({ h, field, resultCard, reveal, rerenderIf, fmtWait, errorText, clearErrors, setFieldError, focusFirstInvalid, showServerErrors } = ui);
  return h('section', { class: 'landing' },
    h('div', { class: 'hero' },
      h('h1', {}, t('landing.title')),
      h('p', { class: 'lead' }, t('landing.lead')),
      h('p', { class: 'cta-row' },
        h('a', { class: 'btn btn-primary', href: '#/signup' }, t('landing.signup')),
        h('a', { class: 'btn', href: '#/signin' }, t('landing.signin')))),
    exampleSection(),
    trySection());
}
