//! Signed session tokens (the cookie value).
//!
//! # Format, version 1
//!
//! ```text
//! token = base64url_nopad(body || tag)          RFC 4648 §5 alphabet, no '=' padding,
//!                                               canonical (unused trailing bits are zero)
//! tag   = HMAC-SHA256(key, "edge-session/v1/token\0" || body)      32 bytes
//!
//! body (all integers big-endian):
//!   offset  size        field
//!   0       1           version       0x01
//!   1       1           kid_len       1..=12
//!   2       kid_len     kid           [A-Za-z0-9_-]
//!   .       16          session_id    raw bytes
//!   .       1           shard_len     1..=32
//!   .       shard_len   shard         [A-Za-z0-9._-]
//!   .       4           epoch         u32
//!   .       8           issued_at     u64, unix seconds
//!   .       8           expires_at    u64, unix seconds
//!   .       2           payload_len   u16, 0..=2048 (0 for stateful tokens)
//!   .       payload_len payload       opaque bytes
//! ```
//!
//! The MAC input is the 22-byte prefix `edge-session/v1/token` followed by a NUL
//! byte, then the body; the key is the raw secret of the key named by `kid`.
//!
//! Sizes: the body is 41 fixed bytes plus kid, shard and payload; the tag adds 32.
//! The smallest token is 75 bytes (100 characters); the largest *stateful* token
//! (12-byte kid, 32-byte shard, no payload) is 117 bytes = 156 characters
//! ([`MAX_STATEFUL_TOKEN_LEN`], under 160 by a compile-time assertion); the largest
//! token of all is 2165 bytes = 2887 characters ([`MAX_TOKEN_LEN`]).
//!
//! Signing is deterministic: the same keyring and claims give the same string,
//! which is what lets `tests/vectors/tokens.json` pin the format on every runtime.
//!
//! # Example
//!
//! ```
//! use edge_session::{Claims, KeyState, Keyring, SessionId};
//!
//! let keys = Keyring::new(vec![
//!     ("k2".into(), vec![2; 32], KeyState::Primary),
//!     ("k1".into(), vec![1; 32], KeyState::Verify),
//! ])?;
//! let claims = Claims {
//!     session_id: SessionId::from_bytes([7; 16]), // SessionId::random()? in a shell
//!     shard: "s1".into(),
//!     epoch: 1,
//!     issued_at: 1_700_000_000,
//!     expires_at: 1_700_086_400,
//!     payload: vec![],
//! };
//! let token = keys.sign(&claims)?;
//! assert_eq!(token.len(), 103);
//! let ok = keys.verify(&token, 1_700_000_001).expect("valid");
//! assert_eq!((ok.kid.as_str(), &ok.claims), ("k2", &claims));
//! assert!(keys.verify(&token, 1_700_086_400).is_err()); // expired
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Verification
//!
//! [`Keyring::verify`] runs these steps in order and stops at the first failure,
//! returning the single opaque [`InvalidToken`]:
//!
//! 1. the string is between [`MIN_TOKEN_LEN`] and [`MAX_TOKEN_LEN`] characters;
//! 2. strict base64url decode: no padding, no foreign characters, canonical trailing bits;
//! 3. at least 75 decoded bytes;
//! 4. version byte is `0x01`;
//! 5. the kid is read, only to look up the key: unknown or `retired` fails;
//! 6. one HMAC over prefix || body, compared in constant time (`verify_slice`)
//!    with the last 32 bytes;
//! 7. only now the other fields are parsed, strictly: lengths in range, shard
//!    characters valid, every byte consumed;
//! 8. time: `issued_at <= expires_at` and `now < expires_at`.

use core::fmt;

use hmac::Mac;

use crate::id::{SessionId, SESSION_ID_LEN};
use crate::keyring::{KeyState, Keyring, MAX_KID_LEN};

/// Version byte of the current format.
pub const TOKEN_VERSION: u8 = 0x01;
/// Largest payload, in bytes.
pub const MAX_PAYLOAD_LEN: usize = 2048;
/// Longest shard name, in bytes.
pub const MAX_SHARD_LEN: usize = 32;
/// Length of the HMAC-SHA256 tag, in bytes.
pub const TAG_LEN: usize = 32;

/// Body bytes that do not depend on kid, shard or payload:
/// version, kid_len, session id, shard_len, epoch, issued_at, expires_at, payload_len.
pub(crate) const FIXED_BODY_LEN: usize = 1 + 1 + SESSION_ID_LEN + 1 + 4 + 8 + 8 + 2;

/// Smallest decoded token: 1-byte kid, 1-byte shard, no payload, tag.
pub const MIN_TOKEN_BYTES: usize = FIXED_BODY_LEN + 1 + 1 + TAG_LEN;
/// Largest decoded token without payload.
pub const MAX_STATEFUL_TOKEN_BYTES: usize = FIXED_BODY_LEN + MAX_KID_LEN + MAX_SHARD_LEN + TAG_LEN;
/// Largest decoded token.
pub const MAX_TOKEN_BYTES: usize = MAX_STATEFUL_TOKEN_BYTES + MAX_PAYLOAD_LEN;

/// Characters of unpadded base64 for `n` bytes.
pub(crate) const fn b64_len(n: usize) -> usize {
    (n * 8).div_ceil(6)
}

/// Shortest token string.
pub const MIN_TOKEN_LEN: usize = b64_len(MIN_TOKEN_BYTES);
/// Longest stateful (empty payload) token string.
pub const MAX_STATEFUL_TOKEN_LEN: usize = b64_len(MAX_STATEFUL_TOKEN_BYTES);
/// Longest token string (with a full payload).
pub const MAX_TOKEN_LEN: usize = b64_len(MAX_TOKEN_BYTES);

const _: () = assert!(FIXED_BODY_LEN == 41);
const _: () = assert!(MIN_TOKEN_BYTES == 75 && MIN_TOKEN_LEN == 100);
const _: () = assert!(MAX_STATEFUL_TOKEN_BYTES == 117 && MAX_STATEFUL_TOKEN_LEN == 156);
const _: () = assert!(MAX_STATEFUL_TOKEN_LEN < 160);
const _: () = assert!(MAX_TOKEN_BYTES == 2165 && MAX_TOKEN_LEN == 2887);
const _: () = assert!(MAX_PAYLOAD_LEN <= u16::MAX as usize);
const _: () = assert!(MAX_SHARD_LEN <= u8::MAX as usize);

/// What a token says. Trust it only as returned inside [`Verified`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The session id (a secret; its `Debug` is redacted).
    pub session_id: SessionId,
    /// The shard holding the session: 1..=32 bytes of `[A-Za-z0-9._-]`.
    pub shard: String,
    /// The ring epoch the placement was computed under.
    pub epoch: u32,
    /// Issue time, unix seconds.
    pub issued_at: u64,
    /// Expiry, unix seconds; the token is valid while `now < expires_at`.
    pub expires_at: u64,
    /// Signed, not encrypted, data: 0..=2048 bytes, empty for stateful tokens.
    pub payload: Vec<u8>,
}

/// A token that passed [`Keyring::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The kid of the key that signed it (callers may re-issue when it is not primary).
    pub kid: String,
    /// The verified claims.
    pub claims: Claims,
}

/// The one verification failure. It deliberately says nothing about why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidToken;

impl InvalidToken {
    /// Always `"invalid_token"`.
    pub fn code(&self) -> &'static str {
        "invalid_token"
    }
}

impl fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid token")
    }
}

impl std::error::Error for InvalidToken {}

/// Claims that cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// The shard is empty, longer than 32 bytes or has a character outside `[A-Za-z0-9._-]`.
    BadShard,
    /// The payload is longer than [`MAX_PAYLOAD_LEN`].
    PayloadTooLarge {
        /// The payload length given.
        len: usize,
    },
    /// A payload to seal is longer than [`crate::seal::MAX_SEALED_PAYLOAD_LEN`].
    SealedPayloadTooLarge {
        /// The payload length given.
        len: usize,
    },
    /// `issued_at` is after `expires_at`.
    BadTimes,
    /// The keyring has no usable signing key (cannot happen for a keyring built by this crate).
    NoSigningKey,
}

impl TokenError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::BadShard => "token_bad_shard",
            TokenError::PayloadTooLarge { .. } => "token_payload_too_large",
            TokenError::SealedPayloadTooLarge { .. } => "seal_payload_too_large",
            TokenError::BadTimes => "token_bad_times",
            TokenError::NoSigningKey => "token_no_signing_key",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::BadShard => write!(
                f,
                "shard must be 1 to {MAX_SHARD_LEN} characters of [A-Za-z0-9._-]"
            ),
            TokenError::PayloadTooLarge { len } => write!(
                f,
                "payload is {len} bytes, at most {MAX_PAYLOAD_LEN} allowed"
            ),
            TokenError::SealedPayloadTooLarge { len } => write!(
                f,
                "sealed payload is {len} bytes, at most {} allowed",
                crate::seal::MAX_SEALED_PAYLOAD_LEN
            ),
            TokenError::BadTimes => f.write_str("issued_at is after expires_at"),
            TokenError::NoSigningKey => f.write_str("the keyring has no signing key"),
        }
    }
}

impl std::error::Error for TokenError {}

pub(crate) fn shard_is_valid(shard: &[u8]) -> bool {
    (1..=MAX_SHARD_LEN).contains(&shard.len())
        && shard
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// A bounds-checked reader over the authenticated body. Every method returns
/// `None` instead of reading past the end.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }
}

impl Keyring {
    /// Signs `claims` with the primary key and returns the token string.
    pub fn sign(&self, claims: &Claims) -> Result<String, TokenError> {
        let key = self.primary_key().ok_or(TokenError::NoSigningKey)?;
        if !shard_is_valid(claims.shard.as_bytes()) {
            return Err(TokenError::BadShard);
        }
        if claims.payload.len() > MAX_PAYLOAD_LEN {
            return Err(TokenError::PayloadTooLarge {
                len: claims.payload.len(),
            });
        }
        if claims.issued_at > claims.expires_at {
            return Err(TokenError::BadTimes);
        }
        let kid = key.kid.as_bytes();
        let mut buf = Vec::with_capacity(
            FIXED_BODY_LEN + kid.len() + claims.shard.len() + claims.payload.len() + TAG_LEN,
        );
        buf.push(TOKEN_VERSION);
        // Lengths are bounded above (kid <= 12, shard <= 32, payload <= 2048).
        buf.push(kid.len() as u8);
        buf.extend_from_slice(kid);
        buf.extend_from_slice(claims.session_id.as_bytes());
        buf.push(claims.shard.len() as u8);
        buf.extend_from_slice(claims.shard.as_bytes());
        buf.extend_from_slice(&claims.epoch.to_be_bytes());
        buf.extend_from_slice(&claims.issued_at.to_be_bytes());
        buf.extend_from_slice(&claims.expires_at.to_be_bytes());
        buf.extend_from_slice(&(claims.payload.len() as u16).to_be_bytes());
        buf.extend_from_slice(&claims.payload);
        let tag = key.mac.clone().chain_update(&buf).finalize().into_bytes();
        buf.extend_from_slice(&tag);
        Ok(crate::b64::url_encode(&buf))
    }

    /// Verifies a token at time `now` (unix seconds).
    ///
    /// Valid iff the tag is right, the kid is known and not retired,
    /// `issued_at <= expires_at` and `now < expires_at`. Any failure is the same
    /// [`InvalidToken`]. Never panics, whatever the input.
    pub fn verify(&self, token: &str, now: u64) -> Result<Verified, InvalidToken> {
        // 1. Bound the work before touching the bytes.
        if !(MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&token.len()) {
            return Err(InvalidToken);
        }
        // 2. Strict decode (errors if it would not fit). Stateful tokens decode into a small
        //    stack buffer: zeroing the full 2 KiB one cost 15% of a verification.
        let mut small = [0u8; MAX_STATEFUL_TOKEN_BYTES];
        let mut large = Vec::new();
        let buf: &mut [u8] = if token.len() <= MAX_STATEFUL_TOKEN_LEN {
            &mut small
        } else {
            large.resize(MAX_TOKEN_BYTES, 0);
            &mut large
        };
        let n = crate::b64::url_decode_slice(token.as_bytes(), buf).ok_or(InvalidToken)?;
        let raw = buf.get(..n).ok_or(InvalidToken)?;
        // 3. Minimum length, so the tag split below leaves a non-trivial body.
        if raw.len() < MIN_TOKEN_BYTES {
            return Err(InvalidToken);
        }
        let (body, tag) = raw.split_at(raw.len() - TAG_LEN);
        let mut r = Reader(body);
        // 4. Version.
        if r.u8() != Some(TOKEN_VERSION) {
            return Err(InvalidToken);
        }
        // 5. Kid: used only to find the key.
        let kid_len = usize::from(r.u8().ok_or(InvalidToken)?);
        if kid_len == 0 || kid_len > MAX_KID_LEN {
            return Err(InvalidToken);
        }
        let kid = r.take(kid_len).ok_or(InvalidToken)?;
        let key = self.key(kid).ok_or(InvalidToken)?;
        if key.state == KeyState::Retired {
            return Err(InvalidToken);
        }
        // 6. One MAC, constant-time compare. Nothing else is trusted before this.
        key.mac
            .clone()
            .chain_update(body)
            .verify_slice(tag)
            .map_err(|_| InvalidToken)?;
        // 7. Parse the rest strictly.
        let claims = parse_claims(&mut r).ok_or(InvalidToken)?;
        // 8. Time.
        if claims.issued_at > claims.expires_at || now >= claims.expires_at {
            return Err(InvalidToken);
        }
        Ok(Verified {
            kid: key.kid.clone(),
            claims,
        })
    }
}

/// Parses the fields after the kid; `None` unless they are well formed and
/// consume the body exactly.
fn parse_claims(r: &mut Reader<'_>) -> Option<Claims> {
    let session_id = SessionId::from_bytes(r.array::<SESSION_ID_LEN>()?);
    let shard_len = usize::from(r.u8()?);
    let shard = r.take(shard_len)?;
    if !shard_is_valid(shard) {
        return None;
    }
    let shard = core::str::from_utf8(shard).ok()?.to_owned();
    let epoch = u32::from_be_bytes(r.array()?);
    let issued_at = u64::from_be_bytes(r.array()?);
    let expires_at = u64::from_be_bytes(r.array()?);
    let payload_len = usize::from(u16::from_be_bytes(r.array()?));
    if payload_len > MAX_PAYLOAD_LEN {
        return None;
    }
    let payload = r.take(payload_len)?.to_vec();
    if !r.0.is_empty() {
        return None;
    }
    Some(Claims {
        session_id,
        shard,
        epoch,
        issued_at,
        expires_at,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    fn keys() -> Keyring {
        Keyring::new(vec![
            ("k1".into(), vec![1; 32], KeyState::Primary),
            ("k0".into(), vec![0; 32], KeyState::Verify),
        ])
        .unwrap()
    }

    fn claims() -> Claims {
        Claims {
            session_id: SessionId::from_bytes([3; 16]),
            shard: "s-1".into(),
            epoch: 7,
            issued_at: 1_000,
            expires_at: 2_000,
            payload: vec![],
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let t = keys().sign(&claims()).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        let mut want = vec![1u8, 2, b'k', b'1'];
        want.extend_from_slice(&[3; 16]);
        want.extend_from_slice(&[3, b's', b'-', b'1']);
        want.extend_from_slice(&7u32.to_be_bytes());
        want.extend_from_slice(&1000u64.to_be_bytes());
        want.extend_from_slice(&2000u64.to_be_bytes());
        want.extend_from_slice(&[0, 0]);
        assert_eq!(&raw[..raw.len() - 32], &want[..]);
        let mut mac =
            <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&[1; 32]).unwrap();
        mac.update(b"edge-session/v1/token\0");
        mac.update(&want);
        assert_eq!(&raw[raw.len() - 32..], &mac.finalize().into_bytes()[..]);
    }

    #[test]
    fn sign_rejects_bad_claims() {
        let r = keys();
        for shard in ["", "a b", "é", &"x".repeat(33)] {
            let c = Claims {
                shard: shard.into(),
                ..claims()
            };
            assert_eq!(r.sign(&c).unwrap_err().code(), "token_bad_shard");
        }
        let c = Claims {
            shard: "x".repeat(32),
            ..claims()
        };
        r.sign(&c).unwrap();
        let c = Claims {
            payload: vec![0; 2049],
            ..claims()
        };
        assert_eq!(r.sign(&c).unwrap_err().code(), "token_payload_too_large");
        let c = Claims {
            issued_at: 2001,
            ..claims()
        };
        assert_eq!(r.sign(&c).unwrap_err().code(), "token_bad_times");
        let c = Claims {
            issued_at: 2000,
            ..claims()
        };
        r.sign(&c).unwrap();
    }

    #[test]
    fn time_window() {
        let r = keys();
        let t = r.sign(&claims()).unwrap();
        assert!(r.verify(&t, 0).is_ok());
        assert!(r.verify(&t, 1999).is_ok());
        assert_eq!(r.verify(&t, 2000), Err(InvalidToken));
        assert_eq!(r.verify(&t, u64::MAX), Err(InvalidToken));
        assert_eq!(InvalidToken.code(), "invalid_token");
        assert_eq!(InvalidToken.to_string(), "invalid token");
    }
}
