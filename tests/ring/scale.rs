//! Version 2 (bounded fragmentation), snapshots and the recent-epochs replay.

use edge_session::ring::{
    Ring, RingError, RingSnapshot, ShardSpec, ARCS_PER_SHARD, LATEST_VERSION, RECENT_EPOCHS,
};

use super::{changes, check_invariants, owned};

fn v2(names: &[&str]) -> Ring {
    let specs: Vec<ShardSpec> = names.iter().map(|n| ShardSpec::new(*n, 1)).collect();
    Ring::with_version(&specs, LATEST_VERSION).unwrap()
}

/// A fixed pseudo-random history: adds, removes and weight changes.
fn churn(ring: &mut Ring, steps: u32, mut x: u64) {
    let mut next = 0u32;
    for _ in 0..steps {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let n = ring.shards().len();
        match (x >> 60) % 4 {
            0 if n > 1 => {
                let name = ring.shards()[(x >> 20) as usize % n].name.clone();
                ring.remove(&name).unwrap();
            }
            1 => {
                let name = ring.shards()[(x >> 20) as usize % n].name.clone();
                ring.set_weight(&name, 1 + (x >> 40) as u32 % 50).unwrap();
            }
            _ => {
                next += 1;
                let w = 1 + (x >> 33) as u32 % 8;
                let name = format!("n{}-{next}-{}", ring.epoch(), x % 97);
                ring.add(ShardSpec::new(name, w)).unwrap();
            }
        }
    }
}

#[test]
fn grown_one_at_a_time_v2_keeps_exact_shares_in_bounded_arcs() {
    let mut ring = v2(&["s-0000"]);
    let mut worst_extra = 0f64;
    for i in 1..300u32 {
        let before = ring.clone();
        let name = format!("s-{i:04}");
        ring.add(ShardSpec::new(name.clone(), 1)).unwrap();
        check_invariants(&ring);
        let n = ring.shards().len();
        assert!(
            ring.arcs().len() <= ARCS_PER_SHARD * n,
            "{} arcs at n = {n}",
            ring.arcs().len()
        );
        // The new shard got exactly its share, from the others; whatever else moved is the
        // compaction's, and it moved between shards that both stayed, with shares exact.
        let c = changes(&before, &ring);
        let to_new: u128 = c.iter().filter(|c| c.2 == name).map(|c| c.0).sum();
        assert_eq!(to_new, owned(&ring, &name));
        assert!(c.iter().all(|c| c.1 != name));
        let moved: u128 = c.iter().map(|c| c.0).sum();
        worst_extra = worst_extra.max(moved as f64 / to_new as f64 - 1.0);
    }
    println!(
        "v2 grown to 300: {} arcs, worst extra movement {worst_extra:.3} x the share",
        ring.arcs().len()
    );
}

#[test]
fn v2_churn_keeps_every_invariant_and_the_bound() {
    for seed in 1..=4u64 {
        let mut ring = v2(&["a", "b", "c"]);
        for _ in 0..40 {
            let x = seed * 1_000_003 + u64::from(ring.epoch());
            churn(&mut ring, 3, x);
            check_invariants(&ring);
            assert!(ring.arcs().len() <= ARCS_PER_SHARD * ring.shards().len());
        }
        let json = ring.to_json();
        assert!(json.starts_with(r#"{"version":2,"#), "{}", &json[..40]);
        assert_eq!(Ring::from_json(&json).unwrap(), ring);
    }
}

#[test]
fn version_1_configs_read_and_write_as_before() {
    let v1 = Ring::new(&[ShardSpec::new("a", 1), ShardSpec::new("b", 2)]).unwrap();
    assert_eq!(v1.version(), 1);
    assert!(!v1.to_json().contains("version"));
    let explicit = r#"{"version":1,"shards":[{"name":"a"},{"name":"b","weight":2}]}"#;
    assert_eq!(Ring::from_json(explicit).unwrap(), v1);
    // Init lays out the same arcs in both versions; later steps may differ.
    let two = Ring::from_json(&explicit.replace(":1,", ":2,")).unwrap();
    assert_eq!(two.arcs(), v1.arcs());
    assert_ne!(two, v1);
    let bad = r#"{"version":3,"shards":[{"name":"a"}]}"#;
    assert_eq!(
        Ring::from_json(bad).unwrap_err().code(),
        "ring_unknown_version"
    );
    // Version 1 keeps its 1024-shard limit; version 2 takes more.
    let many: Vec<ShardSpec> = (0..2000)
        .map(|i| ShardSpec::new(format!("s{i}"), 1))
        .collect();
    assert_eq!(Ring::new(&many).unwrap_err(), RingError::TooManyShards);
    assert_eq!(Ring::with_version(&many, 2).unwrap().shards().len(), 2000);
    // The total weight is bounded (2^30), so shares of shards that stay still move the same way.
    let heavy: Vec<ShardSpec> = (0..1100)
        .map(|i| ShardSpec::new(format!("h{i}"), 1_000_000))
        .collect();
    assert_eq!(
        Ring::with_version(&heavy, 2).unwrap_err().code(),
        "ring_total_weight_too_large"
    );
}

/// The version 2 placement rule is pinned: this digest covers the history and the arcs of a
/// fixed churned history (change it only with a new version).
#[test]
fn version_2_placement_is_pinned() {
    let mut ring = v2(&["alpha", "bravo", "charlie"]);
    churn(&mut ring, 120, 42);
    assert_eq!(ring.epoch(), 121);
    let churned = ring.snapshot().unwrap().snapshot.digest;
    // Grown one at a time to 100 shards: the fold pass runs every few steps.
    let mut grown = v2(&["s-000"]);
    for i in 1..100 {
        grown.add(ShardSpec::new(format!("s-{i:03}"), 1)).unwrap();
    }
    let grown = grown.snapshot().unwrap().snapshot.digest;
    assert_eq!(
        [churned.as_str(), grown.as_str()],
        PINNED_V2_DIGESTS,
        "version 2 placement changed"
    );
}

const PINNED_V2_DIGESTS: [&str; 2] = [
    "0040de76d8612931348a3ab03a0571975d542d6f20915b6607cd71f206ee9785",
    "c6d01de319af02362fff641cf01cb0fd34a9b6513fbc6925153b7b3bc7ce0290",
];

#[test]
fn snapshots_load_the_same_ring_and_its_recent_epochs() {
    for version in [1, 2] {
        let mut ring =
            Ring::with_version(&[ShardSpec::new("a", 1), ShardSpec::new("b", 3)], version).unwrap();
        for steps in [0u32, 5, 70] {
            churn(&mut ring, steps, 7 + u64::from(version));
            let json = ring.snapshot_json().unwrap();
            let loaded = Ring::from_json(&json).unwrap();
            assert_eq!(loaded, ring);
            assert_eq!(loaded.to_json(), ring.to_json());
            check_invariants(&loaded);
            let recent = loaded.recent_epochs(RECENT_EPOCHS).unwrap();
            let want = RECENT_EPOCHS.min(ring.epoch());
            assert_eq!(recent.len() as u32, want);
            for (k, r) in recent.iter().enumerate() {
                assert_eq!(*r, ring.at_epoch(ring.epoch() - k as u32).unwrap());
            }
            assert_eq!(ring.recent_epochs(RECENT_EPOCHS).unwrap(), recent);
            // Epochs before the base still replay, from init.
            assert_eq!(loaded.at_epoch(1).unwrap(), ring.at_epoch(1).unwrap());
        }
    }
}

#[test]
fn damaged_snapshots_are_refused() {
    let mut ring = v2(&["a", "b", "c", "d"]);
    churn(&mut ring, 80, 3);
    let good: RingSnapshot = ring.snapshot().unwrap();
    let load = |s: &RingSnapshot| Ring::from_json(&serde_json::to_string(s).unwrap());
    assert_eq!(load(&good).unwrap(), ring);

    let mut s = good.clone();
    s.snapshot.digest.replace_range(
        0..1,
        if s.snapshot.digest.starts_with('0') {
            "1"
        } else {
            "0"
        },
    );
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    s.steps.pop();
    s.epoch -= 1;
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    s.snapshot.arcs = s.snapshot.arcs.replacen('A', "B", 1);
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    s.snapshot.arcs.push('!');
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    s.snapshot.base_arcs = None;
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    s.snapshot.base = 0;
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let mut s = good.clone();
    std::mem::swap(&mut s.snapshot.arcs, s.snapshot.base_arcs.as_mut().unwrap());
    assert_eq!(load(&s).unwrap_err().code(), "ring_bad_snapshot");
    let text = serde_json::to_string(&good)
        .unwrap()
        .replace(r#""digest""#, r#""extra":1,"digest""#);
    assert_eq!(
        Ring::from_json(&text).unwrap_err().code(),
        "ring_bad_config"
    );
    for cut in [10, 100, text.len() / 2] {
        assert!(Ring::from_json(&text[..cut]).is_err());
    }
}

#[test]
fn mixed_or_partial_forms_are_refused() {
    let mut ring = v2(&["a", "b", "c"]);
    churn(&mut ring, 20, 5);
    let text = ring.snapshot_json().unwrap();
    let code = |t: &str| Ring::from_json(t).unwrap_err().code();
    // A snapshot member beside the shorthand, or without the history, is no form at all.
    let with_shards = text.replacen('{', r#"{"shards":[{"name":"a"}],"#, 1);
    assert_eq!(code(&with_shards), "ring_bad_config");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let only = serde_json::json!({ "epoch": v["epoch"], "snapshot": v["snapshot"] });
    assert_eq!(code(&only.to_string()), "ring_bad_config");
    // Unknown members are refused in the history form too; both plain forms still load.
    assert_eq!(
        code(r#"{"shards":[{"name":"a"}],"extra":1}"#),
        "ring_bad_config"
    );
    assert_eq!(code(r#"{"epoch":1}"#), "ring_bad_config");
    assert!(Ring::from_json(r#"{"shards":[{"name":"a"},{"name":"b"}]}"#).is_ok());
    assert_eq!(Ring::from_json(&ring.to_json()).unwrap(), ring);
    assert_eq!(Ring::from_json(&text).unwrap(), ring);
}
