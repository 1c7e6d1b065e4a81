//! Token tests: golden vectors, exhaustive tampering, rotation, property tests.
//!
//! # Golden vectors: `tests/vectors/tokens.json`
//!
//! Shared by the native, wasm, Node and browser tests. One JSON object:
//!
//! ```text
//! {
//!   "format":  "edge-session token v1",      informational
//!   "keyring": [{"kid", "secret", "state"}],  exactly the input of Keyring::from_json
//!                                              (secrets: standard base64, 32 bytes)
//!   "now":     u64,                            unix seconds to verify every case at
//!   "valid":   [{ "name", "kid", "claims", "token" }],
//!   "invalid": [{ "name", "token", "expect": "invalid_token" }]
//! }
//! claims = { "session_id": base64url no pad (16 bytes), "shard": string, "epoch": u32,
//!            "issued_at": u64, "expires_at": u64, "payload": base64url no pad (may be "") }
//! ```
//!
//! For each `valid` case, `keyring.verify(token, now)` returns `kid` and `claims`, and
//! signing `claims` with a keyring where `kid` is the primary reproduces `token` byte
//! for byte (signing is deterministic). Every `invalid` case fails with `invalid_token`.
//! Integers are JSON numbers no larger than 2^53 - 1 (`Number.MAX_SAFE_INTEGER`, used
//! as `expires_at` of `max_stateful`), so `JSON.parse` reads every one exactly. The file is produced once by the ignored test
//! `generate_vectors` (`cargo test --test token -- --ignored generate_vectors`) and
//! then only read.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use edge_session::token::{MAX_STATEFUL_TOKEN_LEN, MIN_TOKEN_LEN};
use edge_session::{
    Claims, InvalidToken, KeyState, Keyring, SessionId, Verified, MAX_PAYLOAD_LEN, MAX_TOKEN_LEN,
};
use hmac::{Hmac, KeyInit, Mac};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::Sha256;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tokens.json");
const NOW: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
/// `Number.MAX_SAFE_INTEGER`: the largest time the vectors use, so `JSON.parse` reads all exactly.
const JS_MAX_SAFE: u64 = (1 << 53) - 1;

/// Fixed test secrets: kid -> 32 bytes.
fn secret(kid: &str) -> Vec<u8> {
    let base: u8 = match kid {
        "k1" => 0x00,
        "k0" => 0x20,
        "kold" => 0x40,
        "kmaxlength12" => 0x60,
        "kx" => 0x80,
        _ => 0xA0,
    };
    (0..32u8).map(|i| base.wrapping_add(i)).collect()
}

const RING: [(&str, KeyState); 4] = [
    ("k1", KeyState::Primary),
    ("k0", KeyState::Verify),
    ("kold", KeyState::Retired),
    ("kmaxlength12", KeyState::Verify),
];

fn fixed_keys() -> Keyring {
    keys_with_primary("k1")
}

/// The fixed keyring with `primary` promoted (the old primary becomes `verify`).
fn keys_with_primary(primary: &str) -> Keyring {
    let mut keys: Vec<(String, Vec<u8>, KeyState)> = RING
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
    if !keys.iter().any(|k| k.0 == primary) {
        for k in &mut keys {
            if k.2 == KeyState::Primary {
                k.2 = KeyState::Verify;
            }
        }
        keys.push((primary.to_owned(), secret(primary), KeyState::Primary));
    }
    Keyring::new(keys).unwrap()
}

fn claims(sid: u8, shard: &str, epoch: u32, iat: u64, exp: u64, payload: &[u8]) -> Claims {
    Claims {
        session_id: SessionId::from_bytes([sid; 16]),
        shard: shard.to_owned(),
        epoch,
        issued_at: iat,
        expires_at: exp,
        payload: payload.to_vec(),
    }
}

fn basic() -> Claims {
    claims(0xA5, "s1", 1, NOW - 60, NOW + 3600, b"")
}

/// A raw token body in the v1 layout, with free choice of every field.
#[allow(clippy::too_many_arguments)]
fn raw_body(
    version: u8,
    kid: &[u8],
    sid: [u8; 16],
    shard: &[u8],
    epoch: u32,
    iat: u64,
    exp: u64,
    payload_len: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = vec![version, kid.len() as u8];
    b.extend_from_slice(kid);
    b.extend_from_slice(&sid);
    b.push(shard.len() as u8);
    b.extend_from_slice(shard);
    b.extend_from_slice(&epoch.to_be_bytes());
    b.extend_from_slice(&iat.to_be_bytes());
    b.extend_from_slice(&exp.to_be_bytes());
    b.extend_from_slice(&payload_len.to_be_bytes());
    b.extend_from_slice(payload);
    b
}

/// `base64url(body || HMAC(secret, prefix || body))`: an independent implementation of signing.
fn mac_token(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(b"edge-session/v1/token\0");
    mac.update(body);
    let mut raw = body.to_vec();
    raw.extend_from_slice(&mac.finalize().into_bytes());
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

fn valid_cases() -> Vec<(&'static str, &'static str, Claims)> {
    let payload: Vec<u8> = (0..MAX_PAYLOAD_LEN).map(|i| (i % 251) as u8).collect();
    vec![
        ("basic", "k1", basic()),
        (
            "with_payload",
            "k1",
            claims(
                0x3C,
                "s2",
                9,
                NOW - 10,
                NOW + 600,
                br#"{"uid":"u-42","role":"admin"}"#,
            ),
        ),
        (
            "signed_by_verify_key",
            "k0",
            claims(0x11, "s1", 1, NOW - 86_400, NOW + 86_400, b""),
        ),
        (
            "max_stateful",
            "kmaxlength12",
            claims(
                0xFF,
                "shard-0123456789abcdefghijklmnop",
                u32::MAX,
                0,
                JS_MAX_SAFE,
                b"",
            ),
        ),
        (
            "expires_in_one_second",
            "k1",
            claims(0x01, "a", 0, NOW - 100, NOW + 1, b""),
        ),
        (
            "issued_now",
            "k1",
            claims(0x00, "eu.west-1_a", 0, NOW, NOW + 60, b""),
        ),
        (
            "one_byte_payload",
            "k0",
            claims(0x7E, "s3", 3, NOW - 5, NOW + 5, &[0]),
        ),
        (
            "max_token",
            "kmaxlength12",
            claims(
                0x42,
                "shard-0123456789abcdefghijklmnop",
                4,
                NOW - 1,
                NOW + 1,
                &payload,
            ),
        ),
    ]
}

fn invalid_cases() -> Vec<(&'static str, String)> {
    let sid = [0xA5; 16];
    let k1 = secret("k1");
    let good = fixed_keys().sign(&basic()).unwrap();
    let raw = URL_SAFE_NO_PAD.decode(&good).unwrap();
    let flip = |i: usize| {
        let mut r = raw.clone();
        r[i] ^= 0x01;
        URL_SAFE_NO_PAD.encode(r)
    };
    let body = |v: u8, kid: &[u8], shard: &[u8], iat: u64, exp: u64, plen: u16, p: &[u8]| {
        raw_body(v, kid, sid, shard, 1, iat, exp, plen, p)
    };
    let ok = |kid: &[u8]| body(1, kid, b"s1", NOW - 60, NOW + 3600, 0, b"");
    let mut trailing = ok(b"k1");
    trailing.push(0);
    let big = vec![7u8; MAX_PAYLOAD_LEN + 1];
    let mut noncanonical = good.clone().into_bytes();
    // The token is 103 characters: the last one carries 2 unused bits; set one.
    assert_eq!(good.len() % 4, 3);
    let last = noncanonical.len() - 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet
        .iter()
        .position(|&c| c == noncanonical[last])
        .unwrap();
    noncanonical[last] = alphabet[idx ^ 1];
    let tag_start = raw.len() - 32;
    vec![
        (
            "expired_at_now",
            mac_token(&k1, &body(1, b"k1", b"s1", NOW - 60, NOW, 0, b"")),
        ),
        (
            "expired_long_ago",
            fixed_keys()
                .sign(&claims(0xA5, "s1", 1, 0, 1, b""))
                .unwrap(),
        ),
        (
            "retired_kid",
            keys_with_primary("kold").sign(&basic()).unwrap(),
        ),
        (
            "unknown_kid",
            keys_with_primary("kx").sign(&basic()).unwrap(),
        ),
        ("kid_names_other_key", mac_token(&secret("k0"), &ok(b"k1"))),
        ("flipped_bit_in_tag", flip(tag_start)),
        ("flipped_bit_in_epoch", flip(2 + 2 + 16 + 1 + 2 + 3)),
        ("truncated_one_char", good[..good.len() - 1].to_owned()),
        (
            "truncated_one_byte",
            URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1]),
        ),
        ("padded", format!("{good}=")),
        (
            "non_canonical_trailing_bits",
            String::from_utf8(noncanonical).unwrap(),
        ),
        ("standard_alphabet", STANDARD.encode(&raw)),
        (
            "wrong_version",
            mac_token(&k1, &body(2, b"k1", b"s1", NOW - 60, NOW + 3600, 0, b"")),
        ),
        ("trailing_byte_after_payload", mac_token(&k1, &trailing)),
        (
            "bad_shard_char",
            mac_token(&k1, &body(1, b"k1", b"s 1", NOW - 60, NOW + 3600, 0, b"")),
        ),
        (
            "issued_after_expiry",
            mac_token(&k1, &body(1, b"k1", b"s1", NOW + 7200, NOW + 3600, 0, b"")),
        ),
        (
            "payload_over_limit",
            mac_token(
                &k1,
                &body(1, b"k1", b"s1", NOW - 60, NOW + 3600, 2049, &big),
            ),
        ),
        ("garbage", "not a token at all".to_owned()),
        ("empty", String::new()),
        ("too_long", "A".repeat(MAX_TOKEN_LEN + 1)),
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
        .map(|(name, kid, c)| {
            let token = keys_with_primary(kid).sign(&c).unwrap();
            json!({ "name": name, "kid": kid, "claims": claims_json(&c), "token": token })
        })
        .collect();
    let invalid: Vec<Value> = invalid_cases()
        .into_iter()
        .map(|(name, token)| json!({ "name": name, "token": token, "expect": "invalid_token" }))
        .collect();
    json!({
        "format": "edge-session token v1: see the module docs of src/token.rs and the header of tests/token.rs",
        "keyring": keyring,
        "now": NOW,
        "valid": valid,
        "invalid": invalid,
    })
}

#[test]
#[ignore = "writes tests/vectors/tokens.json; run once, inspect, commit"]
fn generate_vectors() {
    let text = serde_json::to_string_pretty(&build_vectors()).unwrap() + "\n";
    std::fs::write(VECTORS, text).unwrap();
}

fn load_vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/tokens.json is committed");
    serde_json::from_str(&text).unwrap()
}

fn vector_keys(v: &Value) -> Keyring {
    Keyring::from_json(&v["keyring"].to_string()).unwrap()
}

#[test]
fn vectors_valid_cases_verify_and_reproduce() {
    let v = load_vectors();
    let keys = vector_keys(&v);
    let now = v["now"].as_u64().unwrap();
    let cases = v["valid"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let kid = case["kid"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let want = claims_from_json(&case["claims"]);
        let got = keys.verify(token, now);
        assert_eq!(
            got,
            Ok(Verified {
                kid: kid.to_owned(),
                claims: want.clone()
            }),
            "{name}"
        );
        // Deterministic signing reproduces the stored bytes exactly.
        let mut keys: Vec<Value> = v["keyring"].as_array().unwrap().clone();
        for k in &mut keys {
            k["state"] = json!(if k["kid"] == kid { "primary" } else { "verify" });
        }
        let signer = Keyring::from_json(&Value::Array(keys).to_string()).unwrap();
        assert_eq!(signer.sign(&want).unwrap(), token, "{name}");
    }
    let max = cases.iter().find(|c| c["name"] == "max_stateful").unwrap();
    assert_eq!(max["token"].as_str().unwrap().len(), MAX_STATEFUL_TOKEN_LEN);
    let max = cases.iter().find(|c| c["name"] == "max_token").unwrap();
    assert_eq!(max["token"].as_str().unwrap().len(), MAX_TOKEN_LEN);
}

#[test]
fn vectors_invalid_cases_fail() {
    let v = load_vectors();
    let keys = vector_keys(&v);
    let now = v["now"].as_u64().unwrap();
    let cases = v["invalid"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        assert_eq!(case["expect"], "invalid_token", "{name}");
        let got = keys.verify(case["token"].as_str().unwrap(), now);
        assert_eq!(got, Err(InvalidToken), "{name}");
    }
}

#[test]
fn vectors_are_json_safe() {
    let v = load_vectors();
    for case in v["valid"].as_array().unwrap() {
        for field in ["epoch", "issued_at", "expires_at"] {
            assert!(case["claims"][field].as_u64().unwrap() <= JS_MAX_SAFE);
        }
    }
}

#[test]
fn vectors_file_matches_generator() {
    // Guards against silently changing the format: the committed file is the truth.
    assert_eq!(load_vectors(), build_vectors());
}

#[test]
fn every_bit_flip_of_the_bytes_is_rejected() {
    let keys = fixed_keys();
    for c in [basic(), claims(1, "s", 2, NOW, NOW + 9, b"hello")] {
        let token = keys.sign(&c).unwrap();
        assert!(keys.verify(&token, NOW).is_ok());
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut r = raw.clone();
                r[i] ^= 1 << bit;
                let t = URL_SAFE_NO_PAD.encode(&r);
                assert_eq!(
                    keys.verify(&t, NOW),
                    Err(InvalidToken),
                    "byte {i} bit {bit}"
                );
            }
        }
    }
}

#[test]
fn every_bit_flip_of_the_string_is_rejected() {
    let keys = fixed_keys();
    let token = keys.sign(&basic()).unwrap();
    let bytes = token.as_bytes();
    let mut tried = 0;
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.to_vec();
            b[i] ^= 1 << bit;
            // Bytes >= 0x80 are not UTF-8 alone: the lossy form still must fail.
            let t = String::from_utf8_lossy(&b);
            assert_eq!(
                keys.verify(&t, NOW),
                Err(InvalidToken),
                "char {i} bit {bit}"
            );
            tried += 1;
        }
    }
    assert_eq!(tried, token.len() * 8);
}

#[test]
fn truncation_and_extension_are_rejected() {
    let keys = fixed_keys();
    let token = keys
        .sign(&claims(9, "s9", 9, NOW, NOW + 1, b"xyz"))
        .unwrap();
    let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
    for n in 0..token.len() {
        assert_eq!(
            keys.verify(&token[..n], NOW),
            Err(InvalidToken),
            "chars {n}"
        );
    }
    for n in 0..raw.len() {
        let t = URL_SAFE_NO_PAD.encode(&raw[..n]);
        assert_eq!(keys.verify(&t, NOW), Err(InvalidToken), "bytes {n}");
    }
    for b in 0..=255u8 {
        let mut r = raw.clone();
        r.push(b);
        let t = URL_SAFE_NO_PAD.encode(&r);
        assert_eq!(keys.verify(&t, NOW), Err(InvalidToken), "appended byte {b}");
        let mut r = vec![b];
        r.extend_from_slice(&raw);
        let t = URL_SAFE_NO_PAD.encode(&r);
        assert_eq!(
            keys.verify(&t, NOW),
            Err(InvalidToken),
            "prepended byte {b}"
        );
        if b.is_ascii() {
            let t = format!("{token}{}", b as char);
            assert_eq!(keys.verify(&t, NOW), Err(InvalidToken), "appended char {b}");
        }
    }
}

#[test]
fn size_limits() {
    let keys = keys_with_primary("kmaxlength12");
    let max = claims(0, &"x".repeat(32), 0, 0, u64::MAX, b"");
    let t = keys.sign(&max).unwrap();
    assert_eq!(t.len(), 156);
    assert_eq!(MAX_STATEFUL_TOKEN_LEN, 156);
    const _: () = assert!(MAX_STATEFUL_TOKEN_LEN < 160);
    assert!(keys.verify(&t, NOW).is_ok());
    let full = claims(0, &"x".repeat(32), 0, 0, u64::MAX, &[0xEE; MAX_PAYLOAD_LEN]);
    let t = keys.sign(&full).unwrap();
    assert_eq!(t.len(), MAX_TOKEN_LEN);
    assert_eq!(keys.verify(&t, NOW).unwrap().claims, full);
    // The smallest well-formed token: 1-byte kid "k", 1-byte shard.
    let tiny = Keyring::new(vec![("k".into(), vec![1; 32], KeyState::Primary)]).unwrap();
    let t = tiny.sign(&claims(0, "x", 0, 0, 1, b"")).unwrap();
    assert_eq!(t.len(), MIN_TOKEN_LEN);
    assert!(tiny.verify(&t, 0).is_ok());
}

#[test]
fn verify_key_verifies_retired_does_not() {
    let t = keys_with_primary("k0").sign(&basic()).unwrap();
    let v = fixed_keys().verify(&t, NOW).unwrap();
    assert_eq!(v.kid, "k0");
    assert_ne!(v.kid, fixed_keys().primary_kid());
    let t = keys_with_primary("kold").sign(&basic()).unwrap();
    assert_eq!(fixed_keys().verify(&t, NOW), Err(InvalidToken));
    // Same key, now not retired: it verifies, so the rejection above was the state.
    let revived = Keyring::new(vec![
        ("k1".into(), secret("k1"), KeyState::Primary),
        ("kold".into(), secret("kold"), KeyState::Verify),
    ])
    .unwrap();
    assert!(revived.verify(&t, NOW).is_ok());
}

#[test]
fn rotation_loses_no_session_until_its_key_is_retired() {
    let key = |kid: &str, state| (kid.to_owned(), secret(kid), state);
    use KeyState::*;
    let stage0 = Keyring::new(vec![key("k1", Primary)]).unwrap();
    let stage1 = Keyring::new(vec![key("k2", Primary), key("k1", Verify)]).unwrap();
    let stage2 = Keyring::new(vec![key("k2", Primary), key("k1", Retired)]).unwrap();
    let stage3 = Keyring::new(vec![key("k3", Primary), key("k2", Verify)]).unwrap();

    let c = |sid| claims(sid, "s1", 1, NOW, NOW + 30 * 86_400, b"");
    let a = stage0.sign(&c(1)).unwrap();
    assert_eq!(stage0.verify(&a, NOW).unwrap().kid, "k1");
    // Stage 1: new primary; every stage-0 session still verifies.
    assert_eq!(stage1.verify(&a, NOW).unwrap().kid, "k1");
    let b = stage1.sign(&c(2)).unwrap();
    assert_eq!(stage1.verify(&b, NOW).unwrap().kid, "k2");
    // A shell re-issues old-key tokens under the primary; the claims survive.
    let v = stage1.verify(&a, NOW).unwrap();
    let a2 = stage1.sign(&v.claims).unwrap();
    assert_eq!(stage1.verify(&a2, NOW).unwrap().claims, c(1));
    // Stage 2: k1 retired; only its tokens die.
    assert_eq!(stage2.verify(&a, NOW), Err(InvalidToken));
    assert!(stage2.verify(&b, NOW).is_ok());
    assert!(stage2.verify(&a2, NOW).is_ok());
    // Stage 3: k1 dropped, k2 demoted; k2 tokens still live.
    assert_eq!(stage3.verify(&a, NOW), Err(InvalidToken));
    assert_eq!(stage3.verify(&b, NOW).unwrap().kid, "k2");
}

#[test]
fn no_try_each_key() {
    // A token naming k1 but MACed with k0 (also in the ring) must fail.
    let body = raw_body(1, b"k1", [1; 16], b"s", 0, NOW, NOW + 1, 0, b"");
    assert_eq!(
        fixed_keys().verify(&mac_token(&secret("k0"), &body), NOW),
        Err(InvalidToken)
    );
    assert!(fixed_keys()
        .verify(&mac_token(&secret("k1"), &body), NOW)
        .is_ok());
}

fn valid_claims() -> impl Strategy<Value = (Claims, u64)> {
    (
        any::<[u8; 16]>(),
        "[A-Za-z0-9._-]{1,32}",
        any::<u32>(),
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD_LEN),
        any::<u64>(),
    )
        .prop_map(|(sid, shard, epoch, a, b, payload, n)| {
            let (iat, exp) = (a.min(b), a.max(b).max(1));
            let now = n % exp; // now < exp
            (
                Claims {
                    session_id: SessionId::from_bytes(sid),
                    shard,
                    epoch,
                    issued_at: iat,
                    expires_at: exp,
                    payload,
                },
                now,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sign_verify_roundtrip((c, now) in valid_claims()) {
        let keys = fixed_keys();
        let t = keys.sign(&c).unwrap();
        prop_assert!(t.len() <= MAX_TOKEN_LEN);
        prop_assert_eq!(keys.verify(&t, now), Ok(Verified { kid: "k1".into(), claims: c.clone() }));
        prop_assert_eq!(keys.verify(&t, c.expires_at), Err(InvalidToken));
    }

    #[test]
    fn verify_rejects_arbitrary_strings(s in ".{0,400}", now in any::<u64>()) {
        prop_assert_eq!(fixed_keys().verify(&s, now), Err(InvalidToken));
    }

    #[test]
    fn verify_rejects_arbitrary_base64_alphabet(s in "[A-Za-z0-9_-]{95,170}", now in any::<u64>()) {
        prop_assert_eq!(fixed_keys().verify(&s, now), Err(InvalidToken));
    }

    #[test]
    fn verify_rejects_arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..300), now in any::<u64>()) {
        prop_assert_eq!(fixed_keys().verify(&URL_SAFE_NO_PAD.encode(&b), now), Err(InvalidToken));
    }

    #[test]
    fn verify_rejects_bytes_with_a_known_kid(
        kid in prop::sample::select(vec!["k1", "k0", "kold", "kmaxlength12", "zz"]),
        rest in prop::collection::vec(any::<u8>(), 0..2300),
        now in any::<u64>(),
    ) {
        let mut b = vec![1u8, kid.len() as u8];
        b.extend_from_slice(kid.as_bytes());
        b.extend_from_slice(&rest);
        prop_assert_eq!(fixed_keys().verify(&URL_SAFE_NO_PAD.encode(&b), now), Err(InvalidToken));
    }

    #[test]
    fn from_json_never_panics(s in ".{0,300}") {
        let _ = Keyring::from_json(&s);
    }

    #[test]
    fn from_json_never_panics_on_near_misses(
        kid in ".{0,20}",
        secret in "[A-Za-z0-9+/_=-]{0,80}",
        state in prop::sample::select(vec!["primary", "verify", "retired", "x", ""]),
        n in 0usize..20,
    ) {
        let entry = json!({ "kid": kid, "secret": secret, "state": state });
        let json = Value::Array(vec![entry; n]).to_string();
        if let Err(e) = Keyring::from_json(&json) {
            prop_assert!(e.code().starts_with("keyring_"));
            if secret.len() >= 8 {
                prop_assert!(!e.to_string().contains(&secret));
            }
        }
    }

    #[test]
    fn debug_never_shows_secret_bytes(secret in any::<[u8; 32]>(), sid in any::<[u8; 16]>()) {
        let keys = Keyring::new(vec![("k1".into(), secret.to_vec(), KeyState::Primary)]).unwrap();
        let id = SessionId::from_bytes(sid);
        let c = Claims { session_id: id.clone(), ..basic() };
        for (dbg, bytes) in [
            (format!("{keys:?} {keys:#?}"), &secret[..]),
            (format!("{id:?} {id:#?} {c:?}"), &sid[..]),
        ] {
            let hex_lower: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let hex_upper = hex_lower.to_uppercase();
            let dec = format!("{bytes:?}");
            for needle in [
                hex_lower,
                hex_upper,
                dec,
                STANDARD.encode(bytes),
                URL_SAFE_NO_PAD.encode(bytes),
            ] {
                prop_assert!(!dbg.contains(&needle[..needle.len().min(16)]), "{} in {}", needle, dbg);
            }
        }
    }
}
