//! The serde-free readers against serde: same rings, same keyrings, same error codes.

use super::*;
use crate::ring::{RingConfig, RingStep, ShardSpec};
use proptest::prelude::*;

const RING_VECTORS: &str = include_str!("../../tests/vectors/ring.json");
const TOKEN_VECTORS: &str = include_str!("../../tests/vectors/tokens.json");

fn vector_config() -> String {
    let v: serde_json::Value = serde_json::from_str(RING_VECTORS).unwrap();
    v["config"].to_string()
}

fn grown(version: u32, n: usize) -> Ring {
    let mut r = Ring::with_version(&[ShardSpec::new("s0", 1)], version).unwrap();
    for i in 1..n {
        r.add(ShardSpec::new(format!("s{i}"), 1 + (i as u32 % 3)))
            .unwrap();
    }
    r.remove("s1").unwrap();
    r.set_weight("s2", 7).unwrap();
    r
}

fn same_ring(json: &str) {
    let a = Ring::from_json(json).unwrap();
    let b = ring_from_json(json).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.arcs(), b.arcs());
}

#[test]
fn golden_ring_loads_to_the_same_ring_and_placements() {
    // The golden history (4 steps) loads in the lite build as its snapshot.
    let full = Ring::from_json(&vector_config()).unwrap();
    let snapshot = full.snapshot_json().unwrap();
    same_ring(&snapshot);
    let ring = ring_from_json(&snapshot).unwrap();
    let v: serde_json::Value = serde_json::from_str(RING_VECTORS).unwrap();
    for k in v["keys"].as_array().unwrap() {
        let key = k["key"].as_str().unwrap();
        assert_eq!(ring.locate(key.as_bytes()), k["owner"].as_str().unwrap());
        assert_eq!(
            Ring::position(key.as_bytes()).to_string(),
            k["position"].as_str().unwrap()
        );
    }
    // Snapshots with a base (long histories), in both versions.
    for version in [1, 2] {
        let r = grown(version, 80);
        same_ring(&r.snapshot_json().unwrap());
        // A longer history loads only as a snapshot (replay is left out of the lite build).
        let refused = ring_from_json(&r.to_json()).unwrap_err();
        assert_eq!(refused.code(), "ring_bad_config");
        assert!(refused.to_string().contains("snapshot"));
        let one =
            Ring::with_version(&[ShardSpec::new("x", 2), ShardSpec::new("a", 1)], version).unwrap();
        same_ring(&one.to_json());
    }
    same_ring(r#"{"shards": [{"name": "a"}, {"name": "b", "weight": 3}], "version": 2}"#);
    same_ring(r#"{"epoch": null, "shards": [{"name": "a"}], "snapshot": null}"#);
}

#[test]
fn bad_ring_configs_fail_with_the_same_codes() {
    let snap = grown(2, 70).snapshot_json().unwrap();
    let tampered = snap.replacen("\"digest\":\"", "\"digest\":\"0", 1);
    let big = " ".repeat(crate::ring::MAX_CONFIG_BYTES + 1);
    for bad in [
        "",
        "[]",
        "{}",
        "{\"shards\": []}",
        "{\"shards\": [{\"name\": \"a\"}], \"epoch\": 1}",
        "{\"shards\": [{\"name\": \"a\", \"weight\": 0}]}",
        "{\"shards\": [{\"name\": \"a\", \"weight\": 1.5}]}",
        "{\"shards\": [{\"name\": \"a\", \"weight\": null}]}",
        "{\"shards\": [{\"name\": \"a b\"}]}",
        "{\"shards\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
        "{\"shards\": [{\"name\": \"a\", \"extra\": 1}]}",
        "{\"shards\": [{\"name\": \"a\"}], \"version\": 3}",
        "{\"shards\": [{\"name\": \"a\"}], \"version\": null}",
        "{\"epoch\": 2, \"steps\": [{\"init\": [{\"name\": \"a\"}]}]}",
        "{\"epoch\": 0, \"steps\": []}",
        "{\"epoch\": 1, \"steps\": [{\"remove\": \"a\"}]}",
        "{\"version\": 9, \"epoch\": 2, \"steps\": [{\"init\": [{\"name\": \"a\"}]}]}",
        "{\"epoch\": 1, \"steps\": [{\"add\": {\"name\": \"a\"}}]}",
        "{\"epoch\": 1, \"steps\": [{\"init\": [{\"name\": \"a\"}], \"add\": {\"name\": \"b\"}}]}",
        "{\"epoch\": 1, \"steps\": [{\"grow\": [{\"name\": \"a\"}]}]}",
        "{\"epoch\": 4294967296, \"steps\": []}",
        "{\"shards\": [{\"name\": \"a\"}], \"shards\": [{\"name\": \"b\"}]}",
        &tampered,
        &snap.replacen("\"snapshot\":{", "\"shards\":[],\"snapshot\":{", 1),
        &big,
    ] {
        let a = Ring::from_json(bad).unwrap_err();
        let b = ring_from_json(bad).unwrap_err();
        assert_eq!(a.code(), b.code(), "{bad:.80}: serde {a}, lite {b}");
    }
}

#[test]
fn golden_keyring_verifies_the_golden_tokens() {
    let v: serde_json::Value = serde_json::from_str(TOKEN_VECTORS).unwrap();
    let keys = v["keyring"].to_string();
    let (a, b) = (
        Keyring::from_json(&keys).unwrap(),
        keyring_from_json(&keys).unwrap(),
    );
    assert_eq!(a.kids(), b.kids());
    let now = v["now"].as_u64().unwrap();
    let mut checked = 0;
    for t in v["valid"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["invalid"].as_array().unwrap())
    {
        let token = t["token"].as_str().unwrap();
        assert_eq!(a.verify(token, now).ok(), b.verify(token, now).ok());
        checked += 1;
    }
    assert!(checked > 10);
}

#[test]
fn bad_keyrings_fail_with_the_same_codes() {
    let s = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let big = " ".repeat(MAX_KEYRING_JSON_LEN + 1);
    for bad in [
        String::new(),
        "{}".into(),
        "[]".into(),
        format!("[{{\"kid\": \"k1\", \"secret\": \"{s}\"}}]"),
        format!("[{{\"kid\": \"k1\", \"secret\": \"{s}\", \"state\": \"main\"}}]"),
        format!("[{{\"kid\": \"k1\", \"secret\": \"{s}\", \"state\": \"primary\", \"x\": 1}}]"),
        format!("[{{\"kid\": \"k 1\", \"secret\": \"{s}\", \"state\": \"primary\"}}]"),
        format!("[{{\"kid\": \"k1\", \"secret\": \"{s}\", \"state\": \"verify\"}}]"),
        "[{\"kid\": \"k1\", \"secret\": \"AAEC\", \"state\": \"primary\"}]".into(),
        "[{\"kid\": \"k1\", \"secret\": \"!!\", \"state\": \"primary\"}]".into(),
        format!("[{{\"kid\": 1, \"secret\": \"{s}\", \"state\": \"primary\"}}]"),
        format!(
            "[{{\"kid\": \"k1\", \"secret\": \"{s}\", \"state\": \"primary\"}}, {{\"kid\": \"k1\", \"secret\": \"{s}\", \"state\": \"verify\"}}]"
        ),
        big,
    ] {
        let a = Keyring::from_json(&bad).unwrap_err();
        let b = keyring_from_json(&bad).unwrap_err();
        assert_eq!(a.code(), b.code(), "{bad:.80}");
    }
}

fn name() -> BoxedStrategy<String> {
    // Mostly valid names, sometimes characters JSON must escape (refused later, but the text
    // of such a configuration is what a snapshot digest hashes).
    prop_oneof![
        4 => "[a-z0-9._-]{1,8}",
        1 => "[a-z\"\\\\\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f}é😀]{1,6}",
    ]
    .boxed()
}

fn step() -> impl Strategy<Value = RingStep> {
    let spec = (name(), 0u32..2_000_000)
        .prop_map(|(n, w)| ShardSpec::new(n, w))
        .boxed();
    prop_oneof![
        prop::collection::vec(spec.clone(), 0..4).prop_map(RingStep::Init),
        spec.clone().prop_map(RingStep::Add),
        name().prop_map(RingStep::Remove),
        spec.prop_map(RingStep::SetWeight),
    ]
}

proptest! {
    #[test]
    fn hand_written_to_json_is_serde_json_text(
        version in prop_oneof![Just(1u32), Just(2), any::<u32>()],
        epoch in any::<u32>(),
        steps in prop::collection::vec(step(), 0..6),
    ) {
        let cfg = RingConfig { version, epoch, steps };
        prop_assert_eq!(cfg.to_json(), serde_json::to_string(&cfg).unwrap());
        // And the lite reader reads it back as serde does.
        let back = json::parse(&cfg.to_json()).map_err(TestCaseError::fail)?;
        match config::ring_config(back) {
            Ok(config::Config::History(c)) => prop_assert_eq!(c, cfg),
            _ => prop_assert!(false, "did not read back"),
        }
    }
}
