//! Session records and views as JavaScript sees them: the core's shapes, converted whole.
//!
//! - What a JS store receives and returns is the core's serialised record
//!   ([`crate::record`]): camelCase, `data` as JSON *text* (the store keeps it opaque), the key
//!   as `idHash`, and the derived `expiresAt` for the store to index and expire by.
//! - What the application sees is the core's camelCase view ([`crate::view::camel`]): `data` is
//!   the parsed object and the key is `id` (the storage hash: public, safe to list and to
//!   pass to `revoke`).

use wasm_bindgen::JsValue;

use super::convert::{parse, stringify, MAX_SAFE_INTEGER};
use super::error::coded;
use crate::error::StoreError;
use crate::session::SessionRecord;
use crate::view::camel::SessionView;

/// Longest JSON text of one record accepted from a store (UTF-16 units).
pub const MAX_RECORD_JSON: usize = 1 << 20;

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt(why.to_owned())
}

/// A record as the plain object a JS store receives.
pub fn record_to_js(r: &SessionRecord) -> Result<JsValue, StoreError> {
    let text = serde_json::to_string(r).map_err(|_| corrupt("serialise"))?;
    js_sys::JSON::parse(&text).map_err(|_| corrupt("serialise"))
}

/// A record from the plain object a JS store returned. Anything else (not JSON, a throwing
/// getter or Proxy, numbers that are not safe integers, which JS would have rounded) is
/// `store_corrupt`.
pub fn record_from_js(v: &JsValue) -> Result<SessionRecord, StoreError> {
    if !v.is_object() {
        return Err(corrupt("record is not an object"));
    }
    let text = stringify(v, MAX_RECORD_JSON).map_err(|_| corrupt("record is not JSON"))?;
    let r: SessionRecord = serde_json::from_str(&text).map_err(|_| corrupt("bad record"))?;
    let times = [
        r.version,
        r.created_at,
        r.last_seen,
        r.idle_expires_at,
        r.absolute_expires_at,
    ];
    if times.iter().any(|n| *n > MAX_SAFE_INTEGER) {
        return Err(corrupt("record numbers must be safe integers"));
    }
    Ok(r)
}

/// The application's view of a record, as serde_json text.
pub fn session_json(r: &SessionRecord) -> Result<String, JsValue> {
    let bad = || coded("store_corrupt", "session store returned a bad record");
    let view = SessionView::of(r).map_err(|_| bad())?;
    serde_json::to_string(&view).map_err(|_| bad())
}

/// The application's view of a record, as a JavaScript object: `{id, user, device, data,
/// version, createdAt, lastSeen, idleExpiresAt, absoluteExpiresAt, expiresAt, shard, epoch}`.
pub fn session_to_js(r: &SessionRecord) -> Result<JsValue, JsValue> {
    parse(&session_json(r)?)
}
