// Loads the web builds of the edge-session package (www/pkg, built by scripts/build-www.sh):
// the same Rust core the worker runs, compiled to WebAssembly; the lean build first.

import { big } from './ring-math.js';

let loading = null;
let loadingLite = null;

/**
 * The lean build (`edge-session/lite`, www/pkg/lite) after `init()`: a key's ring position, and
 * token verification, in a wasm a fraction of the full one's size. The page draws the live ring
 * with it; the what-if panel, which replays ring changes, loads the full core (`loadCore`).
 */
export function loadLite() {
  loadingLite ??= import('./pkg/lite/edge_session_lite.js')
    .then(async (mod) => {
      await mod.default();
      return mod;
    })
    .catch((e) => {
      throw new Error(`The lean WebAssembly core could not be loaded (${e.message}). Build it with scripts/build-www.sh.`);
    });
  return loadingLite;
}

/** The package module after `init()`; rejects with a readable message if www/pkg is missing. */
export function loadCore() {
  loading ??= import('./pkg/edge_session.js')
    .then(async (mod) => {
      await mod.default();
      return mod;
    })
    .catch((e) => {
      throw new Error(`The WebAssembly core could not be loaded (${e.message}). Build it with scripts/build-www.sh.`);
    });
  return loading;
}

/** A Ring from the worker's configuration JSON (object or string). */
export function ringFromConfig(core, config) {
  return core.Ring.fromJSON(typeof config === 'string' ? config : JSON.stringify(config));
}

/** A key's position (0 .. 2^64-1) as a BigInt, from a Ring or the lite module (`position(key)`). */
export const positionOf = (ring, key) => big(ring.position(key));

/** Shares as `{name, weight, owned: BigInt}`. */
export const sharesOf = (ring) => ring.shares().map((s) => ({ name: s.name, weight: s.weight, owned: big(s.owned) }));
