// The JS side of the boundary micro-benchmarks: a function that does nothing.
export function noopImport(_value) {
  return 0;
}

// Prototype of a lookup function made per ring: checks and copies the key in JS, asks the wasm
// for the owner's index (a raw u32 export), answers from a JS array of names.
const encoder = new TextEncoder();
export function makeLocator(exports, memory, slot, names, max, ptr, cap) {
  let u8 = new Uint8Array(memory.buffer);
  const index = exports.benchIndex;
  return function locate(key) {
    if (typeof key !== 'string' || key.length > max) throw new Error('bad key');
    if (u8.byteLength === 0) u8 = new Uint8Array(memory.buffer);
    const n = key.length;
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      u8[ptr + i] = c;
    }
    const len = i === n ? n : i + encoder.encodeInto(key.slice(i), u8.subarray(ptr + i, ptr + cap)).written;
    return names[index(slot, len)];
  };
}
export function makeLocatorEncode(exports, memory, slot, names, max, ptr, cap) {
  let view = new Uint8Array(memory.buffer, ptr, cap);
  const index = exports.benchIndex;
  return function locate(key) {
    if (typeof key !== 'string' || key.length > max) throw new Error('bad key');
    if (view.byteLength === 0) view = new Uint8Array(memory.buffer, ptr, cap);
    return names[index(slot, encoder.encodeInto(key, view).written)];
  };
}
export function makeLocatorBuffer(exports, memory, slot, names, max, ptr, cap) {
  let buf = Buffer.from(memory.buffer);
  const index = exports.benchIndex;
  return function locate(key) {
    if (typeof key !== 'string' || key.length > max) throw new Error('bad key');
    if (buf.byteLength === 0) buf = Buffer.from(memory.buffer);
    return names[index(slot, buf.utf8Write(key, ptr, cap))];
  };
}
export function makeArray(v) {
  return v;
}
