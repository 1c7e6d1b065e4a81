//! Integration tests of the consistent-hash ring: the quality bar on exact shares, movement
//! rules, errors, property tests, and the golden vectors.
//!
//! # Golden vector file: `tests/vectors/ring.json`
//!
//! Shared by the native, wasm, Node and browser tests. One JSON object:
//!
//! ```text
//! {
//!   "about":  "<free text>",
//!   "hash":   "xxh3_64, seed 0, of the key's UTF-8 bytes",
//!   "config": { "epoch": 4, "steps": [ {"init": [{"name": "...", "weight": N}, ...]},
//!                                      {"add": {...}}, {"remove": "..."}, {"set_weight": {...}} ] },
//!   "shares": [ {"name": "...", "weight": N, "owned": "<decimal u128, numerator over 2^64>"} ],
//!                                                     // final epoch, name order, sums to 2^64
//!   "keys":   [ {"key": "<UTF-8 string>",
//!                "position": "<decimal u64: xxh3_64(key)>",
//!                "owner": "<shard at the final epoch>",
//!                "preference": ["<owner>", "<2nd>", "<3rd>"],   // preference_list(key, 3)
//!                "owner_by_epoch": ["<owner at epoch 1>", ..., "<owner at final epoch>"]} ]
//! }
//! ```
//!
//! `ring_vectors_match` checks the ring against the file; the file is written only by the
//! ignored test `write_ring_vectors` (`cargo test --test ring -- --ignored write_ring_vectors`),
//! run by hand when the format changes on purpose.

use edge_session::ring::{Ring, RingConfig, RingError, RingStep, ShardSpec};
use proptest::prelude::*;
use serde_json::json;

#[path = "ring/cost.rs"]
mod cost;
#[path = "ring/scale.rs"]
mod scale;
#[path = "ring/vectors.rs"]
mod vectors;

const SPACE: u128 = 1 << 64;
const SIZES: [usize; 4] = [4, 16, 64, 256];
const NAME_SETS: usize = 20;

/// 20 differently shaped name sets of `n` unique names.
fn name_set(set: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match set % 5 {
            0 => format!("set{set}-shard-{i}"),
            1 => format!("{:08x}.s{set}", (i as u32 + 1).wrapping_mul(2_654_435_761)),
            2 => format!("node_{}", i * 7919 + set),
            3 => format!("Z{i}-{set}"),
            _ => format!("redis-{set}-{:03}.internal", n - i),
        })
        .collect()
}

fn equal(names: &[String]) -> Vec<ShardSpec> {
    names.iter().map(|n| ShardSpec::new(n.clone(), 1)).collect()
}

/// Reference targets, written independently of the crate: floor(2^64 w / W), then one unit
/// each to the largest remainders, ties by name.
fn reference_targets(shards: &[ShardSpec]) -> Vec<(String, u128)> {
    let total: u128 = shards.iter().map(|s| u128::from(s.weight)).sum();
    let mut rows: Vec<(String, u128, u128)> = shards
        .iter()
        .map(|s| {
            let num = u128::from(s.weight) * SPACE;
            (s.name.clone(), num / total, num % total)
        })
        .collect();
    let left = SPACE - rows.iter().map(|r| r.1).sum::<u128>();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| rows[b].2.cmp(&rows[a].2).then(rows[a].0.cmp(&rows[b].0)));
    for &i in order.iter().take(left as usize) {
        rows[i].1 += 1;
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(n, t, _)| (n, t)).collect()
}

/// Every structural invariant of a ring, checked from its public outputs.
fn check_invariants(ring: &Ring) {
    let arcs = ring.arcs();
    assert_eq!(arcs[0].start, 0);
    let mut at: u128 = 0;
    for (i, a) in arcs.iter().enumerate() {
        assert_eq!(u128::from(a.start), at, "arcs must be contiguous");
        assert!(a.len > 0, "empty arc");
        if i > 0 {
            assert_ne!(arcs[i - 1].shard, a.shard, "unmerged neighbours");
        }
        at += a.len;
    }
    assert_eq!(at, SPACE, "arcs must cover exactly 2^64");

    let shares = ring.shares();
    let names: Vec<&str> = ring.shards().iter().map(|s| s.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted, "shards in name order, unique");
    let expected = reference_targets(ring.shards());
    for (share, (name, target)) in shares.iter().zip(&expected) {
        assert_eq!(&share.name, name);
        assert_eq!(
            share.owned, *target,
            "share of {name} must equal its target"
        );
        let from_arcs: u128 = arcs
            .iter()
            .filter(|a| &a.shard == name)
            .map(|a| a.len)
            .sum();
        assert_eq!(from_arcs, share.owned);
    }

    for k in 0..64u32 {
        let key = format!("key-{k}");
        let pos = u128::from(Ring::position(key.as_bytes()));
        let arc = arcs
            .iter()
            .find(|a| u128::from(a.start) <= pos && pos < u128::from(a.start) + a.len)
            .unwrap();
        assert_eq!(ring.locate(key.as_bytes()), arc.shard);
        assert_eq!(
            ring.shards()[ring.locate_index(key.as_bytes())].name,
            arc.shard
        );
        let pref = ring.preference_list(key.as_bytes(), 3);
        assert_eq!(pref.len(), 3.min(names.len()));
        assert_eq!(pref[0], arc.shard);
        let mut d = pref.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), pref.len(), "preference list must be distinct");
    }
}

/// Walk the common refinement of two rings' arcs; return (len, owner in a, owner in b) for
/// every segment whose owner changed.
fn changes(a: &Ring, b: &Ring) -> Vec<(u128, String, String)> {
    let (aa, bb) = (a.arcs(), b.arcs());
    let (mut i, mut j, mut pos) = (0, 0, 0u128);
    let mut out = Vec::new();
    while pos < SPACE {
        let end_a = u128::from(aa[i].start) + aa[i].len;
        let end_b = u128::from(bb[j].start) + bb[j].len;
        let end = end_a.min(end_b);
        if aa[i].shard != bb[j].shard {
            out.push((end - pos, aa[i].shard.clone(), bb[j].shard.clone()));
        }
        pos = end;
        if end_a == end {
            i += 1;
        }
        if end_b == end {
            j += 1;
        }
    }
    let total: u128 = out.iter().map(|c| c.0).sum();
    assert_eq!(
        total,
        Ring::moved_fraction(a, b),
        "moved_fraction disagrees"
    );
    out
}

/// Every moved point went from or to `changed`: nothing moved between two survivors.
fn only_involving(a: &Ring, b: &Ring, changed: &str) -> u128 {
    let c = changes(a, b);
    for (len, from, to) in &c {
        assert!(
            from == changed || to == changed,
            "{len} points moved from {from} to {to}, both unchanged"
        );
    }
    c.iter().map(|c| c.0).sum()
}

fn owned(ring: &Ring, name: &str) -> u128 {
    ring.shares()
        .iter()
        .find(|s| s.name == name)
        .map_or(0, |s| s.owned)
}

/// max share / mean share, exact (mean = 2^64 / n).
fn max_over_mean(ring: &Ring) -> f64 {
    let n = ring.shards().len() as f64;
    let max = ring.shares().iter().map(|s| s.owned).max().unwrap();
    max as f64 * n / SPACE as f64
}

#[test]
fn equal_weights_are_balanced_for_every_name_set() {
    for n in SIZES {
        let mut worst: f64 = 0.0;
        for set in 0..NAME_SETS {
            let ring = Ring::new(&equal(&name_set(set, n))).unwrap();
            check_invariants(&ring);
            worst = worst.max(max_over_mean(&ring));
        }
        assert!(worst <= 1.02, "n={n}: max/mean {worst}");
        // Exact shares: the only imbalance is one unit of rounding.
        assert!(worst < 1.0 + 1e-12, "n={n}: max/mean {worst}");
    }
}

#[test]
fn balance_survives_growth_and_churn() {
    // Grow one shard at a time, then remove every third: shares stay exact at every step.
    let names = name_set(7, 96);
    let mut ring = Ring::new(&equal(&names[..4])).unwrap();
    for name in &names[4..] {
        ring.add(ShardSpec::new(name.clone(), 1)).unwrap();
        assert!(max_over_mean(&ring) <= 1.02);
    }
    check_invariants(&ring);
    for name in names.iter().step_by(3) {
        ring.remove(name).unwrap();
        assert!(max_over_mean(&ring) <= 1.02);
    }
    check_invariants(&ring);
}

#[test]
fn unequal_weights_match_weight_fractions() {
    for set in 0..NAME_SETS {
        for n in [4usize, 16, 64] {
            let specs: Vec<ShardSpec> = name_set(set, n)
                .into_iter()
                .enumerate()
                .map(|(i, name)| ShardSpec::new(name, [1, 2, 3, 5, 8, 100, 1_000_000][i % 7]))
                .collect();
            let mut ring = Ring::new(&specs).unwrap();
            ring.set_weight(&specs[0].name, 7).unwrap();
            check_invariants(&ring);
            let total: u128 = ring.shards().iter().map(|s| u128::from(s.weight)).sum();
            for s in ring.shares() {
                // |owned/2^64 - w/W| <= 2% of w/W, in integers: 50 |owned W - 2^64 w| <= 2^64 w.
                let ideal = SPACE * u128::from(s.weight);
                let got = s.owned * total;
                assert!(
                    50 * got.abs_diff(ideal) <= ideal,
                    "{} off its weight",
                    s.name
                );
            }
        }
    }
}

#[test]
fn add_anywhere_moves_exactly_the_new_share_from_the_others() {
    for n in SIZES {
        for set in [0, 1, 4] {
            let names = name_set(set, n);
            let ring = Ring::new(&equal(&names)).unwrap();
            // First, middle and last by name order.
            for new in ["000-first", &format!("{}x", names[n / 2]), "zzz-last"] {
                let mut next = ring.clone();
                next.add(ShardSpec::new(new, 1)).unwrap();
                check_invariants(&next);
                let moved = only_involving(&ring, &next, new);
                assert_eq!(moved, owned(&next, new));
                // Never more than 1.02 x 1/(n+1) (here: exact to one unit).
                assert!(moved * 100 * (n as u128 + 1) <= 102 * SPACE);
                assert!(moved.abs_diff(SPACE / (n as u128 + 1)) <= 1);
                for (_, from, to) in changes(&ring, &next) {
                    assert_eq!(to, new, "an add only gives to the new shard (from {from})");
                }
            }
        }
    }
}

#[test]
fn removing_any_shard_moves_exactly_its_share_to_the_others() {
    for n in [4usize, 16, 64] {
        let names = name_set(3, n);
        let mut ring = Ring::new(&equal(&names)).unwrap();
        // A history, so the layout is fragmented before the removals.
        ring.add(ShardSpec::new("added-1", 2)).unwrap();
        ring.add(ShardSpec::new("added-2", 1)).unwrap();
        ring.set_weight(&names[0], 3).unwrap();
        for victim in ring.shards().to_vec() {
            let mut next = ring.clone();
            next.remove(&victim.name).unwrap();
            check_invariants(&next);
            let moved = only_involving(&ring, &next, &victim.name);
            assert_eq!(moved, owned(&ring, &victim.name));
            for (_, from, _) in changes(&ring, &next) {
                assert_eq!(from, victim.name);
            }
        }
    }
}

#[test]
fn weight_changes_move_only_between_the_shard_and_the_rest() {
    let names = name_set(2, 16);
    let ring = Ring::new(&equal(&names)).unwrap();
    for (i, w) in [(0usize, 5u32), (7, 2), (15, 1_000_000), (3, 1)] {
        let mut up = ring.clone();
        up.set_weight(&names[i], w).unwrap();
        check_invariants(&up);
        let moved = only_involving(&ring, &up, &names[i]);
        assert_eq!(
            moved,
            owned(&up, &names[i]).abs_diff(owned(&ring, &names[i]))
        );
        let mut down = up.clone();
        down.set_weight(&names[i], 1).unwrap();
        check_invariants(&down);
        only_involving(&up, &down, &names[i]);
    }
}

#[test]
fn history_epochs_and_json_roundtrip() {
    let mut ring = Ring::new(&equal(&name_set(0, 5))).unwrap();
    let mut history = vec![ring.clone()];
    ring.add(ShardSpec::new("f", 2)).unwrap();
    history.push(ring.clone());
    ring.remove("set0-shard-2").unwrap();
    history.push(ring.clone());
    ring.set_weight("f", 9).unwrap();
    history.push(ring.clone());
    assert_eq!(ring.epoch(), 4);
    for (k, past) in history.iter().enumerate() {
        assert_eq!(&ring.at_epoch(k as u32 + 1).unwrap(), past);
        assert_eq!(past.epoch(), k as u32 + 1);
    }
    let json = ring.to_json();
    assert!(
        json.starts_with("{\"epoch\":4,\"steps\":[{\"init\":["),
        "{json}"
    );
    assert!(json.contains("{\"remove\":\"set0-shard-2\"}"), "{json}");
    assert!(
        json.contains("{\"set_weight\":{\"name\":\"f\",\"weight\":9}}"),
        "{json}"
    );
    assert_eq!(Ring::from_json(&json).unwrap(), ring);
    assert_eq!(Ring::from_config(&ring.config()).unwrap(), ring);
    assert_eq!(ring.at_epoch(0).unwrap_err().code(), "ring_unknown_epoch");
    assert_eq!(ring.at_epoch(5).unwrap_err().code(), "ring_unknown_epoch");
}

#[test]
fn shorthand_config_and_defaults() {
    let a = Ring::from_json(r#"{"shards":[{"name":"b"},{"name":"a","weight":3}]}"#).unwrap();
    let b = Ring::new(&[ShardSpec::new("b", 1), ShardSpec::new("a", 3)]).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.epoch(), 1);
    assert_eq!(a.shards()[0].name, "a");
    assert_eq!(
        a.to_json(),
        r#"{"epoch":1,"steps":[{"init":[{"name":"b","weight":1},{"name":"a","weight":3}]}]}"#
    );
}

#[test]
fn shares_and_arcs_serialise_big_numbers_as_strings() {
    let ring = Ring::new(&[ShardSpec::new("only", 1)]).unwrap();
    let v = serde_json::to_value(ring.shares()).unwrap();
    assert_eq!(
        v,
        json!([{"name": "only", "weight": 1, "owned": "18446744073709551616", "fraction": 1.0}])
    );
    let v = serde_json::to_value(ring.arcs()).unwrap();
    assert_eq!(
        v,
        json!([{"start": "0", "len": "18446744073709551616", "shard": "only"}])
    );
    let back: Vec<edge_session::ring::Arc> = serde_json::from_value(v).unwrap();
    assert_eq!(back, ring.arcs());
}

fn code(json: &str) -> &'static str {
    Ring::from_json(json).unwrap_err().code()
}

#[test]
fn bad_configs_are_rejected_with_the_right_code() {
    assert_eq!(code(""), "ring_bad_config");
    assert_eq!(code("[]"), "ring_bad_config");
    assert_eq!(code("{}"), "ring_bad_config");
    assert_eq!(code(r#"{"shards":[]}"#), "ring_empty");
    assert_eq!(code(r#"{"shards":[{"name":""}]}"#), "ring_bad_name");
    assert_eq!(code(r#"{"shards":[{"name":"a b"}]}"#), "ring_bad_name");
    assert_eq!(code(r#"{"shards":[{"name":"é"}]}"#), "ring_bad_name");
    let long = "x".repeat(33);
    assert_eq!(
        code(&format!(r#"{{"shards":[{{"name":"{long}"}}]}}"#)),
        "ring_bad_name"
    );
    assert!(Ring::from_json(&format!(r#"{{"shards":[{{"name":"{}"}}]}}"#, &long[1..])).is_ok());
    assert_eq!(
        code(r#"{"shards":[{"name":"a","weight":0}]}"#),
        "ring_bad_weight"
    );
    assert_eq!(
        code(r#"{"shards":[{"name":"a","weight":1000001}]}"#),
        "ring_bad_weight"
    );
    assert_eq!(
        code(r#"{"shards":[{"name":"a","weight":-1}]}"#),
        "ring_bad_config"
    );
    assert_eq!(
        code(r#"{"shards":[{"name":"a"},{"name":"a"}]}"#),
        "ring_duplicate_shard"
    );
    assert_eq!(
        code(r#"{"shards":[{"name":"a","colour":"red"}]}"#),
        "ring_bad_config"
    );
    assert_eq!(
        code(r#"{"shards":[{"name":"a"}],"epoch":1}"#),
        "ring_bad_config"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]}]}"#),
        "ring_epoch_mismatch"
    );
    assert_eq!(code(r#"{"epoch":0,"steps":[]}"#), "ring_bad_config");
    assert_eq!(
        code(r#"{"epoch":1,"steps":[{"add":{"name":"a"}}]}"#),
        "ring_bad_config"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"init":[{"name":"b"}]}]}"#),
        "ring_bad_config"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"remove":"b"}]}"#),
        "ring_unknown_shard"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"remove":"a"}]}"#),
        "ring_empty"
    );
    assert_eq!(
        code(
            r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"set_weight":{"name":"b","weight":2}}]}"#
        ),
        "ring_unknown_shard"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"add":{"name":"a"}}]}"#),
        "ring_duplicate_shard"
    );
    assert_eq!(
        code(r#"{"epoch":2,"steps":[{"init":[{"name":"a"}]},{"explode":"a"}]}"#),
        "ring_bad_config"
    );
    let huge = format!(
        r#"{{"shards":[{{"name":"a"}}]}}{}"#,
        " ".repeat(edge_session::ring::MAX_CONFIG_BYTES)
    );
    assert_eq!(code(&huge), "ring_config_too_large");
}

#[test]
fn limits_on_shards_and_steps() {
    let many: Vec<ShardSpec> = (0..1025)
        .map(|i| ShardSpec::new(format!("s{i}"), 1))
        .collect();
    assert_eq!(Ring::new(&many).unwrap_err(), RingError::TooManyShards);
    let mut ring = Ring::new(&many[..1024]).unwrap();
    assert_eq!(
        ring.add(ShardSpec::new("one-more", 1)).unwrap_err().code(),
        "ring_too_many_shards"
    );
    assert_eq!(Ring::new(&[]).unwrap_err().code(), "ring_empty");

    // 4096 steps are fine, the 4097th is refused; errors leave the ring unchanged.
    let mut ring = Ring::new(&[ShardSpec::new("a", 1), ShardSpec::new("b", 1)]).unwrap();
    for i in 0..4095u32 {
        ring.set_weight("a", 1 + i % 2).unwrap();
    }
    assert_eq!(ring.epoch(), 4096);
    let before = ring.clone();
    assert_eq!(
        ring.set_weight("a", 5).unwrap_err().code(),
        "ring_too_many_steps"
    );
    assert_eq!(ring.remove("zz").unwrap_err().code(), "ring_too_many_steps");
    assert_eq!(ring, before);
    let mut cfg = ring.config();
    cfg.steps.push(RingStep::Remove("a".into()));
    cfg.epoch += 1;
    assert_eq!(
        Ring::from_config(&cfg).unwrap_err().code(),
        "ring_too_many_steps"
    );

    let mut small = Ring::new(&[ShardSpec::new("a", 1)]).unwrap();
    let same = small.clone();
    assert_eq!(small.remove("a").unwrap_err().code(), "ring_empty");
    assert_eq!(small.remove("no such").unwrap_err().code(), "ring_bad_name");
    assert_eq!(
        small.set_weight("a", 0).unwrap_err().code(),
        "ring_bad_weight"
    );
    assert_eq!(
        small.add(ShardSpec::new("a", 1)).unwrap_err().code(),
        "ring_duplicate_shard"
    );
    assert_eq!(small, same);
}

#[test]
fn preference_lists_are_deterministic_and_bounded() {
    let ring = Ring::new(&equal(&name_set(0, 8))).unwrap();
    let key = b"user-1";
    assert!(ring.preference_list(key, 0).is_empty());
    assert_eq!(ring.preference_list(key, 1), vec![ring.locate(key)]);
    let all = ring.preference_list(key, 100);
    assert_eq!(all.len(), 8);
    assert_eq!(&all[..3], &ring.preference_list(key, 3)[..]);
    // Removing a shard that is not in a key's list keeps the list's order of the rest.
    let mut smaller = ring.clone();
    smaller.remove(all[7]).unwrap();
    if smaller.locate(key) == all[0] {
        assert_eq!(smaller.preference_list(key, 7), all[..7].to_vec());
    }
}

// ---------------------------------------------------------------- property tests

#[derive(Debug, Clone)]
enum Op {
    Add(usize, u32),
    Remove(usize),
    SetWeight(usize, u32),
}

const POOL: [&str; 12] = [
    "a", "b", "c", "d", "e", "f", "shard-01", "shard-02", "Zed", "x.y", "m_1", "0",
];

fn weight() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 1u32..=10, 1 => 1u32..=1_000_000]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..POOL.len(), weight()).prop_map(|(i, w)| Op::Add(i, w)),
        (0..POOL.len()).prop_map(Op::Remove),
        (0..POOL.len(), weight()).prop_map(|(i, w)| Op::SetWeight(i, w)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_histories_keep_every_invariant(
        init in proptest::collection::btree_map(0..POOL.len(), weight(), 1..5),
        ops in proptest::collection::vec(op(), 0..20),
    ) {
        let specs: Vec<ShardSpec> =
            init.iter().map(|(&i, &w)| ShardSpec::new(POOL[i], w)).collect();
        let mut ring = Ring::new(&specs).unwrap();
        let mut history = vec![ring.clone()];
        for op in ops {
            let before = ring.clone();
            let (result, name) = match op {
                Op::Add(i, w) => (ring.add(ShardSpec::new(POOL[i], w)), POOL[i]),
                Op::Remove(i) => (ring.remove(POOL[i]), POOL[i]),
                Op::SetWeight(i, w) => (ring.set_weight(POOL[i], w), POOL[i]),
            };
            match result {
                Ok(()) => {
                    check_invariants(&ring);
                    let moved = only_involving(&before, &ring, name);
                    prop_assert_eq!(moved, owned(&ring, name).abs_diff(owned(&before, name)));
                    history.push(ring.clone());
                }
                Err(e) => {
                    prop_assert!(matches!(
                        e.code(),
                        "ring_duplicate_shard" | "ring_unknown_shard" | "ring_empty"
                    ));
                    prop_assert_eq!(&ring, &before);
                }
            }
        }
        prop_assert_eq!(ring.epoch() as usize, history.len());
        for (k, past) in history.iter().enumerate() {
            let epoch = k as u32 + 1;
            prop_assert_eq!(&ring.at_epoch(epoch).unwrap(), past);
            let prefix = RingConfig { version: 1, epoch, steps: ring.config().steps[..k + 1].to_vec() };
            prop_assert_eq!(&Ring::from_config(&prefix).unwrap(), past);
        }
        let back = Ring::from_json(&ring.to_json()).unwrap();
        prop_assert_eq!(&back, &ring);
        for k in 0..32u32 {
            let key = k.to_be_bytes();
            prop_assert_eq!(back.locate(&key), ring.locate(&key));
        }
    }

    #[test]
    fn from_json_never_panics_on_arbitrary_text(s in ".{0,200}") {
        let _ = Ring::from_json(&s);
    }

    #[test]
    fn from_json_never_panics_on_config_like_text(
        parts in proptest::collection::vec(prop_oneof![
            Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"),
            Just("\"epoch\""), Just("\"steps\""), Just("\"shards\""), Just("\"init\""),
            Just("\"add\""), Just("\"remove\""), Just("\"set_weight\""), Just("\"name\""),
            Just("\"weight\""), Just("\"a\""), Just("\"b\""), Just("1"), Just("2"), Just("0"),
            Just("-1"), Just("4294967296"), Just("null"), Just("1e3"),
        ], 0..60)
    ) {
        let text = parts.concat();
        if let Err(e) = Ring::from_json(&text) {
            prop_assert!(e.code().starts_with("ring_"));
        }
    }
}
