//! The store conformance suite (feature `conformance`): the memory store passes it, and it
//! catches a store that loses writes or lists out of order.

use edge_session::conformance;
use edge_session::error::StoreError;
use edge_session::store::{Listed, StoreResult};
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

/// What a [`Broken`] store gets wrong.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// Compare-and-set ignores the version (lost writes).
    LostWrites,
    /// Lists newest first and ignores the limit.
    Unordered,
}

/// The memory store with one fault: the suite must catch each.
struct Broken(MemoryStore, Fault);

impl SessionStore for Broken {
    async fn get(&self, k: &IdHash, now: u64) -> StoreResult<Option<SessionRecord>> {
        self.0.get(k, now).await
    }
    async fn create(&self, r: &SessionRecord) -> StoreResult {
        self.0.create(r).await
    }
    async fn compare_and_set(&self, r: &SessionRecord, v: u64) -> StoreResult {
        if self.1 != Fault::LostWrites {
            return self.0.compare_and_set(r, v).await;
        }
        let cur = self.0.get(&r.id_hash, 0).await?;
        let cur = cur.ok_or(StoreError::NotFound)?;
        self.0.compare_and_set(r, cur.version).await
    }
    async fn touch(&self, k: &IdHash, l: u64, i: u64) -> StoreResult {
        self.0.touch(k, l, i).await
    }
    async fn replace(&self, o: &IdHash, v: u64, r: &SessionRecord) -> StoreResult {
        self.0.replace(o, v, r).await
    }
    async fn delete(&self, k: &IdHash) -> StoreResult<bool> {
        self.0.delete(k).await
    }
    async fn list_by_user(&self, u: &str, now: u64, limit: usize) -> Listed {
        if self.1 != Fault::Unordered {
            return self.0.list_by_user(u, now, limit).await;
        }
        let mut all = self.0.list_by_user(u, now, usize::MAX).await?;
        all.reverse();
        Ok(all)
    }
    async fn delete_by_user(&self, u: &str) -> StoreResult<u64> {
        self.0.delete_by_user(u).await
    }
    async fn expire(&self, now: u64) -> StoreResult<u64> {
        self.0.expire(now).await
    }
}

#[test]
fn the_conformance_suite_catches_lost_writes() {
    let bad = Broken(MemoryStore::new(), Fault::LostWrites);
    let err = block_on(conformance::run(&bad, "bad", T0)).unwrap_err();
    assert_eq!(err.check, "cas_stale_version_refused");
}

#[test]
fn the_conformance_suite_catches_unordered_unbounded_lists() {
    let bad = Broken(MemoryStore::new(), Fault::Unordered);
    let err = block_on(conformance::run(&bad, "bad", T0)).unwrap_err();
    assert_eq!(err.check, "list_by_user_ordered_and_bounded");
}
