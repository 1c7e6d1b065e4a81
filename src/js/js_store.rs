//! [`SessionStore`] over a JavaScript store object, and [`ShardRouter`] over a store or a
//! `shard => store` function.
//!
//! Store methods may return values or promises. A rejection (or throw) is read by its `code`:
//! `version_conflict` (+ `currentVersion`), `session_not_found`/`not_found`,
//! `session_exists`/`already_exists`, `store_corrupt`; anything else is
//! [`StoreError::Unavailable`] with the error's `reason` (or its code) as the reason.
//!
//! Every answer is checked before it is used (a function, a Symbol, a cycle, a Proxy whose
//! traps throw, a `toJSON` that answers `undefined`: `store_corrupt`), and every call has a
//! deadline: a promise that has not settled after the manager's `storeTimeout` fails the call
//! with `store_timeout` (the store's work is not cancelled; it may still finish later).

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::convert::{bounded_string, is_array, is_nullish, prop, safe_u64, try_prop};
use super::error::reason_code;
use super::record::{record_from_js, record_to_js};
use crate::error::StoreError;
use crate::id::IdHash;
use crate::ratelimit::BucketState;
use crate::session::SessionRecord;
use crate::store::{decide, Listed, SessionStore, ShardRouter, StoreResult};

/// The methods every JS store has.
pub const METHODS: [&str; 9] = [
    "get",
    "create",
    "compareAndSet",
    "touch",
    "replace",
    "delete",
    "listByUser",
    "deleteByUser",
    "expire",
];

/// The optional methods of a store that keeps sign-in rate-limit buckets.
pub const BUCKET_METHODS: [&str; 2] = ["getBucket", "putBucket"];

/// The reason code of a store call that missed its deadline (the JS error's code is
/// `store_timeout`, see [`super::error::session_error`]).
pub const TIMEOUT_REASON: &str = "store_timeout";
/// Default deadline of one store call, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Longest deadline accepted, in milliseconds (10 minutes).
pub const MAX_TIMEOUT_MS: u32 = 600_000;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(f: &JsValue, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
}

/// Why `v` is not a store, if it is not one.
pub fn check_store(v: &JsValue) -> Result<(), String> {
    if !v.is_object() {
        return Err("a store must be an object".into());
    }
    for m in METHODS {
        if !try_prop(v, m)
            .map_err(|_| format!("reading the store's {m} threw"))?
            .is_function()
        {
            return Err(format!("the store has no method {m}()"));
        }
    }
    Ok(())
}

/// Maps a JS rejection to a store error.
pub fn store_error(e: &JsValue) -> StoreError {
    let code = bounded_string(&prop(e, "code"), 64).unwrap_or_default();
    match code.as_str() {
        "version_conflict" => StoreError::Conflict {
            current_version: safe_u64(&prop(e, "currentVersion")).unwrap_or(0),
        },
        "session_not_found" | "not_found" => StoreError::NotFound,
        "session_exists" | "already_exists" => StoreError::AlreadyExists,
        "store_corrupt" => StoreError::Corrupt("store_corrupt".into()),
        "store_unavailable" => {
            let reason = bounded_string(&prop(e, "reason"), 64).unwrap_or_default();
            StoreError::Unavailable(reason_code(&reason))
        }
        other => StoreError::Unavailable(reason_code(other)),
    }
}

fn corrupt(why: &str) -> StoreError {
    StoreError::Corrupt(why.to_owned())
}

fn count(v: &JsValue) -> Result<u64, StoreError> {
    if is_nullish(v) {
        return Ok(0);
    }
    safe_u64(v).ok_or_else(|| corrupt("expected a count"))
}

/// A JS object implementing the store interface.
#[derive(Clone, Debug)]
pub struct JsStore {
    obj: JsValue,
    timeout_ms: u32,
}

/// The marker a timed-out call rejects with (told apart from a store's own rejection by
/// identity, so no store error can pass for a timeout).
fn timeout_marker() -> JsValue {
    thread_local!(static MARKER: JsValue = js_sys::Object::new().into());
    MARKER.with(JsValue::clone)
}

impl JsStore {
    /// Wraps a JS store object after checking it has every method; each call may take at most
    /// `timeout_ms` milliseconds.
    pub fn new(obj: JsValue, timeout_ms: u32) -> Result<JsStore, String> {
        check_store(&obj)?;
        Ok(JsStore { obj, timeout_ms })
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> Result<JsValue, StoreError> {
        let f: Function = prop(&self.obj, method)
            .dyn_into()
            .map_err(|_| StoreError::Unavailable("store_invalid".into()))?;
        let args: Array = args.iter().collect();
        let ret = f.apply(&self.obj, &args).map_err(|e| store_error(&e))?;
        // A plain value needs no deadline; a thenable races a timer.
        if !ret.is_object() && !ret.is_function() {
            return Ok(ret);
        }
        let mut timer = Ok(JsValue::UNDEFINED);
        let ms = f64::from(self.timeout_ms);
        let deadline = Promise::new(&mut |_resolve, reject| {
            let marker = timeout_marker();
            timer = set_timeout(reject.bind1(&JsValue::NULL, &marker).as_ref(), ms);
        });
        if timer.is_err() {
            return Err(StoreError::Unavailable("store_invalid".into()));
        }
        let race = Promise::race(&Array::of2(&Promise::resolve(&ret), &deadline));
        let out = JsFuture::from(race).await;
        if let Ok(handle) = &timer {
            let _ = clear_timeout(handle);
        }
        out.map_err(|e| {
            if e == timeout_marker() {
                StoreError::Unavailable(TIMEOUT_REASON.into())
            } else {
                store_error(&e)
            }
        })
    }
}

fn key(k: &IdHash) -> JsValue {
    JsValue::from_str(&k.to_base64url())
}

fn num(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

impl SessionStore for JsStore {
    async fn get(&self, k: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        let v = self.call("get", &[key(k), num(now)]).await?;
        if is_nullish(&v) {
            return Ok(None);
        }
        let r = record_from_js(&v)?;
        if &r.id_hash != k {
            return Err(corrupt("record under the wrong key"));
        }
        Ok(Some(r))
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        self.call("create", &[record_to_js(record)?]).await?;
        Ok(())
    }

    async fn compare_and_set(&self, record: &SessionRecord, expected: u64) -> StoreResult {
        self.call("compareAndSet", &[record_to_js(record)?, num(expected)])
            .await?;
        Ok(())
    }

    async fn touch(&self, k: &IdHash, last_seen: u64, idle: u64) -> StoreResult {
        self.call("touch", &[key(k), num(last_seen), num(idle)])
            .await?;
        Ok(())
    }

    async fn replace(&self, old: &IdHash, expected: u64, record: &SessionRecord) -> StoreResult {
        self.call("replace", &[key(old), num(expected), record_to_js(record)?])
            .await?;
        Ok(())
    }

    async fn delete(&self, k: &IdHash) -> Result<bool, StoreError> {
        Ok(self.call("delete", &[key(k)]).await?.is_truthy())
    }

    async fn list_by_user(&self, user: &str, now: u64, limit: usize) -> Listed {
        let v = self
            .call(
                "listByUser",
                &[JsValue::from_str(user), num(now), num(limit as u64)],
            )
            .await?;
        if !is_array(&v) {
            return Err(corrupt("expected an array"));
        }
        let len = try_prop(&v, "length")
            .ok()
            .and_then(|n| safe_u64(&n))
            .ok_or_else(|| corrupt("expected an array"))?;
        let mut found = Vec::new();
        for i in 0..len.min(limit as u64) {
            let i = u32::try_from(i).map_err(|_| corrupt("expected an array"))?;
            let item = Reflect::get_u32(&v, i).map_err(|_| corrupt("reading the list threw"))?;
            found.push(record_from_js(&item)?);
        }
        Ok(decide::list(found, user, now, limit))
    }

    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError> {
        count(
            &self
                .call("deleteByUser", &[JsValue::from_str(user)])
                .await?,
        )
    }

    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        count(&self.call("expire", &[num(now)]).await?)
    }

    /// `getBucket(key, now)`: the bucket's text (`"<tokens>:<updated>"`) or null. A store
    /// without `getBucket` and `putBucket` keeps no buckets: its sign-ins are not rate limited.
    async fn get_bucket(&self, key: &str, now: u64) -> Result<Option<BucketState>, StoreError> {
        if !self.has_buckets() {
            return Ok(None);
        }
        let v = self
            .call("getBucket", &[JsValue::from_str(key), num(now)])
            .await?;
        if is_nullish(&v) {
            return Ok(None);
        }
        bounded_string(&v, 64)
            .and_then(|t| BucketState::from_text(&t))
            .map(Some)
            .ok_or_else(|| corrupt("expected a bucket"))
    }

    /// `putBucket(key, text, expiresAt, now)`: keep `text` under `key` until `expiresAt` (unix
    /// s; `now` is the manager's clock, for stores that set a relative TTL).
    async fn put_bucket(
        &self,
        key: &str,
        state: &BucketState,
        now: u64,
        expires_at: u64,
    ) -> StoreResult {
        if !self.has_buckets() {
            return Ok(());
        }
        let args = [
            JsValue::from_str(key),
            JsValue::from_str(&state.to_text()),
            num(expires_at),
            num(now),
        ];
        self.call("putBucket", &args).await?;
        Ok(())
    }
}

impl JsStore {
    /// Whether the store keeps rate-limit buckets (has both bucket methods).
    fn has_buckets(&self) -> bool {
        BUCKET_METHODS
            .iter()
            .all(|m| try_prop(&self.obj, m).is_ok_and(|f| f.is_function()))
    }
}

/// Where a manager's stores come from: one store for every shard, or a `shard => store`
/// function.
#[derive(Clone, Debug)]
pub enum JsRouter {
    /// One store for every shard.
    One(JsStore),
    /// A function from shard name to store, and the deadline of each call (ms).
    Func(Function, u32),
}

impl ShardRouter for JsRouter {
    type Shard = JsStore;

    fn shard(&self, shard: &str) -> Result<JsStore, StoreError> {
        match self {
            JsRouter::One(s) => Ok(s.clone()),
            JsRouter::Func(f, timeout_ms) => {
                let v = f
                    .call1(&JsValue::NULL, &JsValue::from_str(shard))
                    .map_err(|e| store_error(&e))?;
                JsStore::new(v, *timeout_ms)
                    .map_err(|_| StoreError::Unavailable("store_invalid".into()))
            }
        }
    }
}
