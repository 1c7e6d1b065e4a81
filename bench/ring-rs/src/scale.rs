//! The ring at scale: 1,000 shards grown one at a time (version 1 and 2), and 10,000 shards.
//!
//! For each ring: arcs, the configuration's size in both forms (history, snapshot), the time to
//! load each form natively (`Ring::from_json`; the history form replays, the snapshot does not),
//! the live heap of a loaded ring, and lookups. For the grown rings, the space moved by each
//! add over the new shard's share (1 = minimal movement). The configurations are also written
//! to `--scale-out DIR` (if given), so the JS and workerd benchmarks load the very same text.

use std::hint::black_box;
use std::time::Instant;

use edge_session::ring::{Ring, ShardSpec};
use serde_json::{json, Value};

use crate::{heap_of, median, SPACE};

/// The history form of a ring grown one shard at a time (`init` of one, then adds), written
/// directly (no ring needed to write it).
pub fn grown_history(version: u32, n: usize) -> String {
    let mut steps = vec![format!(r#"{{"init":[{{"name":"{}"}}]}}"#, crate::name(0))];
    steps.extend((1..n).map(|i| format!(r#"{{"add":{{"name":"{}"}}}}"#, crate::name(i))));
    let v = if version == 1 {
        String::new()
    } else {
        format!(r#""version":{version},"#)
    };
    format!(r#"{{{v}"epoch":{n},"steps":[{}]}}"#, steps.join(","))
}

/// The history form of `init` of `first` shards, then adds one at a time up to `n`.
fn init_then_grown(version: u32, first: usize, n: usize) -> String {
    let init: Vec<String> = (0..first)
        .map(|i| format!(r#"{{"name":"{}"}}"#, crate::name(i)))
        .collect();
    let mut steps = vec![format!(r#"{{"init":[{}]}}"#, init.join(","))];
    steps.extend((first..n).map(|i| format!(r#"{{"add":{{"name":"{}"}}}}"#, crate::name(i))));
    format!(
        r#"{{"version":{version},"epoch":{},"steps":[{}]}}"#,
        n - first + 1,
        steps.join(",")
    )
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Median load time (ms) of a configuration over `rounds` loads; checks it loads to `want`.
fn load_ms(text: &str, rounds: usize, want: &Ring) -> f64 {
    let mut v: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            let r = Ring::from_json(black_box(text)).expect("config loads");
            let d = ms(t);
            assert!(&r == want, "both forms load the same ring");
            d
        })
        .collect();
    median(&mut v)
}

fn lookup_ns(ring: &Ring, keys: &[&'static str], rounds: usize) -> f64 {
    let mut v: Vec<f64> = (0..rounds.max(1))
        .map(|_| {
            let t = Instant::now();
            for k in keys {
                black_box(ring.locate_index(black_box(k.as_bytes())));
            }
            t.elapsed().as_nanos() as f64 / keys.len() as f64
        })
        .collect();
    median(&mut v)
}

/// One ring's row: both forms, their load times, memory, lookups.
fn row(
    label: &str,
    history: String,
    rounds: usize,
    replay_rounds: usize,
    keys: &[&'static str],
    out: Option<&str>,
) -> (Value, Ring) {
    let t = Instant::now();
    let ring = Ring::from_json(&history).expect("history replays");
    let first_replay = ms(t);
    let snapshot = ring.snapshot_json().expect("snapshot");
    let history_ms = if replay_rounds > 1 {
        load_ms(&history, replay_rounds, &ring)
    } else {
        first_replay
    };
    // A snapshot over the configuration limit (version 1's 432,000 arcs) does not load: the row
    // says so, and the rest is measured on the history-loaded ring.
    let snapshot_err = Ring::from_json(&snapshot)
        .err()
        .map(|e| e.code().to_string());
    let snapshot_ms = snapshot_err
        .is_none()
        .then(|| load_ms(&snapshot, rounds, &ring));
    let (loaded, heap) = heap_of(|| {
        Ring::from_json(if snapshot_err.is_none() {
            &snapshot
        } else {
            &history
        })
        .expect("loads")
    });
    // The recent epochs a manager asks for after a snapshot load (one replay from its base).
    // (Skipped for a history-loaded ring: that is one more full replay.)
    let (recent_ms, recent_same) = if snapshot_err.is_none() {
        let t = Instant::now();
        let recent = loaded
            .recent_epochs(edge_session::ring::RECENT_EPOCHS)
            .expect("recent epochs");
        (
            Some(ms(t)),
            Some(recent.first().map(Ring::arcs) == Some(ring.arcs())),
        )
    } else {
        (None, None)
    };
    if let Some(dir) = out {
        std::fs::write(format!("{dir}/ring-{label}.history.json"), &history).expect("write");
        std::fs::write(format!("{dir}/ring-{label}.snapshot.json"), &snapshot).expect("write");
    }
    let n = ring.shards().len();
    let arcs = ring.arcs().len();
    let v = json!({
        "label": label, "version": ring.version(), "shards": n, "epoch": ring.epoch(),
        "arcs": arcs, "arcs_per_shard": arcs as f64 / n as f64,
        "history_bytes": history.len(), "snapshot_bytes": snapshot.len(),
        "history_load_ms": history_ms, "history_rounds": replay_rounds.max(1),
        "snapshot_load_ms": snapshot_ms, "snapshot_rounds": rounds.max(1), "snapshot_error": snapshot_err,
        "recent_epochs_ms": recent_ms, "recent_epochs_last_same_arcs": recent_same, "heap_bytes": heap,
        "lookup_ns": lookup_ns(&loaded, keys, rounds),
    });
    (v, ring)
}

/// Movement of each add of a ring grown one shard at a time: moved space / new shard's share.
fn movement(ring: &Ring) -> Value {
    let mut ratios = Vec::new();
    let mut prev = ring.at_epoch(1).expect("epoch 1");
    for e in 2..=ring.epoch() {
        let mut next = prev.clone();
        next.add(ShardSpec::new(crate::name(e as usize - 1), 1))
            .expect("add");
        let share = 1.0 / next.shards().len() as f64;
        ratios.push(Ring::moved_fraction(&prev, &next) as f64 / SPACE / share);
        prev = next;
    }
    assert!(&prev == ring, "the adds replay the grown ring");
    let mean = ratios.iter().sum::<f64>() / ratios.len().max(1) as f64;
    let max = ratios.iter().copied().fold(0.0, f64::max);
    let last100 = &ratios[ratios.len().saturating_sub(100)..];
    json!({ "adds": ratios.len(), "mean_moved_over_share": mean, "max_moved_over_share": max,
        "mean_moved_over_share_last100": last100.iter().sum::<f64>() / last100.len().max(1) as f64 })
}

/// The `scale` section of the report.
pub fn run(rounds: usize, keys: &[&'static str], out: Option<&str>) -> Value {
    let mut rows = Vec::new();
    // version 1 replays in seconds: one round of it (it is the baseline the issue measured).
    let (mut v1, r1) = row("1000-v1", grown_history(1, 1000), rounds, 1, keys, out);
    v1["movement"] = json!({ "adds": r1.epoch() - 1, "mean_moved_over_share": 1.0, "max_moved_over_share": 1.0, "note": "exact by construction (see tests)" });
    rows.push(v1);
    let (mut v2, r2) = row("1000-v2", grown_history(2, 1000), rounds, rounds, keys, out);
    v2["movement"] = movement(&r2);
    rows.push(v2);
    // 10,000 shards: an init of 10,000 (one epoch, so one arc list; a grown ring of 10,000
    // shards writes a snapshot over the 1 MiB limit on configurations).
    let t = Instant::now();
    let mut big = Ring::with_version(
        &(0..10_000)
            .map(|i| ShardSpec::new(crate::name(i), 1))
            .collect::<Vec<_>>(),
        2,
    )
    .expect("init");
    black_box(&mut big);
    let build_ms = ms(t);
    let (mut v10k, _) = row(
        "10000-v2",
        init_then_grown(2, 10_000, 10_000),
        rounds,
        1,
        keys,
        out,
    );
    v10k["build_ms"] = json!(build_ms);
    rows.push(v10k);
    json!({ "rows": rows })
}
