// The admin console's accuracy card: for each model version, how its estimates compare with
// the real salaries users recorded (GET /admin/accuracy): how many, the mean error of each
// bound, and the share of real midpoints inside the likely range.
import { request } from './api.js';
import { t, locale } from './i18n.js';
import { h, errorText, handleAuthLoss, modelName } from './app.js';

const loadAccuracy = async () => (await request('GET', '/admin/accuracy')).data;

const num = (v) => (Number.isFinite(v) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(v) : '—');
const pct = (v) => (Number.isFinite(v) ? new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(v) : '—');

function row(a) {
  const cols = [
    ['version', h('span', { class: 'model-name', 'data-version': a.model_version }, modelName(a.model_version))],
    ['outcomes', num(a.outcomes)],
    ['maeFrom', a.salary_from_count ? t('admin.accuracy.of', { v: num(a.salary_from_mae), n: num(a.salary_from_count) }) : '—'],
    ['maeTo', a.salary_to_count ? t('admin.accuracy.of', { v: num(a.salary_to_mae), n: num(a.salary_to_count) }) : '—'],
    ['inside', a.likely_count ? t('admin.accuracy.of', { v: pct(a.inside_likely), n: num(a.likely_count) }) : '—'],
  ];
  return h('tr', { 'data-version': a.model_version },
    cols.map(([k, v], i) => h('td', { class: i ? 'num' : null, 'data-label': t(`admin.accuracy.col.${k}`) }, v)));
}

function draw(c, items, error) {
  const head = [h('h2', { id: 'admin-accuracy-h' }, t('admin.accuracy.title')), h('p', { class: 'muted' }, t('admin.accuracy.lead'))];
  if (error) { c.replaceChildren(...head, h('div', { class: 'error-card admin-error', role: 'alert' }, error)); return; }
  if (!items) { c.replaceChildren(...head, h('p', { class: 'loading' }, t('loading'))); return; }
  if (!items.length) { c.replaceChildren(...head, h('p', { class: 'muted', 'data-testid': 'accuracy-empty' }, t('admin.accuracy.empty'))); return; }
  c.replaceChildren(...head, h('div', { class: 'table-wrap' }, h('table', { class: 'admin-table', 'data-testid': 'accuracy-table' },
    h('caption', { class: 'visually-hidden' }, t('admin.accuracy.title')),
    h('thead', {}, h('tr', {}, ['version', 'outcomes', 'maeFrom', 'maeTo', 'inside'].map((k, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t(`admin.accuracy.col.${k}`))))),
    h('tbody', {}, items.map(row)))));
}

/** The card, which loads its figures itself (afresh on every visit of the console). */
export function accuracyCard() {
  const c = h('section', { class: 'card admin-card', 'aria-labelledby': 'admin-accuracy-h', id: 'admin-accuracy' });
  draw(c, null, null);
  loadAccuracy().then((d) => draw(c, (d && d.items) || [], null)).catch((err) => {
    if (handleAuthLoss(err)) return;
    draw(c, null, errorText(err));
  });
  return c;
}
