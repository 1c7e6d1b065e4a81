//! The internal JSON RPC between the worker ([`super::do_store`]) and a shard Durable Object
//! ([`super::shard`]): one `POST` per [`SessionStore`](crate::store::SessionStore) call.
//!
//! Request body: `{"op": "get", "key": "<id hash>", "now": 1700000000}` (one variant of [`Op`]).
//! Response body: `{"ok": <result>}` or `{"err": {"kind": "conflict", "current_version": 3}}`.
//! Both ends are Rust (serde_json), so `u64`s travel exactly as decimal text.

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::id::IdHash;
use crate::session::SessionRecord;

/// The URL the worker posts RPCs to (the host is ignored by a Durable Object stub).
pub const RPC_URL: &str = "https://shard.internal/rpc";

/// Largest RPC body either side accepts, in bytes (256 records of at most 64 KiB would not
/// fit; `list_by_user` answers are bounded by the records the policy lets in).
pub const MAX_RPC_BODY: usize = 32 * 1024 * 1024;

/// One store operation.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Op {
    /// [`SessionStore::get`](crate::store::SessionStore::get).
    Get {
        /// Storage key.
        key: IdHash,
        /// Current time.
        now: u64,
    },
    /// `create`.
    Create {
        /// The new record.
        record: SessionRecord,
    },
    /// `compare_and_set`.
    CompareAndSet {
        /// The record to write.
        record: SessionRecord,
        /// The version it must replace.
        expected_version: u64,
    },
    /// `touch`.
    Touch {
        /// Storage key.
        key: IdHash,
        /// New `last_seen` (never moves back).
        last_seen: u64,
        /// New idle deadline (never moves back).
        idle_expires_at: u64,
    },
    /// `replace`.
    Replace {
        /// Key of the record to remove.
        old: IdHash,
        /// Its expected version.
        expected_version: u64,
        /// The record to insert.
        record: SessionRecord,
    },
    /// `delete`.
    Delete {
        /// Storage key.
        key: IdHash,
    },
    /// `list_by_user`.
    ListByUser {
        /// User id.
        user: String,
        /// Current time.
        now: u64,
    },
    /// `delete_by_user`.
    DeleteByUser {
        /// User id.
        user: String,
    },
    /// `expire`.
    Expire {
        /// Current time.
        now: u64,
    },
}

/// A [`StoreError`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WireError {
    /// [`StoreError::NotFound`].
    NotFound,
    /// [`StoreError::Conflict`].
    Conflict {
        /// The version currently stored.
        current_version: u64,
    },
    /// [`StoreError::AlreadyExists`].
    AlreadyExists,
    /// [`StoreError::Unavailable`].
    Unavailable {
        /// For logs only.
        detail: String,
    },
    /// [`StoreError::Corrupt`].
    Corrupt {
        /// For logs only.
        detail: String,
    },
}

impl From<StoreError> for WireError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => WireError::NotFound,
            StoreError::Conflict { current_version } => WireError::Conflict { current_version },
            StoreError::AlreadyExists => WireError::AlreadyExists,
            StoreError::Unavailable(detail) => WireError::Unavailable { detail },
            StoreError::Corrupt(detail) => WireError::Corrupt { detail },
        }
    }
}

impl From<WireError> for StoreError {
    fn from(e: WireError) -> Self {
        match e {
            WireError::NotFound => StoreError::NotFound,
            WireError::Conflict { current_version } => StoreError::Conflict { current_version },
            WireError::AlreadyExists => StoreError::AlreadyExists,
            WireError::Unavailable { detail } => StoreError::Unavailable(detail),
            WireError::Corrupt { detail } => StoreError::Corrupt(detail),
        }
    }
}

/// The response body: `T` is the op's result type (`()` is written as `null`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply<T> {
    /// The op succeeded.
    Ok(T),
    /// The op failed.
    Err(WireError),
}
