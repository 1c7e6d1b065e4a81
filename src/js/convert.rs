//! Checked conversions of JavaScript arguments (type and length first, then the copy into
//! wasm memory) and of results back to plain JavaScript values.
//!
//! No JavaScript exception may unwind through wasm: it would skip the destructors of the call
//! (leaving the object borrowed for good: "recursive use of an object detected") or, inside a
//! promise callback, end the process. So every call into JavaScript that can throw (a getter,
//! a Proxy trap, `toJSON`, `JSON.stringify` of a cycle or a BigInt, `Array.isArray` of a
//! revoked Proxy) goes through a `catch` binding here, and every result is type-checked
//! before a method is called on it.

use js_sys::{JsString, Reflect, JSON};
use serde::{de::Error as _, Deserialize, Deserializer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{coded, invalid_input};

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// Longest ring key (user id, session id, ...) accepted, in UTF-16 units.
pub const MAX_KEY_LEN: usize = 64 * 1024;

#[wasm_bindgen]
extern "C" {
    /// `Array.isArray(v)`, which throws for a revoked Proxy.
    #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
    fn is_array_checked(v: &JsValue) -> Result<bool, JsValue>;
    /// `JSON.stringify(v, replacer)` as a plain value: `undefined` when `v` (or its `toJSON`)
    /// is not JSON; throws for cycles, BigInts, throwing getters and what `replacer` refuses.
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn stringify_raw(v: &JsValue, replacer: &JsValue) -> Result<JsValue, JsValue>;
}

type Replacer = Closure<dyn Fn(JsValue, JsValue) -> Result<JsValue, JsValue>>;

thread_local! {
    /// The replacer of [`stringify`]: refuses what `JSON.stringify` would otherwise drop or
    /// change without a word (a function or a Symbol, which would drop the field and let a
    /// default stand in; NaN and ±Infinity, which would become `null`).
    static STRICT: Replacer = Closure::new(|_key: JsValue, v: JsValue| {
        let finite = v.as_f64().is_none_or(f64::is_finite);
        if v.is_function() || v.is_symbol() || !finite {
            return Err(JsValue::from_str("not JSON"));
        }
        Ok(v)
    });
}

/// Whether `v` is an array (`false` for a revoked Proxy, whose check throws).
pub fn is_array(v: &JsValue) -> bool {
    is_array_checked(v).unwrap_or(false)
}

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

/// A whole number in `0..=MAX_SAFE_INTEGER`, if `v` is one (`-0` is 0; NaN, ±Infinity,
/// fractions, negatives, BigInts and non-numbers are not).
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

/// Serde field helper: a whole number of at most `MAX_SAFE_INTEGER`. JSON text made by
/// `JSON.stringify` writes NaN and ±Infinity as `null` and large numbers rounded: both are
/// refused here instead of becoming a default or a rounded value.
pub fn de_safe_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = u64::deserialize(d)?;
    if n > MAX_SAFE_INTEGER {
        return Err(D::Error::custom("not a safe integer"));
    }
    Ok(n)
}

/// Like [`de_safe_u64`] for an optional field: absent is `None`, `null` is refused.
pub fn de_opt_safe_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    de_safe_u64(d).map(Some)
}

/// `JSON.stringify(v)` if it is at most `max` UTF-16 units; `Err(None)` when `v` is not
/// JSON-serialisable (BigInt, cycles, functions, Symbols, NaN, ±Infinity, `undefined`, a
/// `toJSON` that answers `undefined`, a getter or Proxy trap that throws), anywhere inside it;
/// `Err(Some(len))` when too long. A field whose value is `undefined` is absent, as in JSON.
pub fn stringify(v: &JsValue, max: usize) -> Result<String, Option<usize>> {
    let text = STRICT
        .with(|r| stringify_raw(v, r.as_ref()))
        .map_err(|_| None)?;
    let text = text.dyn_ref::<JsString>().ok_or(None)?;
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

/// Property `key` of `obj`: `undefined` when absent or when `obj` is not an object, `Err` with
/// the thrown value when reading it throws (a getter or a Proxy trap).
pub fn try_prop(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if !obj.is_object() && !obj.is_function() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(obj, &JsValue::from_str(key))
}

/// Property `key` of `obj` as an argument: a read that throws is `invalid_input` naming it.
pub fn prop_arg(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    try_prop(obj, key).map_err(|_| invalid_input(&format!("reading {key} threw")))
}

/// Property `key` of `obj` (`undefined` when absent, not an object, or when reading it throws).
pub fn prop(obj: &JsValue, key: &str) -> JsValue {
    try_prop(obj, key).unwrap_or(JsValue::UNDEFINED)
}

/// Whether `v` is `undefined` or `null`.
pub fn is_nullish(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}
