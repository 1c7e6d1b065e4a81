//! Sealed token tests: golden vectors, an independent reference seal, tampering, property tests.
//!
//! # Golden vectors: `tests/vectors/sealed.json`
//!
//! Shared by the native, wasm, Node and browser tests. One JSON object:
//!
//! ```text
//! {
//!   "format":  "edge-session sealed token v2",  informational
//!   "keyring": [{"kid", "secret", "state"}],     exactly the input of Keyring::from_json
//!   "now":     u64,                               unix seconds to open every case at
//!   "valid":   [{ "name", "kid", "nonce", "claims", "token" }],
//!   "invalid": [{ "name", "token", "expect" }]    expect: a seal_* code
//! }
//! nonce  = base64url no pad (24 bytes); claims as in tests/vectors/tokens.json
//! ```
//!
//! For each `valid` case, `keyring.unseal(token, now)` returns `kid` and `claims` (the payload
//! decrypted), and sealing `claims` with `nonce` under a keyring where `kid` is primary
//! reproduces `token` byte for byte. Every `invalid` case fails with its `expect` code. The file
//! is produced once by the ignored test `generate_vectors`
//! (`cargo test --test seal -- --ignored generate_vectors`) and then only read.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use edge_session::seal::SEAL_NONCE_LEN;
use edge_session::{Claims, KeyState, Keyring, SealError, SessionId, MAX_SEALED_PAYLOAD_LEN};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::Sha256;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/sealed.json");
const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

const RING: [(&str, KeyState); 4] = [
    ("k1", KeyState::Primary),
    ("k0", KeyState::Verify),
    ("kold", KeyState::Retired),
    ("kmaxlength12", KeyState::Verify),
];

fn secret(kid: &str) -> Vec<u8> {
    let base: u8 = match kid {
        "k1" => 0x10,
        "k0" => 0x30,
        "kold" => 0x50,
        "kmaxlength12" => 0x90,
        _ => 0x70,
    };
    (0..32u8).map(|i| base.wrapping_add(i)).collect()
}

fn keys_with_primary(primary: &str) -> Keyring {
    let keys = RING
        .iter()
        .map(|&(kid, state)| {
            let state = match (kid == primary, state) {
                (true, _) => KeyState::Primary,
                (false, KeyState::Primary) => KeyState::Verify,
                (false, s) => s,
            };
            (kid.to_owned(), secret(kid), state)
        })
        .collect();
    Keyring::new(keys).unwrap()
}

fn claims(sid: u8, shard: &str, iat: u64, exp: u64, payload: &[u8]) -> Claims {
    Claims {
        session_id: SessionId::from_bytes([sid; 16]),
        shard: shard.to_owned(),
        epoch: 3,
        issued_at: iat,
        expires_at: exp,
        payload: payload.to_vec(),
    }
}

/// An independent implementation of sealing, written from the format in src/seal.rs.
fn reference_seal(kid: &str, c: &Claims, nonce: &[u8; 24]) -> String {
    let key = <Hmac<Sha256> as KeyInit>::new_from_slice(&secret(kid))
        .unwrap()
        .chain_update(b"edge-session/v2/seal-key\0")
        .finalize()
        .into_bytes();
    let mut header = vec![2u8, kid.len() as u8];
    header.extend_from_slice(kid.as_bytes());
    header.extend_from_slice(c.session_id.as_bytes());
    header.push(c.shard.len() as u8);
    header.extend_from_slice(c.shard.as_bytes());
    header.extend_from_slice(&c.epoch.to_be_bytes());
    header.extend_from_slice(&c.issued_at.to_be_bytes());
    header.extend_from_slice(&c.expires_at.to_be_bytes());
    header.extend_from_slice(nonce);
    header.extend_from_slice(&(c.payload.len() as u16).to_be_bytes());
    let mut body = c.payload.clone();
    let tag = <XChaCha20Poly1305 as chacha20poly1305::KeyInit>::new(&key)
        .encrypt_inout_detached(&XNonce::from(*nonce), &header, body.as_mut_slice().into())
        .unwrap();
    let mut raw = header;
    raw.extend_from_slice(&body);
    raw.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(raw)
}

fn claims_json(c: &Claims) -> Value {
    json!({
        "session_id": c.session_id.to_base64url(),
        "shard": c.shard,
        "epoch": c.epoch,
        "issued_at": c.issued_at,
        "expires_at": c.expires_at,
        "payload": URL_SAFE_NO_PAD.encode(&c.payload),
    })
}

fn claims_from_json(v: &Value) -> Claims {
    Claims {
        session_id: SessionId::from_base64url(v["session_id"].as_str().unwrap()).unwrap(),
        shard: v["shard"].as_str().unwrap().to_owned(),
        epoch: u32::try_from(v["epoch"].as_u64().unwrap()).unwrap(),
        issued_at: v["issued_at"].as_u64().unwrap(),
        expires_at: v["expires_at"].as_u64().unwrap(),
        payload: URL_SAFE_NO_PAD
            .decode(v["payload"].as_str().unwrap())
            .unwrap(),
    }
}

fn nonce(b: u8) -> [u8; SEAL_NONCE_LEN] {
    core::array::from_fn(|i| b.wrapping_add(i as u8))
}

/// (name, kid, nonce, claims)
fn valid_cases() -> Vec<(&'static str, &'static str, [u8; 24], Claims)> {
    let json = br#"{"user":"alice","cart":[1,2,3],"theme":"dark"}"#;
    let max: Vec<u8> = (0..MAX_SEALED_PAYLOAD_LEN)
        .map(|i| (i % 251) as u8)
        .collect();
    vec![
        (
            "json_payload",
            "k1",
            nonce(0),
            claims(1, "-", NOW - 60, NOW + 3600, json),
        ),
        (
            "empty_payload",
            "k1",
            nonce(0x40),
            claims(2, "s1", NOW, NOW + 1, b""),
        ),
        (
            "verify_key",
            "k0",
            nonce(0x80),
            claims(3, "shard-2", NOW - 10, NOW + 10, b"sealed by the old key"),
        ),
        (
            "max_payload",
            "kmaxlength12",
            nonce(0xC0),
            claims(4, &"x".repeat(32), NOW, NOW + 86_400, &max),
        ),
    ]
}

/// (name, token, expected code)
fn invalid_cases() -> Vec<(&'static str, String, &'static str)> {
    let ok = |c: &Claims, n: u8| keys_with_primary("k1").seal(c, &nonce(n)).unwrap();
    let base = claims(9, "s1", NOW - 60, NOW + 60, b"the plaintext");
    let token = ok(&base, 1);
    let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    let flip = |at: usize| {
        let mut m = raw.clone();
        m[at] ^= 0x01;
        URL_SAFE_NO_PAD.encode(m)
    };
    let n = raw.len();
    vec![
        ("ciphertext_flipped", flip(n - 20), "seal_tampered"),
        ("tag_flipped", flip(n - 1), "seal_tampered"),
        ("issued_at_flipped", flip(30), "seal_tampered"),
        ("nonce_flipped", flip(50), "seal_tampered"),
        (
            "other_secret_same_kid",
            {
                let other = Keyring::new(vec![("k1".into(), vec![0xEE; 32], KeyState::Primary)]);
                other.unwrap().seal(&base, &nonce(1)).unwrap()
            },
            "seal_tampered",
        ),
        (
            "retired_kid",
            keys_with_primary("kold").seal(&base, &nonce(2)).unwrap(),
            "seal_unknown_key",
        ),
        (
            "unknown_kid",
            Keyring::new(vec![("kz".into(), secret("kz"), KeyState::Primary)])
                .unwrap()
                .seal(&base, &nonce(3))
                .unwrap(),
            "seal_unknown_key",
        ),
        (
            "expired_at_now",
            ok(&claims(9, "s1", NOW - 60, NOW, b"late"), 4),
            "seal_expired",
        ),
        (
            "truncated",
            URL_SAFE_NO_PAD.encode(&raw[..n - 1]),
            "seal_malformed",
        ),
        (
            "signed_token_v1",
            keys_with_primary("k1").sign(&base).unwrap(),
            "seal_malformed",
        ),
        (
            "garbage",
            "not a sealed token at all".to_owned(),
            "seal_malformed",
        ),
        (
            "too_long",
            "A".repeat(edge_session::MAX_TOKEN_LEN + 1),
            "seal_too_large",
        ),
    ]
}

fn build_vectors() -> Value {
    let keyring: Vec<Value> = RING
        .iter()
        .map(|(kid, state)| {
            json!({ "kid": kid, "secret": STANDARD.encode(secret(kid)), "state": state })
        })
        .collect();
    let valid: Vec<Value> = valid_cases()
        .into_iter()
        .map(|(name, kid, n, c)| {
            let token = keys_with_primary(kid).seal(&c, &n).unwrap();
            json!({ "name": name, "kid": kid, "nonce": URL_SAFE_NO_PAD.encode(n),
                    "claims": claims_json(&c), "token": token })
        })
        .collect();
    let invalid: Vec<Value> = invalid_cases()
        .into_iter()
        .map(|(name, token, expect)| json!({ "name": name, "token": token, "expect": expect }))
        .collect();
    json!({
        "format": "edge-session sealed token v2: see the module docs of src/seal.rs and the header of tests/seal.rs",
        "keyring": keyring,
        "now": NOW,
        "valid": valid,
        "invalid": invalid,
    })
}

#[test]
#[ignore = "writes tests/vectors/sealed.json; run once, inspect, commit"]
fn generate_vectors() {
    let text = serde_json::to_string_pretty(&build_vectors()).unwrap() + "\n";
    std::fs::write(VECTORS, text).unwrap();
}

fn load_vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/sealed.json is committed");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn vectors_valid_cases_open_and_reproduce() {
    let v = load_vectors();
    let keys = Keyring::from_json(&v["keyring"].to_string()).unwrap();
    let now = v["now"].as_u64().unwrap();
    let cases = v["valid"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let kid = case["kid"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let want = claims_from_json(&case["claims"]);
        let got = keys.unseal(token, now).unwrap();
        assert_eq!((got.kid.as_str(), &got.claims), (kid, &want), "{name}");
        let n: [u8; 24] = URL_SAFE_NO_PAD
            .decode(case["nonce"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            keys_with_primary(kid).seal(&want, &n).unwrap(),
            token,
            "{name}"
        );
        assert_eq!(reference_seal(kid, &want, &n), token, "{name}");
    }
    let max = cases.iter().find(|c| c["name"] == "max_payload").unwrap();
    assert_eq!(
        max["token"].as_str().unwrap().len(),
        edge_session::MAX_TOKEN_LEN
    );
}

#[test]
fn vectors_invalid_cases_fail_with_their_code() {
    let v = load_vectors();
    let keys = Keyring::from_json(&v["keyring"].to_string()).unwrap();
    let now = v["now"].as_u64().unwrap();
    let cases = v["invalid"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = keys
            .unseal(case["token"].as_str().unwrap(), now)
            .unwrap_err();
        assert_eq!(got.code(), case["expect"], "{name}");
    }
}

#[test]
fn vectors_file_matches_generator() {
    assert_eq!(load_vectors(), build_vectors());
}

#[test]
fn signed_vectors_still_verify_and_are_not_sealed() {
    // The version 1 golden vectors are untouched by version 2: each still verifies (checked in
    // full by tests/token.rs) and none opens as a sealed token.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/tokens.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let keys = Keyring::from_json(&v["keyring"].to_string()).unwrap();
    let now = v["now"].as_u64().unwrap();
    for case in v["valid"].as_array().unwrap() {
        let t = case["token"].as_str().unwrap();
        assert!(keys.verify(t, now).is_ok());
        assert!(keys.unseal(t, now).is_err());
    }
}

#[test]
fn nonces_change_the_token_not_the_claims() {
    let keys = keys_with_primary("k1");
    let c = claims(5, "s1", NOW, NOW + 60, b"same data");
    let a = keys.seal(&c, &nonce(1)).unwrap();
    let b = keys.seal(&c, &nonce(2)).unwrap();
    assert_ne!(a, b);
    assert_eq!(keys.unseal(&a, NOW).unwrap().claims, c);
    assert_eq!(keys.unseal(&b, NOW).unwrap().claims, c);
}

fn valid_claims() -> impl Strategy<Value = Claims> {
    (
        any::<[u8; 16]>(),
        "[A-Za-z0-9._-]{1,32}",
        any::<u32>(),
        0u64..(1 << 40),
        0u64..(1 << 30),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(sid, shard, epoch, iat, ttl, payload)| Claims {
            session_id: SessionId::from_bytes(sid),
            shard,
            epoch,
            issued_at: iat,
            expires_at: iat + ttl + 1,
            payload,
        })
}

proptest! {
    #[test]
    fn seal_unseal_roundtrip(c in valid_claims(), n in any::<[u8; 24]>()) {
        let keys = keys_with_primary("k1");
        let t = keys.seal(&c, &n).unwrap();
        prop_assert_eq!(&reference_seal("k1", &c, &n), &t);
        let got = keys.unseal(&t, c.issued_at).unwrap();
        prop_assert_eq!(got.claims, c);
    }

    #[test]
    fn unseal_rejects_arbitrary_strings(s in ".{0,400}", now in any::<u64>()) {
        prop_assert!(keys_with_primary("k1").unseal(&s, now).is_err());
    }

    #[test]
    fn unseal_rejects_bytes_with_a_known_kid(
        tail in prop::collection::vec(any::<u8>(), 80..400), now in any::<u64>()
    ) {
        let mut raw = vec![2u8, 2, b'k', b'1'];
        raw.extend_from_slice(&tail);
        let got = keys_with_primary("k1").unseal(&URL_SAFE_NO_PAD.encode(raw), now);
        prop_assert!(matches!(got, Err(SealError::Malformed | SealError::Tampered)));
    }
}
