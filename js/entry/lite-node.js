// Node entry of `edge-session/lite` (ES module): the wasm is read from the package and
// instantiated at once, so `init()` is a no-op kept for isomorphic code.
import { readFileSync } from 'node:fs';
import { initSync } from './edge_session_lite.js';

initSync({ module: readFileSync(new URL('./edge_session_lite_bg.wasm', import.meta.url)) });
export { Keyring, Ring, position, version, initSync } from './edge_session_lite.js';

/** Nothing to do in Node (the wasm is loaded already). */
export async function init() {}
export default init;
