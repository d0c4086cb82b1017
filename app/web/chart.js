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
  const { top, ticks } = scale(Math.max(to, from, likely ? likely.to : 0) * 1.25);
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

/**
 * Past ranges as vertical bars, oldest on the left.
 * items: [{ from, to, name, date }]
 */
export function historyChart({ items, loc, label, fmt, width = 600 }) {
  const W = Math.max(260, Math.round(width)), H = W < 500 ? 180 : 220, L = 52, R = 12, T = 12, B = 28;
  const max = Math.max(...items.map((i) => Math.max(i.from, i.to)), 1);
  const { top, ticks } = scale(max * 1.1, 4);
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-history', role: 'img', 'aria-label': label });
  svg.appendChild(el('title', {}, label));
  for (const v of ticks) {
    const yv = y(v);
    svg.appendChild(el('line', { x1: L, x2: W - R, y1: yv, y2: yv, class: 'grid' }));
    svg.appendChild(el('text', { x: L - 6, y: yv + 4, 'text-anchor': 'end', class: 'tick' }, compact(v, loc)));
  }
  const n = items.length;
  const slot = (W - L - R) / Math.max(n, 1);
  const bw = Math.min(28, slot * 0.5);
  const showLabels = slot >= 44;
  items.forEach((it, i) => {
    const cx = L + slot * (i + 0.5);
    const g = el('g', { class: 'bar' });
    g.appendChild(el('title', {}, `${it.name}: ${fmt(it.from)} – ${fmt(it.to)} (${it.date})`));
    const y1 = y(it.to), y2 = y(it.from);
    g.appendChild(el('rect', { x: cx - bw / 2, y: y1, width: bw, height: Math.max(2, y2 - y1), rx: 3, class: 'band' }));
    if (showLabels) g.appendChild(el('text', { x: cx, y: H - B + 16, 'text-anchor': 'middle', class: 'tick' }, it.short || String(i + 1)));
    svg.appendChild(g);
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
