// Draws a ring of shards as an SVG circle: one arc per layout arc, proportional to its exact
// share of the 2^64 hash space, starting at 12 o'clock and running clockwise.

import { fractionOf, percent } from './ring-math.js';

const NS = 'http://www.w3.org/2000/svg';
const SIZE = 400;
const C = SIZE / 2;
const R = 110; // ring radius (centre of the band)
const BAND = 32; // band width
const LABEL_R = R + BAND / 2 + 16;
// Room on both sides for the labels (names up to ~14 characters).
const VIEW = `-60 35 ${SIZE + 120} ${SIZE - 70}`;

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const point = (f, r) => {
  const a = f * 2 * Math.PI - Math.PI / 2;
  return [C + r * Math.cos(a), C + r * Math.sin(a)];
};
const fmt = (n) => n.toFixed(2);

/** An SVG path for the arc from fraction f0 to f1 at radius r (a full circle when it spans everything). */
function arcPath(f0, f1, r) {
  const span = f1 - f0;
  if (span >= 0.999999) {
    // Two half circles: one arc command cannot draw a full circle.
    const [x0, y0] = point(0, r);
    const [x1, y1] = point(0.5, r);
    return `M${fmt(x0)} ${fmt(y0)}A${r} ${r} 0 1 1 ${fmt(x1)} ${fmt(y1)}A${r} ${r} 0 1 1 ${fmt(x0)} ${fmt(y0)}`;
  }
  const [x0, y0] = point(f0, r);
  const [x1, y1] = point(f1, r);
  return `M${fmt(x0)} ${fmt(y0)}A${r} ${r} 0 ${span > 0.5 ? 1 : 0} 1 ${fmt(x1)} ${fmt(y1)}`;
}

const shortName = (n) => (n.length > 14 ? `${n.slice(0, 13)}…` : n);

/**
 * Render into `svg` (an <svg> element, emptied first).
 * - `arcs`: normalised arcs `{shard, start, len}` (BigInt), ascending, covering the space;
 * - `shares`: `[{name, weight, owned}]` (owned: BigInt) for labels;
 * - `palette`: Map name -> colour;
 * - `marker`: `{fraction, label}` or null: a key's position;
 * - `moved`: pieces `{start, len, from, to}` to highlight, or null;
 * - `centre`: one or two short lines for the middle.
 */
export function renderRing(svg, { arcs, shares, palette, marker = null, moved = null, centre = [], title = 'Ring' }) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', VIEW);
  svg.setAttribute('role', 'img');
  const desc = shares.map((s) => `${s.name} weight ${s.weight}, ${percent(fractionOf(s.owned))}`).join('; ');
  svg.append(el('title', {}, title));
  svg.append(el('desc', {}, `${desc}.${marker ? ` ${marker.label}.` : ''}${
    moved ? ` ${moved.length} piece(s) of the space would move.` : ''}`));

  const defs = el('defs');
  const pattern = el('pattern', { id: `${svg.id}-hatch`, width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
  pattern.append(el('rect', { width: 8, height: 8, fill: '#111' }), el('rect', { width: 4, height: 8, fill: '#fff' }));
  defs.append(pattern);
  svg.append(defs);

  // Track under everything, so hairline arcs still sit on a visible ring.
  svg.append(el('circle', { cx: C, cy: C, r: R, fill: 'none', class: 'ring-track', 'stroke-width': BAND }));

  const g = el('g', { class: 'arcs' });
  for (const a of arcs) {
    const f0 = fractionOf(a.start);
    const f1 = fractionOf(a.start + a.len);
    const path = el('path', {
      d: arcPath(f0, f1, R), fill: 'none', stroke: palette.get(a.shard) || '#888', 'stroke-width': BAND,
      class: 'arc', 'data-shard': a.shard, 'data-start': a.start, 'data-len': a.len,
    });
    path.append(el('title', {}, `${a.shard}: ${percent(f1 - f0)} of the space`));
    g.append(path);
  }
  svg.append(g);

  // Boundaries between arcs, so neighbouring colours never blur together.
  const ticks = el('g', { class: 'ticks' });
  if (arcs.length > 1) {
    for (const a of arcs) {
      const f = fractionOf(a.start);
      const [x0, y0] = point(f, R - BAND / 2);
      const [x1, y1] = point(f, R + BAND / 2);
      ticks.append(el('line', { x1: fmt(x0), y1: fmt(y0), x2: fmt(x1), y2: fmt(y1), class: 'tick' }));
    }
  }
  svg.append(ticks);

  if (moved && moved.length) {
    const mg = el('g', { class: 'moved-pieces' });
    for (const p of moved) {
      const f0 = fractionOf(p.start);
      const f1 = fractionOf(p.start + p.len);
      const attrs = { fill: 'none', 'data-from': p.from, 'data-to': p.to, 'data-len': p.len };
      // Hatched over the band, and a dark outer rim so that even thin pieces show.
      mg.append(el('path', { ...attrs, d: arcPath(f0, f1, R), stroke: `url(#${svg.id}-hatch)`, 'stroke-width': BAND * 0.45, class: 'moved', opacity: 0.55 }));
      mg.append(el('path', { d: arcPath(f0, Math.max(f1, f0 + 0.002), R + BAND / 2 + 5), fill: 'none', class: 'moved-rim', 'stroke-width': 6 }));
    }
    svg.append(mg);
  }

  // One label per shard, at the middle of its largest arc.
  const largest = new Map();
  for (const a of arcs) {
    const cur = largest.get(a.shard);
    if (!cur || a.len > cur.len) largest.set(a.shard, a);
  }
  const labels = el('g', { class: 'labels' });
  for (const s of shares) {
    const a = largest.get(s.name);
    if (!a) continue;
    const mid = fractionOf(a.start) + fractionOf(a.len) / 2;
    const [x, y] = point(mid, LABEL_R);
    const anchor = Math.abs(x - C) < 12 ? 'middle' : x > C ? 'start' : 'end';
    const t = el('text', { x: fmt(x), y: fmt(y - 2), 'text-anchor': anchor, class: 'label', 'data-shard': s.name });
    t.append(el('tspan', { class: 'label-name' }, shortName(s.name)));
    t.append(el('tspan', { x: fmt(x), dy: '1.15em', class: 'label-meta' }, `w${s.weight} · ${percent(fractionOf(s.owned))}`));
    labels.append(t);
  }
  svg.append(labels);

  if (marker) {
    const [xi, yi] = point(marker.fraction, R - BAND / 2 - 10);
    const [xo, yo] = point(marker.fraction, R + BAND / 2 + 4);
    const [xd, yd] = point(marker.fraction, R);
    const m = el('g', { class: 'marker', 'data-fraction': marker.fraction });
    m.append(el('line', { x1: fmt(xi), y1: fmt(yi), x2: fmt(xo), y2: fmt(yo), class: 'marker-line' }));
    m.append(el('circle', { cx: fmt(xd), cy: fmt(yd), r: 7, class: 'marker-dot' }));
    m.append(el('title', {}, marker.label));
    svg.append(m);
  }

  // Inside the ring there is room for about 22 characters a line.
  centre.slice(0, 3).forEach((line, i, all) => {
    const y = C + (i - (all.length - 1) / 2) * 20 + 5;
    const short = line.length > 22 ? `${line.slice(0, 21)}…` : line;
    const t = el('text', { x: C, y: fmt(y), 'text-anchor': 'middle', class: i === 0 ? 'centre-main' : 'centre-sub' }, short);
    if (short !== line) t.append(el('title', {}, line));
    svg.append(t);
  });
}
