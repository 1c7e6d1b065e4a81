//! Session ids and their storage keys.
//!
//! A [`SessionId`] is 128 random bits. It is a secret: whoever holds it (inside a
//! valid token) holds the session. Its `Debug` is redacted and its equality is
//! constant-time.
//!
//! Stores never see the raw id. They key sessions by [`IdHash`], the SHA-256 of a
//! domain-separation prefix and the id:
//!
//! ```text
//! storage_key = SHA-256("edge-session/v1/session-id\0" || id[16])
//! ```
//!
//! so a leaked store dump cannot be replayed as cookies. An `IdHash` is not a
//! secret; it prints as 43 characters of unpadded base64url.

use core::fmt;

use sha2::{Digest, Sha256};

/// Length of a session id in bytes (128 random bits).
pub const SESSION_ID_LEN: usize = 16;

/// Length of an [`IdHash`] in bytes.
pub const ID_HASH_LEN: usize = 32;

/// Length of an [`IdHash`] as unpadded base64url text.
pub const ID_HASH_B64_LEN: usize = 43;

/// Length of a [`SessionId`] as unpadded base64url text.
pub const SESSION_ID_B64_LEN: usize = 22;

/// Domain-separation prefix hashed in front of the id by [`SessionId::storage_key`].
pub const STORAGE_KEY_PREFIX: &[u8] = b"edge-session/v1/session-id\0";

const _: () = assert!(ID_HASH_B64_LEN == (ID_HASH_LEN * 8).div_ceil(6));
const _: () = assert!(SESSION_ID_B64_LEN == (SESSION_ID_LEN * 8).div_ceil(6));

/// Errors from creating or parsing ids.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdError {
    /// The platform random number generator failed.
    RngUnavailable,
    /// The text is not 43 characters of canonical unpadded base64url.
    BadIdHash,
    /// The text is not 22 characters of canonical unpadded base64url.
    BadSessionId,
}

impl IdError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::RngUnavailable => "rng_unavailable",
            IdError::BadIdHash => "bad_id_hash",
            IdError::BadSessionId => "bad_session_id",
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::RngUnavailable => f.write_str("the random number generator is unavailable"),
            IdError::BadIdHash => {
                f.write_str("an id hash must be 43 characters of unpadded base64url")
            }
            IdError::BadSessionId => {
                f.write_str("a session id must be 22 characters of unpadded base64url")
            }
        }
    }
}

impl std::error::Error for IdError {}

/// A session id: 16 secret random bytes.
///
/// `Debug` prints `SessionId(<redacted>)`; `==` runs in constant time. There is
/// deliberately no `Display` and no `Hash`: key maps by [`SessionId::storage_key`].
#[derive(Clone)]
pub struct SessionId([u8; SESSION_ID_LEN]);

impl SessionId {
    /// Wraps 16 bytes as a session id. Use [`SessionId::random`] for new sessions.
    pub fn from_bytes(b: [u8; SESSION_ID_LEN]) -> Self {
        SessionId(b)
    }

    /// The raw id bytes. Treat them as a secret.
    pub fn as_bytes(&self) -> &[u8; SESSION_ID_LEN] {
        &self.0
    }

    /// A fresh id from the platform RNG (OS or WebCrypto through `getrandom`).
    ///
    /// This is the only place in the core that reads a global RNG.
    pub fn random() -> Result<Self, IdError> {
        let mut b = [0u8; SESSION_ID_LEN];
        getrandom::fill(&mut b).map_err(|_| IdError::RngUnavailable)?;
        Ok(SessionId(b))
    }

    /// The key a store uses for this session:
    /// `SHA-256("edge-session/v1/session-id\0" || id)`.
    pub fn storage_key(&self) -> IdHash {
        let digest = Sha256::new()
            .chain_update(STORAGE_KEY_PREFIX)
            .chain_update(self.0)
            .finalize();
        let mut out = [0u8; ID_HASH_LEN];
        out.copy_from_slice(&digest);
        IdHash(out)
    }

    /// The id as 22 characters of unpadded base64url. The result is a secret.
    pub fn to_base64url(&self) -> String {
        crate::b64::url_encode(&self.0)
    }

    /// Parses 22 characters of canonical unpadded base64url.
    pub fn from_base64url(s: &str) -> Result<Self, IdError> {
        decode_exact::<SESSION_ID_LEN>(s, SESSION_ID_B64_LEN)
            .map(SessionId)
            .ok_or(IdError::BadSessionId)
    }
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        ct_eq(&self.0, &other.0)
    }
}

impl Eq for SessionId {}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

/// Constant-time equality of two equal-length byte arrays.
fn ct_eq<const N: usize>(a: &[u8; N], b: &[u8; N]) -> bool {
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        acc |= x ^ y;
    }
    // Keep the optimiser from turning the fold into an early-exit compare.
    core::hint::black_box(acc) == 0
}

/// Strictly decodes exactly `N` bytes from `expect_len` characters of unpadded base64url.
fn decode_exact<const N: usize>(s: &str, expect_len: usize) -> Option<[u8; N]> {
    if s.len() != expect_len {
        return None;
    }
    // One spare byte so the decoder's length estimate never refuses a valid input.
    let mut buf = [0u8; 64];
    let n = crate::b64::url_decode_slice(s.as_bytes(), &mut buf)?;
    if n != N {
        return None;
    }
    let mut out = [0u8; N];
    out.copy_from_slice(buf.get(..N)?);
    Some(out)
}

/// The storage key of a session: a SHA-256 of its id. Not a secret.
///
/// `Debug`, `Display` and serde all use 43 characters of unpadded base64url.
/// `Hash` is derived for in-process maps only; never persist a `std::hash` value.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdHash([u8; ID_HASH_LEN]);

impl IdHash {
    /// The 32 hash bytes.
    pub fn as_bytes(&self) -> &[u8; ID_HASH_LEN] {
        &self.0
    }

    /// Wraps 32 bytes (for stores that keep the binary form).
    pub fn from_bytes(b: [u8; ID_HASH_LEN]) -> Self {
        IdHash(b)
    }

    /// 43 characters of unpadded base64url.
    pub fn to_base64url(&self) -> String {
        crate::b64::url_encode(&self.0)
    }

    /// Parses 43 characters of canonical unpadded base64url.
    pub fn parse(s: &str) -> Result<IdHash, IdError> {
        decode_exact::<ID_HASH_LEN>(s, ID_HASH_B64_LEN)
            .map(IdHash)
            .ok_or(IdError::BadIdHash)
    }
}

impl fmt::Display for IdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64url())
    }
}

impl fmt::Debug for IdHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdHash({})", self.to_base64url())
    }
}

impl serde::Serialize for IdHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64url())
    }
}

impl<'de> serde::Deserialize<'de> for IdHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IdHash;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("43 characters of unpadded base64url")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IdHash, E> {
                IdHash::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_leak_id() {
        let id = SessionId::from_bytes([0xAB; 16]);
        let dbg = format!("{id:?}");
        assert_eq!(dbg, "SessionId(<redacted>)");
        assert!(!dbg.contains(&id.to_base64url()));
    }

    #[test]
    fn eq_compares_every_byte() {
        let a = SessionId::from_bytes([7; 16]);
        for i in 0..16 {
            let mut b = [7u8; 16];
            b[i] ^= 1;
            assert_ne!(a, SessionId::from_bytes(b));
        }
        assert_eq!(a, SessionId::from_bytes([7; 16]));
    }

    #[test]
    fn storage_key_is_domain_separated_sha256() {
        let id = SessionId::from_bytes([0; 16]);
        let mut input = STORAGE_KEY_PREFIX.to_vec();
        input.extend_from_slice(&[0; 16]);
        let want: [u8; 32] = Sha256::digest(&input).into();
        assert_eq!(id.storage_key().as_bytes(), &want);
        assert_ne!(&Sha256::digest([0u8; 16])[..], &want[..]);
    }

    #[test]
    fn id_hash_text_roundtrip_and_strictness() {
        let h = SessionId::from_bytes([1; 16]).storage_key();
        let s = h.to_base64url();
        assert_eq!(s.len(), 43);
        assert_eq!(IdHash::parse(&s), Ok(h.clone()));
        assert_eq!(format!("{h}"), s);
        assert_eq!(format!("{h:?}"), format!("IdHash({s})"));
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json, format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<IdHash>(&json).unwrap(), h);
        assert_eq!(IdHash::parse(&format!("{s}=")), Err(IdError::BadIdHash));
        assert_eq!(IdHash::parse(&s[..42]), Err(IdError::BadIdHash));
        assert_eq!(IdHash::parse(""), Err(IdError::BadIdHash));
        // Non-canonical trailing bits in the last character.
        let mut chars: Vec<char> = s.chars().collect();
        let last = chars[42];
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let idx = alphabet.find(last).unwrap();
        chars[42] = alphabet.chars().nth(idx ^ 1).unwrap();
        let bad: String = chars.into_iter().collect();
        assert_eq!(IdHash::parse(&bad), Err(IdError::BadIdHash));
        assert!(serde_json::from_str::<IdHash>("\"abc\"").is_err());
        assert_eq!(IdError::BadIdHash.code(), "bad_id_hash");
    }

    #[test]
    fn session_id_text_roundtrip() {
        let id = SessionId::from_bytes(*b"0123456789abcdef");
        let s = id.to_base64url();
        assert_eq!(s.len(), 22);
        assert_eq!(SessionId::from_base64url(&s), Ok(id));
        assert_eq!(
            SessionId::from_base64url("AAAAAAAAAAAAAAAAAAAAAB"),
            Err(IdError::BadSessionId)
        );
    }

    #[test]
    fn random_ids_differ() {
        let a = SessionId::random().unwrap();
        let b = SessionId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(IdError::RngUnavailable.code(), "rng_unavailable");
    }
}
