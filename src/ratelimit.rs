//! Sign-in rate limits: a token bucket per user and per client IP, as a pure function of the
//! stored state, the time and the policy.
//!
//! A bucket holds at most `burst` tokens and gains one every `refill` seconds. A sign-in takes
//! one token from the user's bucket and one from the IP's; when either is empty the sign-in is
//! refused with `rate_limited` (HTTP 429) and the seconds until the next token (`Retry-After`),
//! and neither bucket is charged. A bucket that was never used is full. The state is two
//! integers (`tokens`, and `updated`, the time the last token was added), kept by the store next
//! to the sessions of the shard ([`crate::store::SessionStore::get_bucket`]): in the Durable
//! Object shard's SQLite, so the check runs inside the same shard call as the sign-in.
//!
//! ```
//! use edge_session::ratelimit::{take, Limit, Taken};
//!
//! let limit = Limit { burst: 2, refill: 10 };
//! let Taken::Allowed(s) = take(&limit, None, 100) else { panic!() };
//! let Taken::Allowed(s) = take(&limit, Some(s), 100) else { panic!() };
//! assert_eq!(take(&limit, Some(s), 104), Taken::Limited { retry_after: 6 });
//! assert!(matches!(take(&limit, Some(s), 110), Taken::Allowed(_))); // one token back
//! ```

use serde::{Deserialize, Serialize};

/// Largest burst a limit may allow.
pub const MAX_BURST: u64 = 10_000;
/// Longest refill interval a limit may name (one day).
pub const MAX_REFILL: u64 = 24 * 60 * 60;
/// Longest bucket key (a prefix and a user id or an IP), in bytes.
pub const MAX_BUCKET_KEY_LEN: usize = 16 + crate::limits::MAX_USER_LEN;
/// Longest client IP accepted as a bucket key (an IPv6 text form is at most 45 characters).
pub const MAX_IP_LEN: usize = 45;

/// One bucket's shape: `burst` tokens at most, one more every `refill` seconds. `burst` 0 turns
/// the limit off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Most tokens the bucket holds (0: no limit).
    pub burst: u64,
    /// Seconds per new token (1 ..= [`MAX_REFILL`]).
    pub refill: u64,
}

/// A bucket as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketState {
    /// Tokens left.
    pub tokens: u64,
    /// When the last token was added (unix seconds): refills count from here.
    pub updated: u64,
}

impl BucketState {
    /// When this bucket is full again and may be forgotten (a missing bucket is full).
    pub fn expires_at(&self, limit: &Limit) -> u64 {
        let missing = limit.burst.saturating_sub(self.tokens);
        self.updated
            .saturating_add(missing.saturating_mul(limit.refill))
    }

    /// The text form stores keep: `"<tokens>:<updated>"`.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.tokens, self.updated)
    }

    /// Parses [`BucketState::to_text`]; `None` for anything else (at most 41 bytes).
    pub fn from_text(text: &str) -> Option<BucketState> {
        if text.len() > 41 {
            return None;
        }
        let (t, u) = text.split_once(':')?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(t) || !digits(u) {
            return None;
        }
        Some(BucketState {
            tokens: t.parse().ok()?,
            updated: u.parse().ok()?,
        })
    }
}

/// What [`take`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// A token was taken: store this state.
    Allowed(BucketState),
    /// The bucket is empty: refuse, and say when to retry (seconds, at least 1).
    Limited {
        /// Seconds until the next token.
        retry_after: u64,
    },
}

/// The bucket at `now`: refilled by the whole intervals since `updated` (never above `burst`;
/// a clock that went back refills nothing).
pub fn refill(limit: &Limit, state: Option<BucketState>, now: u64) -> BucketState {
    let Some(s) = state else {
        return BucketState {
            tokens: limit.burst,
            updated: now,
        };
    };
    let refill = limit.refill.max(1);
    let gained = now.saturating_sub(s.updated) / refill;
    let tokens = s.tokens.saturating_add(gained).min(limit.burst);
    let updated = if tokens >= limit.burst {
        now.max(s.updated)
    } else {
        s.updated + gained * refill
    };
    BucketState { tokens, updated }
}

/// Takes one token from the bucket at `now`, or says how long until one is there.
pub fn take(limit: &Limit, state: Option<BucketState>, now: u64) -> Taken {
    let s = refill(limit, state, now);
    if s.tokens > 0 {
        return Taken::Allowed(BucketState {
            tokens: s.tokens - 1,
            updated: s.updated,
        });
    }
    let next = s.updated.saturating_add(limit.refill.max(1));
    Taken::Limited {
        retry_after: next.saturating_sub(now).max(1),
    }
}

/// The bucket key of a user's sign-ins.
pub fn user_key(user: &str) -> String {
    format!("signin:u:{user}")
}

/// The bucket key of an IP's sign-ins, or `None` if `ip` is not an IP address's text
/// (at most [`MAX_IP_LEN`] bytes of hex digits, `.` and `:`).
pub fn ip_key(ip: &str) -> Option<String> {
    let ok = !ip.is_empty()
        && ip.len() <= MAX_IP_LEN
        && ip
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':');
    ok.then(|| format!("signin:ip:{}", ip.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const L: Limit = Limit {
        burst: 3,
        refill: 10,
    };

    fn drain(limit: &Limit, mut s: Option<BucketState>, now: u64) -> (u64, Option<BucketState>) {
        let mut n = 0;
        while let Taken::Allowed(next) = take(limit, s, now) {
            s = Some(next);
            n += 1;
            assert!(n <= limit.burst);
        }
        (n, s)
    }

    #[test]
    fn burst_then_refill_one_per_interval() {
        let (n, s) = drain(&L, None, 1000);
        assert_eq!(n, 3);
        assert_eq!(take(&L, s, 1000), Taken::Limited { retry_after: 10 });
        assert_eq!(take(&L, s, 1009), Taken::Limited { retry_after: 1 });
        let Taken::Allowed(s2) = take(&L, s, 1010) else {
            panic!()
        };
        assert_eq!(take(&L, Some(s2), 1012), Taken::Limited { retry_after: 8 });
        // A long pause refills to the burst, never beyond.
        assert_eq!(drain(&L, Some(s2), 5000).0, 3);
    }

    #[test]
    fn clock_going_back_refills_nothing_and_never_panics() {
        let (_, s) = drain(&L, None, 1000);
        assert!(matches!(take(&L, s, 0), Taken::Limited { .. }));
        let max = Limit {
            burst: MAX_BURST,
            refill: MAX_REFILL,
        };
        let _ = take(
            &max,
            Some(BucketState {
                tokens: 0,
                updated: u64::MAX,
            }),
            0,
        );
        let _ = take(
            &max,
            Some(BucketState {
                tokens: u64::MAX,
                updated: 0,
            }),
            u64::MAX,
        );
    }

    #[test]
    fn text_form_round_trips_and_refuses_junk() {
        let s = BucketState {
            tokens: 7,
            updated: 1_767_225_600,
        };
        assert_eq!(BucketState::from_text(&s.to_text()), Some(s));
        for bad in ["", ":", "1:", ":1", "a:1", "1:2:3", "-1:2", &"9".repeat(42)] {
            assert_eq!(BucketState::from_text(bad), None, "{bad}");
        }
        assert_eq!(s.expires_at(&L), 1_767_225_600);
        assert_eq!(
            BucketState {
                tokens: 0,
                updated: 5
            }
            .expires_at(&L),
            35
        );
    }

    #[test]
    fn keys() {
        assert_eq!(user_key("alice"), "signin:u:alice");
        assert_eq!(
            ip_key("2001:DB8::1").as_deref(),
            Some("signin:ip:2001:db8::1")
        );
        assert_eq!(
            ip_key("203.0.113.9").as_deref(),
            Some("signin:ip:203.0.113.9")
        );
        for bad in ["", "x y", "1.2.3.4; drop", &"1".repeat(46)] {
            assert_eq!(ip_key(bad), None, "{bad}");
        }
        assert!(user_key(&"u".repeat(128)).len() <= MAX_BUCKET_KEY_LEN);
    }

    proptest! {
        #[test]
        fn never_more_than_burst_plus_refills(
            burst in 1u64..50, refill in 1u64..100, steps in prop::collection::vec(0u64..200, 1..60)
        ) {
            let limit = Limit { burst, refill };
            let (mut s, mut now, mut allowed) = (None, 1_000u64, 0u64);
            for d in &steps {
                now += d;
                if let Taken::Allowed(next) = take(&limit, s, now) {
                    s = Some(next);
                    allowed += 1;
                }
            }
            prop_assert!(allowed <= burst + (now - 1_000) / refill);
        }
    }
}
