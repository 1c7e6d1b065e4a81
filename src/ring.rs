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

//! # Limits
//!
//! Names 1..=32 bytes of `[A-Za-z0-9._-]`; weights `1..=1_000_000`; at most [`MAX_SHARDS`]
//! shards, [`MAX_STEPS`] steps, [`MAX_ARCS`] arcs; JSON configuration at most
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

mod config;
mod error;
mod layout;

pub use config::{Arc, RingConfig, RingStep, ShardSpec, Share};
pub use error::RingError;

use layout::{Layout, SPACE};
use xxhash_rust::xxh3::xxh3_64;

/// Most shards a ring holds.
pub const MAX_SHARDS: usize = 1024;
/// Most steps in a ring's history (so the highest epoch).
pub const MAX_STEPS: usize = 4096;
/// Longest shard name, in bytes.
pub const MAX_NAME_LEN: usize = 32;
/// Largest shard weight (the smallest is 1).
pub const MAX_WEIGHT: u32 = 1_000_000;
/// Most arcs a layout may hold; a step that would exceed it fails with `ring_too_fragmented`.
pub const MAX_ARCS: usize = 1 << 20;
/// Longest JSON configuration accepted, in bytes (256 KiB).
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;

// Targets of the shards that stay must all move the same way by >= 2 units per step, so that
// rounding never turns one of them into a receiver: needs 2^64 >= 2 * (max total weight)^2.
const _: () = assert!(
    (MAX_SHARDS as u128 * MAX_WEIGHT as u128) * (MAX_SHARDS as u128 * MAX_WEIGHT as u128) * 4
        < SPACE
);
// Owners are stored as u16 and the index as u32.
const _: () = assert!(MAX_SHARDS <= u16::MAX as usize && MAX_ARCS <= u32::MAX as usize);

/// A consistent-hash ring of weighted shards with its full history. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ring {
    /// Current shards in name (byte) order.
    shards: Vec<ShardSpec>,
    layout: Layout,
    steps: Vec<RingStep>,
}

fn check_name(name: &str) -> Result<(), RingError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(RingError::BadName)
    }
}

fn check_spec(s: &ShardSpec) -> Result<(), RingError> {
    check_name(&s.name)?;
    if s.weight == 0 || s.weight > MAX_WEIGHT {
        return Err(RingError::BadWeight(s.weight));
    }
    Ok(())
}

fn check_arcs(layout: Layout) -> Result<Layout, RingError> {
    if layout.len() > MAX_ARCS {
        Err(RingError::TooFragmented)
    } else {
        Ok(layout)
    }
}

impl Ring {
    /// A ring of these shards (any order; names unique), epoch 1.
    pub fn new(shards: &[ShardSpec]) -> Result<Ring, RingError> {
        if shards.is_empty() {
            return Err(RingError::Empty);
        }
        if shards.len() > MAX_SHARDS {
            return Err(RingError::TooManyShards);
        }
        for s in shards {
            check_spec(s)?;
        }
        let mut sorted = shards.to_vec();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = sorted.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(RingError::DuplicateShard(w[0].name.clone()));
        }
        let weights: Vec<u32> = sorted.iter().map(|s| s.weight).collect();
        let layout = check_arcs(Layout::contiguous(&layout::targets(&weights)))?;
        Ok(Ring {
            shards: sorted,
            layout,
            steps: vec![RingStep::Init(shards.to_vec())],
        })
    }

    /// Replay a configuration. Its `epoch` must equal its number of steps, the first step must
    /// be the only `init`, and every step must succeed.
    pub fn from_config(cfg: &RingConfig) -> Result<Ring, RingError> {
        if cfg.steps.len() > MAX_STEPS {
            return Err(RingError::TooManySteps);
        }
        if usize::try_from(cfg.epoch).ok() != Some(cfg.steps.len()) {
            return Err(RingError::EpochMismatch {
                epoch: cfg.epoch,
                steps: cfg.steps.len(),
            });
        }
        Ring::replay(&cfg.steps)
    }

    fn replay(steps: &[RingStep]) -> Result<Ring, RingError> {
        let mut ring = match steps.first() {
            Some(RingStep::Init(shards)) => Ring::new(shards)?,
            _ => return Err(RingError::BadConfig("the first step must be init".into())),
        };
        for step in steps.get(1..).unwrap_or_default() {
            ring.apply(step.clone())?;
        }
        Ok(ring)
    }

    /// Parse and replay a JSON configuration (full form or `{"shards": [...]}` shorthand; at
    /// most [`MAX_CONFIG_BYTES`]).
    pub fn from_json(json: &str) -> Result<Ring, RingError> {
        Ring::from_config(&RingConfig::from_json(json)?)
    }

    /// The configuration that rebuilds this ring: its whole history.
    pub fn config(&self) -> RingConfig {
        RingConfig {
            epoch: self.epoch(),
            steps: self.steps.clone(),
        }
    }

    /// [`config`](Ring::config) as JSON, `{"epoch": N, "steps": [...]}`.
    pub fn to_json(&self) -> String {
        self.config().to_json()
    }

    /// Add a shard (epoch + 1). It receives exactly its share, taken only from the others.
    pub fn add(&mut self, shard: ShardSpec) -> Result<(), RingError> {
        self.apply(RingStep::Add(shard))
    }

    /// Remove a shard (epoch + 1). Its share goes to the others; nothing else moves.
    /// Removing the last shard fails with `ring_empty`.
    pub fn remove(&mut self, name: &str) -> Result<(), RingError> {
        self.apply(RingStep::Remove(name.to_owned()))
    }

    /// Change a shard's weight (epoch + 1). Space moves only between it and the others.
    pub fn set_weight(&mut self, name: &str, weight: u32) -> Result<(), RingError> {
        self.apply(RingStep::SetWeight(ShardSpec::new(name, weight)))
    }

    fn find_shard(&self, name: &str) -> Result<usize, usize> {
        self.shards.binary_search_by(|s| s.name.as_str().cmp(name))
    }

    /// Apply one non-init step; on error the ring is unchanged.
    fn apply(&mut self, step: RingStep) -> Result<(), RingError> {
        if self.steps.len() >= MAX_STEPS {
            return Err(RingError::TooManySteps);
        }
        let mut weights: Vec<u32> = self.shards.iter().map(|s| s.weight).collect();
        match &step {
            RingStep::Init(_) => {
                return Err(RingError::BadConfig(
                    "init must be the first step only".into(),
                ))
            }
            RingStep::Add(spec) => {
                check_spec(spec)?;
                if self.shards.len() >= MAX_SHARDS {
                    return Err(RingError::TooManyShards);
                }
                let at = match self.find_shard(&spec.name) {
                    Ok(_) => return Err(RingError::DuplicateShard(spec.name.clone())),
                    Err(at) => at,
                };
                weights.insert(at, spec.weight);
                let mut layout = self.layout.clone();
                let at16 = u16::try_from(at).unwrap_or(u16::MAX);
                layout.map_owners(|o| if o >= at16 { o + 1 } else { o });
                let layout = check_arcs(layout.rebalance(&layout::targets(&weights)))?;
                self.shards.insert(at, spec.clone());
                self.layout = layout;
            }
            RingStep::Remove(name) => {
                check_name(name)?;
                let at = self
                    .find_shard(name)
                    .map_err(|_| RingError::UnknownShard(name.clone()))?;
                if self.shards.len() == 1 {
                    return Err(RingError::Empty);
                }
                if let Some(w) = weights.get_mut(at) {
                    *w = 0;
                }
                let mut layout = check_arcs(self.layout.rebalance(&layout::targets(&weights)))?;
                let at16 = u16::try_from(at).unwrap_or(u16::MAX);
                layout.map_owners(|o| if o > at16 { o - 1 } else { o });
                self.shards.remove(at);
                self.layout = layout;
            }
            RingStep::SetWeight(spec) => {
                check_spec(spec)?;
                let at = self
                    .find_shard(&spec.name)
                    .map_err(|_| RingError::UnknownShard(spec.name.clone()))?;
                if let Some(w) = weights.get_mut(at) {
                    *w = spec.weight;
                }
                let layout = check_arcs(self.layout.rebalance(&layout::targets(&weights)))?;
                if let Some(s) = self.shards.get_mut(at) {
                    s.weight = spec.weight;
                }
                self.layout = layout;
            }
        }
        self.steps.push(step);
        Ok(())
    }

    /// Number of steps applied (`init` is epoch 1).
    pub fn epoch(&self) -> u32 {
        // At most MAX_STEPS (4096) steps.
        u32::try_from(self.steps.len()).unwrap_or(u32::MAX)
    }

    /// The ring as it was at `epoch` (`1..=self.epoch()`), rebuilt by replaying its history.
    pub fn at_epoch(&self, epoch: u32) -> Result<Ring, RingError> {
        let len = usize::try_from(epoch).unwrap_or(usize::MAX);
        if epoch == 0 || len > self.steps.len() {
            return Err(RingError::UnknownEpoch(epoch));
        }
        if len == self.steps.len() {
            return Ok(self.clone());
        }
        Ring::replay(self.steps.get(..len).unwrap_or_default())
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
