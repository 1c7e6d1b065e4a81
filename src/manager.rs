//! The session manager: token verification and shard placement in front of the shard
//! operations of [`crate::shard`].
//!
//! It verifies tokens with the [`Keyring`], places new sessions with the [`Ring`] (by user id,
//! so one user's sessions share a shard), routes existing ones by the shard written into their
//! verified token (a ring change never strands a session), and sends each route to that shard
//! as one [`ShardOp`]. A bad or expired token never reaches a shard. Time and fresh ids come in
//! as arguments; the worker and the JS binding supply them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::client::Client;
use crate::error::{Bound, SessionError, StoreError};
use crate::history::{Ended, Event, Reason};
use crate::id::{IdHash, SessionId};
use crate::keyring::Keyring;
use crate::limits::MAX_HISTORY_EPOCHS;
use crate::policy::Policy;
use crate::ring::Ring;
use crate::session::{self, NewSession, Placement, SessionRecord};
use crate::shard::{unexpected, Reply, Revoked, Shard, ShardOp, Then};
use crate::store::{decide, ShardRouter};
use crate::token::Claims;

/// A session just issued: the record stored and the token to hand out.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The stored record.
    pub record: SessionRecord,
    /// The signed token (the cookie value). A bearer secret: never log it.
    pub token: String,
    /// Seconds the cookie should live (until the session's hard cap); `None` for a
    /// browser-session cookie (the session was signed in with `persistent: false`).
    pub max_age: Option<u64>,
}

/// A verified, live session.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// The record, with `last_seen` as now stored.
    pub record: SessionRecord,
    /// The verified token claims.
    pub claims: Claims,
    /// Whether this read refreshed `last_seen` in storage.
    pub touched: bool,
    /// Set when `token` is the old token of a rotation inside the grace window: the token of
    /// the session's current id, to hand out in place of the old one (the other tab catches
    /// up). `record` is then the successor's.
    pub successor: Option<Issued>,
}

/// Sessions over the shards of a [`ShardRouter`].
pub struct SessionManager<R: ShardRouter> {
    keyring: Keyring,
    policy: Policy,
    router: R,
    ring: Ring,
    /// Rings of the recent epochs, newest first (the current one included), built on first
    /// use: only the fan-out of list, revoke-all and revoke-one needs them, and for a large
    /// ring loaded from a snapshot the replay that builds them costs far more than the load
    /// (so a cold instance that only signs in and reads never pays it).
    history: OnceLock<Result<Vec<Ring>, String>>,
    /// Requests refused by `bind_ip` and by `bind_ua`, since this manager was built.
    refused: [AtomicU64; 2],
    /// The shell's event hook ([`SessionManager::on_event`]).
    on_event: Option<EventHook>,
}

/// The shell's event hook.
type EventHook = Box<dyn Fn(&Event)>;

/// How many requests the device binding refused ([`SessionManager::refusals`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Refusals {
    /// Refused by `bind_ip` (another network).
    pub ip: u64,
    /// Refused by `bind_ua` (another browser or OS).
    pub agent: u64,
}

/// A request's client, unknown: what the calls without [`SessionManager::with_client`] pass.
const UNKNOWN: Client = Client {
    ip: String::new(),
    agent: String::new(),
    country: String::new(),
    colo: String::new(),
};

impl<R: ShardRouter> SessionManager<R> {
    /// A manager; fails with [`SessionError::Config`] on an invalid policy. The ring's recent
    /// epochs are replayed on the first call that fans out over them; a history whose replay
    /// fails (a snapshot whose steps do not give its arcs) makes those calls fail with
    /// [`SessionError::Config`], and [`SessionManager::check_history`] runs it up front.
    pub fn new(
        keyring: Keyring,
        ring: Ring,
        policy: Policy,
        router: R,
    ) -> Result<Self, SessionError> {
        policy
            .validate()
            .map_err(|e| SessionError::Config(e.to_string()))?;
        Ok(Self {
            keyring,
            policy,
            router,
            ring,
            history: OnceLock::new(),
            refused: [AtomicU64::new(0), AtomicU64::new(0)],
            on_event: None,
        })
    }

    /// Calls `hook` with every [`Event`] a call causes (a sign-in from a new device, every
    /// revocation), after the shard call that caused it and before the call returns. The
    /// hook must not fail the call: it cannot, it returns nothing.
    pub fn on_event(mut self, hook: impl Fn(&Event) + 'static) -> Self {
        self.on_event = Some(Box::new(hook));
        self
    }

    /// How many requests `bind_ip` and `bind_ua` refused since this manager was built (in the
    /// worker: by this isolate).
    pub fn refusals(&self) -> Refusals {
        Refusals {
            ip: self.refused[0].load(Ordering::Relaxed),
            agent: self.refused[1].load(Ordering::Relaxed),
        }
    }

    /// The calls that take a session token, made for a request from `client`: what the
    /// policy's `bind_ip` / `bind_ua` compare with the sign-in's details. The calls on the
    /// manager itself pass no client, so with a binding policy they refuse every bound session.
    pub fn with_client<'a>(&'a self, client: &'a Client) -> WithClient<'a, R> {
        WithClient {
            manager: self,
            client,
        }
    }

    /// The rings of the recent epochs, newest first: one replay, on first use.
    fn epochs(&self) -> Result<&[Ring], SessionError> {
        self.history
            .get_or_init(|| {
                self.ring
                    .recent_epochs(MAX_HISTORY_EPOCHS)
                    .map_err(|e| format!("ring history: {e}"))
            })
            .as_deref()
            .map_err(|e| SessionError::Config(e.clone()))
    }

    /// Replays the ring's recent epochs now instead of on the first fan-out, and reports a
    /// history that does not replay.
    pub fn check_history(&self) -> Result<(), SessionError> {
        self.epochs().map(|_| ())
    }

    /// The current ring.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The keyring.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The router.
    pub fn router(&self) -> &R {
        &self.router
    }

    /// Where a new session of `user` goes: the current ring's shard for the user id.
    pub fn placement_for(&self, user: &str) -> Placement {
        Placement {
            shard: self.ring.locate(user.as_bytes()).to_owned(),
            epoch: self.ring.epoch(),
        }
    }

    /// The shards that may hold sessions of `user`: the current one first, then those of
    /// earlier epochs (deduplicated).
    pub fn user_shards(&self, user: &str) -> Result<Vec<String>, SessionError> {
        let mut out: Vec<String> = Vec::new();
        for ring in self.epochs()? {
            let s = ring.locate(user.as_bytes());
            if !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
        Ok(out)
    }

    async fn run(&self, shard: &str, op: ShardOp) -> Result<Reply, SessionError> {
        let out = self
            .router
            .shard(shard)
            .map_err(SessionError::from)?
            .run(&self.policy, op)
            .await;
        if let Err(SessionError::DeviceMismatch { bound }) = &out {
            let i = usize::from(*bound == Bound::Agent);
            self.refused[i].fetch_add(1, Ordering::Relaxed);
        }
        let (reply, events) = out?.split();
        if let Some(hook) = &self.on_event {
            for e in &events {
                hook(e);
            }
        }
        Ok(reply)
    }

    fn verify(&self, token: &str, now: u64) -> Result<Claims, SessionError> {
        self.keyring
            .verify(token, now)
            .map(|v| v.claims)
            .map_err(|_| SessionError::InvalidToken)
    }

    fn issue(
        &self,
        record: SessionRecord,
        id: &SessionId,
        now: u64,
    ) -> Result<Issued, SessionError> {
        let claims = session::claims_for(&record, id, now);
        let token = self
            .keyring
            .sign(&claims)
            .map_err(|e| SessionError::Config(format!("signing failed: {e}")))?;
        let max_age = session::cookie_lifetime(&record, now);
        Ok(Issued {
            record,
            token,
            max_age,
        })
    }

    /// Signs in: stores a new session for `new.user` under the fresh `id` and issues its token.
    /// If the user already holds `max_sessions_per_user` sessions on the shard, the least
    /// recently used ones are ended first (in the same shard call).
    pub async fn create(
        &self,
        id: SessionId,
        new: &NewSession,
        now: u64,
    ) -> Result<Issued, SessionError> {
        self.create_from(id, new, None, now).await
    }

    /// [`SessionManager::create`] for a client at `ip`: the sign-in also takes a token from the
    /// IP's rate-limit bucket on the user's shard (see [`crate::ratelimit`]). An `ip` that is
    /// not an IP address's text is `invalid_input`.
    pub async fn create_from(
        &self,
        id: SessionId,
        new: &NewSession,
        ip: Option<&str>,
        now: u64,
    ) -> Result<Issued, SessionError> {
        if ip.is_some_and(|ip| crate::ratelimit::ip_key(ip).is_none()) {
            return Err(SessionError::invalid(
                "ip must be an IP address (at most 45 characters of hex digits, '.' and ':')",
            ));
        }
        session::validate_user(&new.user)?;
        let placement = self.placement_for(&new.user);
        let record = session::create(&self.policy, &id, new, &placement, now)?;
        // The rate limit's IP: the one given, else the client's recorded at sign-in.
        let ip = ip.or(Some(new.client.ip.as_str()).filter(|ip| !ip.is_empty()));
        let op = ShardOp::SignIn {
            record: record.clone(),
            now,
            ip: ip.map(str::to_owned),
            events: self.on_event.is_some(),
        };
        match self.run(&placement.shard, op).await? {
            Reply::Done => self.issue(record, &id, now),
            other => Err(unexpected(&other)),
        }
    }

    async fn authenticated(
        &self,
        token: &str,
        client: &Client,
        now: u64,
        then: Then,
    ) -> Result<(Authenticated, Option<Reply>), SessionError> {
        self.authenticated_within(token, None, client, now, then)
            .await
    }

    async fn authenticated_within(
        &self,
        token: &str,
        max_auth_age: Option<u64>,
        client: &Client,
        now: u64,
        then: Then,
    ) -> Result<(Authenticated, Option<Reply>), SessionError> {
        if let Some(age) = max_auth_age {
            session::validate_max_auth_age(age)?;
        }
        let claims = self.verify(token, now)?;
        let key = claims.session_id.storage_key();
        let op = ShardOp::Authenticate {
            key,
            now,
            max_auth_age,
            then,
            client: client.clone(),
        };
        match self.run(&claims.shard, op).await? {
            Reply::Session {
                record,
                touched,
                then,
                hops,
            } => {
                let successor = match hops {
                    0 => None,
                    n => {
                        let id = self.successor_of(&claims.session_id, n, &record.id_hash)?;
                        Some(self.issue(record.clone(), &id, now)?)
                    }
                };
                Ok((
                    Authenticated {
                        record,
                        claims,
                        touched,
                        successor,
                    },
                    then.map(|b| *b),
                ))
            }
            other => Err(unexpected(&other)),
        }
    }

    /// The id `hops` rotations after `id` whose key is `target` (derived with one key of the
    /// ring throughout, the primary first); `NotFound` when no key gives it (a key retired or
    /// a primary change inside the grace window: the old token fails closed).
    fn successor_of(
        &self,
        id: &SessionId,
        hops: u8,
        target: &IdHash,
    ) -> Result<SessionId, SessionError> {
        let keys = self.keyring.successor_ids(id).len();
        for k in 0..keys {
            let mut cur = id.clone();
            for _ in 0..hops {
                match self.keyring.successor_ids(&cur).get(k) {
                    Some(next) => cur = next.clone(),
                    None => break,
                }
            }
            if cur.storage_key() == *target {
                return Ok(cur);
            }
        }
        Err(SessionError::NotFound)
    }

    /// Verifies `token`, loads its session from the shard the token names, checks expiry and
    /// refreshes `last_seen` when the touch interval has passed: one shard call.
    async fn authenticate_as(
        &self,
        client: &Client,
        token: &str,
        now: u64,
    ) -> Result<Authenticated, SessionError> {
        Ok(self
            .authenticated(token, client, now, Then::Nothing)
            .await?
            .0)
    }

    /// [`SessionManager::authenticate`] for a sensitive action: the user must have
    /// authenticated (signed in or re-authenticated) at most `max_auth_age` seconds ago, else
    /// [`SessionError::ReauthRequired`] (401 `reauth_required`; the session stays valid). One
    /// shard call; a `max_auth_age` over [`MAX_AUTH_AGE`](crate::limits::MAX_AUTH_AGE) is
    /// `invalid_input` before any.
    async fn authenticate_fresh_as(
        &self,
        client: &Client,
        token: &str,
        max_auth_age: u64,
        now: u64,
    ) -> Result<Authenticated, SessionError> {
        Ok(self
            .authenticated_within(token, Some(max_auth_age), client, now, Then::Nothing)
            .await?
            .0)
    }

    /// Marks the token's session freshly authenticated at `now` (after the caller checked the
    /// user's credentials again): same id and token, `authenticated_at = now`, version bumped.
    /// One shard call.
    async fn reauthenticate_as(
        &self,
        client: &Client,
        token: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        let claims = self.verify(token, now)?;
        let op = ShardOp::Reauthenticate {
            key: claims.session_id.storage_key(),
            now,
            client: client.clone(),
        };
        Self::session_reply(self.run(&claims.shard, op).await?)
    }

    fn session_reply(reply: Reply) -> Result<SessionRecord, SessionError> {
        match reply {
            Reply::Session { record, .. } => Ok(record),
            other => Err(unexpected(&other)),
        }
    }

    /// Replaces the session's data if `expected_version` is current; returns the new record.
    async fn update_as(
        &self,
        client: &Client,
        token: &str,
        expected_version: u64,
        data: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        let claims = self.verify(token, now)?;
        let op = ShardOp::Update {
            key: claims.session_id.storage_key(),
            version: expected_version,
            data: data.to_owned(),
            now,
            client: client.clone(),
        };
        Self::session_reply(self.run(&claims.shard, op).await?)
    }

    /// Moves the session to a new id (data kept) and issues its token.
    ///
    /// Without a grace window (`rotation_grace: 0`) the new id is `new_id` and the old token
    /// is dead at once. With one, the new id is derived from the old
    /// ([`Keyring::successor_ids`], so `new_id` is not used): the old token keeps
    /// authenticating for `rotation_grace` seconds as its successor, and every rotation of one
    /// id, concurrent or repeated with the old token, answers with the same successor.
    async fn rotate_as(
        &self,
        client: &Client,
        token: &str,
        new_id: SessionId,
        now: u64,
    ) -> Result<Issued, SessionError> {
        let claims = self.verify(token, now)?;
        let new_id = if self.policy.rotation_grace > 0 {
            self.keyring
                .successor_ids(&claims.session_id)
                .into_iter()
                .next()
                .ok_or_else(|| SessionError::Config("keyring has no signing key".into()))?
        } else {
            new_id
        };
        let op = ShardOp::Rotate {
            key: claims.session_id.storage_key(),
            new_key: new_id.storage_key(),
            now,
            client: client.clone(),
        };
        match self.run(&claims.shard, op).await? {
            Reply::Session {
                record, hops: 0, ..
            } if record.id_hash == new_id.storage_key() => self.issue(record, &new_id, now),
            Reply::Session { record, hops, .. } => {
                let hops = hops.max(1);
                let id = self.successor_of(&claims.session_id, hops, &record.id_hash)?;
                self.issue(record, &id, now)
            }
            other => Err(unexpected(&other)),
        }
    }

    /// Signs out: deletes the token's session. Idempotent for an authentic token.
    pub async fn destroy(&self, token: &str, now: u64) -> Result<(), SessionError> {
        let claims = self.verify(token, now)?;
        let op = ShardOp::SignOut {
            key: claims.session_id.storage_key(),
            now,
        };
        match self.run(&claims.shard, op).await? {
            Reply::Deleted { .. } => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    fn records(reply: Reply) -> Result<Vec<SessionRecord>, SessionError> {
        match reply {
            Reply::Records { records } => Ok(records),
            other => Err(unexpected(&other)),
        }
    }

    fn count(reply: Reply) -> Result<u64, SessionError> {
        match reply {
            Reply::Count { n } => Ok(n),
            other => Err(unexpected(&other)),
        }
    }

    /// The shards of `user` other than `done`, for the epoch fan-out.
    fn other_shards(&self, user: &str, done: &str) -> Result<Vec<String>, SessionError> {
        let mut shards = self.user_shards(user)?;
        shards.retain(|s| s != done);
        Ok(shards)
    }

    async fn list_shards(
        &self,
        user: &str,
        shards: Vec<String>,
        now: u64,
        mut out: Vec<SessionRecord>,
    ) -> Result<Vec<SessionRecord>, SessionError> {
        for shard in shards {
            let op = ShardOp::List {
                user: user.to_owned(),
                now,
            };
            out.extend(Self::records(self.run(&shard, op).await?)?);
        }
        Ok(decide::list(out, user, now, usize::MAX))
    }

    /// The live sessions of `user` on every shard of the recent epochs, in
    /// [`decide::list_order`]: one call per shard.
    pub async fn list_user(
        &self,
        user: &str,
        now: u64,
    ) -> Result<Vec<SessionRecord>, SessionError> {
        session::validate_user(user)?;
        self.list_shards(user, self.user_shards(user)?, now, Vec::new())
            .await
    }

    /// The token's session and all sessions of its user: one call to the token's shard, plus
    /// one per other shard the user had in the recent epochs.
    async fn list_own_as(
        &self,
        client: &Client,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<SessionRecord>), SessionError> {
        let (auth, then) = self.authenticated(token, client, now, Then::List).await?;
        let first = Self::records(then.ok_or_else(missing_then)?)?;
        let user = auth.record.user.clone();
        let others = self.other_shards(&user, &auth.claims.shard)?;
        let all = self.list_shards(&user, others, now, first).await?;
        Ok((auth, all))
    }

    async fn revoke_shards(
        &self,
        user: &str,
        shards: Vec<String>,
        reason: Reason,
        now: u64,
    ) -> Result<u64, SessionError> {
        let mut n = 0;
        for shard in shards {
            let op = ShardOp::RevokeUser {
                user: user.to_owned(),
                now,
                reason,
            };
            n += Self::count(self.run(&shard, op).await?)?;
        }
        Ok(n)
    }

    /// Signs `user` out everywhere (the server's decision: tombstones say `admin`); returns
    /// how many sessions were deleted.
    pub async fn revoke_user(&self, user: &str, now: u64) -> Result<u64, SessionError> {
        session::validate_user(user)?;
        self.revoke_shards(user, self.user_shards(user)?, Reason::Admin, now)
            .await
    }

    async fn history_shards(
        &self,
        user: &str,
        shards: Vec<String>,
        now: u64,
        mut out: Vec<Ended>,
    ) -> Result<Vec<Ended>, SessionError> {
        for shard in shards {
            let op = ShardOp::History {
                user: user.to_owned(),
                now,
            };
            match self.run(&shard, op).await? {
                Reply::History { ended } => out.extend(ended),
                other => return Err(unexpected(&other)),
            }
        }
        // Stable: each shard's list is newest first already.
        crate::sort::sort_by_key(&mut out, |e| std::cmp::Reverse(e.ended_at));
        out.truncate(self.policy.history_max);
        Ok(out)
    }

    /// The kept tombstones of `user` (every end of a session, with its reason), newest first,
    /// at most `history_max`: one call per shard of the recent epochs.
    pub async fn history(&self, user: &str, now: u64) -> Result<Vec<Ended>, SessionError> {
        session::validate_user(user)?;
        self.history_shards(user, self.user_shards(user)?, now, Vec::new())
            .await
    }

    async fn history_own_as(
        &self,
        client: &Client,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<Ended>), SessionError> {
        let (auth, then) = self
            .authenticated(token, client, now, Then::History)
            .await?;
        let first = match then.ok_or_else(missing_then)? {
            Reply::History { ended } => ended,
            other => return Err(unexpected(&other)),
        };
        let user = auth.record.user.clone();
        let others = self.other_shards(&user, &auth.claims.shard)?;
        let all = self.history_shards(&user, others, now, first).await?;
        Ok((auth, all))
    }

    /// Signs the token's user out everywhere: one call to the token's shard, plus one per other
    /// shard of the recent epochs. Returns the session that asked and the count.
    async fn revoke_own_user_as(
        &self,
        client: &Client,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, u64), SessionError> {
        let (auth, then) = self
            .authenticated(token, client, now, Then::RevokeUser)
            .await?;
        let first = Self::count(then.ok_or_else(missing_then)?)?;
        let user = auth.record.user.clone();
        let others = self.other_shards(&user, &auth.claims.shard)?;
        let rest = self
            .revoke_shards(&user, others, Reason::RevokedAll, now)
            .await?;
        Ok((auth, first + rest))
    }

    async fn revoke_on(
        &self,
        user: &str,
        id_hash: &IdHash,
        shards: Vec<String>,
        reason: Reason,
        now: u64,
    ) -> Result<bool, SessionError> {
        for shard in shards {
            let op = ShardOp::Revoke {
                user: user.to_owned(),
                key: id_hash.clone(),
                now,
                reason,
            };
            match self.run(&shard, op).await? {
                Reply::Revoked {
                    outcome: Revoked::Absent,
                } => continue,
                Reply::Revoked { outcome } => return Ok(outcome == Revoked::Deleted),
                other => return Err(unexpected(&other)),
            }
        }
        Ok(false)
    }

    /// Deletes one session of `user` by its id hash (as listed; the tombstone says `admin`);
    /// `false` if there is none.
    pub async fn revoke(
        &self,
        user: &str,
        id_hash: &IdHash,
        now: u64,
    ) -> Result<bool, SessionError> {
        session::validate_user(user)?;
        self.revoke_on(user, id_hash, self.user_shards(user)?, Reason::Admin, now)
            .await
    }

    /// Ends one session of the token's user by its id hash: one call to the token's shard
    /// (where the user's sessions usually are), then the other shards of the recent epochs
    /// until one holds it. Returns the session that asked and whether one was ended.
    async fn revoke_own_as(
        &self,
        client: &Client,
        token: &str,
        id_hash: &IdHash,
        now: u64,
    ) -> Result<(Authenticated, bool), SessionError> {
        let then = Then::Revoke {
            key: id_hash.clone(),
        };
        let (auth, reply) = self.authenticated(token, client, now, then).await?;
        let found = match reply.ok_or_else(missing_then)? {
            Reply::Revoked {
                outcome: Revoked::Absent,
            } => {
                let user = auth.record.user.clone();
                let others = self.other_shards(&user, &auth.claims.shard)?;
                self.revoke_on(&user, id_hash, others, Reason::Revoked, now)
                    .await?
            }
            Reply::Revoked { outcome } => outcome == Revoked::Deleted,
            other => return Err(unexpected(&other)),
        };
        Ok((auth, found))
    }
}

impl<R: ShardRouter> SessionManager<R> {
    /// Verifies `token`, loads its session from the shard the token names, checks expiry and
    /// refreshes `last_seen` when the touch interval has passed: one shard call.
    pub async fn authenticate(&self, token: &str, now: u64) -> Result<Authenticated, SessionError> {
        self.authenticate_as(&UNKNOWN, token, now).await
    }

    /// [`SessionManager::authenticate`] for a sensitive action: the user must have
    /// authenticated (signed in or re-authenticated) at most `max_auth_age` seconds ago, else
    /// [`SessionError::ReauthRequired`] (401 `reauth_required`; the session stays valid). One
    /// shard call; a `max_auth_age` over [`MAX_AUTH_AGE`](crate::limits::MAX_AUTH_AGE) is
    /// `invalid_input` before any.
    pub async fn authenticate_fresh(
        &self,
        token: &str,
        max_auth_age: u64,
        now: u64,
    ) -> Result<Authenticated, SessionError> {
        self.authenticate_fresh_as(&UNKNOWN, token, max_auth_age, now)
            .await
    }

    /// Marks the token's session freshly authenticated at `now` (after the caller checked the
    /// user's credentials again): same id and token, `authenticated_at = now`, version bumped.
    /// One shard call.
    pub async fn reauthenticate(
        &self,
        token: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        self.reauthenticate_as(&UNKNOWN, token, now).await
    }

    /// Replaces the session's data if `expected_version` is current; returns the new record.
    pub async fn update(
        &self,
        token: &str,
        expected_version: u64,
        data: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        self.update_as(&UNKNOWN, token, expected_version, data, now)
            .await
    }

    /// Moves the session to a new id (data kept) and issues its token.
    ///
    /// Without a grace window (`rotation_grace: 0`) the new id is `new_id` and the old token
    /// is dead at once. With one, the new id is derived from the old
    /// ([`Keyring::successor_ids`], so `new_id` is not used): the old token keeps
    /// authenticating for `rotation_grace` seconds as its successor, and every rotation of one
    /// id, concurrent or repeated with the old token, answers with the same successor.
    pub async fn rotate(
        &self,
        token: &str,
        new_id: SessionId,
        now: u64,
    ) -> Result<Issued, SessionError> {
        self.rotate_as(&UNKNOWN, token, new_id, now).await
    }

    /// The token's session and all sessions of its user: one call to the token's shard, plus
    /// one per other shard the user had in the recent epochs.
    pub async fn list_own(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<SessionRecord>), SessionError> {
        self.list_own_as(&UNKNOWN, token, now).await
    }

    /// Signs the token's user out everywhere: one call to the token's shard, plus one per other
    /// shard of the recent epochs. Returns the session that asked and the count.
    pub async fn revoke_own_user(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, u64), SessionError> {
        self.revoke_own_user_as(&UNKNOWN, token, now).await
    }

    /// The token's session and its user's tombstones, newest first: one call to the token's
    /// shard, plus one per other shard of the recent epochs.
    pub async fn history_own(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<Ended>), SessionError> {
        self.history_own_as(&UNKNOWN, token, now).await
    }

    /// Ends one session of the token's user by its id hash: one call to the token's shard
    /// (where the user's sessions usually are), then the other shards of the recent epochs
    /// until one holds it. Returns the session that asked and whether one was ended.
    pub async fn revoke_own(
        &self,
        token: &str,
        id_hash: &IdHash,
        now: u64,
    ) -> Result<(Authenticated, bool), SessionError> {
        self.revoke_own_as(&UNKNOWN, token, id_hash, now).await
    }
}

/// The token calls of a [`SessionManager`] for a request from one client
/// ([`SessionManager::with_client`]): the same calls, with the client compared by the policy's
/// `bind_ip` / `bind_ua` inside the same shard call.
pub struct WithClient<'a, R: ShardRouter> {
    manager: &'a SessionManager<R>,
    client: &'a Client,
}

impl<R: ShardRouter> WithClient<'_, R> {
    /// [`SessionManager::authenticate`].
    pub async fn authenticate(&self, token: &str, now: u64) -> Result<Authenticated, SessionError> {
        self.manager.authenticate_as(self.client, token, now).await
    }

    /// [`SessionManager::authenticate_fresh`].
    pub async fn authenticate_fresh(
        &self,
        token: &str,
        max_auth_age: u64,
        now: u64,
    ) -> Result<Authenticated, SessionError> {
        self.manager
            .authenticate_fresh_as(self.client, token, max_auth_age, now)
            .await
    }

    /// [`SessionManager::reauthenticate`].
    pub async fn reauthenticate(
        &self,
        token: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        self.manager
            .reauthenticate_as(self.client, token, now)
            .await
    }

    /// [`SessionManager::update`].
    pub async fn update(
        &self,
        token: &str,
        expected_version: u64,
        data: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        self.manager
            .update_as(self.client, token, expected_version, data, now)
            .await
    }

    /// [`SessionManager::rotate`].
    pub async fn rotate(
        &self,
        token: &str,
        new_id: SessionId,
        now: u64,
    ) -> Result<Issued, SessionError> {
        self.manager
            .rotate_as(self.client, token, new_id, now)
            .await
    }

    /// [`SessionManager::list_own`].
    pub async fn list_own(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<SessionRecord>), SessionError> {
        self.manager.list_own_as(self.client, token, now).await
    }

    /// [`SessionManager::revoke_own_user`].
    pub async fn revoke_own_user(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, u64), SessionError> {
        self.manager
            .revoke_own_user_as(self.client, token, now)
            .await
    }

    /// [`SessionManager::history_own`].
    pub async fn history_own(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Authenticated, Vec<Ended>), SessionError> {
        self.manager.history_own_as(self.client, token, now).await
    }

    /// [`SessionManager::revoke_own`].
    pub async fn revoke_own(
        &self,
        token: &str,
        id_hash: &IdHash,
        now: u64,
    ) -> Result<(Authenticated, bool), SessionError> {
        self.manager
            .revoke_own_as(self.client, token, id_hash, now)
            .await
    }
}

fn missing_then() -> SessionError {
    SessionError::Store(StoreError::Corrupt("shard reply lacks `then`".into()))
}
