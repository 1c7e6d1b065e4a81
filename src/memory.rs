//! An in-memory [`SessionStore`]: for tests, single-process apps and as the reference backend
//! of the conformance suite. Cloning shares the same data.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::error::StoreError;
use crate::id::IdHash;
use crate::ratelimit::BucketState;
use crate::session::SessionRecord;
use crate::store::{decide, Listed, SessionStore, ShardRouter, StoreResult};

/// In-memory store (single-threaded, like the wasm runtimes it serves).
#[derive(Clone, Default, Debug)]
pub struct MemoryStore {
    records: Rc<RefCell<BTreeMap<IdHash, SessionRecord>>>,
    /// Sign-in rate-limit buckets: key -> (state, forget at).
    buckets: Rc<RefCell<BTreeMap<String, (BucketState, u64)>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of records held, live or not yet purged.
    pub fn len(&self) -> usize {
        self.records.borrow().len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemoryStore {
    async fn get(&self, key: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        Ok(decide::visible(
            self.records.borrow().get(key).cloned(),
            now,
        ))
    }

    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError> {
        let mut map = self.records.borrow_mut();
        decide::create(map.get(&record.id_hash))?;
        map.insert(record.id_hash.clone(), record.clone());
        Ok(())
    }

    async fn compare_and_set(&self, record: &SessionRecord, expected_version: u64) -> StoreResult {
        let mut map = self.records.borrow_mut();
        decide::compare_and_set(map.get(&record.id_hash), expected_version)?;
        map.insert(record.id_hash.clone(), record.clone());
        Ok(())
    }

    async fn touch(&self, key: &IdHash, last_seen: u64, idle_expires_at: u64) -> StoreResult {
        let mut map = self.records.borrow_mut();
        let next = decide::touch(map.get(key), last_seen, idle_expires_at)?;
        map.insert(key.clone(), next);
        Ok(())
    }

    async fn replace(&self, old: &IdHash, expected: u64, record: &SessionRecord) -> StoreResult {
        let mut map = self.records.borrow_mut();
        let taken = map.contains_key(&record.id_hash);
        decide::replace(map.get(old), expected, old, record, taken)?;
        map.remove(old);
        map.insert(record.id_hash.clone(), record.clone());
        Ok(())
    }

    async fn delete(&self, key: &IdHash) -> Result<bool, StoreError> {
        Ok(self.records.borrow_mut().remove(key).is_some())
    }

    async fn list_by_user(&self, user: &str, now: u64, limit: usize) -> Listed {
        let map = self.records.borrow();
        let found = map.values().filter(|r| r.user == user).cloned();
        Ok(decide::list(found, user, now, limit))
    }

    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError> {
        let mut map = self.records.borrow_mut();
        let before = map.len();
        map.retain(|_, r| r.user != user);
        Ok((before - map.len()) as u64)
    }

    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        self.buckets.borrow_mut().retain(|_, (_, at)| *at > now);
        let mut map = self.records.borrow_mut();
        let before = map.len();
        map.retain(|_, r| !decide::purge(r, now));
        Ok((before - map.len()) as u64)
    }

    async fn get_bucket(&self, key: &str, now: u64) -> Result<Option<BucketState>, StoreError> {
        let map = self.buckets.borrow();
        Ok(map.get(key).filter(|(_, at)| *at > now).map(|(s, _)| *s))
    }

    async fn put_bucket(
        &self,
        key: &str,
        state: &BucketState,
        _now: u64,
        expires_at: u64,
    ) -> StoreResult {
        self.buckets
            .borrow_mut()
            .insert(key.to_owned(), (*state, expires_at));
        Ok(())
    }

    async fn expired(&self, now: u64, limit: usize) -> crate::store::Listed {
        Ok(self
            .records
            .borrow()
            .values()
            .filter(|r| decide::purge(r, now))
            .take(limit)
            .cloned()
            .collect())
    }
}

/// One [`MemoryStore`] per shard name, created on first use (to test sharded managers).
#[derive(Clone, Default, Debug)]
pub struct MemoryShards {
    shards: Rc<RefCell<BTreeMap<String, MemoryStore>>>,
}

impl MemoryShards {
    /// No shards yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names of the shards that hold at least one record, with their record counts.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.shards
            .borrow()
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(n, s)| (n.clone(), s.len()))
            .collect()
    }
}

impl ShardRouter for MemoryShards {
    type Shard = MemoryStore;
    fn shard(&self, shard: &str) -> Result<MemoryStore, StoreError> {
        Ok(self
            .shards
            .borrow_mut()
            .entry(shard.to_owned())
            .or_default()
            .clone())
    }
}

impl ShardRouter for MemoryStore {
    type Shard = MemoryStore;
    fn shard(&self, _shard: &str) -> Result<MemoryStore, StoreError> {
        Ok(self.clone())
    }
}
