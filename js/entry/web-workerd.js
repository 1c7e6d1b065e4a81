// Workers entry (the `workerd` export condition, which wrangler's bundler picks): the wasm is
// imported as a compiled module and instantiated at once, so there is no init call and no fetch.
import module from './edge_session_bg.wasm';
import { initSync } from './edge_session.js';

initSync({ module });
export * from './index.js';
export { default } from './index.js';
