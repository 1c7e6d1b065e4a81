//! Errors thrown to JavaScript: `Error`s with a stable `code` property.
//!
//! The codes are the core's ([`SessionError::code`], `RingError::code`, ...). A version
//! conflict also carries `currentVersion`; a `rate_limited` sign-in carries `retryAfter`
//! (seconds); an unavailable store carries `reason` (a short
//! code from the store, e.g. `timeout`, `quorum_failed`). Messages never carry tokens,
//! secrets or store internals.

use std::fmt::Display;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::error::{SessionError, StoreError};

/// An `Error` with `message` and a `code` property.
pub fn coded(code: &str, message: impl Display) -> JsValue {
    let e = js_sys::Error::new(&message.to_string());
    set(&e, "code", &JsValue::from_str(code));
    e.into()
}

/// Sets a property, ignoring failures (only frozen objects refuse, and ours are fresh).
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `invalid_input` naming the rule broken (never echoing the input), with the `status` (400)
/// of [`SessionError::InvalidInput`], so the one status table ([`SessionError::http_status`])
/// also answers for bad arguments.
pub fn invalid_input(why: &str) -> JsValue {
    session_error(&SessionError::InvalidInput(why.to_owned().into()))
}

/// An error of the session layer, with its HTTP `status`, `currentVersion` on conflicts and
/// `reason` when the store was unavailable. A store call that missed the manager's
/// `storeTimeout` is code `store_timeout` (status 503, reason `store_timeout`).
pub fn session_error(e: &SessionError) -> JsValue {
    let timed_out = matches!(e, SessionError::Store(StoreError::Unavailable(r)) if r == super::js_store::TIMEOUT_REASON);
    let code = if timed_out { "store_timeout" } else { e.code() };
    let out = if timed_out {
        coded(code, "session store timed out (storeTimeout)")
    } else {
        coded(code, e)
    };
    set(
        &out,
        "status",
        &JsValue::from_f64(f64::from(e.http_status())),
    );
    if let Some(v) = e.current_version() {
        set(&out, "currentVersion", &JsValue::from_f64(v as f64));
    }
    if let Some(s) = e.retry_after() {
        set(&out, "retryAfter", &JsValue::from_f64(s as f64));
    }
    if let SessionError::Store(StoreError::Unavailable(reason)) = e {
        set(&out, "reason", &JsValue::from_str(reason));
    }
    out
}

/// Keeps a store-supplied reason code printable and short: `[a-z0-9_]`, at most 40 bytes.
pub(crate) fn reason_code(raw: &str) -> String {
    let ok = !raw.is_empty()
        && raw.len() <= 40
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        raw.to_owned()
    } else {
        "store_error".to_owned()
    }
}
