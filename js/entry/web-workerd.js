// Workers entry (the `workerd` export condition, which wrangler's bundler picks): the wasm is
// imported as a compiled module and instantiated at once, so there is no init call and no fetch.
import module from './edge_session_bg.wasm';
import { initSync } from './edge_session.js';
import { setSuiteLoader } from './suite.js';

initSync({ module });
// runConformance's own wasm, imported as a module too, the first time the suite runs.
setSuiteLoader(() => import('./conformance/workerd.js'));
export * from './index.js';
export { default } from './index.js';
