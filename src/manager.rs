//! The session manager: the lifecycle rules of [`crate::session`] applied over a sharded store.
//!
//! It verifies tokens with the [`Keyring`], places new sessions with the [`Ring`] (by user id,
//! so one user's sessions share a shard), routes existing ones by the shard written into their
//! verified token (a ring change never strands a session), and refuses stale writes. Time and
//! fresh ids come in as arguments; the worker and the JS binding supply them.

use crate::error::SessionError;
use crate::id::{IdHash, SessionId};
use crate::keyring::Keyring;
use crate::policy::Policy;
use crate::ring::Ring;
use crate::session::{self, NewSession, Placement, SessionRecord};
use crate::store::{SessionStore, ShardRouter};
use crate::token::Claims;

/// How many recent ring epochs `list_user`/`revoke_user` look through for a user's shards.
pub const MAX_HISTORY_EPOCHS: u32 = 64;

/// A session just issued: the record stored and the token to hand out.
#[derive(Clone, Debug)]
pub struct Issued {
    /// The stored record.
    pub record: SessionRecord,
    /// The signed token (the cookie value). A bearer secret: never log it.
    pub token: String,
    /// Seconds the cookie should live (until the session's hard cap).
    pub max_age: u64,
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
}

/// Sessions over the stores of a [`ShardRouter`].
pub struct SessionManager<R: ShardRouter> {
    keyring: Keyring,
    policy: Policy,
    router: R,
    ring: Ring,
    /// Rings of the recent epochs, newest first (the current one included).
    history: Vec<Ring>,
}

impl<R: ShardRouter> SessionManager<R> {
    /// A manager; fails with [`SessionError::Config`] on an invalid policy or ring history.
    pub fn new(
        keyring: Keyring,
        ring: Ring,
        policy: Policy,
        router: R,
    ) -> Result<Self, SessionError> {
        policy
            .validate()
            .map_err(|e| SessionError::Config(e.to_string()))?;
        let current = ring.epoch();
        let oldest = current.saturating_sub(MAX_HISTORY_EPOCHS - 1).max(1);
        let mut history = Vec::new();
        for epoch in (oldest..current).rev() {
            history.push(
                ring.at_epoch(epoch)
                    .map_err(|e| SessionError::Config(format!("ring history: {e}")))?,
            );
        }
        history.insert(0, ring.clone());
        Ok(Self {
            keyring,
            policy,
            router,
            ring,
            history,
        })
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
    pub fn user_shards(&self, user: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for ring in &self.history {
            let s = ring.locate(user.as_bytes());
            if !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        }
        out
    }

    fn store(&self, shard: &str) -> Result<R::Store, SessionError> {
        self.router.store(shard).map_err(SessionError::from)
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
        let max_age = session::cookie_max_age(&record, now);
        Ok(Issued {
            record,
            token,
            max_age,
        })
    }

    /// Signs in: stores a new session for `new.user` under the fresh `id` and issues its token.
    /// If the user already holds `max_sessions_per_user` sessions on the shard, the least
    /// recently used ones are ended first.
    pub async fn create(
        &self,
        id: SessionId,
        new: &NewSession,
        now: u64,
    ) -> Result<Issued, SessionError> {
        session::validate_user(&new.user)?;
        let placement = self.placement_for(&new.user);
        let record = session::create(&self.policy, &id, new, &placement, now)?;
        let store = self.store(&placement.shard)?;
        let live = store.list_by_user(&new.user, now).await?;
        for key in session::sessions_to_evict(&self.policy, &live) {
            store.delete(&key).await?;
        }
        store.create(&record).await?;
        self.issue(record, &id, now)
    }

    /// Verifies `token`, loads its session from the shard the token names, checks expiry and
    /// refreshes `last_seen` when the touch interval has passed.
    pub async fn authenticate(&self, token: &str, now: u64) -> Result<Authenticated, SessionError> {
        let verified = self
            .keyring
            .verify(token, now)
            .map_err(|_| SessionError::InvalidToken)?;
        let claims = verified.claims;
        let store = self.store(&claims.shard)?;
        let key = claims.session_id.storage_key();
        let mut record = store.get(&key, now).await?.ok_or(SessionError::NotFound)?;
        session::check_alive(&record, &claims.session_id, now)?;
        let mut touched = false;
        if let Some(next) = session::touch(&self.policy, &record, now) {
            store
                .touch(&key, next.last_seen, next.idle_expires_at)
                .await?;
            record = next;
            touched = true;
        }
        Ok(Authenticated {
            record,
            claims,
            touched,
        })
    }

    /// Replaces the session's data if `expected_version` is current; returns the new record.
    pub async fn update(
        &self,
        token: &str,
        expected_version: u64,
        data: &str,
        now: u64,
    ) -> Result<SessionRecord, SessionError> {
        let auth = self.authenticate(token, now).await?;
        let next = session::update(&self.policy, &auth.record, expected_version, data, now)?;
        self.store(&auth.claims.shard)?
            .compare_and_set(&next, expected_version)
            .await?;
        Ok(next)
    }

    /// Moves the session to the fresh `new_id` (data kept, old token dead) and issues its token.
    pub async fn rotate(
        &self,
        token: &str,
        new_id: SessionId,
        now: u64,
    ) -> Result<Issued, SessionError> {
        let auth = self.authenticate(token, now).await?;
        let next = session::rotate(&self.policy, &auth.record, &new_id, now)?;
        self.store(&auth.claims.shard)?
            .replace(&auth.record.id_hash, auth.record.version, &next)
            .await?;
        self.issue(next, &new_id, now)
    }

    /// Signs out: deletes the token's session. Idempotent for an authentic token.
    pub async fn destroy(&self, token: &str, now: u64) -> Result<(), SessionError> {
        let verified = self
            .keyring
            .verify(token, now)
            .map_err(|_| SessionError::InvalidToken)?;
        let claims = verified.claims;
        self.store(&claims.shard)?
            .delete(&claims.session_id.storage_key())
            .await?;
        Ok(())
    }

    /// The live sessions of `user` on every shard of the recent epochs, oldest first.
    pub async fn list_user(
        &self,
        user: &str,
        now: u64,
    ) -> Result<Vec<SessionRecord>, SessionError> {
        session::validate_user(user)?;
        let mut out = Vec::new();
        for shard in self.user_shards(user) {
            out.extend(self.store(&shard)?.list_by_user(user, now).await?);
        }
        out.sort_by(|a, b| (a.created_at, &a.id_hash).cmp(&(b.created_at, &b.id_hash)));
        out.dedup_by(|a, b| a.id_hash == b.id_hash);
        Ok(out)
    }

    /// Signs `user` out everywhere; returns how many sessions were deleted.
    pub async fn revoke_user(&self, user: &str) -> Result<u64, SessionError> {
        session::validate_user(user)?;
        let mut n = 0;
        for shard in self.user_shards(user) {
            n += self.store(&shard)?.delete_by_user(user).await?;
        }
        Ok(n)
    }

    /// Deletes one session of `user` by its id hash (as listed); `false` if there is none.
    pub async fn revoke(
        &self,
        user: &str,
        id_hash: &IdHash,
        now: u64,
    ) -> Result<bool, SessionError> {
        session::validate_user(user)?;
        for shard in self.user_shards(user) {
            let store = self.store(&shard)?;
            if let Some(r) = store.get(id_hash, now).await? {
                if r.user == user {
                    return Ok(store.delete(id_hash).await?);
                }
                return Ok(false);
            }
        }
        Ok(false)
    }
}
