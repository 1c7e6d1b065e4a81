//! Gateway identity headers: golden vectors, rotation, tampering.
//!
//! # Golden vectors: `tests/vectors/gateway.json`
//!
//! Shared by the native, Node and browser tests. One JSON object:
//!
//! ```text
//! {
//!   "format":   informational,
//!   "keys":     [{"kid", "secret", "state"}]   the input of GatewayKeys::from_json
//!   "max_skew": seconds,
//!   "valid":    [{"name", "method", "target", "now", "headers": {name: value},
//!                 "expect": {"user", "id", "shard", "version", "expires", "kid", "timestamp"} | null}],
//!   "invalid":  [{"name", "method", "target", "now", "headers", "expect": "<error code>"}]
//! }
//! ```
//!
//! Each `valid` case verifies at `now` to `expect` (`null`: no identity headers, anonymous);
//! those signed by the primary key at `timestamp` re-sign to the same headers byte for byte.
//! Each `invalid` case fails with the code `expect`. Written once by the ignored test
//! `generate_gateway_vectors` (`cargo test --test gateway -- --ignored`), then only read.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use edge_session::gateway::{self, GatewayKeys, Identity, HEADERS, HEADER_SIGNATURE};
use serde_json::{json, Map, Value};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/gateway.json");
const T: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const SKEW: u64 = 60;

fn secret(kid: &str) -> Vec<u8> {
    let base: u8 = match kid {
        "g2" => 0x10,
        "g1" => 0x30,
        _ => 0x50,
    };
    (0..32u8).map(|i| base.wrapping_add(i)).collect()
}

fn keys_json(primary: &str) -> String {
    let keys: Vec<Value> = [("g2", "verify"), ("g1", "verify"), ("g0", "retired")]
        .iter()
        .map(|(kid, state)| {
            let state = if *kid == primary { "primary" } else { state };
            json!({"kid": kid, "secret": STANDARD.encode(secret(kid)), "state": state})
        })
        .collect();
    Value::Array(keys).to_string()
}

fn keys(primary: &str) -> GatewayKeys {
    GatewayKeys::from_json(&keys_json(primary)).unwrap()
}

fn alice() -> Identity {
    Identity {
        user: "alice".into(),
        id: "q7xw0V3t2y9P0kGv8mQn1rB5sH4jL6cZ2aE3dF7gU8w".into(),
        shard: "shard-2".into(),
        version: 4,
        expires: T + 86_400,
    }
}

fn signed(primary: &str, method: &str, target: &str, who: &Identity, t: u64) -> Map<String, Value> {
    gateway::sign(&keys(primary), method, target, who, t)
        .unwrap()
        .into_iter()
        .map(|(n, v)| (n.to_owned(), Value::String(v)))
        .collect()
}

fn expect(who: &Identity, kid: &str, t: u64) -> Value {
    json!({"user": who.user, "id": who.id, "shard": who.shard, "version": who.version,
           "expires": who.expires, "kid": kid, "timestamp": t})
}

fn build() -> Value {
    let zoe = Identity {
        user: "zoë+dev@example.com".into(),
        version: 1,
        ..alice()
    };
    let mut valid = vec![];
    let mut case =
        |name: &str, kid: &str, m: &str, target: &str, who: &Identity, t: u64, now: u64| {
            valid.push(
                json!({"name": name, "method": m, "target": target, "now": now,
            "headers": signed(kid, m, target, who, t), "expect": expect(who, kid, t)}),
            );
        };
    case(
        "get_primary",
        "g2",
        "GET",
        "/app/page?x=1&y=%20",
        &alice(),
        T,
        T,
    );
    case(
        "post_verify_key",
        "g1",
        "POST",
        "/account",
        &alice(),
        T,
        T + 10,
    );
    case("non_ascii_user", "g2", "GET", "/", &zoe, T, T);
    case("skew_edge_late", "g2", "GET", "/a", &alice(), T, T + SKEW);
    case("skew_edge_early", "g2", "GET", "/a", &alice(), T + SKEW, T);
    valid.push(
        json!({"name": "anonymous", "method": "GET", "target": "/", "now": T,
        "headers": {}, "expect": null}),
    );

    let base = signed("g2", "GET", "/app", &alice(), T);
    let with = |name: &str, value: Option<&str>| {
        let mut h = base.clone();
        match value {
            Some(v) => h.insert(name.to_owned(), Value::String(v.to_owned())),
            None => h.remove(name),
        };
        h
    };
    let sig = base[HEADER_SIGNATURE].as_str().unwrap().to_owned();
    let mut invalid = vec![];
    let mut bad =
        |name: &str, m: &str, target: &str, now: u64, h: Map<String, Value>, code: &str| {
            invalid.push(
                json!({"name": name, "method": m, "target": target, "now": now,
            "headers": h, "expect": code}),
            );
        };
    bad(
        "other_method",
        "POST",
        "/app",
        T,
        base.clone(),
        "gateway_signature_invalid",
    );
    bad(
        "other_target",
        "GET",
        "/app?admin=1",
        T,
        base.clone(),
        "gateway_signature_invalid",
    );
    bad(
        "forged_user",
        "GET",
        "/app",
        T,
        with("Edge-Session-User", Some("mallory")),
        "gateway_signature_invalid",
    );
    bad(
        "forged_version",
        "GET",
        "/app",
        T,
        with("Edge-Session-Version", Some("5")),
        "gateway_signature_invalid",
    );
    bad(
        "forged_timestamp",
        "GET",
        "/app",
        T + 3600,
        with(
            HEADER_SIGNATURE,
            Some(&sig.replace(&format!("t={T}"), &format!("t={}", T + 3600))),
        ),
        "gateway_signature_invalid",
    );
    bad(
        "too_late",
        "GET",
        "/app",
        T + SKEW + 1,
        base.clone(),
        "gateway_timestamp_skew",
    );
    bad(
        "too_early",
        "GET",
        "/app",
        T - SKEW - 1,
        base.clone(),
        "gateway_timestamp_skew",
    );
    bad(
        "unknown_kid",
        "GET",
        "/app",
        T,
        with(HEADER_SIGNATURE, Some(&sig.replace("kid=g2", "kid=g9"))),
        "gateway_unknown_key",
    );
    let retired = signed("g0", "GET", "/app", &alice(), T);
    bad(
        "retired_kid",
        "GET",
        "/app",
        T,
        retired,
        "gateway_unknown_key",
    );
    bad(
        "missing_shard",
        "GET",
        "/app",
        T,
        with("Edge-Session-Shard", None),
        "gateway_header_missing",
    );
    bad(
        "only_a_forged_user",
        "GET",
        "/app",
        T,
        [("Edge-Session-User".to_owned(), json!("admin"))]
            .into_iter()
            .collect(),
        "gateway_header_missing",
    );
    bad(
        "leading_zero_version",
        "GET",
        "/app",
        T,
        with("Edge-Session-Version", Some("04")),
        "gateway_header_invalid",
    );
    bad(
        "raw_space_in_user",
        "GET",
        "/app",
        T,
        with("Edge-Session-User", Some("al ice")),
        "gateway_header_invalid",
    );
    bad(
        "short_id",
        "GET",
        "/app",
        T,
        with("Edge-Session-Id", Some("abc")),
        "gateway_header_invalid",
    );
    bad(
        "sig_not_base64url",
        "GET",
        "/app",
        T,
        with(
            HEADER_SIGNATURE,
            Some(&format!("{}+", &sig[..sig.len() - 1])),
        ),
        "gateway_header_invalid",
    );
    bad(
        "sig_wrong_version",
        "GET",
        "/app",
        T,
        with(HEADER_SIGNATURE, Some(&sig.replacen("v1", "v2", 1))),
        "gateway_header_invalid",
    );
    json!({
        "format": "edge-session gateway headers v1: see the module docs of src/gateway.rs and the header of tests/gateway.rs",
        "keys": serde_json::from_str::<Value>(&keys_json("g2")).unwrap(),
        "max_skew": SKEW,
        "valid": valid,
        "invalid": invalid,
    })
}

#[test]
#[ignore = "writes tests/vectors/gateway.json; run once, inspect, commit"]
fn generate_gateway_vectors() {
    std::fs::write(
        VECTORS,
        serde_json::to_string_pretty(&build()).unwrap() + "\n",
    )
    .unwrap();
}

fn load() -> Value {
    serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap()
}

fn run(doc: &Value, c: &Value) -> Result<Option<gateway::Verified>, gateway::GatewayError> {
    let keys = GatewayKeys::from_json(&doc["keys"].to_string()).unwrap();
    let h = c["headers"].as_object().unwrap();
    let get = |name: &str| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_str())
    };
    gateway::verify(
        &keys,
        c["method"].as_str().unwrap(),
        c["target"].as_str().unwrap(),
        get,
        c["now"].as_u64().unwrap(),
        doc["max_skew"].as_u64().unwrap(),
    )
}

#[test]
fn valid_vectors_verify_and_re_sign() {
    let doc = load();
    let keys = GatewayKeys::from_json(&doc["keys"].to_string()).unwrap();
    assert!(doc["valid"].as_array().unwrap().len() >= 5);
    for c in doc["valid"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let got = run(&doc, c).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(v) = got else {
            assert!(c["expect"].is_null(), "{name}");
            continue;
        };
        let e = &c["expect"];
        let want = expect(&v.identity, &v.kid, v.timestamp);
        assert_eq!(&want, e, "{name}");
        if v.kid == keys.primary_kid() {
            let again = gateway::sign(
                &keys,
                c["method"].as_str().unwrap(),
                c["target"].as_str().unwrap(),
                &v.identity,
                v.timestamp,
            )
            .unwrap();
            for (n, val) in again {
                assert_eq!(c["headers"][n].as_str(), Some(val.as_str()), "{name}: {n}");
            }
        }
    }
}

#[test]
fn invalid_vectors_fail_with_their_code() {
    let doc = load();
    assert!(doc["invalid"].as_array().unwrap().len() >= 10);
    for c in doc["invalid"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let e = run(&doc, c).expect_err(name);
        assert_eq!(e.code(), c["expect"].as_str().unwrap(), "{name}");
        // Messages never echo a value the client sent.
        assert!(!e.to_string().contains("mallory"), "{name}");
    }
}

#[test]
fn vectors_are_what_the_generator_writes() {
    assert_eq!(load(), build());
}

#[test]
fn rotation_accepts_old_and_new_keys() {
    let t = "/x";
    let by_g1 = gateway::sign(&keys("g1"), "GET", t, &alice(), T).unwrap();
    let by_g2 = gateway::sign(&keys("g2"), "GET", t, &alice(), T).unwrap();
    for h in [by_g1, by_g2] {
        let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        let v = gateway::verify(&keys("g2"), "GET", t, get, T, 0)
            .unwrap()
            .unwrap();
        assert_eq!(v.identity, alice());
    }
}

#[test]
fn bounds_are_refused_not_panicked() {
    let k = keys("g2");
    let long_target = format!("/{}", "a".repeat(gateway::MAX_TARGET_LEN));
    fn code<T>(r: Result<T, gateway::GatewayError>) -> &'static str {
        r.map(|_| ()).unwrap_err().code()
    }
    assert_eq!(
        code(gateway::sign(&k, "GET", &long_target, &alice(), T)),
        "gateway_header_invalid"
    );
    assert_eq!(
        code(gateway::sign(&k, "get", "/", &alice(), T)),
        "gateway_header_invalid"
    );
    assert_eq!(
        code(gateway::sign(&k, "GET", "no-slash", &alice(), T)),
        "gateway_header_invalid"
    );
    let mut who = alice();
    who.user = "x".repeat(129);
    assert_eq!(
        code(gateway::sign(&k, "GET", "/", &who, T)),
        "gateway_header_invalid"
    );
    let long = "%41".repeat(200);
    let h = gateway::sign(&k, "GET", "/", &alice(), T).unwrap();
    let get = |n: &str| {
        if n == "Edge-Session-User" {
            Some(long.as_str())
        } else {
            h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str())
        }
    };
    assert_eq!(
        code(gateway::verify(&k, "GET", "/", get, T, 60)),
        "gateway_header_invalid"
    );
    let sig = "v1;kid=g2;t=1;sig=".to_owned() + &"A".repeat(200);
    let get = |n: &str| {
        if n == HEADER_SIGNATURE {
            Some(sig.as_str())
        } else {
            h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str())
        }
    };
    assert_eq!(
        code(gateway::verify(&k, "GET", "/", get, T, 60)),
        "gateway_header_invalid"
    );
    assert_eq!(
        code(gateway::verify(&k, "GET", "/", |_| None, T, 3601)),
        "gateway_header_invalid"
    );
    assert_eq!(HEADERS.len(), 6);
}

#[test]
fn signature_is_the_documented_hmac() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};
    let doc = load();
    let c = &doc["valid"][0];
    let h = &c["headers"];
    let canonical = [
        "v1",
        "g2",
        &T.to_string(),
        c["method"].as_str().unwrap(),
        c["target"].as_str().unwrap(),
        h["Edge-Session-User"].as_str().unwrap(),
        h["Edge-Session-Id"].as_str().unwrap(),
        h["Edge-Session-Shard"].as_str().unwrap(),
        h["Edge-Session-Version"].as_str().unwrap(),
        h["Edge-Session-Expires"].as_str().unwrap(),
    ]
    .join("\n");
    let mut m = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&secret("g2")).unwrap();
    m.update(b"edge-session/v1/gateway\0");
    m.update(canonical.as_bytes());
    let want = format!(
        "v1;kid=g2;t={T};sig={}",
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    );
    assert_eq!(h[HEADER_SIGNATURE].as_str(), Some(want.as_str()));
}
