//! Checked conversions of JavaScript arguments (type and length first, then the copy into
//! wasm memory) and of results back to plain JavaScript values.

use js_sys::{JsString, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use super::error::{coded, invalid_input};

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// Longest ring key (user id, session id, ...) accepted, in UTF-16 units.
pub const MAX_KEY_LEN: usize = 64 * 1024;

/// The string in `v`, if it is one of at most `max` UTF-16 units.
pub fn bounded_string(v: &JsValue, max: usize) -> Option<String> {
    let s = v.dyn_ref::<JsString>()?;
    if s.length() as usize > max {
        return None;
    }
    s.as_string()
}

/// A string argument, or `invalid_input` ("`what` must be a string of at most `max` characters").
pub fn string_arg(v: &JsValue, what: &str, max: usize) -> Result<String, JsValue> {
    bounded_string(v, max).ok_or_else(|| {
        invalid_input(&format!(
            "{what} must be a string of at most {max} characters"
        ))
    })
}

/// A whole number in `0..=MAX_SAFE_INTEGER`, if `v` is one.
pub fn safe_u64(v: &JsValue) -> Option<u64> {
    safe_u64_of(v.as_f64()?)
}

/// `f` as a whole number in `0..=MAX_SAFE_INTEGER`, if it is one.
pub fn safe_u64_of(f: f64) -> Option<u64> {
    let ok = f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= MAX_SAFE_INTEGER as f64;
    ok.then_some(f as u64)
}

/// A whole-number argument, or `invalid_input`.
pub fn u64_arg(v: &JsValue, what: &str) -> Result<u64, JsValue> {
    safe_u64(v)
        .ok_or_else(|| invalid_input(&format!("{what} must be a whole number from 0 to 2^53 - 1")))
}

/// `JSON.stringify(v)` if it is at most `max` UTF-16 units; `Err(None)` when `v` is not
/// JSON-serialisable (BigInt, cycles, functions, `undefined`), `Err(Some(len))` when too long.
pub fn stringify(v: &JsValue, max: usize) -> Result<String, Option<usize>> {
    let text = JSON::stringify(v).map_err(|_| None)?;
    let len = text.length() as usize;
    if len > max {
        return Err(Some(len));
    }
    text.as_string().ok_or(None)
}

/// JSON text of a configuration argument: a string is taken as JSON text, anything else is
/// stringified. Failures are `code` errors naming `what`.
pub fn json_arg(v: &JsValue, what: &str, code: &str, max: usize) -> Result<String, JsValue> {
    if v.is_string() {
        return bounded_string(v, max)
            .ok_or_else(|| coded(code, format_args!("{what} is longer than {max} characters")));
    }
    if v.is_undefined() || v.is_null() {
        return Err(coded(code, format_args!("{what} is missing")));
    }
    stringify(v, max).map_err(|e| match e {
        Some(_) => coded(code, format_args!("{what} is longer than {max} characters")),
        None => coded(code, format_args!("{what} is not JSON-serialisable")),
    })
}

/// Parses JSON text produced by this crate into a JavaScript value.
pub fn parse(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text).map_err(|_| coded("internal_error", "could not build a JavaScript value"))
}

/// Serialises `value` with serde_json and parses it into a JavaScript value.
pub fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|_| coded("internal_error", "could not serialise a value"))?;
    parse(&text)
}

/// Property `key` of `obj` (`undefined` when absent or when `obj` is not an object).
pub fn prop(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Whether `v` is `undefined` or `null`.
pub fn is_nullish(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}
