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
//! Ops and replies (de)serialise themselves, externally tagged (`{"update": {"key": ...}}`,
//! `"done"`), with the [`Policy`] beside them: the shard applies the caller's policy, not a
//! copy of its own. External tags are what serde reads in one pass; an internal tag
//! (`{"op": "update", ...}`) makes it buffer the whole object before it knows the variant.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{SessionError, StoreError};
use crate::history::{self, Ended, Event, Reason};
use crate::id::IdHash;
use crate::limits::{MAX_EXPIRED_TOMBSTONES, MAX_SESSIONS_PER_USER, MAX_SUCCESSOR_HOPS};
use crate::policy::Policy;
use crate::ratelimit;
use crate::session::{self, SessionRecord};
use crate::store::{decide, Others, SessionStore};

/// One operation on one shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ShardOp {
    /// Sign-in: takes a token from the user's and the client IP's rate-limit buckets (or
    /// refuses with `rate_limited`, charging neither), ends the user's least recently used
    /// sessions beyond the policy's limit, then stores `record` (built by [`session::create`]).
    SignIn {
        /// The new session.
        record: SessionRecord,
        /// Current time.
        now: u64,
        /// The client IP, for its sign-in bucket (none: only the user's bucket applies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ip: Option<String>,
        /// Whether anyone listens for events: only then is a new device looked for (it
        /// needs the user's other sessions and history, which a sign-in under the cap
        /// otherwise never reads).
        #[serde(default, skip_serializing_if = "is_false")]
        events: bool,
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
        /// Current time (the tombstones' end time).
        #[serde(default)]
        now: u64,
        /// What the tombstones say (default `admin`).
        #[serde(default = "admin")]
        reason: Reason,
    },
    /// Deletes the session under `key` if it belongs to `user`.
    Revoke {
        /// User id.
        user: String,
        /// Storage key (the listed id).
        key: IdHash,
        /// Current time.
        now: u64,
        /// What the tombstone says (default `revoked`).
        #[serde(default = "revoked")]
        reason: Reason,
    },
    /// The kept tombstones of `user` on this shard, newest first.
    History {
        /// User id.
        user: String,
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
#[serde(rename_all = "snake_case", deny_unknown_fields)]
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
    /// [`ShardOp::History`] for the user.
    History,
}

fn admin() -> Reason {
    Reason::Admin
}

fn revoked() -> Reason {
    Reason::Revoked
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
#[serde(rename_all = "snake_case", deny_unknown_fields)]
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
    /// A user's tombstones, newest first (history).
    History {
        /// The tombstones.
        ended: Vec<Ended>,
    },
    /// Another reply, with the events the op emitted (a new device, revocations): the
    /// manager hands them to its event hook and goes on with `reply`.
    Evented {
        /// The op's own reply.
        inner: Box<Reply>,
        /// What happened, in order.
        events: Vec<Event>,
    },
}

impl Reply {
    /// The reply without its events, and the events (none for a plain reply).
    pub fn split(self) -> (Reply, Vec<Event>) {
        match self {
            Reply::Evented { inner, mut events } => {
                let (inner, more) = inner.split();
                events.extend(more);
                (inner, events)
            }
            Reply::Session {
                record,
                touched,
                then: Some(then),
                hops,
            } => {
                let (then, events) = then.split();
                let reply = Reply::Session {
                    record,
                    touched,
                    then: Some(Box::new(then)),
                    hops,
                };
                (reply, events)
            }
            other => (other, Vec::new()),
        }
    }
}

/// `reply`, carrying `events` if there are any.
fn evented(reply: Reply, events: Vec<Event>) -> Reply {
    if events.is_empty() {
        reply
    } else {
        Reply::Evented {
            inner: Box::new(reply),
            events,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
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
        ShardOp::SignIn {
            record,
            now,
            ip,
            events,
        } => sign_in(store, policy, record, now, ip.as_deref(), events).await,
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
            let user = &record.user;
            let then = match then {
                Then::Nothing => None,
                Then::List => Some(list(store, user, now).await?),
                Then::RevokeUser => {
                    Some(revoke_user(store, policy, user, Reason::RevokedAll, now).await?)
                }
                Then::Revoke { key } => {
                    Some(revoke(store, policy, user, &key, Reason::Revoked, now).await?)
                }
                Then::History => Some(history_of(store, policy, user, now).await?),
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
        ShardOp::SignOut { key, now } => sign_out(store, policy, key, now).await,
        ShardOp::List { user, now } => list(store, &user, now).await,
        ShardOp::RevokeUser { user, now, reason } => {
            revoke_user(store, policy, &user, reason, now).await
        }
        ShardOp::Revoke {
            user,
            key,
            now,
            reason,
        } => revoke(store, policy, &user, &key, reason, now).await,
        ShardOp::History { user, now } => history_of(store, policy, &user, now).await,
        ShardOp::Expire { now } => expire(store, policy, now).await,
    }
}

/// The rate limits of a sign-in: one token from the user's bucket and one from the IP's, both or
/// neither. Refused: `rate_limited` with the longer of the two waits.
async fn take_sign_in_tokens<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    ip: Option<&str>,
    now: u64,
) -> Result<(), SessionError> {
    let mut buckets = vec![(ratelimit::user_key(user), policy.user_limit())];
    if let Some(key) = ip.and_then(ratelimit::ip_key) {
        buckets.push((key, policy.ip_limit()));
    }
    let mut taken = Vec::with_capacity(buckets.len());
    let mut wait = 0u64;
    for (key, limit) in buckets {
        if limit.burst == 0 {
            continue;
        }
        let state = store.get_bucket(&key, now).await?;
        match ratelimit::take(&limit, state, now) {
            ratelimit::Taken::Allowed(next) => taken.push((key, limit, next)),
            ratelimit::Taken::Limited { retry_after } => wait = wait.max(retry_after),
        }
    }
    if wait > 0 {
        return Err(SessionError::RateLimited { retry_after: wait });
    }
    for (key, limit, next) in taken {
        store
            .put_bucket(&key, &next, now, next.expires_at(&limit))
            .await?;
    }
    Ok(())
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
    let rotated = [Ended::of(&record, Reason::Rotated, now)];
    let Some(old) = session::forward(policy, &record, new_key, now) else {
        store.replace(key, record.version, &next).await?;
        record_ends(store, policy, &record.user, &rotated, now).await?;
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
    record_ends(store, policy, &record.user, &rotated, now).await?;
    if created {
        Ok(written(next, 0))
    } else {
        Ok(written(live(store, new_key, now).await?, 0))
    }
}

/// Deletes `key` and, if it is the old key of a rotation, its successors; the current one
/// leaves a `signed_out` tombstone.
async fn sign_out<S: SessionStore>(
    store: &S,
    policy: &Policy,
    key: IdHash,
    now: u64,
) -> Result<Reply, SessionError> {
    let mut existed = false;
    let mut next = Some(key);
    let mut current = None;
    for _ in 0..=MAX_SUCCESSOR_HOPS {
        let Some(k) = next.take() else { break };
        let found = store.get(&k, now).await?;
        next = found.as_ref().and_then(|r| r.successor.clone());
        let deleted = store.delete(&k).await?;
        existed |= deleted;
        if let Some(r) = found.filter(|r| deleted && r.successor.is_none()) {
            current = Some(r);
        }
    }
    let events = match current {
        Some(r) => {
            let ended = [Ended::of(&r, Reason::SignedOut, now)];
            record_ends(store, policy, &r.user, &ended, now).await?
        }
        None => Vec::new(),
    };
    Ok(evented(Reply::Deleted { existed }, events))
}

/// Sign-in: ends the user's least recently used sessions beyond the limit (`evicted`), stores
/// the new one, and tells whether it comes from a device the user has not used.
async fn sign_in<S: SessionStore>(
    store: &S,
    policy: &Policy,
    record: SessionRecord,
    now: u64,
    ip: Option<&str>,
    events_wanted: bool,
) -> Result<Reply, SessionError> {
    take_sign_in_tokens(store, policy, &record.user, ip, now).await?;
    let new_device = events_wanted && !record.client.is_empty();
    // Created first, then the oldest others evicted: the same end state as evicting first,
    // and under the cap (the common case) a counting store lists nothing, unless a new
    // device is looked for among the others.
    let others = match store.create_counting(&record, now).await? {
        Others::Listed(others) => others,
        Others::Counted(n) if n < policy.max_sessions_per_user && (n == 0 || !new_device) => {
            Vec::new()
        }
        Others::Counted(_) => {
            let mut live = store
                .list_by_user(&record.user, now, MAX_SESSIONS_PER_USER)
                .await?;
            live.retain(|r| r.id_hash != record.id_hash);
            live
        }
    };
    let mut ended = Vec::new();
    for key in session::sessions_to_evict(policy, &others) {
        if store.delete(&key).await? {
            if let Some(r) = others.iter().find(|r| r.id_hash == key) {
                ended.push(Ended::of(r, Reason::Evicted, now));
            }
        }
    }
    let mut events = Vec::new();
    if new_device {
        let past = if history::enabled(policy) {
            match store.get(&history::key(&record.user), now).await? {
                Some(h) => history::entries(policy, &h, now)?,
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let seen = others
            .iter()
            .filter(|r| r.successor.is_none())
            .map(|r| &r.client);
        if history::is_new_device(&record.client, seen, &past) {
            events.push(Event::NewDevice {
                user: record.user.clone(),
                id: record.id_hash.clone(),
                device: record.device.clone(),
                client: record.client.clone(),
                at: now,
            });
        }
    }
    events.extend(record_ends(store, policy, &record.user, &ended, now).await?);
    Ok(evented(Reply::Done, events))
}

/// Writes `ended` into `user`'s history (when the policy keeps one) and returns the events
/// of the revocations among them.
async fn record_ends<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    ended: &[Ended],
    now: u64,
) -> Result<Vec<Event>, SessionError> {
    if ended.is_empty() {
        return Ok(Vec::new());
    }
    if history::enabled(policy) {
        write_history(store, policy, user, ended, now).await?;
    }
    Ok(ended
        .iter()
        .filter(|e| e.reason.emits())
        .map(|e| Event::SessionEnded {
            user: user.to_owned(),
            ended: e.clone(),
        })
        .collect())
}

/// How often a history write is retried after losing a compare-and-set to a concurrent one.
const HISTORY_ATTEMPTS: usize = 4;

async fn write_history<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    ended: &[Ended],
    now: u64,
) -> Result<(), SessionError> {
    let key = history::key(user);
    for _ in 0..HISTORY_ATTEMPTS {
        let stored = store.get(&key, now).await?;
        let next = history::append(policy, user, stored.as_ref(), ended, now)?;
        let out = match &stored {
            Some(r) => store.compare_and_set(&next, r.version).await,
            None => store.create(&next).await,
        };
        match out {
            Ok(()) => return Ok(()),
            // An expired trail not purged yet: it goes, and the write starts a new one.
            Err(StoreError::AlreadyExists) => {
                store.delete(&key).await?;
            }
            Err(StoreError::Conflict { .. } | StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(SessionError::Store(StoreError::Unavailable(
        "history: lost every compare-and-set to concurrent writers".into(),
    )))
}

/// The kept tombstones of `user` on this shard, newest first.
async fn history_of<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    now: u64,
) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    let ended = match store.get(&history::key(user), now).await? {
        Some(h) => history::entries(policy, &h, now)?,
        None => Vec::new(),
    };
    Ok(Reply::History { ended })
}

/// Housekeeping: the sessions the store can list as expired leave an `expired` tombstone
/// (ended at their deadline), then everything expired is purged.
async fn expire<S: SessionStore>(
    store: &S,
    policy: &Policy,
    now: u64,
) -> Result<Reply, SessionError> {
    let gone = if history::enabled(policy) {
        store.expired(now, MAX_EXPIRED_TOMBSTONES).await?
    } else {
        Vec::new()
    };
    let n = store.expire(now).await?;
    let mut by_user: std::collections::BTreeMap<&str, Vec<Ended>> = Default::default();
    for r in gone
        .iter()
        .filter(|r| r.successor.is_none() && !r.user.starts_with(history::USER_PREFIX))
    {
        let e = Ended::of(r, Reason::Expired, r.expires_at());
        by_user.entry(r.user.as_str()).or_default().push(e);
    }
    for (user, ended) in by_user {
        write_history(store, policy, user, &ended, now).await?;
    }
    Ok(Reply::Count { n })
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

async fn revoke_user<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    reason: Reason,
    now: u64,
) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    // Old records of rotations (grace window) go too, but are not sessions to count.
    let found = store.list_by_user(user, 0, MAX_SESSIONS_PER_USER).await?;
    let forwarded = found.iter().filter(|r| r.successor.is_some()).count() as u64;
    let n = store.delete_by_user(user).await?.saturating_sub(forwarded);
    let ended: Vec<Ended> = found
        .iter()
        .filter(|r| r.successor.is_none() && r.is_alive(now))
        .map(|r| Ended::of(r, reason, now))
        .collect();
    let events = record_ends(store, policy, user, &ended, now).await?;
    Ok(evented(Reply::Count { n }, events))
}

async fn revoke<S: SessionStore>(
    store: &S,
    policy: &Policy,
    user: &str,
    key: &IdHash,
    reason: Reason,
    now: u64,
) -> Result<Reply, SessionError> {
    session::validate_user(user)?;
    let (outcome, events) = match store.get(key, now).await? {
        None => (Revoked::Absent, Vec::new()),
        Some(r) if r.user != user => (Revoked::NotTheUsers, Vec::new()),
        Some(r) => {
            if store.delete(key).await? {
                let ended = [Ended::of(&r, reason, now)];
                let events = if r.successor.is_none() {
                    record_ends(store, policy, user, &ended, now).await?
                } else {
                    Vec::new()
                };
                (Revoked::Deleted, events)
            } else {
                (Revoked::Absent, Vec::new())
            }
        }
    };
    Ok(evented(Reply::Revoked { outcome }, events))
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
        Reply::History { .. } => "history",
        Reply::Evented { .. } => "evented",
    };
    SessionError::Store(StoreError::Corrupt(format!(
        "unexpected shard reply `{kind}`"
    )))
}
