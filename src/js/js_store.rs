//! [`SessionStore`] over a JavaScript store object, and [`ShardRouter`] over a store or a
//! `shard => store` function.
//!
//! Store methods may return values or promises. A rejection (or throw) is read by its `code`:
//! `version_conflict` (+ `currentVersion`), `session_not_found`/`not_found`,
//! `session_exists`/`already_exists`, `store_corrupt`; anything else is
//! [`StoreError::Unavailable`] with the error's `reason` (or its code) as the reason.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::convert::{bounded_string, is_nullish, prop, safe_u64};
use super::error::reason_code;
use super::record::{record_from_js, record_to_js};
use crate::error::StoreError;
use crate::id::IdHash;
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

/// Why `v` is not a store, if it is not one.
pub fn check_store(v: &JsValue) -> Result<(), String> {
    if !v.is_object() {
        return Err("a store must be an object".into());
    }
    for m in METHODS {
        if !prop(v, m).is_function() {
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
}

impl JsStore {
    /// Wraps a JS store object after checking it has every method.
    pub fn new(obj: JsValue) -> Result<JsStore, String> {
        check_store(&obj)?;
        Ok(JsStore { obj })
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> Result<JsValue, StoreError> {
        let f: Function = prop(&self.obj, method)
            .dyn_into()
            .map_err(|_| StoreError::Unavailable("store_invalid".into()))?;
        let args: Array = args.iter().collect();
        let ret = f.apply(&self.obj, &args).map_err(|e| store_error(&e))?;
        JsFuture::from(Promise::resolve(&ret))
            .await
            .map_err(|e| store_error(&e))
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
        let arr: Array = v.dyn_into().map_err(|_| corrupt("expected an array"))?;
        let mut found = Vec::new();
        for item in arr.iter().take(limit) {
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
}

/// Where a manager's stores come from: one store for every shard, or a `shard => store`
/// function.
#[derive(Clone, Debug)]
pub enum JsRouter {
    /// One store for every shard.
    One(JsStore),
    /// A function from shard name to store.
    Func(Function),
}

impl ShardRouter for JsRouter {
    type Shard = JsStore;

    fn shard(&self, shard: &str) -> Result<JsStore, StoreError> {
        match self {
            JsRouter::One(s) => Ok(s.clone()),
            JsRouter::Func(f) => {
                let v = f
                    .call1(&JsValue::NULL, &JsValue::from_str(shard))
                    .map_err(|e| store_error(&e))?;
                JsStore::new(v).map_err(|_| StoreError::Unavailable("store_invalid".into()))
            }
        }
    }
}
