//! Unit tests of the layout internals (the public behaviour is tested in tests/ring.rs).

use super::layout::{targets, Layout, SPACE};
use super::*;

fn specs(names: &[&str]) -> Vec<ShardSpec> {
    names.iter().map(|n| ShardSpec::new(*n, 1)).collect()
}

#[test]
fn xxh3_is_the_specified_hash() {
    // XXH3_64bits("") from the reference implementation.
    assert_eq!(Ring::position(b""), 0x2D06_8005_38D3_94C2);
}

#[test]
fn targets_are_exact_and_sum_to_the_space() {
    for weights in [
        vec![1u32],
        vec![1, 1, 1],
        vec![3, 1, 0, 7],
        vec![MAX_WEIGHT; MAX_SHARDS],
        (1..=1000).collect(),
    ] {
        let t = targets(&weights);
        assert_eq!(t.iter().sum::<u128>(), SPACE, "{weights:?}");
        let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
        for (&w, &ti) in weights.iter().zip(&t) {
            let exact = (u128::from(w) << 64) / total;
            assert!(ti == exact || ti == exact + 1);
            if w == 0 {
                assert_eq!(ti, 0);
            }
        }
    }
    // Three equal shards: 2^64 = 3 * 6148914691236517205 + 1; the unit goes to the first name.
    assert_eq!(
        targets(&[1, 1, 1]),
        vec![
            6148914691236517206,
            6148914691236517205,
            6148914691236517205
        ]
    );
}

/// Linear reference for `find`.
fn find_slow(l: &Layout, pos: u64) -> usize {
    l.starts.iter().rposition(|&s| s <= pos).unwrap()
}

#[test]
fn index_lookup_matches_linear_search() {
    let mut ring = Ring::new(&specs(&["a", "b", "c", "d", "e"])).unwrap();
    for i in 0..40 {
        ring.add(ShardSpec::new(format!("n{i}"), 1 + i % 5))
            .unwrap();
        let l = &ring.layout;
        let mut probes = vec![0, u64::MAX, 1, 1 << 63];
        for &s in &l.starts {
            probes.extend([s, s.wrapping_sub(1), s.saturating_add(1)]);
        }
        for k in 0..200u64 {
            probes.push(Ring::position(&k.to_le_bytes()));
        }
        for p in probes {
            assert_eq!(l.find(p), find_slow(l, p), "pos {p}");
        }
    }
}

#[test]
fn layout_has_no_empty_or_mergeable_arcs() {
    let mut ring = Ring::new(&specs(&["a", "b", "c"])).unwrap();
    ring.add(ShardSpec::new("d", 4)).unwrap();
    ring.remove("b").unwrap();
    ring.set_weight("a", 9).unwrap();
    let l = &ring.layout;
    assert_eq!(l.starts[0], 0);
    assert!(l.starts.windows(2).all(|w| w[0] < w[1]));
    assert!(l.owners.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn one_shard_owns_everything() {
    let ring = Ring::new(&specs(&["only"])).unwrap();
    assert_eq!(ring.shares()[0].owned, SPACE);
    assert_eq!(ring.arcs().len(), 1);
    assert_eq!(ring.locate(b"x"), "only");
    assert_eq!(ring.preference_list(b"x", 3), vec!["only"]);
}

#[test]
fn error_codes_are_stable() {
    let all = [
        (RingError::Empty, "ring_empty"),
        (
            RingError::DuplicateShard("a".into()),
            "ring_duplicate_shard",
        ),
        (RingError::UnknownShard("a".into()), "ring_unknown_shard"),
        (RingError::BadName, "ring_bad_name"),
        (RingError::BadWeight(0), "ring_bad_weight"),
        (RingError::TooManyShards, "ring_too_many_shards"),
        (RingError::TooManySteps, "ring_too_many_steps"),
        (RingError::TooFragmented, "ring_too_fragmented"),
        (RingError::ConfigTooLarge, "ring_config_too_large"),
        (RingError::BadConfig("x".into()), "ring_bad_config"),
        (
            RingError::EpochMismatch { epoch: 1, steps: 2 },
            "ring_epoch_mismatch",
        ),
        (RingError::UnknownEpoch(9), "ring_unknown_epoch"),
    ];
    for (e, code) in all {
        assert_eq!(e.code(), code);
        assert!(!e.to_string().is_empty());
    }
}
