//! The wasm-bindgen surface of the npm package `edge-session` (feature `js`), and of its
//! conformance-suite wasm (feature `js-suite`: [`conformance`] over [`js_store`] only).
//!
//! Thin by design: every function here checks and converts JavaScript values, calls the
//! core, and converts the result or the error back. No lifecycle rule lives here.
//!
//! - Errors reaching JavaScript are `Error`s with a stable `code` (the core's codes; see
//!   [`error`]), never wasm traps: every argument arrives as a `JsValue` and is checked for
//!   type and length before its bytes are copied into wasm memory ([`convert`]).
//! - Values cross as plain objects built from JSON text (`JSON.parse`/`JSON.stringify`), which
//!   keeps the binary small: `serde_json` is already in the core.
//! - Time is `Date.now() / 1000` unless a `now` option says otherwise; ids come from
//!   `getrandom` (WebCrypto).

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod convert;
#[cfg(feature = "js")]
pub mod cookie;
pub mod error;
#[cfg(feature = "js")]
pub mod gateway;
#[cfg(feature = "js")]
pub mod hot_paths;
pub mod js_store;
#[cfg(feature = "js")]
pub mod keyring;
#[cfg(feature = "js")]
pub mod manager;
#[cfg(feature = "js")]
pub mod memory_store;
pub mod record;
#[cfg(feature = "js")]
pub mod ring;
#[cfg(feature = "js")]
pub mod seal;

#[cfg(feature = "js")]
use wasm_bindgen::prelude::*;

/// The package version (the crate version it was built from).
#[cfg(feature = "js")]
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Unix seconds from the JavaScript clock.
pub(crate) fn system_now() -> u64 {
    let secs = (js_sys::Date::now() / 1000.0).floor();
    if secs.is_finite() && secs > 0.0 {
        secs as u64
    } else {
        0
    }
}
