//! The wasm-bindgen surface of `edge-session/lite` (feature `lite`): `Keyring` (verify only)
//! and `Ring` (load and look up), with the full package's names, argument rules and error
//! codes, in a wasm without the session manager, serde, cookies or stores.
//!
//! Every argument arrives as a `JsValue` and is checked for type and length before its bytes
//! are copied; every error is an `Error` with a stable `code` (and `status` for
//! `invalid_input` and `invalid_token`), built by `js/wasm/lite.js`. The messages are fixed
//! texts per code: formatting them would bring `core::fmt` into the wasm.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::keyring::{Keyring, MAX_KEYRING_JSON_LEN};
use crate::locator::{self, Errors, Locator, MAX_KEY_UNITS};
use crate::ring::{push_decimal, push_string, Ring, RingError, MAX_CONFIG_BYTES};
use crate::token::{Claims, MAX_TOKEN_LEN};

/// Longest ring key (user id, session id, ...) accepted, in UTF-16 units (as in the full package).
const MAX_KEY_LEN: usize = MAX_KEY_UNITS;
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

#[wasm_bindgen(module = "/js/wasm/lite.js")]
extern "C" {
    #[wasm_bindgen(js_name = liteWriteKey)]
    fn write_key(memory: &JsValue, value: &JsValue, max: u32, ptr: u32, cap: u32) -> i32;
    #[wasm_bindgen(js_name = liteClaims)]
    fn claims_of(line: &str) -> JsValue;
    #[wasm_bindgen(js_name = liteError)]
    fn error(code: &str, message: &str, status: u32) -> JsValue;
    #[wasm_bindgen(js_name = liteStringify)]
    fn stringify(value: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = liteIsArray)]
    fn is_array(value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = liteParse)]
    fn parse(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = liteArcs)]
    fn arcs_of(text: &str) -> JsValue;
    #[wasm_bindgen(js_name = liteShares)]
    fn shares_of(text: &str) -> JsValue;
}

thread_local! {
    static MEMORY: JsValue = wasm_bindgen::memory();
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 512]);
}

/// Runs `f` over the UTF-8 bytes of `value` if it is a string of at most `max` UTF-16 units;
/// `None` otherwise. One crossing into JavaScript; `f` must not call into JavaScript.
fn with_bytes<R>(value: &JsValue, max: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    MEMORY.with(|memory| {
        SCRATCH.with(|cell| {
            let mut fresh = Vec::new();
            let mut held = cell.try_borrow_mut();
            let buf: &mut Vec<u8> = match held.as_deref_mut() {
                Ok(b) => b,
                Err(_) => &mut fresh,
            };
            for _ in 0..2 {
                let cap = u32::try_from(buf.len()).unwrap_or(u32::MAX);
                let ptr = buf.as_mut_ptr() as usize as u32;
                match write_key(memory, value, max, ptr, cap) {
                    -1 => return None,
                    n if n < -1 => buf.resize(usize::try_from(-(i64::from(n) + 2)).ok()?, 0),
                    n => return buf.get(..usize::try_from(n).ok()?).map(f),
                }
            }
            None
        })
    })
}

/// A string argument of at most `max` UTF-16 units (`liteWriteKey` writes well-formed UTF-8:
/// `TextEncoder` turns lone surrogates into U+FFFD).
fn text_of(value: &JsValue, max: usize) -> Option<String> {
    with_bytes(value, max, |b| {
        std::str::from_utf8(b).ok().map(str::to_owned)
    })
    .flatten()
}

fn invalid_input(why: &str) -> JsValue {
    error("invalid_input", why, 400)
}

/// JSON text of a configuration argument (a string is JSON text; anything else is stringified
/// strictly), at most `max` UTF-16 units, else `code`.
fn json_arg(value: &JsValue, code: &str, max: usize) -> Result<String, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Err(error(code, "the configuration is missing", 0));
    }
    let text = if value.is_string() {
        value.clone()
    } else {
        stringify(value)
    };
    if !text.is_string() {
        return Err(error(code, "the configuration is not JSON-serialisable", 0));
    }
    text_of(&text, max).ok_or_else(|| error(code, "the configuration is too long", 0))
}

/// A whole number in `0..=2^53 - 1`, if `v` is one (`-0` is 0).
fn safe_u64(v: &JsValue) -> Option<u64> {
    let f = v.as_f64()?;
    let ok = f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= MAX_SAFE_INTEGER;
    ok.then_some(f as u64)
}

fn ring_error(e: &RingError) -> JsValue {
    let message = match e {
        RingError::BadConfig(why) | RingError::BadSnapshot(why) => why.as_str(),
        RingError::Empty => "the ring would have no shards",
        RingError::DuplicateShard(_) => "a shard name appears twice",
        RingError::UnknownShard(_) => "no shard has this name",
        RingError::BadName => "a shard name must be 1 to 32 characters of [A-Za-z0-9._-]",
        RingError::BadWeight(_) => "a weight must be 1 to 1000000",
        RingError::ConfigTooLarge => "the configuration is over 1 MiB",
        RingError::EpochMismatch { .. } => "epoch must be the number of steps",
        RingError::UnknownVersion(_) => "version must be 1 or 2",
        _ => "the ring configuration is refused",
    };
    error(e.code(), message, 0)
}

/// The tab-separated claims line of a verified token (no field can hold a tab).
fn claims_line(kid: &str, c: &Claims) -> String {
    let mut out = String::with_capacity(96 + c.payload.len() * 4 / 3);
    for part in [kid, &c.session_id.to_base64url(), &c.shard] {
        out.push_str(part);
        out.push('\t');
    }
    for n in [u64::from(c.epoch), c.issued_at, c.expires_at] {
        push_decimal(&mut out, n.into());
        out.push('\t');
    }
    crate::b64::encode_into(&c.payload, crate::b64::Alphabet::UrlSafe, false, &mut out);
    out
}

/// A set of named HMAC keys that verifies tokens (the lite build does not sign).
#[wasm_bindgen(js_name = Keyring)]
pub struct LiteKeyring {
    inner: Keyring,
}

#[wasm_bindgen(js_class = Keyring)]
impl LiteKeyring {
    /// `new Keyring()` is refused (`invalid_input`): a keyring is built by `Keyring.fromJSON`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<LiteKeyring, JsValue> {
        Err(invalid_input(
            "a Keyring is built by Keyring.fromJSON(keys), not new Keyring()",
        ))
    }

    /// `Keyring.fromJSON(json)`: JSON text or an array `[{kid, secret, state}]` (secrets in
    /// base64, at least 32 bytes; exactly one `primary`).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(json: JsValue) -> Result<LiteKeyring, JsValue> {
        let text = json_arg(&json, "keyring_invalid_json", MAX_KEYRING_JSON_LEN)?;
        let inner = super::keyring_from_json(&text).map_err(|e| {
            let message = match e.code() {
                "keyring_invalid_json" => "keyring is not a JSON array of {kid, secret, state}",
                "keyring_empty" => "keyring has no keys",
                "keyring_too_many_keys" => "keyring has more than 16 keys",
                "keyring_bad_kid" => "a kid must be 1 to 12 characters of [A-Za-z0-9_-]",
                "keyring_duplicate_kid" => "a kid appears twice",
                "keyring_bad_secret_encoding" => "a secret is not valid base64",
                "keyring_key_too_short" => "a secret is shorter than 32 bytes",
                "keyring_key_too_long" => "a secret is longer than 1024 bytes",
                "keyring_no_primary" => "keyring has no primary key",
                _ => "keyring has more than one primary key",
            };
            error(e.code(), message, 0)
        })?;
        Ok(LiteKeyring { inner })
    }

    /// The kid of the signing key.
    #[wasm_bindgen(getter, js_name = primaryKid)]
    pub fn primary_kid(&self) -> String {
        self.inner.primary_kid().to_owned()
    }

    fn check(&self, token: &JsValue, now_seconds: &JsValue) -> Result<Option<JsValue>, JsValue> {
        let now = if now_seconds.is_undefined() || now_seconds.is_null() {
            let secs = (js_sys::Date::now() / 1000.0).floor();
            if secs.is_finite() && secs > 0.0 {
                secs as u64
            } else {
                0
            }
        } else {
            safe_u64(now_seconds)
                .ok_or_else(|| invalid_input("nowSeconds must be a whole number of seconds"))?
        };
        let line = with_bytes(token, MAX_TOKEN_LEN, |t| {
            let t = std::str::from_utf8(t).ok()?;
            let v = self.inner.verify(t, now).ok()?;
            Some(claims_line(&v.kid, &v.claims))
        });
        Ok(line.flatten().map(|l| claims_of(&l)))
    }

    /// Verifies a token at `nowSeconds` (default: now): its claims `{kid, sessionId, shard,
    /// epoch, issuedAt, expiresAt, payload}`, or `invalid_token` (status 401).
    #[wasm_bindgen(unchecked_return_type = "VerifiedClaims")]
    pub fn verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] now_seconds: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.check(&token, &now_seconds)?
            .ok_or_else(|| error("invalid_token", "invalid session token", 401))
    }

    /// Like `verify`, but an invalid token gives `null` instead of an Error.
    #[wasm_bindgen(js_name = tryVerify, unchecked_return_type = "VerifiedClaims | null")]
    pub fn try_verify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] now_seconds: JsValue,
    ) -> Result<JsValue, JsValue> {
        Ok(self.check(&token, &now_seconds)?.unwrap_or(JsValue::NULL))
    }
}

/// A consistent-hash ring loaded from its configuration, for lookups (no changes: those replay
/// in the full package).
#[wasm_bindgen(js_name = Ring)]
pub struct LiteRing {
    inner: Rc<Ring>,
    /// The lookup function behind `locate` (`crate::locator`).
    locator: Locator,
}

/// The JS object of a new `Ring` holding `inner`, its lookup function an own property.
fn object(inner: Ring) -> JsValue {
    let inner = Rc::new(inner);
    let locator = Locator::new(inner.clone(), &LOCATE_ERRORS);
    let function = locator.function();
    locator::install(JsValue::from(LiteRing { inner, locator }), &function)
}

const KEY_RULE: &str = "key must be a string of at most 65536 characters";

/// What `Ring.locate` throws (the full package's codes).
static LOCATE_ERRORS: Errors = Errors {
    bad_key: || invalid_input(KEY_RULE),
    freed: || {
        error(
            "object_freed",
            "the object was freed: free() was called on it",
            0,
        )
    },
    busy: || error("object_busy", "the ring is busy", 0),
};

#[wasm_bindgen(js_class = Ring)]
impl LiteRing {
    /// `new Ring([{name, weight}], version?)`: epoch 1; `version` 1 (default) or 2.
    // It answers the ring's JS object, made here with its lookup function as an own property
    // (so the JS constructor returns that object, and the Rust function is not called `new`).
    #[wasm_bindgen(constructor)]
    pub fn construct(shards: JsValue, version: JsValue) -> Result<JsValue, JsValue> {
        if !is_array(&shards) {
            return Err(error(
                "ring_bad_config",
                "new Ring() takes [{name, weight?}]",
                0,
            ));
        }
        let mut text = String::from("{\"shards\":");
        text.push_str(&json_arg(
            &shards,
            "ring_config_too_large",
            MAX_CONFIG_BYTES,
        )?);
        if !(version.is_undefined() || version.is_null()) {
            let v = safe_u64(&version).ok_or_else(|| {
                invalid_input("version must be a whole number from 0 to 2^53 - 1")
            })?;
            text.push_str(",\"version\":");
            push_decimal(&mut text, v.into());
        }
        text.push('}');
        Ok(object(
            super::ring_from_json(&text).map_err(|e| ring_error(&e))?,
        ))
    }

    /// `Ring.fromJSON(json)`: JSON text or an object: `{epoch, steps}`, `{shards}` or a snapshot.
    #[wasm_bindgen(js_name = fromJSON, unchecked_return_type = "Ring")]
    pub fn from_json(json: JsValue) -> Result<JsValue, JsValue> {
        let text = json_arg(&json, "ring_config_too_large", MAX_CONFIG_BYTES)?;
        Ok(object(
            super::ring_from_json(&text).map_err(|e| ring_error(&e))?,
        ))
    }

    /// Number of steps applied (`init` is epoch 1).
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> u32 {
        self.inner.epoch()
    }

    /// Placement rule: 1 or 2.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> u32 {
        self.inner.version()
    }

    /// Current shards `[{name, weight}]`, in name order.
    #[wasm_bindgen(getter)]
    pub fn shards(&self) -> JsValue {
        let mut out = String::from("[");
        for (i, s) in self.inner.shards().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            push_string(&mut out, &s.name);
            out.push_str(",\"weight\":");
            push_decimal(&mut out, s.weight.into());
            out.push('}');
        }
        out.push(']');
        parse(&out)
    }

    /// `ring.locate(key)`: the shard owning `key` (a string of at most 65536 UTF-16 units,
    /// hashed as UTF-8). A read-only property holding this ring's lookup function, bound to
    /// the ring (`object_freed` once it is freed); see `crate::locator`. Every `Ring` object
    /// also holds it as an own property, so reading `ring.locate` does not cross into wasm.
    #[wasm_bindgen(getter, unchecked_return_type = "(key: string) => string")]
    pub fn locate(&self) -> JsValue {
        self.locator.function()
    }

    /// The key's point in the hash space, `xxh3_64(key)`, as a decimal string.
    pub fn position(&self, key: JsValue) -> Result<String, JsValue> {
        position(key)
    }

    /// Exact shares `[{name, weight, fraction, owned}]` (`owned`: decimal string over 2^64).
    pub fn shares(&self) -> JsValue {
        let mut out = String::from("[");
        for (i, s) in self.inner.shares().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            push_string(&mut out, &s.name);
            out.push_str(",\"weight\":");
            push_decimal(&mut out, s.weight.into());
            out.push_str(",\"owned\":\"");
            push_decimal(&mut out, s.owned);
            out.push_str("\"}");
        }
        out.push(']');
        shares_of(&out)
    }

    /// The layout `[{shard, start, len, startFraction, lenFraction}]` in ascending position
    /// (`start`, `len`: decimal strings).
    pub fn arcs(&self) -> JsValue {
        let mut out = String::from("[");
        for (i, a) in self.inner.arcs().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"shard\":");
            push_string(&mut out, &a.shard);
            out.push_str(",\"start\":\"");
            push_decimal(&mut out, a.start.into());
            out.push_str("\",\"len\":\"");
            push_decimal(&mut out, a.len);
            out.push_str("\"}");
        }
        out.push(']');
        arcs_of(&out)
    }
}

/// A key's point in the hash space, `xxh3_64(key)` as a decimal string: the same on every ring,
/// so a page can place a key on arcs it already has without loading a ring.
#[wasm_bindgen]
pub fn position(key: JsValue) -> Result<String, JsValue> {
    let pos =
        with_bytes(&key, MAX_KEY_LEN, Ring::position).ok_or_else(|| invalid_input(KEY_RULE))?;
    let mut out = String::new();
    push_decimal(&mut out, pos.into());
    Ok(out)
}

/// The package version (the crate version it was built from).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
