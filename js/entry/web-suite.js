// runConformance for the browser and Workers entries. The store conformance suite is its own
// wasm (web/conformance/, the core built with feature `js-suite`): it is loaded the first time
// runConformance is called, so a page that never runs the suite never downloads it. The suite
// itself (every check, and what counts as a failure) is the core's, as in the Node build.
let load = async () => {
  const suite = await import('./conformance/edge_session_suite.js');
  await suite.default(); // fetches edge_session_suite_bg.wasm next to the module
  return suite;
};
let loading;

// The workerd entry swaps in a loader that imports the suite's wasm as a module (no fetch).
export function setSuiteLoader(f) {
  load = f;
}

/** Runs the core's store conformance suite; resolves to the number of checks passed. */
export function runConformance(store, tag) {
  loading ??= load().catch((cause) => {
    loading = undefined; // a later call tries again
    const e = new Error(`the conformance suite could not be loaded: ${cause?.message ?? cause}`, { cause });
    e.code = 'conformance_unavailable';
    throw e;
  });
  return loading.then((suite) => suite.runConformance(store, tag));
}
