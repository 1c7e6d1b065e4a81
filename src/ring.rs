//! Consistent-hash ring: places a key (user id, session id) on a shard, identically on every
//! runtime.
//!
//! # Placement
//!
//! * **Position.** A key's position is `xxh3_64(key bytes)` (XXH3 64-bit, seed 0, default secret):
//!   a point of the hash space, which is all of `u64` (2^64 points). See [`Ring::position`].
//! * **Layout.** The space is cut into arcs `[start_i, start_{i+1})`, each owned by one shard;
//!   the first arc starts at 0, the last ends at 2^64. A key belongs to the arc holding its
//!   position (binary search, sped up by a top-bits index). Adjacent arcs always have
//!   different owners.
//! * **Exact shares.** With weights `w_i` summing to `W`, shard `i`'s target is
//!   `floor(2^64 * w_i / W)` (u128 arithmetic); the fewer-than-n units left over go one each to
//!   the largest remainders `(2^64 * w_i) mod W`, ties to the smaller name (byte order). After
//!   every step each shard owns *exactly* its target: shares are exact to 1/2^64, computed, not
//!   sampled. No floating point decides anything.
//! * **History.** A ring is the replay of its steps ([`RingStep`]); the epoch is the number of
//!   steps (`init` is epoch 1), and [`Ring::at_epoch`] rebuilds any earlier ring.
//!   - `init` lays the shards out as contiguous arcs in name order, each of its target size.
//!   - `add`, `remove` and `set_weight` recompute the targets and move space **only from shards
//!     above target to shards below it**. Walking the arcs from the top of the space down, each
//!     surplus shard gives the high ends of its arcs until it has given exactly its surplus;
//!     those pieces, in ascending position, go to the deficit shards in name order, each filled
//!     exactly before the next. Adjacent arcs with one owner are merged. A removed shard has
//!     target 0 and leaves the table afterwards.
//!
//!   So an `add` moves exactly the new shard's share, all of it taken from the others; a
//!   `remove` moves exactly the removed shard's share, only to the others; a weight change moves
//!   space only between the changed shard and the rest. **No key ever moves between two shards
//!   that both stayed.** (Every other shard's target moves the same way by at least 17 units
//!   per step, far more than the one unit of rounding, because `(1024 * 10^6)^2 * 4 < 2^64`; a
//!   compile-time assertion keeps that true.)
//!   This is Dynamo's "strategy 3" with exact arcs instead of fixed partitions.
//! * **Replicas.** [`Ring::preference_list`] gives the owner first, then the other shards by
//!   rendezvous score `xxh3_64(position as 8 big-endian bytes || shard name bytes)` (seed 0),
//!   highest first, ties by name. Replica order ignores weights.
//!
//! # Figures
//!
//! `cargo bench --bench ring` (x86_64, release profile; exact shares, worst of 20 name sets
//! per row; "+add" adds one shard to the init ring; "remove" removes every shard of that ring
//! in turn; "grown" adds the shards one at a time from a single shard):
//!
//! | n    | max/mean share | add moved / (2^64/(n+1)) | worst remove moved / its share | arcs init / +add | arcs grown | replay grown |
//! |------|----------------|--------------------------|--------------------------------|------------------|------------|--------------|
//! | 4    | 1.000000000    | 1.000000000              | 1.000000000                    | 4 / 8            | 7          | < 0.01 ms    |
//! | 16   | 1.000000000    | 1.000000000              | 1.000000000                    | 16 / 32          | 111        | 0.05 ms      |
//! | 64   | 1.000000000    | 1.000000000              | 1.000000000                    | 64 / 128         | 1 739      | 0.9 ms       |
//! | 256  | 1.000000000    | 1.000000000              | 1.000000000                    | 256 / 512        | 27 745     | 56 ms        |
//! | 1000 | 1.000000000    | 1.000000000              | 1.000000000                    | 1000 / 2000      | 432 750    | 1.9 s        |
//!
//! `locate` with 16-byte keys: about 10 ns at n = 16, 64 and 256 (init layout), 15 ns at
//! n = 256 grown (27 745 arcs); hashing alone is 2.5 ns. (A plain ketama ring with 160
//! virtual nodes reaches about 1.20 max/mean at n = 64.)
//!
//! The price of exact shares with minimal movement is fragmentation: a step cuts about one new
//! arc per shard that gives or receives space (every shard, for an add or a remove), so a ring
//! grown one shard at a time ends near n^2/2.3 arcs, and replaying a history costs
//! O(steps x arcs). Lookups barely notice (bucket read plus a short binary search), but building
//! a long history is not free: a hostile 256 KiB configuration (1024 shards, ~4000 weight
//! changes) runs for about 10 s before failing with `ring_too_fragmented` at [`MAX_ARCS`].
//! Ring configurations are operator input: do not replay configurations from untrusted clients.

//! # Version 2: bounded fragmentation (opt-in, `"version": 2`)
//!
//! Version 1 (above) is the rule of every configuration without `version` and of
//! [`Ring::new`]; it is unchanged. Its fragmentation is inherent: with exact shares and nothing
//! moving between shards that stay, an add must cut a piece from every other shard, and those
//! pieces never grow back, so arcs grow like n^2. Version 2 keeps **exact shares** and bounds
//! arcs to [`ARCS_PER_SHARD`]` * n` (4n) for any history, and **trades movement**: when a step
//! leaves more than 4n arcs, the smallest arcs are *folded* into a neighbour and their owner is
//! paid back the same amount by shifting one or two existing boundaries (no new arc), down to
//! 3n; if folds fall short, a rebuild keeps each shard's longest arc and hands out the rest
//! (at most 3n + 1 arcs). So in version 2 an add still gives the new shard exactly its share,
//! all of it from the others, but folds also move space between shards that both stay.
//! Measured (grown one at a time to 1000, `make bench` B): 3 727 arcs (3.7n); the extra
//! movement averages 2.7x the new shard's share per add and reaches 11x on a fold-heavy step
//! (the bench's "moved / share" counts the new shard's own share too: 3.7 mean, 12.3 max).
//! For sessions that is cheap (a session is routed by the shard in its token; only where new
//! sessions of a user go changes), for a cache it is a real cost: choose version 1 there.
//! `init` lays out the same arcs in both versions.
//!
//! # Snapshots
//!
//! [`Ring::snapshot`] writes the history plus the current arcs and the arcs of the epoch
//! [`RECENT_EPOCHS`]` - 1` back, bound by a SHA-256 digest over all of it;
//! [`Ring::from_json`] (so `RING`, and `Ring.fromJSON` in JS) loads it in time linear in the
//! arcs, without replay. [`Ring::recent_epochs`] then gives the recent rings with one replay
//! of at most 63 steps from that base. Format: the `snapshot` module source. The command:
//! `cargo run --release --example ring-snapshot -- ring.json`.
//!
//! # Limits
//!
//! Names 1..=32 bytes of `[A-Za-z0-9._-]`; weights `1..=1_000_000`, summing to at most
//! [`MAX_TOTAL_WEIGHT`]; at most [`MAX_SHARDS_V1`] shards in version 1 and [`MAX_SHARDS`] in
//! version 2, [`MAX_STEPS`] steps, [`MAX_ARCS`] arcs; JSON configuration at most
//! [`MAX_CONFIG_BYTES`]. Everything else is an error with a stable code ([`RingError::code`]).
//!
//! # JSON
//!
//! [`RingConfig`]: `{"epoch": 2, "steps": [{"init": [{"name": "a", "weight": 2}, {"name": "b"}]},
//! {"add": {"name": "c"}}]}`, or the shorthand `{"shards": [...]}` for one `init`.
//! [`Share`] and [`Arc`] write hash-space amounts as decimal strings, since JSON numbers lose
//! precision above 2^53.
//!
//! ```
//! use edge_session::ring::{Ring, ShardSpec};
//!
//! let mut ring = Ring::new(&[ShardSpec::new("a", 1), ShardSpec::new("b", 1)]).unwrap();
//! let before = ring.clone();
//! ring.add(ShardSpec::new("c", 1)).unwrap();
//! assert_eq!(ring.epoch(), 2);
//! // Exactly a third of the space moved, all of it to "c".
//! let moved = Ring::moved_fraction(&before, &ring);
//! assert_eq!(moved, ring.shares()[2].owned);
//! assert!(["a", "b", "c"].contains(&ring.locate(b"user-42")));
//! assert_eq!(ring.at_epoch(1).unwrap(), before);
//! ```

mod compact;
mod config;
mod error;
mod layout;
mod rebuild;
mod snapshot;
mod steps;

pub use compact::ARCS_PER_SHARD;
#[cfg(feature = "lite")]
pub(crate) use config::{push_decimal, push_string};
pub use config::{Arc, RingConfig, RingStep, ShardSpec, Share};
pub use error::RingError;
pub use snapshot::{RingSnapshot, SnapshotArcs, RECENT_EPOCHS};

use layout::{Layout, SPACE};
use std::cmp::Reverse;
use xxhash_rust::xxh3::xxh3_64;

/// Most shards a ring holds (version 2; version 1 keeps [`MAX_SHARDS_V1`]).
pub const MAX_SHARDS: usize = 16_384;
/// Most shards a version 1 ring holds.
pub const MAX_SHARDS_V1: usize = 1024;
/// Most steps in a ring's history (so the highest epoch).
pub const MAX_STEPS: usize = 4096;
/// Longest shard name, in bytes.
pub const MAX_NAME_LEN: usize = 32;
/// Largest shard weight (the smallest is 1).
pub const MAX_WEIGHT: u32 = 1_000_000;
/// Largest sum of the weights of a ring's shards (2^30; every version 1 ring is below it).
pub const MAX_TOTAL_WEIGHT: u64 = 1 << 30;
/// Most arcs a layout may hold; a step that would exceed it fails with `ring_too_fragmented`.
pub const MAX_ARCS: usize = 1 << 20;
/// Longest JSON configuration accepted, in bytes (1 MiB).
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// The placement rule of rings made by [`Ring::new`] and of configurations without `version`.
pub const DEFAULT_VERSION: u32 = 1;
/// The newest placement rule (bounded fragmentation, see the module docs).
pub const LATEST_VERSION: u32 = 2;

// Targets of the shards that stay must all move the same way by >= 2 units per step, so that
// rounding never turns one of them into a receiver: needs 2^64 >= 2 * (max total weight)^2.
const _: () = assert!((MAX_TOTAL_WEIGHT as u128) * (MAX_TOTAL_WEIGHT as u128) * 4 < SPACE);
const _: () = assert!((MAX_SHARDS_V1 as u64) * (MAX_WEIGHT as u64) <= MAX_TOTAL_WEIGHT);
// Owners are stored as u16 and the index as u32.
const _: () = assert!(MAX_SHARDS <= u16::MAX as usize && MAX_ARCS <= u32::MAX as usize);

/// A consistent-hash ring of weighted shards with its full history. See the module docs.
///
/// Equality compares the rule, the shards, the layout and the history.
#[derive(Debug, Clone)]
pub struct Ring {
    /// Placement rule: 1 (exact, minimal) or 2 (exact, bounded arcs).
    version: u32,
    /// Current shards in name (byte) order.
    shards: Vec<ShardSpec>,
    layout: Layout,
    steps: Vec<RingStep>,
    /// A snapshot-loaded ring keeps its base (the oldest epoch it holds arcs for), from which
    /// the recent epochs replay without the whole history.
    base: Option<std::sync::Arc<Ring>>,
}

impl PartialEq for Ring {
    fn eq(&self, other: &Ring) -> bool {
        self.version == other.version
            && self.shards == other.shards
            && self.layout == other.layout
            && self.steps == other.steps
    }
}

impl Eq for Ring {}

impl Ring {
    /// A version 1 ring of these shards (any order; names unique), epoch 1. Version 1 is the
    /// rule of every configuration written without `version`; see [`Ring::with_version`].
    pub fn new(shards: &[ShardSpec]) -> Result<Ring, RingError> {
        Ring::with_version(shards, DEFAULT_VERSION)
    }

    /// A ring of these shards under placement rule `version` (1 or [`LATEST_VERSION`]),
    /// epoch 1. Both versions lay out an `init` the same way; they differ in later steps.
    pub fn with_version(shards: &[ShardSpec], version: u32) -> Result<Ring, RingError> {
        steps::init(shards, version)
    }

    /// Replay a configuration. Its `epoch` must equal its number of steps, the first step must
    /// be the only `init`, and every step must succeed. A snapshot configuration (one with
    /// `snapshot`) is loaded without replay instead: see [`Ring::from_snapshot`].
    pub fn from_config(cfg: &RingConfig) -> Result<Ring, RingError> {
        steps::check_config(cfg)?;
        steps::replay(&cfg.steps, cfg.version)
    }

    /// The shape checks [`Ring::from_config`] makes before replaying: version, step count,
    /// and `epoch` equal to the number of steps.
    pub(crate) fn check_history(cfg: &RingConfig) -> Result<(), RingError> {
        steps::check_config(cfg)
    }

    /// Parse a JSON configuration (full form, `{"shards": [...]}` shorthand, or a snapshot; at
    /// most [`MAX_CONFIG_BYTES`]) and build its ring.
    pub fn from_json(json: &str) -> Result<Ring, RingError> {
        if json.len() > MAX_CONFIG_BYTES {
            return Err(RingError::ConfigTooLarge);
        }
        let value: snapshot::AnyConfig =
            serde_json::from_str(json).map_err(|e| RingError::BadConfig(e.to_string()))?;
        match value {
            snapshot::AnyConfig::Snapshot(s) => Ring::from_snapshot(&s),
            snapshot::AnyConfig::History(cfg) => Ring::from_config(&cfg),
        }
    }

    /// The configuration that rebuilds this ring: its whole history.
    pub fn config(&self) -> RingConfig {
        RingConfig {
            version: self.version,
            epoch: self.epoch(),
            steps: self.steps.clone(),
        }
    }

    /// [`config`](Ring::config) as JSON, `{"epoch": N, "steps": [...]}` (with `"version"` when
    /// it is not 1).
    pub fn to_json(&self) -> String {
        self.config().to_json()
    }

    /// The placement rule of this ring (1 or 2).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Add a shard (epoch + 1). It receives exactly its share, taken only from the others
    /// (version 2: plus the folds that keep arcs bounded, see the module docs).
    pub fn add(&mut self, shard: ShardSpec) -> Result<(), RingError> {
        self.apply(RingStep::Add(shard))
    }

    /// Remove a shard (epoch + 1). Its share goes to the others; nothing else moves (version
    /// 2: but folds). Removing the last shard fails with `ring_empty`.
    pub fn remove(&mut self, name: &str) -> Result<(), RingError> {
        self.apply(RingStep::Remove(name.to_owned()))
    }

    /// Change a shard's weight (epoch + 1). Space moves only between it and the others
    /// (version 2: but folds).
    pub fn set_weight(&mut self, name: &str, weight: u32) -> Result<(), RingError> {
        self.apply(RingStep::SetWeight(ShardSpec::new(name, weight)))
    }

    /// Number of steps applied (`init` is epoch 1).
    pub fn epoch(&self) -> u32 {
        // At most MAX_STEPS (4096) steps.
        u32::try_from(self.steps.len()).unwrap_or(u32::MAX)
    }

    /// The ring as it was at `epoch` (`1..=self.epoch()`), rebuilt by replaying its history
    /// (from the snapshot's base when the epoch is at or after it).
    pub fn at_epoch(&self, epoch: u32) -> Result<Ring, RingError> {
        let len = usize::try_from(epoch).unwrap_or(usize::MAX);
        if epoch == 0 || len > self.steps.len() {
            return Err(RingError::UnknownEpoch(epoch));
        }
        if len == self.steps.len() {
            return Ok(self.clone());
        }
        if let Some(base) = self.base.as_deref() {
            if epoch >= base.epoch() {
                return steps::replay_from(base.clone(), self.steps.get(..len).unwrap_or_default());
            }
        }
        steps::replay(self.steps.get(..len).unwrap_or_default(), self.version)
    }

    /// Current shards, in name (byte) order; [`locate_index`](Ring::locate_index) indexes this.
    pub fn shards(&self) -> &[ShardSpec] {
        &self.shards
    }

    /// A key's point in the hash space: `xxh3_64(key)` with seed 0.
    #[inline]
    pub fn position(key: &[u8]) -> u64 {
        xxh3_64(key)
    }

    /// Name of the shard that owns `key`.
    #[inline]
    pub fn locate(&self, key: &[u8]) -> &str {
        self.shards
            .get(self.locate_index(key))
            .map_or("", |s| s.name.as_str())
    }

    /// Index into [`shards`](Ring::shards) of the shard that owns `key`.
    #[inline]
    pub fn locate_index(&self, key: &[u8]) -> usize {
        self.layout.owner_of(Ring::position(key))
    }

    /// Up to `n` distinct shards for `key` (all shards if there are fewer): the owner first,
    /// then the others by descending `xxh3_64(position_be8 || name)`, ties by name.
    pub fn preference_list(&self, key: &[u8], n: usize) -> Vec<&str> {
        let pos = Ring::position(key);
        let owner = self.layout.owner_of(pos);
        let mut out = Vec::with_capacity(n.min(self.shards.len()));
        if n == 0 {
            return out;
        }
        out.push(self.shards.get(owner).map_or("", |s| s.name.as_str()));
        if n == 1 {
            return out;
        }
        let mut buf = [0u8; 8 + MAX_NAME_LEN];
        buf[..8].copy_from_slice(&pos.to_be_bytes());
        let mut rest: Vec<(u64, &str)> = self
            .shards
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != owner)
            .map(|(_, s)| {
                let name = s.name.as_bytes();
                let len = 8 + name.len().min(MAX_NAME_LEN);
                if let Some(dst) = buf.get_mut(8..len) {
                    dst.copy_from_slice(name.get(..len - 8).unwrap_or_default());
                }
                (xxh3_64(buf.get(..len).unwrap_or_default()), s.name.as_str())
            })
            .collect();
        // Only the best n - 1 need ordering: select them in O(shards), then sort those.
        let k = (n - 1).min(rest.len());
        if crate::sort::HEAP {
            // The npm package's builds: a heap sort of them all (less code, src/sort.rs), the
            // same order (higher score first, then name), the best n - 1 kept.
            let mut keyed: Vec<(Reverse<u64>, &str)> = rest
                .into_iter()
                .map(|(score, name)| (Reverse(score), name))
                .collect();
            crate::sort::sort_keys(&mut keyed);
            out.extend(keyed.into_iter().take(k).map(|(_, name)| name));
            return out;
        }
        if k > 0 && k < rest.len() {
            rest.select_nth_unstable_by(k - 1, layout::by_score_then_name);
            rest.truncate(k);
        }
        rest.sort_unstable_by(layout::by_score_then_name);
        out.extend(rest.into_iter().map(|(_, name)| name));
        out
    }

    /// Exact share of every shard, in name order; the `owned` values sum to 2^64.
    pub fn shares(&self) -> Vec<Share> {
        let owned = self.layout.owned(self.shards.len());
        self.shards
            .iter()
            .zip(owned)
            .map(|(s, owned)| Share {
                name: s.name.clone(),
                weight: s.weight,
                owned,
                fraction: owned as f64 / SPACE as f64,
            })
            .collect()
    }

    /// The layout, arc by arc in ascending position (for drawing and checking).
    pub fn arcs(&self) -> Vec<Arc> {
        (0..self.layout.len())
            .map(|i| Arc {
                start: self.layout.starts.get(i).copied().unwrap_or(0),
                len: self.layout.arc_len(i),
                shard: self.shard_name(self.layout.owners.get(i).copied()),
            })
            .collect()
    }

    fn shard_name(&self, owner: Option<u16>) -> String {
        owner
            .and_then(|o| self.shards.get(usize::from(o)))
            .map_or_else(String::new, |s| s.name.clone())
    }

    /// Exact amount of hash space (of 2^64) whose owner, by name, differs between `a` and `b`.
    pub fn moved_fraction(a: &Ring, b: &Ring) -> u128 {
        let mut moved = 0u128;
        Layout::zip_segments(&a.layout, &b.layout, |len, oa, ob| {
            let na = a.shards.get(usize::from(oa)).map(|s| s.name.as_str());
            let nb = b.shards.get(usize::from(ob)).map(|s| s.name.as_str());
            if na != nb {
                moved += len;
            }
        });
        moved
    }
}

#[cfg(test)]
mod tests;
