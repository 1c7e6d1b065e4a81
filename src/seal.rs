//! Sealed tokens: the payload encrypted, not only signed (token format version 2).
//!
//! A sealed token carries the same claims as a signed one ([`Claims`]), but its payload is
//! encrypted with XChaCha20-Poly1305 and the whole header is authenticated as associated data:
//! a client can neither read nor change it. This is what stateless ("cookie-only") sessions need
//! when their data must stay private, as iron-session's seals or Auth.js's JWE do.
//!
//! # Format, version 2
//!
//! ```text
//! token  = base64url_nopad(header || ciphertext || tag)   same alphabet rules as version 1
//! header (all integers big-endian):
//!   offset  size        field
//!   0       1           version       0x02
//!   1       1           kid_len       1..=12
//!   2       kid_len     kid           [A-Za-z0-9_-]
//!   .       16          session_id    raw bytes
//!   .       1           shard_len     1..=32
//!   .       shard_len   shard         [A-Za-z0-9._-]
//!   .       4           epoch         u32
//!   .       8           issued_at     u64, unix seconds
//!   .       8           expires_at    u64, unix seconds
//!   .       24          nonce         XChaCha20 nonce, random per seal
//!   .       2           payload_len   u16, 0..=2040
//! ciphertext  payload_len bytes       XChaCha20 of the payload
//! tag         16 bytes                Poly1305 over header (as associated data) and ciphertext
//!
//! key = HMAC-SHA256(secret, "edge-session/v2/seal-key\0")   per keyring key, named by kid
//! ```
//!
//! The sealing key is derived from the keyring secret under its own label, so it is never the
//! MAC key of version 1 tokens (whose MAC input starts `edge-session/v1/token\0`). The nonce is
//! an input: the core has no random number generator. Shells draw it from `getrandom` (24 random
//! bytes make a repeat negligible for as many seals as one key will ever make); only tests pass
//! a fixed one.
//!
//! Sizes: 81 fixed bytes plus kid, shard and payload. The payload bound
//! ([`MAX_SEALED_PAYLOAD_LEN`], 2040 bytes) keeps the largest sealed token exactly as long as the
//! largest signed one ([`MAX_TOKEN_LEN`]), so every cookie bound of the shells holds for both.
//!
//! # Example
//!
//! ```
//! use edge_session::{Claims, KeyState, Keyring, SessionId};
//!
//! let keys = Keyring::new(vec![("k1".into(), vec![1; 32], KeyState::Primary)])?;
//! let claims = Claims {
//!     session_id: SessionId::from_bytes([7; 16]),
//!     shard: "-".into(),
//!     epoch: 0,
//!     issued_at: 1_700_000_000,
//!     expires_at: 1_700_086_400,
//!     payload: br#"{"cart":3}"#.to_vec(),
//! };
//! let nonce = [9u8; 24]; // getrandom in a shell: never reuse one
//! let token = keys.seal(&claims, &nonce)?;
//! assert!(!token.contains("cart"));
//! let opened = keys.unseal(&token, 1_700_000_001)?;
//! assert_eq!(opened.claims, claims);
//! assert_eq!(keys.unseal(&token, 1_700_086_400).unwrap_err().code(), "seal_expired");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Opening
//!
//! [`Keyring::unseal`] stops at the first failure, each with its code ([`SealError::code`]):
//! over [`MAX_TOKEN_LEN`] characters is `seal_too_large`; bad base64, too short, another version
//! or lengths that do not add up is `seal_malformed`; a kid the keyring lacks or has retired is
//! `seal_unknown_key`; a tag that does not verify (any changed byte, or another secret under the
//! same kid) is `seal_tampered`; an authentic token at or past `expires_at` is `seal_expired`.
//! Field checks (shard characters, `issued_at <= expires_at`) run only after the tag verified.

use core::fmt;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};

use crate::b64::{Alphabet, Padding};
use crate::id::{SessionId, SESSION_ID_LEN};
use crate::keyring::{KeyState, Keyring, MAX_KID_LEN};
use crate::token::{
    b64_len, shard_is_valid, Claims, Reader, TokenError, Verified, MAX_SHARD_LEN, MAX_TOKEN_BYTES,
    MAX_TOKEN_LEN,
};

/// Version byte of sealed tokens.
pub const SEALED_TOKEN_VERSION: u8 = 0x02;
/// Length of the XChaCha20 nonce, in bytes.
pub const SEAL_NONCE_LEN: usize = 24;
/// Length of the Poly1305 tag, in bytes.
pub const SEAL_TAG_LEN: usize = 16;

/// Header bytes that do not depend on kid or shard: version, kid_len, session id, shard_len,
/// epoch, issued_at, expires_at, nonce, payload_len.
const FIXED_HEADER_LEN: usize = 1 + 1 + SESSION_ID_LEN + 1 + 4 + 8 + 8 + SEAL_NONCE_LEN + 2;

/// Largest sealed payload, in bytes: the largest sealed token is then exactly as long as the
/// largest signed one.
pub const MAX_SEALED_PAYLOAD_LEN: usize =
    MAX_TOKEN_BYTES - FIXED_HEADER_LEN - MAX_KID_LEN - MAX_SHARD_LEN - SEAL_TAG_LEN;

/// Smallest decoded sealed token: 1-byte kid, 1-byte shard, empty payload, tag.
pub const MIN_SEALED_TOKEN_BYTES: usize = FIXED_HEADER_LEN + 1 + 1 + SEAL_TAG_LEN;
/// Shortest sealed token string.
pub const MIN_SEALED_TOKEN_LEN: usize = b64_len(MIN_SEALED_TOKEN_BYTES);

const _: () = assert!(FIXED_HEADER_LEN == 65);
const _: () = assert!(MAX_SEALED_PAYLOAD_LEN == 2040);
const _: () = assert!(MIN_SEALED_TOKEN_BYTES == 83 && MIN_SEALED_TOKEN_LEN == 111);
const _: () = assert!(
    b64_len(FIXED_HEADER_LEN + MAX_KID_LEN + MAX_SHARD_LEN + MAX_SEALED_PAYLOAD_LEN + SEAL_TAG_LEN)
        == MAX_TOKEN_LEN
);

/// Why a sealed token did not open. Unlike [`crate::InvalidToken`] the reasons are told
/// apart: a sealed token is the whole session, and its holder needs to know whether to
/// re-issue (`seal_expired`), rotate keys (`seal_unknown_key`) or raise an alarm
/// (`seal_tampered`). None of them reveals anything about the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// Longer than [`MAX_TOKEN_LEN`] characters.
    TooLarge,
    /// Not base64url, too short, not version 2, or lengths that do not add up.
    Malformed,
    /// The kid is not in the keyring, or its key is retired.
    UnknownKey,
    /// The tag does not verify: a byte was changed, or another secret sealed it.
    Tampered,
    /// Authentic, but `now >= expires_at`.
    Expired,
}

impl SealError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            SealError::TooLarge => "seal_too_large",
            SealError::Malformed => "seal_malformed",
            SealError::UnknownKey => "seal_unknown_key",
            SealError::Tampered => "seal_tampered",
            SealError::Expired => "seal_expired",
        }
    }
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::TooLarge => write!(f, "sealed token is over {MAX_TOKEN_LEN} characters"),
            SealError::Malformed => f.write_str("not a well-formed sealed token"),
            SealError::UnknownKey => f.write_str("sealed token names an unknown or retired key"),
            SealError::Tampered => f.write_str("sealed token failed authentication"),
            SealError::Expired => f.write_str("sealed token has expired"),
        }
    }
}

impl std::error::Error for SealError {}

impl Keyring {
    /// Seals `claims` with the primary key and `nonce`: the payload encrypted, every field
    /// authenticated. The nonce must never repeat under one key (draw it from `getrandom`).
    /// Errors: a payload over [`MAX_SEALED_PAYLOAD_LEN`] is `seal_payload_too_large`; bad shard
    /// or times as for [`Keyring::sign`].
    pub fn seal(
        &self,
        claims: &Claims,
        nonce: &[u8; SEAL_NONCE_LEN],
    ) -> Result<String, TokenError> {
        let key = self.primary_key().ok_or(TokenError::NoSigningKey)?;
        if !shard_is_valid(claims.shard.as_bytes()) {
            return Err(TokenError::BadShard);
        }
        if claims.payload.len() > MAX_SEALED_PAYLOAD_LEN {
            return Err(TokenError::SealedPayloadTooLarge {
                len: claims.payload.len(),
            });
        }
        if claims.issued_at > claims.expires_at {
            return Err(TokenError::BadTimes);
        }
        let kid = key.kid.as_bytes();
        let header_len = FIXED_HEADER_LEN + kid.len() + claims.shard.len();
        let mut buf = Vec::with_capacity(header_len + claims.payload.len() + SEAL_TAG_LEN);
        buf.push(SEALED_TOKEN_VERSION);
        // Lengths are bounded above (kid <= 12, shard <= 32, payload <= 2040).
        buf.push(kid.len() as u8);
        buf.extend_from_slice(kid);
        buf.extend_from_slice(claims.session_id.as_bytes());
        buf.push(claims.shard.len() as u8);
        buf.extend_from_slice(claims.shard.as_bytes());
        buf.extend_from_slice(&claims.epoch.to_be_bytes());
        buf.extend_from_slice(&claims.issued_at.to_be_bytes());
        buf.extend_from_slice(&claims.expires_at.to_be_bytes());
        buf.extend_from_slice(nonce);
        buf.extend_from_slice(&(claims.payload.len() as u16).to_be_bytes());
        buf.extend_from_slice(&claims.payload);
        let (header, body) = buf.split_at_mut(header_len);
        let cipher = XChaCha20Poly1305::new(&key.seal_key.into());
        // Only a message over 256 GiB can fail; ours are at most 2040 bytes.
        let tag = cipher
            .encrypt_inout_detached(&XNonce::from(*nonce), header, body.into())
            .map_err(|_| TokenError::SealedPayloadTooLarge {
                len: claims.payload.len(),
            })?;
        buf.extend_from_slice(&tag);
        Ok(crate::b64::url_encode(&buf))
    }

    /// Opens a sealed token at time `now` (unix seconds): its kid and claims, the payload in
    /// plaintext. Each failure has its code (see the module docs). Never panics, whatever the
    /// input. A signed (version 1) token is `seal_malformed` here, and a sealed one is
    /// invalid for [`Keyring::verify`].
    pub fn unseal(&self, token: &str, now: u64) -> Result<Verified, SealError> {
        // 1. Bound the work before touching the bytes.
        if token.len() > MAX_TOKEN_LEN {
            return Err(SealError::TooLarge);
        }
        if token.len() < MIN_SEALED_TOKEN_LEN {
            return Err(SealError::Malformed);
        }
        // 2. Strict decode into a buffer of the largest size (the length check bounds it).
        let mut buf = crate::b64::decode(token.as_bytes(), Alphabet::UrlSafe, Padding::Absent)
            .ok_or(SealError::Malformed)?;
        if buf.len() < MIN_SEALED_TOKEN_BYTES {
            return Err(SealError::Malformed);
        }
        // 3. Structure: version, kid, and where the header ends.
        let mut r = Reader(&buf);
        if r.u8() != Some(SEALED_TOKEN_VERSION) {
            return Err(SealError::Malformed);
        }
        let kid_len = usize::from(r.u8().ok_or(SealError::Malformed)?);
        if kid_len == 0 || kid_len > MAX_KID_LEN {
            return Err(SealError::Malformed);
        }
        let kid = r.take(kid_len).ok_or(SealError::Malformed)?;
        r.take(SESSION_ID_LEN).ok_or(SealError::Malformed)?;
        let shard_len = usize::from(r.u8().ok_or(SealError::Malformed)?);
        if shard_len == 0 || shard_len > MAX_SHARD_LEN {
            return Err(SealError::Malformed);
        }
        r.take(shard_len + 4 + 8 + 8 + SEAL_NONCE_LEN)
            .ok_or(SealError::Malformed)?;
        let payload_len = usize::from(u16::from_be_bytes(r.array().ok_or(SealError::Malformed)?));
        if payload_len > MAX_SEALED_PAYLOAD_LEN || r.0.len() != payload_len + SEAL_TAG_LEN {
            return Err(SealError::Malformed);
        }
        let header_len = buf.len() - payload_len - SEAL_TAG_LEN;
        // 4. The key.
        let key = self.key(kid).ok_or(SealError::UnknownKey)?;
        if key.state == KeyState::Retired {
            return Err(SealError::UnknownKey);
        }
        let kid = key.kid.clone();
        // 5. Authenticate and decrypt in place. Nothing else is trusted before this.
        let (header, rest) = buf.split_at_mut(header_len);
        let (body, tag) = rest.split_at_mut(payload_len);
        let tag = Tag::try_from(&*tag).map_err(|_| SealError::Malformed)?;
        let nonce_at = header_len - 2 - SEAL_NONCE_LEN;
        let nonce = XNonce::try_from(&header[nonce_at..nonce_at + SEAL_NONCE_LEN])
            .map_err(|_| SealError::Malformed)?;
        XChaCha20Poly1305::new(&key.seal_key.into())
            .decrypt_inout_detached(&nonce, header, body.into(), &tag)
            .map_err(|_| SealError::Tampered)?;
        // 6. The fields, strictly.
        let claims = parse_sealed(header, body).ok_or(SealError::Malformed)?;
        // 7. Time.
        if now >= claims.expires_at {
            return Err(SealError::Expired);
        }
        Ok(Verified { kid, claims })
    }
}

/// The claims of an authenticated header and its decrypted payload; `None` unless every field
/// is well formed.
fn parse_sealed(header: &[u8], payload: &[u8]) -> Option<Claims> {
    let mut r = Reader(header);
    r.u8()?;
    let kid_len = usize::from(r.u8()?);
    r.take(kid_len)?;
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
    if issued_at > expires_at {
        return None;
    }
    Some(Claims {
        session_id,
        shard,
        epoch,
        issued_at,
        expires_at,
        payload: payload.to_vec(),
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

    fn claims(payload: &[u8]) -> Claims {
        Claims {
            session_id: SessionId::from_bytes([3; 16]),
            shard: "s-1".into(),
            epoch: 7,
            issued_at: 1_000,
            expires_at: 2_000,
            payload: payload.to_vec(),
        }
    }

    #[test]
    fn layout_is_as_documented() {
        let t = keys().seal(&claims(b"hello"), &[5; 24]).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        let mut header = vec![2u8, 2, b'k', b'1'];
        header.extend_from_slice(&[3; 16]);
        header.extend_from_slice(&[3, b's', b'-', b'1']);
        header.extend_from_slice(&7u32.to_be_bytes());
        header.extend_from_slice(&1000u64.to_be_bytes());
        header.extend_from_slice(&2000u64.to_be_bytes());
        header.extend_from_slice(&[5; 24]);
        header.extend_from_slice(&[0, 5]);
        assert_eq!(&raw[..header.len()], &header[..]);
        assert_eq!(raw.len(), header.len() + 5 + 16);
        assert_ne!(&raw[header.len()..header.len() + 5], b"hello");
        // The AEAD key is HMAC(secret, label), not the secret and not the MAC key.
        use hmac::{KeyInit as _, Mac as _};
        let k = <hmac::Hmac<sha2::Sha256>>::new_from_slice(&[1; 32])
            .unwrap()
            .chain_update(b"edge-session/v2/seal-key\0")
            .finalize()
            .into_bytes();
        let mut body = raw[header.len()..header.len() + 5].to_vec();
        let tag = Tag::try_from(&raw[header.len() + 5..]).unwrap();
        XChaCha20Poly1305::new(&k)
            .decrypt_inout_detached(
                &XNonce::from([5; 24]),
                &header,
                body.as_mut_slice().into(),
                &tag,
            )
            .unwrap();
        assert_eq!(body, b"hello");
    }

    #[test]
    fn versions_do_not_cross() {
        let k = keys();
        let sealed = k.seal(&claims(b"x"), &[1; 24]).unwrap();
        let signed = k.sign(&claims(b"x")).unwrap();
        assert!(k.verify(&sealed, 1_500).is_err());
        assert_eq!(k.unseal(&signed, 1_500), Err(SealError::Malformed));
        assert_eq!(k.unseal(&sealed, 1_500).unwrap().claims, claims(b"x"));
    }

    #[test]
    fn bounds_and_codes() {
        let k = keys();
        let big = vec![0xAB; MAX_SEALED_PAYLOAD_LEN];
        let c = Claims {
            shard: "x".repeat(32),
            ..claims(&big)
        };
        let k12 = Keyring::new(vec![(
            "kmaxlength12".into(),
            vec![1; 32],
            KeyState::Primary,
        )])
        .unwrap();
        let t = k12.seal(&c, &[0; 24]).unwrap();
        assert_eq!(t.len(), MAX_TOKEN_LEN);
        assert_eq!(k12.unseal(&t, 1_999).unwrap().claims, c);
        let over = claims(&vec![0; MAX_SEALED_PAYLOAD_LEN + 1]);
        let e = k.seal(&over, &[0; 24]).unwrap_err();
        assert_eq!(e.code(), "seal_payload_too_large");
        assert_eq!(
            e.to_string(),
            "sealed payload is 2041 bytes, at most 2040 allowed"
        );
        assert_eq!(
            k.unseal(&"A".repeat(MAX_TOKEN_LEN + 1), 0),
            Err(SealError::TooLarge)
        );
        assert_eq!(k.unseal("", 0), Err(SealError::Malformed));
        assert_eq!(k.unseal(&"!".repeat(200), 0), Err(SealError::Malformed));
        let t = k.seal(&claims(b""), &[0; 24]).unwrap();
        assert_eq!(t.len(), b64_len(MIN_SEALED_TOKEN_BYTES + 3)); // kid "k1", shard "s-1"
        assert_eq!(k.unseal(&t, 2_000), Err(SealError::Expired));
        let other = Keyring::new(vec![("k1".into(), vec![2; 32], KeyState::Primary)]).unwrap();
        assert_eq!(other.unseal(&t, 0), Err(SealError::Tampered));
        let unknown = Keyring::new(vec![("k9".into(), vec![1; 32], KeyState::Primary)]).unwrap();
        assert_eq!(unknown.unseal(&t, 0), Err(SealError::UnknownKey));
        let retired = Keyring::new(vec![
            ("k2".into(), vec![2; 32], KeyState::Primary),
            ("k1".into(), vec![1; 32], KeyState::Retired),
        ])
        .unwrap();
        assert_eq!(retired.unseal(&t, 0), Err(SealError::UnknownKey));
        for e in [
            SealError::TooLarge,
            SealError::Malformed,
            SealError::UnknownKey,
            SealError::Tampered,
            SealError::Expired,
        ] {
            assert!(e.code().starts_with("seal_") && !e.to_string().is_empty());
        }
    }

    #[test]
    fn every_bit_flip_is_refused() {
        let k = keys();
        let t = k.seal(&claims(b"secret data"), &[7; 24]).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        for i in 0..raw.len() * 8 {
            let mut m = raw.clone();
            m[i / 8] ^= 1 << (i % 8);
            let e = k.unseal(&URL_SAFE_NO_PAD.encode(&m), 1_500).unwrap_err();
            assert!(
                matches!(
                    e,
                    SealError::Tampered | SealError::Malformed | SealError::UnknownKey
                ),
                "bit {i}: {e:?}"
            );
        }
        for n in 0..raw.len() {
            assert!(k.unseal(&URL_SAFE_NO_PAD.encode(&raw[..n]), 1_500).is_err());
        }
        let mut longer = raw.clone();
        longer.push(0);
        assert_eq!(
            k.unseal(&URL_SAFE_NO_PAD.encode(&longer), 1_500),
            Err(SealError::Malformed)
        );
    }
}
