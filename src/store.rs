//! The storage contract every backend implements (memory, Durable Object shard, Workers KV,
//! the JS store adapter, Redis), checked by one suite (`conformance`, feature `conformance`).
//!
//! Async without a `Send` bound: wasm runtimes are single-threaded. Keys are [`IdHash`]es,
//! never raw session ids. A store never returns a record that is expired at the `now` it is
//! given; `expire` is housekeeping (a backend with native TTLs may purge lazily). Whether a
//! write applies, and what it writes, is decided by [`decide`], never by the backend.

pub mod decide;

use crate::error::StoreError;
use crate::id::IdHash;
use crate::limits::MAX_SESSIONS_PER_USER;
use crate::ratelimit::BucketState;
use crate::session::SessionRecord;

/// What a store write answers.
pub type StoreResult<T = ()> = Result<T, StoreError>;

/// What [`SessionStore::list_by_user`] answers.
pub type Listed = StoreResult<Vec<SessionRecord>>;

/// What [`SessionStore::create_counting`] learned of the user's other live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Others {
    /// Their records, as [`SessionStore::list_by_user`] gives them (a store that listed them
    /// anyway).
    Listed(Vec<SessionRecord>),
    /// How many there are, or more: an overcount only costs the caller a list.
    Counted(usize),
}

/// A session store holding the records of one shard (or of all, for unsharded backends).
#[allow(async_fn_in_trait)] // Send is not needed: wasm is single-threaded.
pub trait SessionStore {
    /// The live record under `key`, or `None`.
    async fn get(&self, key: &IdHash, now: u64) -> Result<Option<SessionRecord>, StoreError>;

    /// Inserts a new record; [`StoreError::AlreadyExists`] if the key is taken.
    async fn create(&self, record: &SessionRecord) -> Result<(), StoreError>;

    /// Sign-in's write: [`create`](Self::create), and what the user's other live sessions at
    /// `now` are (at most [`MAX_SESSIONS_PER_USER`]), which decides eviction. This default
    /// lists them and then creates; a backend that can count in the same statement as the
    /// insert (the Durable Object's SQLite) answers [`Others::Counted`] and saves the list
    /// whenever the user is under the cap.
    async fn create_counting(&self, record: &SessionRecord, now: u64) -> StoreResult<Others> {
        let others = self
            .list_by_user(&record.user, now, MAX_SESSIONS_PER_USER)
            .await?;
        self.create(record).await?;
        Ok(Others::Listed(others))
    }

    /// Replaces the record under `record.id_hash` if its stored version is `expected_version`:
    /// [`StoreError::NotFound`] if absent, [`StoreError::Conflict`] if the version moved.
    /// Atomic: of concurrent writers carrying the same version, exactly one wins.
    async fn compare_and_set(&self, record: &SessionRecord, expected_version: u64) -> StoreResult;

    /// Moves `last_seen`/`idle_expires_at` forward (never back) without touching the version.
    async fn touch(&self, key: &IdHash, last_seen: u64, idle_expires_at: u64) -> StoreResult;

    /// Rotation: removes `old` (if its version is `expected_version`) and inserts `record`
    /// under its new key, atomically where the backend allows.
    async fn replace(&self, old: &IdHash, expected: u64, record: &SessionRecord) -> StoreResult;

    /// Deletes the record under `key`; `true` if there was one.
    async fn delete(&self, key: &IdHash) -> Result<bool, StoreError>;

    /// The live records of `user`, at most `limit`, in [`decide::list_order`] (the oldest
    /// `limit` when there are more).
    async fn list_by_user(&self, user: &str, now: u64, limit: usize) -> Listed;

    /// Deletes every record of `user`; returns how many.
    async fn delete_by_user(&self, user: &str) -> Result<u64, StoreError>;

    /// Purges records expired at `now`; returns how many were removed.
    async fn expire(&self, now: u64) -> Result<u64, StoreError>;

    /// The sign-in rate-limit bucket under `key` ([`crate::ratelimit`]) if it is not expired
    /// at `now`. A store that keeps no buckets answers `None` (the default): its sign-ins are
    /// then not rate limited. Keys are at most [`crate::ratelimit::MAX_BUCKET_KEY_LEN`] bytes.
    async fn get_bucket(&self, key: &str, now: u64) -> Result<Option<BucketState>, StoreError> {
        let _ = (key, now);
        Ok(None)
    }

    /// Stores the bucket `state` under `key` at time `now`, to be forgotten at `expires_at`
    /// (when it is full again). The default keeps nothing.
    async fn put_bucket(
        &self,
        key: &str,
        state: &BucketState,
        now: u64,
        expires_at: u64,
    ) -> StoreResult {
        let _ = (key, state, now, expires_at);
        Ok(())
    }

    /// Records expired at `now` and not yet purged, at most `limit` (any order), so that the
    /// purge that follows can leave an `expired` tombstone for each. Optional: a store that
    /// expires records natively (KV, Redis TTLs) and cannot list them keeps this default,
    /// and its expiries leave no tombstone.
    async fn expired(&self, now: u64, limit: usize) -> Listed {
        let _ = (now, limit);
        Ok(Vec::new())
    }
}

/// Picks the shard for a name: a store the manager's operations run over in this process
/// (every [`SessionStore`] is a [`Shard`](crate::shard::Shard)), or a client of a shard that
/// runs them where its data is (a Durable Object). Unsharded backends return the same store
/// for every name.
pub trait ShardRouter {
    /// The shard type.
    type Shard: crate::shard::Shard;
    /// The shard named `shard`.
    fn shard(&self, shard: &str) -> Result<Self::Shard, StoreError>;
}
