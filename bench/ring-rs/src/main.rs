//! Side-by-side ring benchmark (native): edge-session's ring against the Rust crates
//! `hashring` (ketama, 160 virtual nodes), `maglev` (table size pinned), `jumphash` and
//! `anchorhash`. Prints one JSON document on stdout; scripts/bench.sh turns it into tables.
//!
//! Balance and movement are EXACT where the structure allows it (ours from its arcs, ketama from
//! its sorted points, maglev from its lookup table) and SAMPLED otherwise (jump, anchor), with
//! the sampling floor printed beside them. Timings: ROUNDS rounds, the algorithms interleaved in
//! a rotating order, median of the rounds.
//!
//! Usage: ring-bench [--rounds N] [--keys N] [--lookups N] [--scale-out DIR]
//!
//! The `scale` section (1,000 and 10,000 shards) is in `scale.rs`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::hash_map::DefaultHasher;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use edge_session::ring::{Ring, ShardSpec};
use maglev::ConsistentHasher;

mod scale;
use serde_json::{json, Value};

// ---- live-heap accounting: memory of a structure = live bytes with it minus without it ----
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        LIVE.fetch_add(new, Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn heap_of<T>(build: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    let t = build();
    let after = LIVE.load(Ordering::Relaxed);
    (t, after.saturating_sub(before) + std::mem::size_of::<T>())
}

const SPACE: f64 = 18446744073709551616.0; // 2^64
const KETAMA_VNODES: u32 = 160;
const MAGLEV_M: usize = 65537; // prime; > 100 * 256 as the Maglev paper asks
const ALGOS: [&str; 5] = ["ours", "hashring", "maglev", "jumphash", "anchorhash"];

fn name(i: usize) -> String {
    format!("shard-{i:04}")
}

// ---- the five algorithms behind one face ----
#[derive(Hash)]
struct VNode {
    shard: u32,
    replica: u32,
}
type Sip = BuildHasherDefault<DefaultHasher>;

enum Algo {
    Ours(Ring),
    Ketama(hashring::HashRing<VNodeRef>, Vec<String>),
    Maglev(maglev::Maglev<String, Sip>),
    Jump(jumphash::JumpHasher, Vec<String>),
    Anchor(anchorhash::AnchorHash<&'static str, String, Sip>),
}

/// What hashring stores: the virtual node (hashed) and which shard it belongs to.
#[derive(Clone, Debug)]
struct VNodeRef {
    v: (u32, u32),
}
impl Hash for VNodeRef {
    fn hash<H: Hasher>(&self, h: &mut H) {
        VNode {
            shard: self.v.0,
            replica: self.v.1,
        }
        .hash(h)
    }
}

fn build(algo: &str, names: &[String]) -> Algo {
    match algo {
        "ours" => {
            let specs: Vec<ShardSpec> =
                names.iter().map(|n| ShardSpec::new(n.clone(), 1)).collect();
            Algo::Ours(Ring::new(&specs).expect("valid ring"))
        }
        "hashring" => {
            let mut r = hashring::HashRing::new();
            let mut v = Vec::with_capacity(names.len() * KETAMA_VNODES as usize);
            for i in 0..names.len() as u32 {
                for k in 0..KETAMA_VNODES {
                    v.push(VNodeRef { v: (i, k) });
                }
            }
            r.batch_add(v);
            Algo::Ketama(r, names.to_vec())
        }
        "maglev" => Algo::Maglev(maglev::Maglev::with_capacity_and_hasher(
            names.to_vec(),
            MAGLEV_M,
            Sip::default(),
        )),
        "jumphash" => Algo::Jump(jumphash::JumpHasher::new_with_keys(0, 0), names.to_vec()),
        "anchorhash" => {
            let cap = u16::try_from(names.len() * 2).expect("fits");
            Algo::Anchor(
                anchorhash::Builder::with_hasher(Sip::default())
                    .with_resources(names.to_vec())
                    .build(cap),
            )
        }
        _ => unreachable!(),
    }
}

impl Algo {
    #[inline]
    fn locate<'a>(&'a self, key: &'static str) -> &'a str {
        match self {
            Algo::Ours(r) => r.locate(key.as_bytes()),
            Algo::Ketama(r, names) => {
                let v = r.get(&key).expect("non-empty");
                &names[v.v.0 as usize]
            }
            Algo::Maglev(m) => m.get(key).expect("non-empty"),
            Algo::Jump(j, names) => &names[j.slot(&key, names.len() as u32) as usize],
            Algo::Anchor(a) => a.get_resource(key).expect("non-empty"),
        }
    }
}

// ---- exact shares and movement where the structure allows ----
fn sip_point(v: &VNodeRef) -> u64 {
    // hashring's DefaultHashBuilder: SipHasher (2-4) with zero keys, `hash_one`.
    let mut h = siphasher::sip::SipHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Sorted (point, shard index) of a ketama ring: key k belongs to the first point >= k (wrapping).
fn ketama_points(n_idx: &[u32]) -> Vec<(u64, u32)> {
    let mut pts: Vec<(u64, u32)> = n_idx
        .iter()
        .flat_map(|&i| (0..KETAMA_VNODES).map(move |k| (sip_point(&VNodeRef { v: (i, k) }), i)))
        .collect();
    pts.sort();
    pts
}

fn ketama_owner_at(pts: &[(u64, u32)], x: u64) -> u32 {
    match pts.binary_search_by(|p| p.0.cmp(&x)) {
        Ok(i) => pts[i].1,
        Err(i) if i == pts.len() => pts[0].1,
        Err(i) => pts[i].1,
    }
}

fn ketama_shares(pts: &[(u64, u32)], n: usize) -> Vec<f64> {
    let mut owned = vec![0u128; n];
    let mut prev = pts.last().expect("points").0;
    for (i, &(p, o)) in pts.iter().enumerate() {
        let len = if i == 0 {
            (p as u128 + (1u128 << 64)) - prev as u128
        } else {
            (p - prev) as u128
        };
        owned[o as usize] += len;
        prev = p;
    }
    owned.iter().map(|&o| o as f64 / SPACE).collect()
}

/// Exact fraction of the space whose owner differs between two ketama rings (owners are shard ids).
fn ketama_moved(a: &[(u64, u32)], b: &[(u64, u32)]) -> f64 {
    let mut cuts: Vec<u64> = a.iter().chain(b.iter()).map(|p| p.0).collect();
    cuts.sort();
    cuts.dedup();
    // Segment (cuts[i-1], cuts[i]] has a constant owner in both rings: sample its right end.
    let mut moved = 0u128;
    let mut prev = *cuts.last().expect("cuts");
    for (i, &c) in cuts.iter().enumerate() {
        let len = if i == 0 {
            (c as u128 + (1u128 << 64)) - prev as u128
        } else {
            (c - prev) as u128
        };
        if ketama_owner_at(a, c) != ketama_owner_at(b, c) {
            moved += len;
        }
        prev = c;
    }
    moved as f64 / SPACE
}

/// maglev keeps its table private but derives Debug: read the table from there.
fn maglev_table(m: &maglev::Maglev<String, Sip>) -> Vec<String> {
    let dbg = format!("{m:?}");
    let nodes: Vec<String> = {
        let s = &dbg[dbg.find("nodes: [").expect("nodes") + 8..];
        let s = &s[..s.find(']').expect("]")];
        s.split(", ")
            .map(|x| x.trim_matches('"').to_string())
            .collect()
    };
    let s = &dbg[dbg.find("lookup: Some([").expect("lookup") + 14..];
    let s = &s[..s.find(']').expect("]")];
    let table: Vec<String> = s
        .split(", ")
        .map(|x| nodes[x.parse::<usize>().expect("index")].clone())
        .collect();
    assert_eq!(table.len(), m.capacity());
    table
}

fn maglev_shares(table: &[String], names: &[String]) -> Vec<f64> {
    names
        .iter()
        .map(|n| table.iter().filter(|t| *t == n).count() as f64 / table.len() as f64)
        .collect()
}

fn maglev_moved(a: &[String], b: &[String]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as f64 / a.len() as f64
}

fn max_over_mean(shares: &[f64]) -> f64 {
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    shares.iter().cloned().fold(0.0, f64::max) / mean
}

// ---- sampling ----
/// Distinct keys, leaked once so every crate can borrow them for `'static` (anchorhash's key
/// type is a type parameter taken by value).
fn keys(count: usize, salt: &str) -> Vec<&'static str> {
    (0..count)
        .map(|i| &*Box::leak(format!("{salt}user-{i:08}").into_boxed_str()))
        .collect()
}

fn sampled_shares(a: &Algo, names: &[String], ks: &[&'static str]) -> Vec<f64> {
    let mut idx = std::collections::HashMap::new();
    for (i, n) in names.iter().enumerate() {
        idx.insert(n.as_str(), i);
    }
    let mut counts = vec![0usize; names.len()];
    for k in ks {
        counts[idx[a.locate(k)]] += 1;
    }
    counts.iter().map(|&c| c as f64 / ks.len() as f64).collect()
}

fn sampled_moved(a: &Algo, b: &Algo, ks: &[&'static str]) -> f64 {
    ks.iter().filter(|k| a.locate(k) != b.locate(k)).count() as f64 / ks.len() as f64
}

/// Expected max/mean of n bucket counts when K keys fall uniformly at random (Monte Carlo with a
/// fixed-seed splitmix64, 20 trials): what sampling alone shows for a perfectly balanced scheme.
fn sampling_floor(n: usize, k: usize) -> f64 {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15 ^ n as u64;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let trials = 20;
    let mut total = 0.0;
    for _ in 0..trials {
        let mut c = vec![0u32; n];
        for _ in 0..k {
            c[((next() as u128 * n as u128) >> 64) as usize] += 1;
        }
        total += *c.iter().max().expect("n > 0") as f64 / (k as f64 / n as f64);
    }
    total / trials as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("number"))
}

fn str_arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn main() {
    let rounds = arg("--rounds", 7);
    let nkeys = arg("--keys", 1_000_000);
    let nlookups = arg("--lookups", 200_000);
    let sample = keys(nkeys, "");
    let lookup_keys = keys(nlookups, "L");
    let scale_out = str_arg("--scale-out");
    let mut rows = Vec::new();

    for &n in &[16usize, 64, 256] {
        let names: Vec<String> = (0..n).map(name).collect();
        let mid = n / 2;
        let mut added = names.clone();
        added.push(name(n));
        let mut removed = names.clone();
        removed.remove(mid);
        let floor = sampling_floor(n, nkeys);

        let mut per = serde_json::Map::new();
        for algo in ALGOS {
            let (a, mem) = heap_of(|| build(algo, &names));
            let (balance, exact_balance, add_moved, rem_moved, exact_move, note) = match algo {
                "ours" => {
                    let Algo::Ours(r) = &a else { unreachable!() };
                    let shares: Vec<f64> =
                        r.shares().iter().map(|s| s.owned as f64 / SPACE).collect();
                    let mut ra = r.clone();
                    ra.add(ShardSpec::new(name(n), 1)).expect("add");
                    let mut rr = r.clone();
                    rr.remove(&names[mid]).expect("remove");
                    let am = Ring::moved_fraction(r, &ra) as f64 / SPACE;
                    let rm = Ring::moved_fraction(r, &rr) as f64 / SPACE;
                    (max_over_mean(&shares), true, am, rm, true, "exact: arcs")
                }
                "hashring" => {
                    let idx: Vec<u32> = (0..n as u32).collect();
                    let pts = ketama_points(&idx);
                    // sanity: our reconstruction places keys exactly as the crate does
                    for k in sample.iter().take(2000) {
                        let Algo::Ketama(r, _) = &a else {
                            unreachable!()
                        };
                        let want = r.get(k).expect("x").v.0;
                        let mut h = siphasher::sip::SipHasher::new();
                        k.hash(&mut h);
                        assert_eq!(
                            ketama_owner_at(&pts, h.finish()),
                            want,
                            "ketama reconstruction"
                        );
                    }
                    let mut ia = idx.clone();
                    ia.push(n as u32);
                    let mut ir = idx.clone();
                    ir.remove(mid);
                    let am = ketama_moved(&pts, &ketama_points(&ia));
                    let rm = ketama_moved(&pts, &ketama_points(&ir));
                    (
                        max_over_mean(&ketama_shares(&pts, n)),
                        true,
                        am,
                        rm,
                        true,
                        "exact: sorted points",
                    )
                }
                "maglev" => {
                    let Algo::Maglev(m) = &a else { unreachable!() };
                    let t = maglev_table(m);
                    let ta = maglev_table(&maglev::Maglev::with_capacity_and_hasher(
                        added.clone(),
                        MAGLEV_M,
                        Sip::default(),
                    ));
                    let tr = maglev_table(&maglev::Maglev::with_capacity_and_hasher(
                        removed.clone(),
                        MAGLEV_M,
                        Sip::default(),
                    ));
                    (
                        max_over_mean(&maglev_shares(&t, &names)),
                        true,
                        maglev_moved(&t, &ta),
                        maglev_moved(&t, &tr),
                        true,
                        "exact: lookup table (M = 65537)",
                    )
                }
                "jumphash" => {
                    let b = Algo::Jump(jumphash::JumpHasher::new_with_keys(0, 0), added.clone());
                    // Jump can only drop the LAST bucket: removing a middle shard = move the last
                    // shard's name into its slot, then shrink (the usual emulation).
                    let mut swapped = names.clone();
                    swapped[mid] = names[n - 1].clone();
                    swapped.pop();
                    let c = Algo::Jump(jumphash::JumpHasher::new_with_keys(0, 0), swapped);
                    (
                        max_over_mean(&sampled_shares(&a, &names, &sample)),
                        false,
                        sampled_moved(&a, &b, &sample),
                        sampled_moved(&a, &c, &sample),
                        false,
                        "sampled; middle removal emulated by swap-with-last",
                    )
                }
                "anchorhash" => {
                    let Algo::Anchor(x) = &a else { unreachable!() };
                    let mut b = x.clone();
                    b.add_resource(name(n)).expect("capacity");
                    let mut c = x.clone();
                    c.remove_resource(&names[mid]).expect("present");
                    let (b, c) = (Algo::Anchor(b), Algo::Anchor(c));
                    (
                        max_over_mean(&sampled_shares(&a, &names, &sample)),
                        false,
                        sampled_moved(&a, &b, &sample),
                        sampled_moved(&a, &c, &sample),
                        false,
                        "sampled; capacity a = 2n",
                    )
                }
                _ => unreachable!(),
            };
            per.insert(
                algo.to_string(),
                json!({
                    "max_over_mean": balance, "balance_exact": exact_balance,
                    "add_moved": add_moved, "add_ideal": 1.0 / (n as f64 + 1.0),
                    "remove_moved": rem_moved, "remove_ideal": 1.0 / n as f64,
                    "move_exact": exact_move, "memory_bytes": mem, "note": note,
                }),
            );
        }

        // timings: interleaved rounds, median
        let built: Vec<Algo> = ALGOS.iter().map(|a| build(a, &names)).collect();
        let mut lookup_ns: Vec<Vec<f64>> = vec![vec![]; ALGOS.len()];
        let mut build_ns: Vec<Vec<f64>> = vec![vec![]; ALGOS.len()];
        for round in 0..rounds {
            for j in 0..ALGOS.len() {
                let i = (j + round) % ALGOS.len();
                let a = &built[i];
                let t = Instant::now();
                for k in &lookup_keys {
                    black_box(a.locate(black_box(k)));
                }
                lookup_ns[i].push(t.elapsed().as_nanos() as f64 / lookup_keys.len() as f64);
                let reps = 5;
                let t = Instant::now();
                for _ in 0..reps {
                    black_box(build(ALGOS[i], black_box(&names)));
                }
                build_ns[i].push(t.elapsed().as_nanos() as f64 / reps as f64);
            }
        }
        for (i, algo) in ALGOS.iter().enumerate() {
            let e = per
                .get_mut(*algo)
                .expect("row")
                .as_object_mut()
                .expect("obj");
            e.insert("lookup_ns".into(), json!(median(&mut lookup_ns[i])));
            e.insert("build_ns".into(), json!(median(&mut build_ns[i])));
        }
        rows.push(json!({ "n": n, "sampling_floor": floor, "algos": Value::Object(per) }));
    }
    let out = json!({
        "keys_sampled": nkeys, "lookup_keys": nlookups, "rounds": rounds,
        "ketama_vnodes": KETAMA_VNODES, "maglev_m": MAGLEV_M, "rows": rows,
        "scale": scale::run(rounds, &lookup_keys, scale_out.as_deref()),
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
