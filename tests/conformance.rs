//! The store conformance suite (feature `conformance`): the memory store passes it, and it
//! catches a store that loses writes or lists out of order.

use edge_session::conformance;
use edge_session::error::StoreError;
use edge_session::{IdHash, MemoryStore, SessionRecord, SessionStore};
use futures_executor::block_on;

const T0: u64 = 1_800_000_000;

#[test]
fn memory_store_passes_the_conformance_suite() {
    let store = MemoryStore::new();
    assert_eq!(
        block_on(conformance::run(&store, "mem", T0)),
        Ok(conformance::CHECKS.len())
    );
    // and again on the same store (a second run must not trip over the first one's leftovers)
    assert_eq!(
        block_on(conformance::run(&store, "mem2", T0)),
        Ok(conformance::CHECKS.len())
    );
}

/// A store whose compare-and-set ignores the version: the suite must catch it.
struct LostWrites(MemoryStore);

impl SessionStore for LostWrites {
    async fn get(&self, k: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        self.0.get(k, now).await
    }
    async fn create(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.0.create(r).await
    }
    async fn compare_and_set(&self, r: &SessionRecord, _v: u64) -> Result<(), StoreError> {
        let cur = self
            .0
            .get(&r.id_hash, 0)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.0.compare_and_set(r, cur.version).await
    }
    async fn touch(&self, k: &IdHash, l: u64, i: u64) -> Result<(), StoreError> {
        self.0.touch(k, l, i).await
    }
    async fn replace(&self, o: &IdHash, v: u64, r: &SessionRecord) -> Result<(), StoreError> {
        self.0.replace(o, v, r).await
    }
    async fn delete(&self, k: &IdHash) -> Result<bool, StoreError> {
        self.0.delete(k).await
    }
    async fn list_by_user(
        &self,
        u: &str,
        now: u64,
        limit: usize,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        self.0.list_by_user(u, now, limit).await
    }
    async fn delete_by_user(&self, u: &str) -> Result<u64, StoreError> {
        self.0.delete_by_user(u).await
    }
    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        self.0.expire(now).await
    }
}

#[test]
fn the_conformance_suite_catches_lost_writes() {
    let err = block_on(conformance::run(&LostWrites(MemoryStore::new()), "bad", T0)).unwrap_err();
    assert_eq!(err.check, "cas_stale_version_refused");
}

/// A store that lists sessions newest first and ignores the limit: the suite must catch it.
struct Unordered(MemoryStore);

impl SessionStore for Unordered {
    async fn get(&self, k: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError> {
        self.0.get(k, now).await
    }
    async fn create(&self, r: &SessionRecord) -> Result<(), StoreError> {
        self.0.create(r).await
    }
    async fn compare_and_set(&self, r: &SessionRecord, v: u64) -> Result<(), StoreError> {
        self.0.compare_and_set(r, v).await
    }
    async fn touch(&self, k: &IdHash, l: u64, i: u64) -> Result<(), StoreError> {
        self.0.touch(k, l, i).await
    }
    async fn replace(&self, o: &IdHash, v: u64, r: &SessionRecord) -> Result<(), StoreError> {
        self.0.replace(o, v, r).await
    }
    async fn delete(&self, k: &IdHash) -> Result<bool, StoreError> {
        self.0.delete(k).await
    }
    async fn list_by_user(
        &self,
        u: &str,
        now: u64,
        _limit: usize,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let mut all = self.0.list_by_user(u, now, usize::MAX).await?;
        all.reverse();
        Ok(all)
    }
    async fn delete_by_user(&self, u: &str) -> Result<u64, StoreError> {
        self.0.delete_by_user(u).await
    }
    async fn expire(&self, now: u64) -> Result<u64, StoreError> {
        self.0.expire(now).await
    }
}

#[test]
fn the_conformance_suite_catches_unordered_unbounded_lists() {
    let err = block_on(conformance::run(&Unordered(MemoryStore::new()), "bad", T0)).unwrap_err();
    assert_eq!(err.check, "list_by_user_ordered_and_bounded");
}
