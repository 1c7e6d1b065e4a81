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

use crate::client::Client;
use crate::error::{SessionError, StoreError};
use crate::id::IdHash;
use crate::limits::{MAX_SESSIONS_PER_USER, MAX_SUCCESSOR_HOPS};
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
        /// The requesting client, compared by the policy's `bind_ip` / `bind_ua`.
        #[serde(default, skip_serializing_if = "Client::is_empty")]
        client: Client,
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
        /// The requesting client, compared by the policy's `bind_ip` / `bind_ua`.
        #[serde(default, skip_serializing_if = "Client::is_empty")]
        client: Client,
    },
    /// Moves the live session under `key` to `new_key` (data kept). Without a grace window
    /// the old key is gone; with one it points at `new_key` until the window closes. An old
    /// key that already has a successor is not rotated again: the answer is its successor.
    Rotate {
        /// Storage key of the current id.
        key: IdHash,
        /// Storage key of the fresh id.
        new_key: IdHash,
        /// Current time.
        now: u64,
        /// The requesting client, compared by the policy's `bind_ip` / `bind_ua`.
        #[serde(default, skip_serializing_if = "Client::is_empty")]
        client: Client,
    },
    /// Marks the live session under `key` freshly authenticated (same id, version bumped).
    Reauthenticate {
        /// Storage key.
        key: IdHash,
        /// Current time.
        now: u64,
        /// The requesting client, compared by the policy's `bind_ip` / `bind_ua`.
        #[serde(default, skip_serializing_if = "Client::is_empty")]
        client: Client,
    },
    /// Deletes the session under `key` (sign-out), and its successors if `key` is the old
    /// key of a rotation in its grace window.
    SignOut {
        /// Storage key.
        key: IdHash,
        /// Current time (records already expired at `now` are not followed).
        #[serde(default)]
        now: u64,
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
#[allow(clippy::large_enum_variant)] // one reply per shard call, moved once: boxing buys nothing
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
        /// How many rotations the asked-for key is behind `record` (0: it is the record's
        /// own key; more: an old token inside the rotation grace window, answered with its
        /// successor).
        #[serde(default, skip_serializing_if = "is_zero")]
        hops: u8,
    },
}

fn is_zero(n: &u8) -> bool {
    *n == 0
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
            client,
        } => {
            let (record, touched, hops) = authenticate(store, policy, &key, &client, now).await?;
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
                hops,
            })
        }
        ShardOp::Update {
            key,
            version,
            data,
            now,
            client,
        } => {
            // An old token writes through to its successor, compare-and-set on the version
            // the writer read: it can never write a stale version.
            let (record, hops) = resolve(store, &key, now).await?;
            session::check_bound(policy, &record, &client)?;
            let next = session::update(policy, &record, version, &data, now)?;
            store.compare_and_set(&next, version).await?;
            Ok(written(next, hops))
        }
        ShardOp::Rotate {
            key,
            new_key,
            now,
            client,
        } => rotate(store, policy, &key, &new_key, &client, now).await,
        ShardOp::Reauthenticate { key, now, client } => {
            let (record, hops) = resolve(store, &key, now).await?;
            session::check_bound(policy, &record, &client)?;
            let next = session::reauthenticate(policy, &record, now);
            store.compare_and_set(&next, record.version).await?;
            Ok(written(next, hops))
        }
        ShardOp::SignOut { key, now } => sign_out(store, key, now).await,
        ShardOp::List { user, now } => list(store, &user, now).await,
        ShardOp::RevokeUser { user } => revoke_user(store, &user).await,
        ShardOp::Revoke { user, key, now } => revoke(store, &user, &key, now).await,
        ShardOp::Expire { now } => Ok(Reply::Count {
            n: store.expire(now).await?,
        }),
    }
}

fn written(record: SessionRecord, hops: u8) -> Reply {
    Reply::Session {
        record,
        touched: true,
        then: None,
        hops,
    }
}

/// The live record under `key`, following successors (rotations inside their grace window):
/// the current record and how many rotations `key` is behind it. A successor that is gone
/// (signed out, revoked) or a chain longer than [`MAX_SUCCESSOR_HOPS`] is `NotFound`.
async fn resolve<S: SessionStore>(
    store: &S,
    key: &IdHash,
    now: u64,
) -> Result<(SessionRecord, u8), SessionError> {
    let mut record = live(store, key, now).await?;
    let mut hops = 0u8;
    while let Some(next) = record.successor.clone() {
        if hops >= MAX_SUCCESSOR_HOPS {
            return Err(SessionError::NotFound);
        }
        record = live(store, &next, now).await?;
        hops += 1;
    }
    Ok((record, hops))
}

async fn rotate<S: SessionStore>(
    store: &S,
    policy: &Policy,
    key: &IdHash,
    new_key: &IdHash,
    client: &Client,
    now: u64,
) -> Result<Reply, SessionError> {
    let (record, hops) = resolve(store, key, now).await?;
    session::check_bound(policy, &record, client)?;
    if hops > 0 {
        // Already rotated (a concurrent rotation, or a tab that had not caught up): answer
        // with the successor, never a second one.
        return Ok(Reply::Session {
            record,
            touched: false,
            then: None,
            hops,
        });
    }
    let next = session::rotate(policy, &record, new_key, now)?;
    let Some(old) = session::forward(policy, &record, new_key, now) else {
        store.replace(key, record.version, &next).await?;
        return Ok(written(next, 0));
    };
    // Successor first, then the old record forwarded to it (compare-and-set): a failure in
    // between leaves an unreachable successor that expires, never a dangling old token.
    let created = match store.create(&next).await {
        Ok(()) => true,
        // A store without atomic operations, and a concurrent rotation to the same (derived)
        // successor: it is there already.
        Err(StoreError::AlreadyExists) => false,
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = store.compare_and_set(&old, record.version).await {
        if created {
            store.delete(&next.id_hash).await?;
        } else if let Ok((current, hops)) = resolve(store, key, now).await {
            // The concurrent rotation forwarded the old record first.
            return Ok(written(current, hops));
        }
        return Err(e.into());
    }
    if created {
        Ok(written(next, 0))
    } else {
        Ok(written(live(store, new_key, now).await?, 0))
    }
}

/// Deletes `key` and, if it is the old key of a rotation, its successors.
async fn sign_out<S: SessionStore>(
    store: &S,
    key: IdHash,
    now: u64,
) -> Result<Reply, SessionError> {
    let mut existed = false;
    let mut next = Some(key);
    for _ in 0..=MAX_SUCCESSOR_HOPS {
        let Some(k) = next.take() else { break };
        next = store.get(&k, now).await?.and_then(|r| r.successor);
        existed |= store.delete(&k).await?;
    }
    Ok(Reply::Deleted { existed })
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
    client: &Client,
    now: u64,
) -> Result<(SessionRecord, bool, u8), SessionError> {
    let (record, hops) = resolve(store, key, now).await?;
    // Before the touch: a refused request writes nothing.
    session::check_bound(policy, &record, client)?;
    match session::touch(policy, &record, now) {
        Some(next) => {
            store
                .touch(&record.id_hash, next.last_seen, next.idle_expires_at)
                .await?;
            Ok((next, true, hops))
        }
        None => Ok((record, false, hops)),
    }
}

async fn list<S: SessionStore>(store: &S, user: &str, now: u64) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    let found = store.list_by_user(user, now, MAX_SESSIONS_PER_USER).await?;
    // Old records of a rotation in their grace window are not sessions of their own.
    let current = found.into_iter().filter(|r| r.successor.is_none());
    Ok(Reply::Records {
        records: decide::list(current, user, now, MAX_SESSIONS_PER_USER),
    })
}

async fn revoke_user<S: SessionStore>(store: &S, user: &str) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    // Old records of rotations (grace window) go too, but are not sessions to count.
    let forwarded = store
        .list_by_user(user, 0, MAX_SESSIONS_PER_USER)
        .await?
        .iter()
        .filter(|r| r.successor.is_some())
        .count() as u64;
    Ok(Reply::Count {
        n: store.delete_by_user(user).await?.saturating_sub(forwarded),
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
