// Exact hash-space arithmetic for the page (BigInt; the space is 2^64 points). Display only:
// placement and the moved fraction come from the core, never from here.

export const SPACE = 1n << 64n;

/** A decimal string, number or BigInt as a BigInt. */
export const big = (v) => (typeof v === 'bigint' ? v : BigInt(v));

/** `units / 2^64` as a number in [0, 1]. */
export const fractionOf = (units) => Number(big(units)) / 2 ** 64;

/** A fraction as a percentage with two decimals: 0.333333 -> "33.33%". */
export const percent = (f) => `${(f * 100).toFixed(2)}%`;

/** Normalise arcs from the API or the wasm Ring to `{shard, start: BigInt, len: BigInt}`. */
export const normaliseArcs = (arcs) =>
  arcs.map((a) => ({ shard: a.shard, start: big(a.start), len: big(a.len) }));

/** The shard owning `position` (a BigInt) in normalised arcs. */
export function ownerAt(arcs, position) {
  for (const a of arcs) if (position >= a.start && position < a.start + a.len) return a.shard;
  return null;
}

/**
 * The pieces of the space whose owner differs between two layouts (normalised arcs, both covering
 * [0, 2^64) in ascending order): `[{start, len, from, to}]`, adjacent pieces of one flow merged.
 */
export function movedPieces(before, after) {
  const out = [];
  let i = 0;
  let j = 0;
  let pos = 0n;
  while (i < before.length && j < after.length) {
    const a = before[i];
    const b = after[j];
    const end = [a.start + a.len, b.start + b.len].reduce((x, y) => (x < y ? x : y));
    if (a.shard !== b.shard && end > pos) {
      const last = out[out.length - 1];
      if (last && last.start + last.len === pos && last.from === a.shard && last.to === b.shard) last.len += end - pos;
      else out.push({ start: pos, len: end - pos, from: a.shard, to: b.shard });
    }
    pos = end;
    if (a.start + a.len === end) i += 1;
    if (b.start + b.len === end) j += 1;
  }
  return out;
}

/** Moved pieces summed by (from, to): `[{from, to, len}]`, largest first. */
export function flows(pieces) {
  const by = new Map();
  for (const p of pieces) {
    const k = `${p.from}\u0000${p.to}`;
    const f = by.get(k) || { from: p.from, to: p.to, len: 0n };
    f.len += p.len;
    by.set(k, f);
  }
  return [...by.values()].sort((x, y) => (y.len > x.len ? 1 : y.len < x.len ? -1 : 0));
}

// Okabe–Ito (colour-blind safe), then golden-angle hues for larger rings.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#7F7F7F'];

/** Distinct colours for shard names, in the order given (pass the live ring's names first, so a
 * shard keeps its colour when a what-if adds one). */
export function colours(names) {
  const sorted = [...new Set(names)];
  const map = new Map();
  sorted.forEach((n, i) => {
    map.set(n, i < PALETTE.length ? PALETTE[i] : `hsl(${Math.round((i * 137.508) % 360)} 65% 45%)`);
  });
  return map;
}
