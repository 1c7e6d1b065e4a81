//! The shard operations: each route of the session API is one [`ShardOp`], run by [`execute`]
//! over the store of the shard that holds the session.
//!
//! The [`SessionManager`](crate::manager::SessionManager) verifies tokens and picks shards;
//! everything that needs the stored record happens here, in one step per route: sign-in
//! (evict, then create), authenticate (read, check, touch), update (read, check, compare-and-
//! set), rotate (read, check, replace), sign-out, list, revoke. Where the store is local (memory,
//! KV, a JS store) the manager calls [`execute`] itself; a Durable Object shard runs
//! [`execute`] inside the object over its SQLite, so each route costs one call to it, and the
//! object's one-request-at-a-time rule makes each operation atomic.
//!
//! Ops and replies (de)serialise themselves (`{"op": "update", "key": ..., ...}`), with the
//! [`Policy`] beside them: the shard applies the caller's policy, not a copy of its own.

use serde::{Deserialize, Serialize};

use crate::error::{SessionError, StoreError};
use crate::id::IdHash;
use crate::limits::MAX_SESSIONS_PER_USER;
use crate::policy::Policy;
use crate::session::{self, SessionRecord};
use crate::store::{decide, SessionStore};

/// One operation on one shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShardOp {
    /// Sign-in: ends the user's least recently used sessions beyond the policy's limit, then
    /// stores `record` (built by [`session::create`]).
    SignIn {
        /// The new session.
        record: SessionRecord,
        /// Current time.
        now: u64,
    },
    /// Reads the live session under `key`, refreshing it when the touch interval has passed,
    /// checks it is fresh enough if `max_auth_age` is given, then does `then` for its user on
    /// this shard.
    Authenticate {
        /// Storage key of the token's session.
        key: IdHash,
        /// Current time.
        now: u64,
        /// Refuse with `reauth_required` (before `then`) if the user authenticated longer ago.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_auth_age: Option<u64>,
        /// What to do next, for the session's user.
        #[serde(default)]
        then: Then,
    },
    /// Replaces the data of the live session under `key` if `version` is current.
    Update {
        /// Storage key.
        key: IdHash,
        /// The version the writer read.
        version: u64,
        /// The new data (JSON object text).
        data: String,
        /// Current time.
        now: u64,
    },
    /// Moves the live session under `key` to `new_key` (data kept, old key gone).
    Rotate {
        /// Storage key of the current id.
        key: IdHash,
        /// Storage key of the fresh id.
        new_key: IdHash,
        /// Current time.
        now: u64,
    },
    /// Marks the live session under `key` freshly authenticated (same id, version bumped).
    Reauthenticate {
        /// Storage key.
        key: IdHash,
        /// Current time.
        now: u64,
    },
    /// Deletes the session under `key` (sign-out).
    SignOut {
        /// Storage key.
        key: IdHash,
    },
    /// The live sessions of `user` on this shard.
    List {
        /// User id.
        user: String,
        /// Current time.
        now: u64,
    },
    /// Deletes every session of `user` on this shard.
    RevokeUser {
        /// User id.
        user: String,
    },
    /// Deletes the session under `key` if it belongs to `user`.
    Revoke {
        /// User id.
        user: String,
        /// Storage key (the listed id).
        key: IdHash,
        /// Current time.
        now: u64,
    },
    /// Purges expired records (housekeeping).
    Expire {
        /// Current time.
        now: u64,
    },
}

/// What [`ShardOp::Authenticate`] does next for the session's user, in the same step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "then", rename_all = "snake_case", deny_unknown_fields)]
pub enum Then {
    /// Nothing: a plain read.
    #[default]
    Nothing,
    /// [`ShardOp::List`] for the user.
    List,
    /// [`ShardOp::RevokeUser`] for the user.
    RevokeUser,
    /// [`ShardOp::Revoke`] of `key` for the user.
    Revoke {
        /// Storage key of the session to end.
        key: IdHash,
    },
}

/// What a [`ShardOp::Revoke`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Revoked {
    /// No live session under the key on this shard.
    Absent,
    /// The session under the key belongs to another user: left alone.
    NotTheUsers,
    /// Deleted.
    Deleted,
}

/// The answer to a [`ShardOp`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    /// Done, nothing to say (sign-in).
    Done,
    /// Whether there was something to delete (sign-out).
    Deleted {
        /// There was a record.
        existed: bool,
    },
    /// How many records (revoke-user, expire).
    Count {
        /// The count.
        n: u64,
    },
    /// Records, in [`decide::list_order`] (list).
    Records {
        /// The records.
        records: Vec<SessionRecord>,
    },
    /// What a revoke found.
    Revoked {
        /// The outcome.
        outcome: Revoked,
    },
    /// A live session (authenticate, update, rotate), and the answer to `then`.
    Session {
        /// The record as now stored.
        record: SessionRecord,
        /// Whether this step wrote `last_seen` (a touch, or a write).
        touched: bool,
        /// The reply of [`Then`], if there was one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        then: Option<Box<Reply>>,
    },
}

/// Something that runs shard operations: a store (locally, through the blanket impl) or a
/// client of a remote shard.
#[allow(async_fn_in_trait)] // Send is not needed: wasm is single-threaded.
pub trait Shard {
    /// Runs `op` under `policy`.
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError>;
}

impl<S: SessionStore> Shard for S {
    async fn run(&self, policy: &Policy, op: ShardOp) -> Result<Reply, SessionError> {
        execute(self, policy, op).await
    }
}

/// Runs one operation over `store`: the only place that strings store calls together.
pub async fn execute<S: SessionStore>(
    store: &S,
    policy: &Policy,
    op: ShardOp,
) -> Result<Reply, SessionError> {
    match op {
        ShardOp::SignIn { record, now } => {
            let live = store
                .list_by_user(&record.user, now, MAX_SESSIONS_PER_USER)
                .await?;
            for key in session::sessions_to_evict(policy, &live) {
                store.delete(&key).await?;
            }
            store.create(&record).await?;
            Ok(Reply::Done)
        }
        ShardOp::Authenticate {
            key,
            now,
            max_auth_age,
            then,
        } => {
            let (record, touched) = authenticate(store, policy, &key, now).await?;
            if let Some(age) = max_auth_age {
                session::check_fresh(&record, age, now)?;
            }
            let then = match then {
                Then::Nothing => None,
                Then::List => Some(list(store, &record.user, now).await?),
                Then::RevokeUser => Some(revoke_user(store, &record.user).await?),
                Then::Revoke { key } => Some(revoke(store, &record.user, &key, now).await?),
            };
            Ok(Reply::Session {
                record,
                touched,
                then: then.map(Box::new),
            })
        }
        ShardOp::Update {
            key,
            version,
            data,
            now,
        } => {
            let record = live(store, &key, now).await?;
            let next = session::update(policy, &record, version, &data, now)?;
            store.compare_and_set(&next, version).await?;
            Ok(written(next))
        }
        ShardOp::Rotate { key, new_key, now } => {
            let record = live(store, &key, now).await?;
            let next = session::rotate(policy, &record, &new_key, now)?;
            store.replace(&key, record.version, &next).await?;
            Ok(written(next))
        }
        ShardOp::Reauthenticate { key, now } => {
            let record = live(store, &key, now).await?;
            let next = session::reauthenticate(policy, &record, now);
            store.compare_and_set(&next, record.version).await?;
            Ok(written(next))
        }
        ShardOp::SignOut { key } => Ok(Reply::Deleted {
            existed: store.delete(&key).await?,
        }),
        ShardOp::List { user, now } => list(store, &user, now).await,
        ShardOp::RevokeUser { user } => revoke_user(store, &user).await,
        ShardOp::Revoke { user, key, now } => revoke(store, &user, &key, now).await,
        ShardOp::Expire { now } => Ok(Reply::Count {
            n: store.expire(now).await?,
        }),
    }
}

fn written(record: SessionRecord) -> Reply {
    Reply::Session {
        record,
        touched: true,
        then: None,
    }
}

async fn live<S: SessionStore>(
    store: &S,
    key: &IdHash,
    now: u64,
) -> Result<SessionRecord, SessionError> {
    let record = store.get(key, now).await?.ok_or(SessionError::NotFound)?;
    session::check_alive(&record, key, now)?;
    Ok(record)
}

async fn authenticate<S: SessionStore>(
    store: &S,
    policy: &Policy,
    key: &IdHash,
    now: u64,
) -> Result<(SessionRecord, bool), SessionError> {
    let record = live(store, key, now).await?;
    match session::touch(policy, &record, now) {
        Some(next) => {
            store
                .touch(key, next.last_seen, next.idle_expires_at)
                .await?;
            Ok((next, true))
        }
        None => Ok((record, false)),
    }
}

async fn list<S: SessionStore>(store: &S, user: &str, now: u64) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    let found = store.list_by_user(user, now, MAX_SESSIONS_PER_USER).await?;
    Ok(Reply::Records {
        records: decide::list(found, user, now, MAX_SESSIONS_PER_USER),
    })
}

async fn revoke_user<S: SessionStore>(store: &S, user: &str) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    Ok(Reply::Count {
        n: store.delete_by_user(user).await?,
    })
}

async fn revoke<S: SessionStore>(
    store: &S,
    user: &str,
    key: &IdHash,
    now: u64,
) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    let outcome = match store.get(key, now).await? {
        None => Revoked::Absent,
        Some(r) if r.user != user => Revoked::NotTheUsers,
        Some(_) => {
            if store.delete(key).await? {
                Revoked::Deleted
            } else {
                Revoked::Absent
            }
        }
    };
    Ok(Reply::Revoked { outcome })
}

/// The reply was not the kind the op answers with (a shard of another version, or a bug).
pub fn unexpected(reply: &Reply) -> SessionError {
    let kind = match reply {
        Reply::Done => "done",
        Reply::Deleted { .. } => "deleted",
        Reply::Count { .. } => "count",
        Reply::Records { .. } => "records",
        Reply::Revoked { .. } => "revoked",
        Reply::Session { .. } => "session",
    };
    SessionError::Store(StoreError::Corrupt(format!(
        "unexpected shard reply `{kind}`"
    )))
}
