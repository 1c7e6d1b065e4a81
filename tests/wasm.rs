//! wasm tier: the golden vectors and a session lifecycle over `MemoryStore`, run by
//! `wasm-pack test --node --test wasm` and, with `WASM_BINDGEN_USE_BROWSER=1`, in headless
//! Chromium (`--headless --chrome`). The same suite on both; formats are documented at the top
//! of tests/token.rs and tests/ring.rs.
#![cfg(target_arch = "wasm32")]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use edge_session::ring::Ring;
use edge_session::{
    Claims, Keyring, MemoryShards, NewSession, Policy, SessionError, SessionId, SessionManager,
};
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test;

const TOKENS: &str = include_str!("vectors/tokens.json");
const RING: &str = include_str!("vectors/ring.json");
const SEALED: &str = include_str!("vectors/sealed.json");

fn claims(v: &Value) -> Claims {
    let b64 = |k: &str| URL_SAFE_NO_PAD.decode(v[k].as_str().unwrap()).unwrap();
    Claims {
        session_id: SessionId::from_bytes(b64("session_id").try_into().unwrap()),
        shard: v["shard"].as_str().unwrap().to_owned(),
        epoch: v["epoch"].as_u64().unwrap() as u32,
        issued_at: v["issued_at"].as_u64().unwrap(),
        expires_at: v["expires_at"].as_u64().unwrap(),
        payload: b64("payload"),
    }
}

/// The vector keyring with `kid` promoted to primary (the old primary verifies only).
fn keyring_with_primary(doc: &Value, kid: &str) -> Keyring {
    let mut keys = doc["keyring"].as_array().unwrap().clone();
    for k in &mut keys {
        let state = match (k["kid"] == kid, k["state"].as_str().unwrap()) {
            (true, _) => "primary",
            (false, "primary") => "verify",
            (false, s) => s,
        };
        k["state"] = Value::from(state);
    }
    Keyring::from_json(&Value::Array(keys).to_string()).unwrap()
}

#[wasm_bindgen_test]
fn token_vectors_verify_and_sign_byte_for_byte() {
    let doc: Value = serde_json::from_str(TOKENS).unwrap();
    let keys = Keyring::from_json(&doc["keyring"].to_string()).unwrap();
    let now = doc["now"].as_u64().unwrap();
    let valid = doc["valid"].as_array().unwrap();
    assert!(!valid.is_empty());
    for case in valid {
        let token = case["token"].as_str().unwrap();
        let kid = case["kid"].as_str().unwrap();
        let want = claims(&case["claims"]);
        let got = keys.verify(token, now).expect("valid vector");
        assert_eq!(
            (got.kid.as_str(), &got.claims),
            (kid, &want),
            "{}",
            case["name"]
        );
        let signed = keyring_with_primary(&doc, kid).sign(&want).unwrap();
        assert_eq!(signed, token, "{}", case["name"]);
    }
}

#[wasm_bindgen_test]
fn sealed_vectors_open_and_seal_byte_for_byte() {
    let doc: Value = serde_json::from_str(SEALED).unwrap();
    let keys = Keyring::from_json(&doc["keyring"].to_string()).unwrap();
    let now = doc["now"].as_u64().unwrap();
    let valid = doc["valid"].as_array().unwrap();
    assert!(!valid.is_empty());
    for case in valid {
        let token = case["token"].as_str().unwrap();
        let kid = case["kid"].as_str().unwrap();
        let want = claims(&case["claims"]);
        let got = keys.unseal(token, now).expect("valid sealed vector");
        assert_eq!(
            (got.kid.as_str(), &got.claims),
            (kid, &want),
            "{}",
            case["name"]
        );
        let nonce: [u8; 24] = URL_SAFE_NO_PAD
            .decode(case["nonce"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let sealed = keyring_with_primary(&doc, kid).seal(&want, &nonce).unwrap();
        assert_eq!(sealed, token, "{}", case["name"]);
    }
    for case in doc["invalid"].as_array().unwrap() {
        let err = keys
            .unseal(case["token"].as_str().unwrap(), now)
            .unwrap_err();
        assert_eq!(err.code(), case["expect"], "{}", case["name"]);
    }
}

#[wasm_bindgen_test]
fn invalid_token_vectors_are_refused() {
    let doc: Value = serde_json::from_str(TOKENS).unwrap();
    let keys = Keyring::from_json(&doc["keyring"].to_string()).unwrap();
    let now = doc["now"].as_u64().unwrap();
    let invalid = doc["invalid"].as_array().unwrap();
    assert!(!invalid.is_empty());
    for case in invalid {
        let err = keys
            .verify(case["token"].as_str().unwrap(), now)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_token", "{}", case["name"]);
    }
}

#[wasm_bindgen_test]
fn ring_vectors_place_every_key_as_native() {
    let doc: Value = serde_json::from_str(RING).unwrap();
    let ring = Ring::from_json(&doc["config"].to_string()).unwrap();
    let epochs: Vec<Ring> = (1..=ring.epoch())
        .map(|e| ring.at_epoch(e).unwrap())
        .collect();
    let shares = ring.shares();
    for (s, want) in shares.iter().zip(doc["shares"].as_array().unwrap()) {
        assert_eq!(s.name, want["name"].as_str().unwrap());
        assert_eq!(s.owned.to_string(), want["owned"].as_str().unwrap());
    }
    let keys = doc["keys"].as_array().unwrap();
    assert!(keys.len() > 50);
    for k in keys {
        let key = k["key"].as_str().unwrap().as_bytes();
        assert_eq!(
            Ring::position(key).to_string(),
            k["position"].as_str().unwrap()
        );
        assert_eq!(ring.locate(key), k["owner"].as_str().unwrap());
        let pref: Vec<&str> = k["preference"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ring.preference_list(key, 3), pref);
        for (e, owner) in epochs.iter().zip(k["owner_by_epoch"].as_array().unwrap()) {
            assert_eq!(e.locate(key), owner.as_str().unwrap());
        }
    }
}

#[wasm_bindgen_test]
async fn session_lifecycle_over_memory_shards() {
    let keys = Keyring::new(vec![(
        "k1".into(),
        vec![7; 32],
        edge_session::KeyState::Primary,
    )])
    .unwrap();
    let ring = Ring::from_json(r#"{"shards":[{"name":"a"},{"name":"b"},{"name":"c"}]}"#).unwrap();
    let policy = Policy {
        idle_timeout: 100,
        absolute_lifetime: 1000,
        touch_interval: 10,
        rotation_grace: 0,
        ..Policy::default()
    };
    let shards = MemoryShards::new();
    let m = SessionManager::new(keys, ring, policy, shards.clone()).unwrap();
    let t0 = 1_800_000_000;
    let new = NewSession {
        user: "alice".into(),
        device: "wasm".into(),
        data: r#"{"n":1}"#.into(),
        persistent: true,
        client: Default::default(),
    };
    // A real id from WebCrypto (getrandom's wasm_js backend) in Node and in Chromium.
    let issued = m
        .create(SessionId::random().unwrap(), &new, t0)
        .await
        .unwrap();
    assert_eq!(issued.max_age, Some(1000));
    let a = m.authenticate(&issued.token, t0 + 5).await.unwrap();
    assert!(!a.touched, "inside the touch interval");
    let a = m.authenticate(&issued.token, t0 + 50).await.unwrap();
    assert!(a.touched);
    let u = m
        .update(&issued.token, 1, r#"{"n":2}"#, t0 + 60)
        .await
        .unwrap();
    assert_eq!(u.version, 2);
    let stale = m.update(&issued.token, 1, r#"{"n":3}"#, t0 + 61).await;
    assert_eq!(
        stale.unwrap_err(),
        SessionError::Conflict { current_version: 2 }
    );
    let r = m
        .rotate(&issued.token, SessionId::random().unwrap(), t0 + 70)
        .await
        .unwrap();
    assert_eq!(
        m.authenticate(&issued.token, t0 + 71).await.unwrap_err(),
        SessionError::NotFound
    );
    assert_eq!(m.list_user("alice", t0 + 72).await.unwrap().len(), 1);
    let idle = m.authenticate(&r.token, t0 + 300).await.unwrap_err();
    assert!(
        matches!(idle, SessionError::NotFound | SessionError::Expired),
        "idle timeout: {idle:?}"
    );
    assert_eq!(m.revoke_user("alice", t0 + 301).await.unwrap(), 1);
    // What is left is alice's audit trail: one record, her ended sessions.
    let left: usize = shards.counts().iter().map(|(_, n)| n).sum();
    assert_eq!(left, 1);
    assert!(!m.history("alice", t0 + 302).await.unwrap().is_empty());
}
