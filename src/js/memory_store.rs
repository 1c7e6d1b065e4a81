//! `MemoryStore`: the core's in-memory store ([`crate::memory::MemoryStore`]) with the JS store
//! interface, so a JS `SessionManager`, `runConformance` or the app itself uses it like any
//! other store. No store rule lives here: the core decides, this file converts.
//!
//! Rejections carry the codes the store adapter reads back ([`super::js_store::store_error`]):
//! `version_conflict` (+ `currentVersion`), `session_not_found`, `session_exists`.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::convert::{is_nullish, safe_u64, string_arg, u64_arg, MAX_SAFE_INTEGER};
use super::error::{coded, invalid_input, set};
use super::record::{record_from_js, record_to_js};
use crate::error::StoreError;
use crate::id::{IdHash, ID_HASH_B64_LEN};
use crate::limits::{MAX_SESSIONS_PER_USER, MAX_USER_LEN};
use crate::memory::MemoryStore;
use crate::ratelimit::{BucketState, MAX_BUCKET_KEY_LEN};
use crate::session::SessionRecord;
use crate::store::SessionStore;

/// Sessions in this process's memory (the core's store), with the JS store interface.
#[wasm_bindgen(js_name = MemoryStore)]
#[derive(Default)]
pub struct JsMemoryStore {
    inner: MemoryStore,
}

/// A store error as the JS store interface rejects with it.
fn rejection(e: &StoreError) -> JsValue {
    let out = coded(e.code(), e);
    if let StoreError::Conflict { current_version } = e {
        set(
            &out,
            "currentVersion",
            &JsValue::from_f64(*current_version as f64),
        );
    }
    out
}

fn key_arg(v: &JsValue) -> Result<IdHash, JsValue> {
    let text = string_arg(v, "idHash", ID_HASH_B64_LEN)?;
    IdHash::parse(&text).map_err(|e| invalid_input(&e.to_string()))
}

fn record_arg(v: &JsValue) -> Result<SessionRecord, JsValue> {
    record_from_js(v).map_err(|_| invalid_input("record must be a session record object"))
}

fn limit_arg(v: &JsValue) -> Result<usize, JsValue> {
    if is_nullish(v) {
        return Ok(MAX_SESSIONS_PER_USER);
    }
    let n = safe_u64(v).ok_or_else(|| invalid_input("limit must be a whole number"))?;
    Ok(usize::try_from(n.min(MAX_SAFE_INTEGER)).unwrap_or(usize::MAX))
}

/// Runs `op` over the store and settles a promise with its outcome; argument errors reject it.
/// The memory store never waits, so its futures are ready at the first poll; one that is not
/// (it cannot happen) rejects instead of hanging or panicking.
fn run<T, F, Fut>(args: Result<T, JsValue>, op: F) -> Promise
where
    F: FnOnce(T) -> Fut,
    Fut: Future<Output = Result<JsValue, StoreError>>,
{
    let outcome = args.and_then(|a| {
        let fut = pin!(op(a));
        match fut.poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(r) => r.map_err(|e| rejection(&e)),
            Poll::Pending => Err(coded("internal_error", "the memory store did not finish")),
        }
    });
    match outcome {
        Ok(v) => Promise::resolve(&v),
        Err(e) => Promise::reject(&e),
    }
}

#[wasm_bindgen(js_class = MemoryStore)]
impl JsMemoryStore {
    /// An empty store.
    #[wasm_bindgen(constructor)]
    pub fn new() -> JsMemoryStore {
        JsMemoryStore::default()
    }

    /// Number of records held, live or not yet purged.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The live record under `idHash`, or `null`.
    pub fn get(&self, id_hash: JsValue, now: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = key_arg(&id_hash).and_then(|k| Ok((k, u64_arg(&now, "now")?)));
        run(args, move |(k, now)| async move {
            match s.get(&k, now).await? {
                Some(r) => record_to_js(&r),
                None => Ok(JsValue::NULL),
            }
        })
    }

    /// Stores a new record; rejects with `session_exists` if the key is taken.
    pub fn create(&self, record: JsValue) -> Promise {
        let s = self.inner.clone();
        run(record_arg(&record), move |r| async move {
            s.create(&r).await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Replaces the record if the stored version is `expectedVersion`.
    #[wasm_bindgen(js_name = compareAndSet)]
    pub fn compare_and_set(&self, record: JsValue, expected_version: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = record_arg(&record)
            .and_then(|r| Ok((r, u64_arg(&expected_version, "expectedVersion")?)));
        run(args, move |(r, v)| async move {
            s.compare_and_set(&r, v).await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Moves `lastSeen` / `idleExpiresAt` forward (never back).
    pub fn touch(&self, id_hash: JsValue, last_seen: JsValue, idle_expires_at: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = key_arg(&id_hash).and_then(|k| {
            Ok((
                k,
                u64_arg(&last_seen, "lastSeen")?,
                u64_arg(&idle_expires_at, "idleExpiresAt")?,
            ))
        });
        run(args, move |(k, seen, idle)| async move {
            s.touch(&k, seen, idle).await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Rotation: removes `oldIdHash` (at `expectedVersion`) and stores `record` under its key.
    pub fn replace(
        &self,
        old_id_hash: JsValue,
        expected_version: JsValue,
        record: JsValue,
    ) -> Promise {
        let s = self.inner.clone();
        let args = key_arg(&old_id_hash).and_then(|k| {
            Ok((
                k,
                u64_arg(&expected_version, "expectedVersion")?,
                record_arg(&record)?,
            ))
        });
        run(args, move |(k, v, r)| async move {
            s.replace(&k, v, &r).await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Deletes the record under `idHash`; resolves to whether there was one.
    pub fn delete(&self, id_hash: JsValue) -> Promise {
        let s = self.inner.clone();
        run(key_arg(&id_hash), move |k| async move {
            s.delete(&k).await.map(JsValue::from_bool)
        })
    }

    /// The live records of `user`, oldest first, at most `limit` (default 256).
    #[wasm_bindgen(js_name = listByUser)]
    pub fn list_by_user(&self, user: JsValue, now: JsValue, limit: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = string_arg(&user, "user", MAX_USER_LEN)
            .and_then(|u| Ok((u, u64_arg(&now, "now")?, limit_arg(&limit)?)));
        run(args, move |(u, now, limit)| async move {
            let list = s.list_by_user(&u, now, limit).await?;
            let arr = js_sys::Array::new();
            for r in &list {
                arr.push(&record_to_js(r)?);
            }
            Ok(arr.into())
        })
    }

    /// Deletes every record of `user`; resolves to how many.
    #[wasm_bindgen(js_name = deleteByUser)]
    pub fn delete_by_user(&self, user: JsValue) -> Promise {
        let s = self.inner.clone();
        run(
            string_arg(&user, "user", MAX_USER_LEN),
            move |u| async move {
                s.delete_by_user(&u)
                    .await
                    .map(|n| JsValue::from_f64(n as f64))
            },
        )
    }

    /// Purges records (and rate-limit buckets) expired at `now`; resolves to how many records.
    pub fn expire(&self, now: JsValue) -> Promise {
        let s = self.inner.clone();
        run(u64_arg(&now, "now"), move |now| async move {
            s.expire(now).await.map(|n| JsValue::from_f64(n as f64))
        })
    }

    /// The sign-in rate-limit bucket under `key` (its text, `"<tokens>:<updated>"`), or `null`.
    #[wasm_bindgen(js_name = getBucket)]
    pub fn get_bucket(&self, key: JsValue, now: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = string_arg(&key, "key", MAX_BUCKET_KEY_LEN)
            .and_then(|k| Ok((k, u64_arg(&now, "now")?)));
        run(args, move |(k, now)| async move {
            Ok(match s.get_bucket(&k, now).await? {
                Some(b) => JsValue::from_str(&b.to_text()),
                None => JsValue::NULL,
            })
        })
    }

    /// Keeps the bucket text `state` under `key` until `expiresAt` (unix seconds).
    #[wasm_bindgen(js_name = putBucket)]
    pub fn put_bucket(&self, key: JsValue, state: JsValue, expires_at: JsValue) -> Promise {
        let s = self.inner.clone();
        let args = string_arg(&key, "key", MAX_BUCKET_KEY_LEN).and_then(|k| {
            let text = string_arg(&state, "state", 64)?;
            let b = BucketState::from_text(&text)
                .ok_or_else(|| invalid_input("state must be \"<tokens>:<updated>\""))?;
            Ok((k, b, u64_arg(&expires_at, "expiresAt")?))
        });
        run(args, move |(k, b, at)| async move {
            s.put_bucket(&k, &b, 0, at)
                .await
                .map(|()| JsValue::UNDEFINED)
        })
    }
}
