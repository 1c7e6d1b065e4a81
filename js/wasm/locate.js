// Imported by the wasm core (src/locator.rs) of both builds, the full package and the lite one,
// for `Ring.locate`: each ring's lookup function. It checks the key against the core's limit,
// writes its UTF-8 into the core's scratch buffer, asks the wasm for the owner's index (two
// numbers in, one out: no externref, no Result, no multi-value array) and answers with the
// cached name. No rule lives here: the limit, the placement and every error come from the core.
const encoder = new TextEncoder();
// Node's Buffer writes UTF-8 into memory several times faster than TextEncoder.encodeInto; both
// turn lone surrogates into U+FFFD, as every copy of a JS string into wasm does.
const NodeBuffer = typeof Buffer === 'function' && typeof Buffer.prototype.utf8Write === 'function' ? Buffer : null;

let wasm = null;
let memory = null;
let ptr = 0;
let cap = 0;
// Views of wasm memory, made again when it grows (growth detaches the old ArrayBuffer, whose
// views then have byteLength 0) or the scratch buffer moves: all of it as bytes, and the
// encoder's (a Buffer over all of it in Node, the scratch buffer elsewhere).
let bytes = null;
let view = null;
// Keys up to this many units are copied by a charCodeAt loop when they are ASCII: cheaper than
// a call into the runtime's encoder (measured by bench/boundary.mjs and bench/ring-node.mjs).
const SHORT = 24;

/** Called once by the core: its raw exports, its memory, and the scratch buffer (`cap` bytes at `ptr`). */
export function locatorInit(exports, mem, p, c) {
  wasm = exports;
  memory = mem;
  ptr = p;
  cap = c;
  view = null;
}

/** Writes `key` at `ptr` as UTF-8 (growing the scratch buffer to 3 bytes per unit first); returns its length.
 * The core refuses to grow past its limit (address 0): then the key is refused. */
function write(key) {
  const n = key.length;
  if (n * 3 > cap) {
    const p = wasm.__edgeSessionLocateScratch(n * 3) >>> 0;
    if (p === 0) throw wasm.__edgeSessionLocateError(0);
    ptr = p;
    cap = n * 3;
    view = null;
  }
  if (view === null || view.byteLength === 0) {
    bytes = new Uint8Array(memory.buffer);
    view = NodeBuffer ? NodeBuffer.from(memory.buffer) : bytes.subarray(ptr, ptr + cap);
  }
  if (n <= SHORT) {
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[ptr + i] = c;
    }
    if (i === n) return n;
  }
  return NodeBuffer ? view.utf8Write(key, ptr, cap) : encoder.encodeInto(key, view).written;
}

/** One ring's state: its slot in the core, its shard names (by index), the longest key. */
export function locatorState(slot, names, max) {
  return { slot, names, max, live: true };
}

/** The ring's lookup function: `(key) => name`, throwing the core's errors. */
export function locatorFunction(state) {
  return (key) => {
    if (typeof key !== 'string' || key.length > state.max || !state.live) {
      throw wasm.__edgeSessionLocateError(state.live ? 0 : 1);
    }
    const name = state.names[wasm.__edgeSessionLocate(state.slot, write(key))];
    if (name === undefined) throw wasm.__edgeSessionLocateError(2);
    return name;
  };
}

/** The ring changed: its names now. */
export function locatorNames(state, names) {
  state.names = names;
}

/** The ring was freed: its function throws `object_freed` from now on. */
export function locatorDead(state) {
  state.live = false;
  state.names = [];
}

/** A ring's JS object was made: its lookup function becomes its own read-only `locate` property
 * (not enumerable, like the getter it shadows, which answers the same function). */
export function locatorInstall(object, fn) {
  Object.defineProperty(object, 'locate', { value: fn, writable: false, enumerable: false, configurable: false });
}
