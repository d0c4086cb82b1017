// Hand-drawn SVG charts: a single range on a salary scale, and past ranges.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / mag;
  const m = n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10;
  return m * mag;
}

/** Ticks from 0 to a nice maximum that covers `max`. */
export function scale(max, count = 5) {
  const step = niceStep(max || 1, count);
  const top = Math.ceil((max || 1) / step) * step;
  const ticks = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { top, ticks };
}

/** Compact number for axis labels: 150 000 -> "150k" / "150 тыс." */
export function compact(v, loc) {
  try {
    return new Intl.NumberFormat(loc, { notation: 'compact', maximumFractionDigits: 1 }).format(v);
  } catch {
    return String(Math.round(v));
  }
}

/**
 * A horizontal salary scale with the predicted range as a band and, when given, the likely
 * range as a lighter, taller band around it.
 * opts: { from, to, likely: { from, to } | null, loc, label, fmt }
 */
export function rangeChart({ from, to, likely = null, loc, label, fmt, width = 600 }) {
  const W = Math.max(260, Math.round(width)), H = 96, L = 16, R = 16, axisY = 64;
  // Fewer ticks on a narrow screen, so that "400 тыс." and "500 тыс." do not run together.
  const { top, ticks } = scale(Math.max(to, from, likely ? likely.to : 0) * 1.25, W < 500 ? 3 : 5);
  const x = (v) => L + (Math.max(0, v) / top) * (W - L - R);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-range', role: 'img', 'aria-label': label(top) });
  svg.appendChild(el('title', {}, label(top)));
  svg.appendChild(el('line', { x1: L, x2: W - R, y1: axisY, y2: axisY, class: 'axis' }));
  for (const v of ticks) {
    const xv = x(v);
    svg.appendChild(el('line', { x1: xv, x2: xv, y1: axisY, y2: axisY + 5, class: 'axis' }));
    const anchor = v === 0 ? 'start' : v >= top ? 'end' : 'middle';
    svg.appendChild(el('text', { x: xv, y: axisY + 20, 'text-anchor': anchor, class: 'tick' }, compact(v, loc)));
  }
  const x1 = x(from), x2 = Math.max(x(to), x1 + 2);
  if (likely) {
    const l1 = x(likely.from), l2 = Math.max(x(likely.to), l1 + 2);
    svg.appendChild(el('rect', { x: l1, y: axisY - 31, width: l2 - l1, height: 30, rx: 6, class: 'likely-band' }));
  }
  svg.appendChild(el('rect', { x: x1, y: axisY - 26, width: x2 - x1, height: 20, rx: 4, class: 'band' }));
  svg.appendChild(el('line', { x1, x2: x1, y1: axisY - 32, y2: axisY, class: 'bound' }));
  svg.appendChild(el('line', { x1: x2, x2, y1: axisY - 32, y2: axisY, class: 'bound' }));
  // Labels above the bounds; keep them apart when the band is narrow.
  const mid = (x1 + x2) / 2;
  const close = x2 - x1 < 170;
  svg.appendChild(el('text', { x: close ? mid - 6 : x1, y: axisY - 38, 'text-anchor': close ? 'end' : (x1 < 60 ? 'start' : 'middle'), class: 'val' }, fmt(from)));
  svg.appendChild(el('text', { x: close ? mid + 6 : x2, y: axisY - 38, 'text-anchor': close ? 'start' : (x2 > W - 60 ? 'end' : 'middle'), class: 'val' }, fmt(to)));
  return svg;
}

/** `text` cut to about `max` characters, with an ellipsis. */
function shorten(text, max) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
}

/**
 * Past ranges as horizontal bars, one row each in the given order (the table's: newest on
 * top), each labelled with its (shortened) title and a link to its estimate, so that it can
 * be told apart and opened with a mouse, a finger or the keyboard.
 * items: [{ from, to, name, range, href, label }]
 */
export function historyChart({ items, loc, label, fmt, width = 600 }) {
  const W = Math.max(260, Math.round(width)), L = 8, R = 16, T = 4, ROW = 40, B = 24;
  const H = T + ROW * items.length + B;
  const max = Math.max(...items.map((i) => Math.max(i.from, i.to)), 1);
  const { top, ticks } = scale(max * 1.1, W < 500 ? 3 : 5);
  const x = (v) => L + (Math.max(0, v) / top) * (W - L - R);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart chart-history', role: 'group', 'aria-label': label });
  const axisY = T + ROW * items.length;
  for (const v of ticks) {
    const xv = x(v);
    svg.appendChild(el('line', { x1: xv, x2: xv, y1: T, y2: axisY, class: 'grid' }));
    const anchor = v === 0 ? 'start' : v >= top ? 'end' : 'middle';
    svg.appendChild(el('text', { x: xv, y: axisY + 16, 'text-anchor': anchor, class: 'tick', 'aria-hidden': 'true' }, compact(v, loc)));
  }
  // The range sits at the right end of the title's line: at 12 px about 7 px a character,
  // and up to 8 px for the bold title (Cyrillic is wider), with a gap between them.
  items.forEach((it, i) => {
    const y0 = T + ROW * i;
    const chars = Math.floor((W - L - R - String(it.range).length * 7 - 16) / 8);
    // Named by what it shows (title and range); the whole title and date are its tooltip.
    const a = el('a', { href: it.href, class: 'bar' });
    a.appendChild(el('title', {}, it.label));
    a.appendChild(el('rect', { x: 0, y: y0 + 1, width: W, height: ROW - 2, rx: 4, class: 'hit' }));
    a.appendChild(el('text', { x: L, y: y0 + 14, class: 'bar-label' }, shorten(it.name, Math.max(8, chars))));
    a.appendChild(el('text', { x: W - R, y: y0 + 14, 'text-anchor': 'end', class: 'bar-range' }, ` ${it.range}`));
    const x1 = x(it.from), x2 = Math.max(x(it.to), x1 + 2);
    a.appendChild(el('rect', { x: x1, y: y0 + 20, width: x2 - x1, height: 12, rx: 3, class: 'band' }));
    svg.appendChild(a);
  });
  return svg;
}

/**
 * A box that draws `draw(width)` at its real pixel width (1 SVG unit = 1 CSS px, so
 * text stays readable on a phone) and redraws when the box is resized.
 */
export function responsive(draw, className = 'chart-box') {
  const box = document.createElement('div');
  box.className = className;
  let last = 0;
  const paint = () => {
    const w = Math.floor(box.clientWidth);
    if (!w || Math.abs(w - last) < 2) return;
    last = w;
    box.replaceChildren(draw(w));
  };
  if (typeof ResizeObserver === 'function') new ResizeObserver(paint).observe(box);
  requestAnimationFrame(paint);
  return box;
}
