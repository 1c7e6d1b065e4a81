//! The keyring: named HMAC keys, one that signs and others that only verify.
//!
//! Each key has a key id (`kid`) and a [`KeyState`]:
//!
//! - `primary`: signs new tokens and verifies; exactly one key is primary;
//! - `verify`: verifies tokens it signed earlier, signs nothing;
//! - `retired`: tokens naming it are rejected.
//!
//! Rotation that logs nobody out: add the new key as `primary` and demote the old
//! one to `verify`; once every token it signed has expired, mark it `retired` (or
//! drop it).
//!
//! Rules checked by [`Keyring::from_json`] and [`Keyring::new`]: 1 to 16 keys; a
//! kid is 1 to 12 bytes of `[A-Za-z0-9_-]` and unique; a secret is 32 to 1024
//! bytes; exactly one key is primary. JSON input is at most 64 KiB, secrets in it
//! are standard or url-safe base64, padded or not:
//!
//! ```json
//! [{"kid": "k2", "secret": "<base64>", "state": "primary"},
//!  {"kid": "k1", "secret": "<base64>", "state": "verify"}]
//! ```
//!
//! Secret bytes never appear in `Debug` or in any error message. The keyring keeps
//! only the HMAC state derived from each secret (pre-keyed, with the token
//! domain-separation prefix already absorbed), so every verification is one MAC.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::b64::{Alphabet, Padding};

/// Largest accepted keyring JSON document, in bytes.
pub const MAX_KEYRING_JSON_LEN: usize = 64 * 1024;
/// Most keys a keyring may hold.
pub const MAX_KEYS: usize = 16;
/// Longest key id, in bytes.
pub const MAX_KID_LEN: usize = 12;
/// Shortest accepted secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;
/// Longest accepted secret, in bytes.
pub const MAX_SECRET_LEN: usize = 1024;

/// Longest base64 text that can decode to at most [`MAX_SECRET_LEN`] bytes (padded form).
const MAX_SECRET_B64_LEN: usize = MAX_SECRET_LEN.div_ceil(3) * 4;

/// Domain-separation prefix MACed in front of every token body.
pub const TOKEN_MAC_PREFIX: &[u8] = b"edge-session/v1/token\0";

/// The message whose HMAC under a key's secret is that key's sealing (AEAD) key. It is not a
/// prefix of [`TOKEN_MAC_PREFIX`] nor the reverse, so no token MAC equals a sealing key.
pub const SEAL_KEY_LABEL: &[u8] = b"edge-session/v2/seal-key\0";

const _: () = assert!(MAX_KID_LEN <= u8::MAX as usize);

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Signs new tokens and verifies. Exactly one per keyring.
    Primary,
    /// Verifies only.
    Verify,
    /// Tokens naming this key are rejected.
    Retired,
}

/// Errors from building a keyring. Messages may name a kid, never secret bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyringError {
    /// The input is not JSON of the expected shape, or is over 64 KiB.
    /// Only the position is kept: serde messages could echo secret text.
    InvalidJson {
        /// 1-based line of the error (0 when the input was too large).
        line: usize,
        /// 1-based column of the error (0 when the input was too large).
        column: usize,
    },
    /// No keys.
    Empty,
    /// More than [`MAX_KEYS`] keys.
    TooManyKeys {
        /// How many keys were given.
        count: usize,
    },
    /// A kid is empty, longer than 12 bytes or has a character outside `[A-Za-z0-9_-]`.
    /// The kid is not echoed (it may be a misplaced secret); `index` says which entry.
    BadKid {
        /// 0-based index of the entry.
        index: usize,
    },
    /// Two keys share a kid.
    DuplicateKid {
        /// The repeated kid.
        kid: String,
    },
    /// A secret is not valid base64.
    BadSecretEncoding {
        /// The key's kid.
        kid: String,
    },
    /// A secret is shorter than [`MIN_SECRET_LEN`] bytes.
    KeyTooShort {
        /// The key's kid.
        kid: String,
    },
    /// A secret is longer than [`MAX_SECRET_LEN`] bytes.
    KeyTooLong {
        /// The key's kid.
        kid: String,
    },
    /// No key is primary.
    NoPrimary,
    /// More than one key is primary.
    MultiplePrimary,
}

impl KeyringError {
    /// A stable snake_case code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            KeyringError::InvalidJson { .. } => "keyring_invalid_json",
            KeyringError::Empty => "keyring_empty",
            KeyringError::TooManyKeys { .. } => "keyring_too_many_keys",
            KeyringError::BadKid { .. } => "keyring_bad_kid",
            KeyringError::DuplicateKid { .. } => "keyring_duplicate_kid",
            KeyringError::BadSecretEncoding { .. } => "keyring_bad_secret_encoding",
            KeyringError::KeyTooShort { .. } => "keyring_key_too_short",
            KeyringError::KeyTooLong { .. } => "keyring_key_too_long",
            KeyringError::NoPrimary => "keyring_no_primary",
            KeyringError::MultiplePrimary => "keyring_multiple_primary",
        }
    }
}

impl fmt::Display for KeyringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyringError::InvalidJson { line: 0, .. } => write!(
                f,
                "keyring JSON is larger than {MAX_KEYRING_JSON_LEN} bytes"
            ),
            KeyringError::InvalidJson { line, column } => write!(
                f,
                "keyring is not a JSON array of {{kid, secret, state}} (line {line}, column {column})"
            ),
            KeyringError::Empty => f.write_str("keyring has no keys"),
            KeyringError::TooManyKeys { count } => {
                write!(f, "keyring has {count} keys, at most {MAX_KEYS} allowed")
            }
            KeyringError::BadKid { index } => write!(
                f,
                "key #{index}: kid must be 1 to {MAX_KID_LEN} characters of [A-Za-z0-9_-]"
            ),
            KeyringError::DuplicateKid { kid } => write!(f, "kid {kid:?} appears twice"),
            KeyringError::BadSecretEncoding { kid } => {
                write!(f, "key {kid:?}: secret is not valid base64")
            }
            KeyringError::KeyTooShort { kid } => {
                write!(f, "key {kid:?}: secret is shorter than {MIN_SECRET_LEN} bytes")
            }
            KeyringError::KeyTooLong { kid } => {
                write!(f, "key {kid:?}: secret is longer than {MAX_SECRET_LEN} bytes")
            }
            KeyringError::NoPrimary => f.write_str("keyring has no primary key"),
            KeyringError::MultiplePrimary => f.write_str("keyring has more than one primary key"),
        }
    }
}

impl std::error::Error for KeyringError {}

/// One key: its id, state and pre-keyed MAC state.
#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) kid: String,
    pub(crate) state: KeyState,
    /// HMAC-SHA256 keyed with the secret, the keyring's prefix ([`TOKEN_MAC_PREFIX`] for
    /// session tokens) already absorbed.
    pub(crate) mac: Hmac<Sha256>,
    /// The XChaCha20-Poly1305 key of sealed tokens: `HMAC-SHA256(secret, SEAL_KEY_LABEL)`, so
    /// it never equals the MAC key (see [`crate::seal`]).
    pub(crate) seal_key: [u8; 32],
}

/// A set of named keys. `Debug` shows kids and states only.
#[derive(Clone)]
pub struct Keyring {
    keys: Vec<Key>,
    primary: usize,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    kid: String,
    secret: String,
    state: KeyState,
}

fn decode_secret(kid: &str, text: &str) -> Result<Vec<u8>, KeyringError> {
    // Bound the work before decoding: longer text cannot be a secret we accept.
    if text.trim_end_matches('=').len() > MAX_SECRET_B64_LEN {
        return Err(KeyringError::KeyTooLong {
            kid: kid.to_owned(),
        });
    }
    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    // Either alphabet, padded or not, strict trailing bits.
    let alphabet = if url_safe {
        Alphabet::UrlSafe
    } else {
        Alphabet::Standard
    };
    crate::b64::decode(text.as_bytes(), alphabet, Padding::Optional).ok_or_else(|| {
        KeyringError::BadSecretEncoding {
            kid: kid.to_owned(),
        }
    })
}

fn kid_is_valid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Keyring {
    /// Parses a keyring from JSON: `[{"kid": "k1", "secret": "<base64>", "state": "primary"}]`.
    pub fn from_json(json: &str) -> Result<Keyring, KeyringError> {
        Keyring::from_json_prefixed(json, TOKEN_MAC_PREFIX)
    }

    /// [`Keyring::from_json`] for another use of the keys: `prefix` (a domain-separation
    /// label) is absorbed in front of every message instead of [`TOKEN_MAC_PREFIX`].
    pub(crate) fn from_json_prefixed(
        json: &str,
        prefix: &'static [u8],
    ) -> Result<Keyring, KeyringError> {
        if json.len() > MAX_KEYRING_JSON_LEN {
            return Err(KeyringError::InvalidJson { line: 0, column: 0 });
        }
        let entries: Vec<KeyJson> =
            serde_json::from_str(json).map_err(|e| KeyringError::InvalidJson {
                line: e.line(),
                column: e.column(),
            })?;
        let entries = entries.into_iter().map(|e| (e.kid, e.secret, e.state));
        Keyring::from_entries(entries.collect(), prefix)
    }

    /// The keyring of parsed JSON entries `(kid, base64 secret, state)`: the checks of
    /// [`Keyring::from_json`] after the parse (shared by the serde-free reader of the lite build).
    pub(crate) fn from_entries(
        entries: Vec<(String, String, KeyState)>,
        prefix: &'static [u8],
    ) -> Result<Keyring, KeyringError> {
        check_count(entries.len())?;
        let mut keys = Vec::with_capacity(entries.len());
        for (index, (kid, secret, state)) in entries.into_iter().enumerate() {
            if !kid_is_valid(&kid) {
                return Err(KeyringError::BadKid { index });
            }
            let secret = decode_secret(&kid, &secret)?;
            keys.push((kid, secret, state));
        }
        Keyring::new_prefixed(keys, prefix)
    }

    /// Builds a keyring from `(kid, secret bytes, state)` triples.
    pub fn new(keys: Vec<(String, Vec<u8>, KeyState)>) -> Result<Keyring, KeyringError> {
        Keyring::new_prefixed(keys, TOKEN_MAC_PREFIX)
    }

    /// [`Keyring::new`] with another domain-separation `prefix` (see
    /// [`Keyring::from_json_prefixed`]).
    pub(crate) fn new_prefixed(
        keys: Vec<(String, Vec<u8>, KeyState)>,
        prefix: &'static [u8],
    ) -> Result<Keyring, KeyringError> {
        check_count(keys.len())?;
        let mut out: Vec<Key> = Vec::with_capacity(keys.len());
        let mut primary = None;
        for (index, (kid, secret, state)) in keys.into_iter().enumerate() {
            if !kid_is_valid(&kid) {
                return Err(KeyringError::BadKid { index });
            }
            if out.iter().any(|k| k.kid == kid) {
                return Err(KeyringError::DuplicateKid { kid });
            }
            if secret.len() < MIN_SECRET_LEN {
                return Err(KeyringError::KeyTooShort { kid });
            }
            if secret.len() > MAX_SECRET_LEN {
                return Err(KeyringError::KeyTooLong { kid });
            }
            if state == KeyState::Primary {
                if primary.is_some() {
                    return Err(KeyringError::MultiplePrimary);
                }
                primary = Some(index);
            }
            // HMAC accepts keys of any length; the error arm is unreachable but typed.
            let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret)
                .map_err(|_| KeyringError::KeyTooShort { kid: kid.clone() })?;
            let seal_key = keyed
                .clone()
                .chain_update(SEAL_KEY_LABEL)
                .finalize()
                .into_bytes()
                .into();
            let mac = keyed.chain_update(prefix);
            out.push(Key {
                kid,
                state,
                mac,
                seal_key,
            });
        }
        let primary = primary.ok_or(KeyringError::NoPrimary)?;
        Ok(Keyring { keys: out, primary })
    }

    /// The kid of the signing key.
    pub fn primary_kid(&self) -> &str {
        self.primary_key().map_or("", |k| k.kid.as_str())
    }

    /// Every kid with its state, in input order.
    pub fn kids(&self) -> Vec<(&str, KeyState)> {
        self.keys
            .iter()
            .map(|k| (k.kid.as_str(), k.state))
            .collect()
    }

    /// The signing key.
    pub(crate) fn primary_key(&self) -> Option<&Key> {
        self.keys.get(self.primary)
    }

    /// The successor of session `id` under each non-retired key, primary first: the first 16
    /// bytes of `HMAC-SHA256(secret, TOKEN_MAC_PREFIX || 0xFF || "edge-session/v1/successor\0" || id)`
    /// (a token body starts with its version byte, never 0xFF, so no token MAC is ever such an
    /// output). Rotation inside a grace window derives the new id this way, so every rotation
    /// of one id agrees on its successor and the old token can be answered with the
    /// successor's without storing any raw id.
    pub fn successor_ids(&self, id: &crate::id::SessionId) -> Vec<crate::id::SessionId> {
        let order = std::iter::once(self.primary)
            .chain((0..self.keys.len()).filter(|i| *i != self.primary));
        order
            .filter(|i| self.keys[*i].state != KeyState::Retired)
            .map(|i| {
                let tag = self.keys[i]
                    .mac
                    .clone()
                    .chain_update([0xFF])
                    .chain_update(b"edge-session/v1/successor\0")
                    .chain_update(id.as_bytes())
                    .finalize()
                    .into_bytes();
                let mut b = [0u8; crate::id::SESSION_ID_LEN];
                b.copy_from_slice(&tag[..crate::id::SESSION_ID_LEN]);
                crate::id::SessionId::from_bytes(b)
            })
            .collect()
    }

    /// The key with this kid (compared as bytes; kids are not secret).
    pub(crate) fn key(&self, kid: &[u8]) -> Option<&Key> {
        self.keys.iter().find(|k| k.kid.as_bytes() == kid)
    }
}

fn check_count(n: usize) -> Result<(), KeyringError> {
    if n == 0 {
        return Err(KeyringError::Empty);
    }
    if n > MAX_KEYS {
        return Err(KeyringError::TooManyKeys { count: n });
    }
    Ok(())
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Kids<'a>(&'a [Key]);
        impl fmt::Debug for Kids<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|k| (&k.kid, k.state)))
                    .finish()
            }
        }
        f.debug_struct("Keyring")
            .field("primary", &self.primary_kid())
            .field("keys", &Kids(&self.keys))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;

    fn entry(kid: &str, secret: &[u8], state: &str) -> String {
        format!(
            r#"{{"kid":"{kid}","secret":"{}","state":"{state}"}}"#,
            STANDARD.encode(secret)
        )
    }

    fn code(json: &str) -> &'static str {
        Keyring::from_json(json).unwrap_err().code()
    }

    #[test]
    fn parses_and_lists() {
        let json = format!(
            "[{},{},{}]",
            entry("k2", &[2; 32], "primary"),
            entry("k1", &[1; 40], "verify"),
            entry("k0", &[0; 32], "retired")
        );
        let keys = Keyring::from_json(&json).unwrap();
        assert_eq!(keys.primary_kid(), "k2");
        assert_eq!(
            keys.kids(),
            vec![
                ("k2", KeyState::Primary),
                ("k1", KeyState::Verify),
                ("k0", KeyState::Retired)
            ]
        );
    }

    #[test]
    fn accepts_every_base64_flavour() {
        // 0xFB 0xEF 0xFF encodes as "++//" (standard) or "--__" (url-safe); 35 bytes need one '='.
        let mut secret = vec![0xFB, 0xEF, 0xFF];
        secret.extend(0..32u8);
        let flavours = [
            STANDARD.encode(&secret),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(&secret),
            base64::engine::general_purpose::URL_SAFE.encode(&secret),
            URL_SAFE_NO_PAD.encode(&secret),
        ];
        assert!(flavours[0].starts_with("++//") && flavours[0].ends_with('='));
        assert!(flavours[3].starts_with("--__") && !flavours[3].ends_with('='));
        for s in flavours {
            let json = format!(r#"[{{"kid":"a","secret":"{s}","state":"primary"}}]"#);
            let keys = Keyring::from_json(&json).unwrap();
            let want = Keyring::new(vec![("a".into(), secret.clone(), KeyState::Primary)]).unwrap();
            let c = crate::token::Claims {
                session_id: crate::id::SessionId::from_bytes([0; 16]),
                shard: "s".into(),
                epoch: 0,
                issued_at: 0,
                expires_at: 1,
                payload: vec![],
            };
            assert_eq!(keys.sign(&c), want.sign(&c));
        }
    }

    #[test]
    fn every_rule_has_its_code() {
        let p = |kid: &str| entry(kid, &[9; 32], "primary");
        let v = |kid: &str| entry(kid, &[9; 32], "verify");
        assert_eq!(code("{"), "keyring_invalid_json");
        assert_eq!(code("{}"), "keyring_invalid_json");
        assert_eq!(
            code(&format!("[{}]", p("a").replace("}", r#","x":1}"#))),
            "keyring_invalid_json"
        );
        assert_eq!(
            code(&" ".repeat(MAX_KEYRING_JSON_LEN + 1)),
            "keyring_invalid_json"
        );
        assert_eq!(code("[]"), "keyring_empty");
        let many: Vec<String> = (0..17).map(|i| v(&format!("k{i}"))).collect();
        assert_eq!(
            code(&format!("[{}]", many.join(","))),
            "keyring_too_many_keys"
        );
        assert_eq!(code(&format!("[{}]", p(""))), "keyring_bad_kid");
        assert_eq!(
            code(&format!("[{}]", p("abcdefghijklm"))),
            "keyring_bad_kid"
        );
        assert_eq!(code(&format!("[{}]", p("a b"))), "keyring_bad_kid");
        assert_eq!(
            code(&format!("[{},{}]", p("a"), v("a"))),
            "keyring_duplicate_kid"
        );
        assert_eq!(
            code(r#"[{"kid":"a","secret":"!!!!","state":"primary"}]"#),
            "keyring_bad_secret_encoding"
        );
        assert_eq!(
            code(r#"[{"kid":"a","secret":"ab+_","state":"primary"}]"#),
            "keyring_bad_secret_encoding"
        );
        assert_eq!(
            code(&format!("[{}]", entry("a", &[1; 31], "primary"))),
            "keyring_key_too_short"
        );
        assert_eq!(
            code(&format!("[{}]", entry("a", &[1; 1025], "primary"))),
            "keyring_key_too_long"
        );
        Keyring::from_json(&format!("[{}]", entry("a", &[1; 1024], "primary"))).unwrap();
        assert_eq!(code(&format!("[{}]", v("a"))), "keyring_no_primary");
        assert_eq!(
            code(&format!("[{},{}]", p("a"), p("b"))),
            "keyring_multiple_primary"
        );
        assert_eq!(
            code(r#"[{"kid":"a","secret":"x","state":"Primary"}]"#),
            "keyring_invalid_json"
        );
    }

    #[test]
    fn errors_never_echo_secret_text() {
        let secret_text = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";
        let bad = [
            format!(r#"[{{"kid":"a","secret":"{secret_text}","state":"nope"}}]"#),
            format!(r#"[{{"kid":"{secret_text}","secret":"x","state":"primary"}}]"#),
            format!(r#"[{{"kid":"a","secret":{{"{secret_text}":1}},"state":"primary"}}]"#),
            format!(r#"[{{"kid":"a","secret":"{secret_text}","state":"primary"}}]"#),
        ];
        for json in bad {
            let e = Keyring::from_json(&json).unwrap_err();
            assert!(!e.to_string().contains(secret_text), "{e}");
            assert!(!format!("{e:?}").contains(secret_text), "{e:?}");
        }
    }

    #[test]
    fn debug_does_not_leak_key() {
        let secret = [0x5Au8; 32];
        let keys = Keyring::new(vec![("k1".into(), secret.to_vec(), KeyState::Primary)]).unwrap();
        let dbg = format!("{keys:?}");
        assert_eq!(dbg, r#"Keyring { primary: "k1", keys: {"k1": Primary} }"#);
        assert!(!dbg.contains("5a") && !dbg.contains("5A"));
        assert!(!dbg.contains(&STANDARD.encode(secret)[..8]));
    }
}
