//! A [`SessionStore`] over Workers KV (`STORE = "kv"`). KV has no compute, so the manager's
//! shard operations run in the worker over this store ([`crate::shard::execute`]), with the
//! same core decisions ([`crate::store::decide`]) as every other backend.
//!
//! Layout: the record JSON under `s:<id_hash>`; a user index entry `u:<base64url(user)>:<id_hash>`
//! (empty value) for listing by prefix. Both carry a KV `expiration` at the record's expiry, or
//! 90 s from now if that is later (KV refuses less than 60 s; the margin absorbs delay under load); reads filter expired records anyway, so
//! `expire` has nothing to do (KV purges natively). Sign-in rate-limit buckets live under
//! `b:<base64url(bucket key)>`: read-modify-write too, so concurrent sign-ins may each take the
//! same token, and each KV location counts on its own until writes propagate.
//!
//! **Not atomic.** KV has no transactions: compare-and-set, touch and replace are
//! read-compare-write, so two writers at once can both succeed (a lost update), and KV is
//! eventually consistent across locations (a write or delete can take ~60 s to be seen
//! elsewhere, so revocation may lag). Use the Durable Object store when lost-update protection
//! or instant revocation matter. Touch throttling (`policy.touch_interval`, default 60 s)
//! keeps writes to one key far below KV's one write per second per key.

use worker::kv::KvStore;
use worker::Date;

use crate::error::StoreError;
use crate::id::IdHash;
use crate::ratelimit::BucketState;
use crate::session::SessionRecord;
use crate::store::{decide, Listed, SessionStore, ShardRouter, StoreResult};

/// KV refuses an `expiration` less than 60 s ahead *when the write reaches it*; a floor of
/// exactly 60 races the clock under load (a put computed at second t and received at t+1 is
/// refused). Reads filter expired records, so keeping a short-lived record longer is harmless.
const KV_MIN_TTL: u64 = 90;
/// Index entries listed per user (KV lists at most 1000 keys per call).
const LIST_LIMIT: u64 = 1000;

/// The session store over one KV namespace. Unsharded: every shard name maps to it.
#[derive(Clone)]
pub struct KvSessionStore {
    kv: KvStore,
    /// Key prefix isolating this store's keys (empty in production; tests use their own).
    prefix: String,
}

fn kv_err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("kv {what}: {e}"))
}

impl KvSessionStore {
    /// A store over `kv`, its keys prefixed with `prefix`.
    pub fn new(kv: KvStore, prefix: impl Into<String>) -> KvSessionStore {
        KvSessionStore {
            kv,
            prefix: prefix.into(),
        }
    }

    /// The same namespace with another key prefix (an isolated store, for tests).
    #[cfg(feature = "conformance")]
    pub fn with_prefix(&self, prefix: impl Into<String>) -> KvSessionStore {
        KvSessionStore::new(self.kv.clone(), prefix)
    }

    fn record_key(&self, key: &IdHash) -> String {
        format!("{}s:{key}", self.prefix)
    }

    fn user_prefix(&self, user: &str) -> String {
        format!(
            "{}u:{}:",
            self.prefix,
            crate::b64::url_encode(user.as_bytes())
        )
    }

    fn index_key(&self, user: &str, key: &IdHash) -> String {
        format!("{}{key}", self.user_prefix(user))
    }

    /// The stored record under `key`, expired or not.
    /// The KV key of a sign-in rate-limit bucket.
    fn bucket_key(&self, key: &str) -> String {
        format!(
            "{}b:{}",
            self.prefix,
            crate::b64::url_encode(key.as_bytes())
        )
    }

    async fn load(&self, key: &IdHash) -> Result<Option<SessionRecord>, StoreError> {
        let text = self
            .kv
            .get(&self.record_key(key))
            .text()
            .await
            .map_err(|e| kv_err("get", e))?;
        let Some(text) = text else { return Ok(None) };
        let r: SessionRecord = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("kv record: {e}")))?;
        if &r.id_hash != key {
            return Err(StoreError::Corrupt("kv record under a foreign key".into()));
        }
        Ok(Some(r))
    }

    /// Writes the record and its index entry, both expiring with the record.
    async fn put(&self, r: &SessionRecord) -> Result<(), StoreError> {
        let now = Date::now().as_millis() / 1000;
        let expiration = r.expires_at().max(now + KV_MIN_TTL);
        let json = serde_json::to_string(r).map_err(|e| kv_err("encode", e))?;
        self.kv
            .put(&self.record_key(&r.id_hash), json)
            .map_err(|e| kv_err("put", e))?
            .expiration(expiration)
            .execute()
            .await
            .map_err(|e| kv_err("put", e))?;
        self.kv
            .put(&self.index_key(&r.user, &r.id_hash), String::new())
            .map_err(|e| kv_err("put index", e))?
            .expiration(expiration)
            .execute()
            .await
            .map_err(|e| kv_err("put index", e))
    }

    /// Deletes the record and its index entry.
    async fn remove(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.kv
            .delete(&self.record_key(&r.id_hash))
            .await
            .map_err(|e| kv_err("delete", e))?;
        self.kv
            .delete(&self.index_key(&r.user, &r.id_hash))
            .await
            .map_err(|e| kv_err("delete index", e))
    }

    /// The id hashes listed under `user`'s index.
    async fn index(&self, user: &str) -> Result<Vec<IdHash>, StoreError> {
        let prefix = self.user_prefix(user);
        let list = self
            .kv
            .list()
            .prefix(prefix.clone())
            .limit(LIST_LIMIT)
            .execute()
            .await
            .map_err(|e| kv_err("list", e))?;
        Ok(list
            .keys
            .iter()
            .filter_map(|k| k.name.strip_prefix(&prefix))
            .filter_map(|h| IdHash::parse(h).ok())
            .collect())
    }
}

impl SessionStore for KvSessionStore {
    async fn get(&self, key: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        Ok(decide::visible(self.load(key).await?, now))
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        decide::create(self.load(&record.id_hash).await?.as_ref())?;
        self.put(record).await
    }

    async fn compare_and_set(&self, record: &SessionRecord, expected_version: u64) -> StoreResult {
        let current = self.load(&record.id_hash).await?;
        decide::compare_and_set(current.as_ref(), expected_version)?;
        self.put(record).await
    }

    async fn touch(&self, key: &IdHash, last_seen: u64, idle_expires_at: u64) -> StoreResult {
        let current = self.load(key).await?;
        let next = decide::touch(current.as_ref(), last_seen, idle_expires_at)?;
        self.put(&next).await
    }

    async fn replace(&self, old: &IdHash, expected: u64, record: &SessionRecord) -> StoreResult {
        let current = self.load(old).await?;
        let taken = old != &record.id_hash && self.load(&record.id_hash).await?.is_some();
        decide::replace(current.as_ref(), expected, old, record, taken)?;
        // New first, then old: a crash in between leaves two sessions, never none.
        self.put(record).await?;
        if let Some(current) = current.filter(|c| c.id_hash != record.id_hash) {
            self.remove(&current).await?;
        }
        Ok(())
    }

    async fn delete(&self, key: &IdHash) -> Result<bool, StoreError> {
        match self.load(key).await? {
            Some(r) => {
                self.remove(&r).await?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn list_by_user(&self, user: &str, now: u64, limit: usize) -> Listed {
        let mut found = Vec::new();
        for key in self.index(user).await? {
            if let Some(r) = self.load(&key).await? {
                found.push(r);
            }
        }
        Ok(decide::list(found, user, now, limit))
    }

    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError> {
        let mut n = 0;
        for key in self.index(user).await? {
            match self.load(&key).await? {
                Some(r) if r.user == user => {
                    self.remove(&r).await?;
                    n += 1;
                }
                _ => {
                    let _ = self.kv.delete(&self.index_key(user, &key)).await;
                }
            }
        }
        Ok(n)
    }

    async fn expire(&self, _now: u64) -> Result<u64, StoreError> {
        // KV purges by `expiration`; reads already hide expired records.
        Ok(0)
    }

    async fn get_bucket(&self, key: &str, _now: u64) -> Result<Option<BucketState>, StoreError> {
        // A bucket kept past its expiry is still right: refilling makes it full.
        let text = self
            .kv
            .get(&self.bucket_key(key))
            .text()
            .await
            .map_err(|e| kv_err("get bucket", e))?;
        text.map(|t| {
            BucketState::from_text(&t).ok_or_else(|| StoreError::Corrupt("kv bucket".into()))
        })
        .transpose()
    }

    async fn put_bucket(
        &self,
        key: &str,
        state: &BucketState,
        _now: u64,
        expires_at: u64,
    ) -> StoreResult {
        let now = Date::now().as_millis() / 1000;
        self.kv
            .put(&self.bucket_key(key), state.to_text())
            .map_err(|e| kv_err("put bucket", e))?
            .expiration(expires_at.max(now + KV_MIN_TTL))
            .execute()
            .await
            .map_err(|e| kv_err("put bucket", e))
    }
}

impl ShardRouter for KvSessionStore {
    type Shard = KvSessionStore;
    fn shard(&self, _shard: &str) -> Result<KvSessionStore, StoreError> {
        Ok(self.clone())
    }
}
