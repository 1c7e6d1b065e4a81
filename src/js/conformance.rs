//! `runConformance(store, tag)`: the core's store conformance suite against a JS store.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::convert::string_arg;
use super::error::{coded, invalid_input, set};
use super::js_store::JsStore;

/// Runs every check of the store conformance suite against `store`, namespacing its records
/// by `tag`. Resolves to the number of checks passed; rejects with code `conformance_failed`
/// (and `check`, the failed check's name) at the first broken rule.
#[wasm_bindgen(js_name = runConformance)]
pub fn run_conformance(store: JsValue, tag: JsValue) -> js_sys::Promise {
    let prepared = string_arg(&tag, "tag", 64).and_then(|tag| {
        JsStore::new(store, super::js_store::DEFAULT_TIMEOUT_MS)
            .map(|s| (s, tag))
            .map_err(|why| invalid_input(&why))
    });
    let (store, tag) = match prepared {
        Ok(p) => p,
        Err(e) => return js_sys::Promise::reject(&e),
    };
    future_to_promise(async move {
        let now = super::system_now();
        match crate::conformance::run(&store, &tag, now).await {
            Ok(n) => Ok(JsValue::from_f64(n as f64)),
            Err(f) => {
                let e = coded("conformance_failed", &f);
                set(&e, "check", &JsValue::from_str(f.check));
                Err(e)
            }
        }
    })
}
