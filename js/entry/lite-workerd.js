// Workers entry of `edge-session/lite` (the `workerd` export condition): the wasm is imported
// as a compiled module and instantiated at once, so there is no init call and no fetch.
import module from './edge_session_lite_bg.wasm';
import { initSync } from './edge_session_lite.js';

initSync({ module });
export { Keyring, Ring, position, version, initSync } from './edge_session_lite.js';

/** Nothing to do in Workers (the wasm is loaded already). */
export async function init() {}
export default init;
