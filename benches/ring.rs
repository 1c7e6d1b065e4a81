//! Ring quality table (exact shares, no sampling) and lookup benchmarks.
//!
//! `cargo bench --bench ring` prints the table first, then runs criterion.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, BenchmarkId, Criterion};
use edge_session::ring::{Ring, ShardSpec};

const SPACE: f64 = 18_446_744_073_709_551_616.0; // 2^64
const SETS: usize = 20;

/// The same 20 name shapes as tests/ring.rs.
fn name_set(set: usize, n: usize) -> Vec<ShardSpec> {
    (0..n)
        .map(|i| {
            let name = match set % 5 {
                0 => format!("set{set}-shard-{i}"),
                1 => format!("{:08x}.s{set}", (i as u32 + 1).wrapping_mul(2_654_435_761)),
                2 => format!("node_{}", i * 7919 + set),
                3 => format!("Z{i}-{set}"),
                _ => format!("redis-{set}-{:03}.internal", n - i),
            };
            ShardSpec::new(name, 1)
        })
        .collect()
}

/// A ring grown one shard at a time from 1 to n (the most fragmenting history).
fn grown(n: usize) -> Ring {
    let specs = name_set(0, n);
    let mut ring = Ring::new(&specs[..1]).unwrap();
    for s in &specs[1..] {
        ring.add(s.clone()).unwrap();
    }
    ring
}

fn print_table() {
    println!("ring quality: exact shares over {SETS} name sets (equal weights)");
    println!(
        "{:>5} {:>14} {:>14} {:>22} {:>10} {:>12} {:>12} {:>12} {:>14}",
        "n",
        "max/mean",
        "add/ideal",
        "worst remove/share",
        "arcs init",
        "arcs +add",
        "build init",
        "arcs grown",
        "replay grown"
    );
    for n in [4usize, 16, 64, 256, 1000] {
        let (mut worst_balance, mut worst_add, mut worst_remove) = (0f64, 0f64, 0f64);
        let (mut arcs_init, mut arcs_add) = (0usize, 0usize);
        let mut build = 0f64;
        for set in 0..SETS {
            let specs = name_set(set, n);
            let t = Instant::now();
            let ring = black_box(Ring::new(&specs).unwrap());
            build += t.elapsed().as_secs_f64();
            let shares = ring.shares();
            let max = shares.iter().map(|s| s.owned).max().unwrap() as f64;
            worst_balance = worst_balance.max(max * n as f64 / SPACE);
            arcs_init = arcs_init.max(ring.arcs().len());

            let mut added = ring.clone();
            added.add(ShardSpec::new(format!("new-{set}"), 1)).unwrap();
            let moved = Ring::moved_fraction(&ring, &added) as f64;
            worst_add = worst_add.max(moved / (SPACE / (n as f64 + 1.0)));
            arcs_add = arcs_add.max(added.arcs().len());

            // Remove every shard of the fragmented (+add) ring, one at a time.
            for s in added.shares() {
                let mut less = added.clone();
                less.remove(&s.name).unwrap();
                let moved = Ring::moved_fraction(&added, &less) as f64;
                worst_remove = worst_remove.max(moved / s.owned as f64);
            }
        }
        let t = Instant::now();
        let g = black_box(grown(n));
        let replay = t.elapsed();
        println!(
            "{:>5} {:>14.9} {:>14.9} {:>22.9} {:>10} {:>12} {:>10.1}us {:>12} {:>12.2}ms",
            n,
            worst_balance,
            worst_add,
            worst_remove,
            arcs_init,
            arcs_add,
            build / SETS as f64 * 1e6,
            g.arcs().len(),
            replay.as_secs_f64() * 1e3,
        );
    }
    println!("(add/ideal: moved / (2^64/(n+1)); arcs grown: ring grown 1 shard at a time to n)");
    println!();
}

/// 65536 distinct 16-byte keys (splitmix64, fixed seed).
fn keys() -> Vec<[u8; 16]> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..1 << 16)
        .map(|_| {
            let mut k = [0u8; 16];
            k[..8].copy_from_slice(&next().to_le_bytes());
            k[8..].copy_from_slice(&next().to_le_bytes());
            k
        })
        .collect()
}

fn bench_locate(c: &mut Criterion) {
    let keys = keys();
    let mut g = c.benchmark_group("locate");
    for n in [16usize, 64, 256] {
        let ring = Ring::new(&name_set(0, n)).unwrap();
        let mut i = 0usize;
        g.bench_function(BenchmarkId::new("init", n), |b| {
            b.iter(|| {
                i = (i + 1) & 0xFFFF;
                ring.locate_index(black_box(&keys[i]))
            })
        });
    }
    // The worst realistic layout: 256 shards added one at a time.
    let ring = grown(256);
    let mut i = 0usize;
    g.bench_function(BenchmarkId::new("grown", 256), |b| {
        b.iter(|| {
            i = (i + 1) & 0xFFFF;
            ring.locate_index(black_box(&keys[i]))
        })
    });
    let mut i = 0usize;
    g.bench_function("position_only", |b| {
        b.iter(|| {
            i = (i + 1) & 0xFFFF;
            Ring::position(black_box(&keys[i]))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("preference_list_3");
    for n in [16usize, 256] {
        let ring = Ring::new(&name_set(0, n)).unwrap();
        let mut i = 0usize;
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                i = (i + 1) & 0xFFFF;
                ring.preference_list(black_box(&keys[i]), 3).len()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench_locate
}

fn main() {
    print_table();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
