//! Golden vectors: `tests/vectors/ring.json` (format: see the top of tests/ring.rs).

use edge_session::ring::{Ring, RingConfig, ShardSpec};
use serde_json::{json, Value};

use super::SPACE;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/ring.json");

fn vector_ring() -> Ring {
    let mut ring = Ring::new(&[
        ShardSpec::new("alpha", 1),
        ShardSpec::new("bravo", 2),
        ShardSpec::new("charlie", 3),
        ShardSpec::new("delta", 1),
        ShardSpec::new("echo", 5),
    ])
    .unwrap();
    ring.add(ShardSpec::new("foxtrot", 2)).unwrap();
    ring.remove("charlie").unwrap();
    ring.set_weight("bravo", 4).unwrap();
    ring
}

fn vector_keys() -> Vec<String> {
    let mut keys: Vec<String> = (0..48).map(|i| format!("user-{i:04}")).collect();
    keys.extend(
        [
            "",
            "0",
            " ",
            "a",
            "alice@example.com",
            "bob@example.com",
            "USER-0001",
            "user-0001 ",
            "tenant/42/user/7",
            "00000000-0000-0000-0000-000000000000",
            "session:8f14e45fceea167a5a36dedd4bea2543",
            "Zoë",
            "日本語のユーザー",
            "🦀 ferris",
            "line\nbreak\ttab",
        ]
        .map(String::from),
    );
    keys.push("x".repeat(100));
    keys
}

fn vectors_value(ring: &Ring) -> Value {
    let epochs: Vec<Ring> = (1..=ring.epoch())
        .map(|e| ring.at_epoch(e).unwrap())
        .collect();
    let keys: Vec<Value> = vector_keys()
        .iter()
        .map(|k| {
            let b = k.as_bytes();
            json!({
                "key": k,
                "position": Ring::position(b).to_string(),
                "owner": ring.locate(b),
                "preference": ring.preference_list(b, 3),
                "owner_by_epoch": epochs.iter().map(|r| r.locate(b)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let shares: Vec<Value> = ring
        .shares()
        .iter()
        .map(|s| json!({"name": s.name, "weight": s.weight, "owned": s.owned.to_string()}))
        .collect();
    json!({
        "about": "edge-session ring golden vectors; format documented at the top of tests/ring.rs",
        "hash": "xxh3_64, seed 0, of the key's UTF-8 bytes",
        "config": ring.config(),
        "shares": shares,
        "keys": keys,
    })
}

#[test]
fn ring_vectors_match() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/ring.json");
    let file: Value = serde_json::from_str(&text).unwrap();
    let cfg: RingConfig = serde_json::from_value(file["config"].clone()).unwrap();
    let ring = Ring::from_config(&cfg).unwrap();
    assert_eq!(
        ring,
        vector_ring(),
        "the file's config is the documented history"
    );
    assert_eq!(ring.epoch(), 4);
    assert_eq!(file["keys"].as_array().unwrap().len(), 64);
    let epochs: Vec<Ring> = (1..=4).map(|e| ring.at_epoch(e).unwrap()).collect();
    for v in file["keys"].as_array().unwrap() {
        let key = v["key"].as_str().unwrap().as_bytes();
        assert_eq!(
            Ring::position(key).to_string(),
            v["position"].as_str().unwrap()
        );
        assert_eq!(ring.locate(key), v["owner"].as_str().unwrap());
        let pref: Vec<&str> = v["preference"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(ring.preference_list(key, 3), pref);
        for (r, want) in epochs.iter().zip(v["owner_by_epoch"].as_array().unwrap()) {
            assert_eq!(r.locate(key), want.as_str().unwrap());
        }
    }
    let shares = file["shares"].as_array().unwrap();
    assert_eq!(shares.len(), ring.shards().len());
    let mut total = 0u128;
    for (s, v) in ring.shares().iter().zip(shares) {
        assert_eq!(s.name, v["name"].as_str().unwrap());
        assert_eq!(u64::from(s.weight), v["weight"].as_u64().unwrap());
        let owned: u128 = v["owned"].as_str().unwrap().parse().unwrap();
        assert_eq!(s.owned, owned);
        total += owned;
    }
    assert_eq!(total, SPACE);
    // Nothing else in the file: it is exactly what the generator would write.
    assert_eq!(file, vectors_value(&ring));
}

/// The file layout: one line per share and per key, so diffs stay readable.
fn pretty(v: &Value) -> String {
    let line = |v: &Value| serde_json::to_string(v).unwrap();
    let rows = |a: &Value| {
        a.as_array()
            .unwrap()
            .iter()
            .map(|r| format!("    {}", line(r)))
            .collect::<Vec<_>>()
            .join(",\n")
    };
    format!(
        "{{\n  \"about\": {},\n  \"hash\": {},\n  \"config\": {},\n  \"shares\": [\n{}\n  ],\n  \"keys\": [\n{}\n  ]\n}}\n",
        line(&v["about"]),
        line(&v["hash"]),
        line(&v["config"]),
        rows(&v["shares"]),
        rows(&v["keys"]),
    )
}

#[test]
#[ignore = "writes tests/vectors/ring.json; run by hand when the format changes on purpose"]
fn write_ring_vectors() {
    std::fs::write(VECTORS, pretty(&vectors_value(&vector_ring()))).unwrap();
}
