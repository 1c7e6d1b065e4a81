// The conformance suite's wasm for Workers: imported as a compiled module and instantiated at
// once (web/workerd.js loads this file the first time runConformance is called).
import module from './edge_session_suite_bg.wasm';
import { initSync } from './edge_session_suite.js';

initSync({ module });
export { runConformance } from './edge_session_suite.js';
