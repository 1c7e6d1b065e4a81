//! The audit trail: every end of a session leaves a tombstone ([`Ended`]) with its reason,
//! kept for `policy.history_days` and at most `policy.history_max` per user (the newest).
//!
//! A user's tombstones live on the shard where their sessions end, in one record of the
//! ordinary record shape ([`SessionRecord`]), so every store holds them with the calls it
//! already has (get, create, compare-and-set, expire) and the conformance suite proves it:
//!
//! - key: `SHA-256("edge-session/v1/history\0" || user)`, never a session's key;
//! - `user`: `"\u{1}history\u{1}" + user`: a control character no user id may hold, so no
//!   list, revoke-all or eviction of any user ever sees the record;
//! - `data`: `{"ended": [<tombstone>, ...]}`, newest first; `version` counts its writes
//!   (compare-and-set: a concurrent writer retries); both deadlines: the newest end plus the
//!   retention, so `expire` purges a trail nobody added to for that long.
//!
//! The shard op that ends a session writes its tombstone in the same call
//! ([`crate::shard`]). Everything here is pure.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::Client;
use crate::error::StoreError;
use crate::id::{IdHash, ID_HASH_LEN};
use crate::policy::Policy;
use crate::record::SessionRecord;

const KEY_PREFIX: &[u8] = b"edge-session/v1/history\0";
/// What the history record's `user` starts with (a control character: no user id has one).
pub const USER_PREFIX: &str = "\u{1}history\u{1}";
/// Seconds in a day.
const DAY: u64 = 24 * 60 * 60;

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The session's own sign-out.
    SignedOut,
    /// Ended from another session of the user ("sign out that device").
    Revoked,
    /// The user's "sign out everywhere" (asked with a session token).
    RevokedAll,
    /// Ended by the server: the admin route, or the manager's `revoke_user` / `revoke` by user.
    Admin,
    /// The id was rotated (the session lives on under its successor).
    Rotated,
    /// Ended by a sign-in beyond `max_sessions_per_user` (least recently used first).
    Evicted,
    /// Reached its idle or absolute deadline and was purged (where the store can list what
    /// it purges: memory and Durable Object shards).
    Expired,
}

impl Reason {
    /// Whether this end is a revocation that emits an event (every end but a rotation and an
    /// expiry, which no request asked for).
    pub fn emits(self) -> bool {
        !matches!(self, Reason::Rotated | Reason::Expired)
    }
}

/// A tombstone: one ended session, as the history lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ended {
    /// The session's id hash (as it was listed).
    pub id: IdHash,
    /// Its device label.
    pub device: String,
    /// Where its sign-in came from.
    #[serde(default)]
    pub client: Client,
    /// When it was created (unix seconds).
    pub created_at: u64,
    /// When it ended.
    pub ended_at: u64,
    /// Why.
    pub reason: Reason,
}

impl Ended {
    /// The tombstone of `record`, ended at `now` for `reason`.
    pub fn of(record: &SessionRecord, reason: Reason, now: u64) -> Ended {
        Ended {
            id: record.id_hash.clone(),
            device: record.device.clone(),
            client: record.client.clone(),
            created_at: record.created_at,
            ended_at: now,
            reason,
        }
    }
}

/// Something the manager reports to the shell's event hook: a sign-in from a device the
/// user's live sessions and history do not know, or a revocation ([`Reason::emits`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A sign-in from a new device (browser and OS, network).
    NewDevice {
        /// User id.
        user: String,
        /// The new session's id hash.
        id: IdHash,
        /// Its device label.
        device: String,
        /// Where it came from.
        client: Client,
        /// When (unix seconds).
        at: u64,
    },
    /// A session ended by a revocation (sign-out, revoke, revoke-all, admin, eviction).
    SessionEnded {
        /// User id.
        user: String,
        /// The tombstone written.
        ended: Ended,
    },
}

#[derive(Serialize, Deserialize, Default)]
struct Trail {
    ended: Vec<Ended>,
}

/// The key of `user`'s history record.
pub fn key(user: &str) -> IdHash {
    let digest = Sha256::new()
        .chain_update(KEY_PREFIX)
        .chain_update(user.as_bytes())
        .finalize();
    let mut out = [0u8; ID_HASH_LEN];
    out.copy_from_slice(&digest);
    IdHash::from_bytes(out)
}

/// Whether `policy` keeps a history at all (`history_days` > 0).
pub fn enabled(policy: &Policy) -> bool {
    policy.history_days > 0
}

fn retention(policy: &Policy) -> u64 {
    policy.history_days.saturating_mul(DAY)
}

/// The tombstones in a stored history record that are still kept at `now`, newest first. A
/// record that does not parse is corrupt.
pub fn entries(
    policy: &Policy,
    record: &SessionRecord,
    now: u64,
) -> Result<Vec<Ended>, StoreError> {
    let trail: Trail = serde_json::from_str(&record.data)
        .map_err(|_| StoreError::Corrupt("history record".into()))?;
    let keep = retention(policy);
    let mut out: Vec<Ended> = trail
        .ended
        .into_iter()
        .filter(|e| e.ended_at.saturating_add(keep) > now)
        .collect();
    crate::sort::sort_by_key(&mut out, |e| std::cmp::Reverse(e.ended_at));
    out.truncate(policy.history_max);
    Ok(out)
}

/// The next history record of `user`: `stored` (its live entries) with `ended` added, the
/// newest `history_max` kept; version bumped, deadlines at the newest end plus the retention.
pub fn append(
    policy: &Policy,
    user: &str,
    stored: Option<&SessionRecord>,
    ended: &[Ended],
    now: u64,
) -> Result<SessionRecord, StoreError> {
    // The new ones first: of tombstones ended in the same second, the later written lists first.
    let mut all = ended.to_vec();
    if let Some(r) = stored {
        all.extend(entries(policy, r, now)?);
    }
    let p = Policy {
        history_days: policy.history_days,
        history_max: policy.history_max,
        ..Policy::default()
    };
    let data = serde_json::to_string(&Trail { ended: all })
        .map_err(|_| StoreError::Corrupt("history encode".into()))?;
    let record = SessionRecord {
        id_hash: key(user),
        user: format!("{USER_PREFIX}{user}"),
        device: String::new(),
        data,
        version: stored.map_or(1, |r| r.version.saturating_add(1)),
        created_at: stored.map_or(now, |r| r.created_at),
        last_seen: now,
        idle_expires_at: 0,
        absolute_expires_at: 0,
        shard: String::new(),
        epoch: 0,
        persistent: true,
        authenticated_at: now,
        successor: None,
        client: Client::default(),
    };
    // Sort and bound once more through `entries`, then fix the deadlines.
    let kept = entries(&p, &record, now)?;
    let newest = kept.first().map_or(now, |e| e.ended_at.max(now));
    let until = newest.saturating_add(retention(policy));
    Ok(SessionRecord {
        data: serde_json::to_string(&Trail { ended: kept })
            .map_err(|_| StoreError::Corrupt("history encode".into()))?,
        idle_expires_at: until,
        absolute_expires_at: until,
        ..record
    })
}

/// Whether `client` is a device `user` has not used: no live session and no kept tombstone
/// shares its browser and OS and its network. A client with nothing known is never new.
pub fn is_new_device<'a>(
    client: &Client,
    live: impl IntoIterator<Item = &'a Client>,
    ended: &[Ended],
) -> bool {
    if client.agent.is_empty() && client.ip.is_empty() {
        return false;
    }
    let same = |c: &Client| {
        c.agent == client.agent
            && (c.ip == client.ip || crate::client::same_network(&c.ip, &client.ip))
    };
    !live.into_iter().any(same) && !ended.iter().any(|e| same(&e.client))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::SessionId;

    fn ended(n: u8, at: u64, reason: Reason) -> Ended {
        Ended {
            id: SessionId::from_bytes([n; 16]).storage_key(),
            device: format!("d{n}"),
            client: Client::default(),
            created_at: at.saturating_sub(10),
            ended_at: at,
            reason,
        }
    }

    fn policy(days: u64, max: usize) -> Policy {
        Policy {
            history_days: days,
            history_max: max,
            ..Policy::default()
        }
    }

    #[test]
    fn append_keeps_the_newest_within_the_count_and_the_days() {
        let p = policy(1, 3);
        let t0 = 1_000_000;
        let mut rec = append(&p, "u", None, &[ended(1, t0, Reason::SignedOut)], t0).unwrap();
        assert_eq!(rec.user, "\u{1}history\u{1}u");
        assert_eq!(rec.id_hash, key("u"));
        assert_ne!(key("u"), key("v"));
        assert_eq!(rec.expires_at(), t0 + DAY);
        for n in 2..=5 {
            let next = append(
                &p,
                "u",
                Some(&rec),
                &[ended(n, t0 + u64::from(n), Reason::Revoked)],
                t0 + 5,
            )
            .unwrap();
            assert_eq!(next.version, rec.version + 1);
            rec = next;
        }
        let kept = entries(&p, &rec, t0 + 5).unwrap();
        let devices: Vec<&str> = kept.iter().map(|e| e.device.as_str()).collect();
        assert_eq!(
            devices,
            ["d5", "d4", "d3"],
            "newest first, at most history_max"
        );
        // A day after the newest end nothing is kept, and the record itself has expired.
        assert!(entries(&p, &rec, t0 + 5 + DAY).unwrap().is_empty());
        assert!(!rec.is_alive(t0 + 5 + DAY));
        let mut bad = rec.clone();
        bad.data = "[".into();
        assert!(entries(&p, &bad, t0).is_err());
    }

    #[test]
    fn new_devices_and_which_reasons_emit() {
        let laptop = Client::lenient(Some("203.0.113.7"), Some("curl/8"), None, None);
        let same_net_v6 = Client::lenient(Some("2001:db8::1"), Some("curl/8"), None, None);
        let other = Client::lenient(Some("198.51.100.1"), Some("curl/8"), None, None);
        assert!(is_new_device(&laptop, [], &[]));
        assert!(!is_new_device(&laptop, [&laptop], &[]));
        let mut gone = ended(1, 5, Reason::SignedOut);
        gone.client = laptop.clone();
        assert!(!is_new_device(&laptop, [], std::slice::from_ref(&gone)));
        assert!(is_new_device(&other, [&laptop], &[gone]));
        let v6b = Client::lenient(Some("2001:db8::2"), Some("curl/8"), None, None);
        assert!(!is_new_device(&v6b, [&same_net_v6], &[]), "same /64");
        assert!(!is_new_device(&Client::default(), [], &[]));
        assert!(Reason::Revoked.emits() && Reason::Evicted.emits() && Reason::SignedOut.emits());
        assert!(!Reason::Rotated.emits() && !Reason::Expired.emits());
        assert_eq!(
            serde_json::to_value(Reason::RevokedAll).unwrap(),
            "revoked_all"
        );
    }
}
