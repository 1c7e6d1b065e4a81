//! The arc layout: exact targets, the initial layout, the surplus-to-deficit rebalance, and the
//! lookup index. Integer arithmetic only; nothing here depends on `usize` width.

use crate::sort::sort_keys;
use std::cmp::{min, Ordering, Reverse};

/// Size of the hash space: every `u64` is a position.
pub(crate) const SPACE: u128 = 1 << 64;

/// Most top-bits the lookup index uses (2^16 buckets = 256 KiB of `u32`).
const MAX_INDEX_BITS: u32 = 16;

/// Exact target shares for a weight vector (`0` = not present: target 0, no remainder unit).
///
/// `t_i = floor(2^64 * w_i / W)`, then the `2^64 - sum(t_i)` (< n) remaining units go one each
/// to the largest remainders `(2^64 * w_i) mod W`, ties to the lower index (= name byte order).
/// The result sums to exactly 2^64 when any weight is non-zero.
pub(crate) fn targets(weights: &[u32]) -> Vec<u128> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        return vec![0; weights.len()];
    }
    let mut t: Vec<u128> = Vec::with_capacity(weights.len());
    // (Reverse(remainder), index): ascending order is largest remainder first, ties to the
    // lower index.
    let mut rems: Vec<(Reverse<u128>, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let num = u128::from(w) << 64;
        t.push(num / total);
        if w > 0 {
            rems.push((Reverse(num % total), i));
        }
    }
    let assigned: u128 = t.iter().sum();
    let mut left = SPACE.saturating_sub(assigned);
    sort_keys(&mut rems);
    for &(_, i) in &rems {
        if left == 0 {
            break;
        }
        if let Some(ti) = t.get_mut(i) {
            *ti += 1;
            left -= 1;
        }
    }
    t
}

/// The ring's layout: sorted arc starts (`starts[0] == 0`) and their owners (shard indices),
/// with no two adjacent arcs of the same owner, plus a top-bits index for lookups.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) starts: Vec<u64>,
    pub(crate) owners: Vec<u16>,
    /// `index[b]` = arc holding position `b << shift`; `index[buckets]` = last arc.
    index: Vec<u32>,
    shift: u32,
}

impl Layout {
    /// Contiguous arcs in table order with the given sizes (zero sizes are skipped).
    pub(crate) fn contiguous(sizes: &[u128]) -> Layout {
        let mut b = Builder::default();
        let mut at: u128 = 0;
        for (i, &len) in sizes.iter().enumerate() {
            if len > 0 && at < SPACE {
                b.push(at, i);
            }
            at += len;
        }
        b.finish()
    }

    /// Number of arcs.
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Length of arc `i` (0 if out of range).
    pub(crate) fn arc_len(&self, i: usize) -> u128 {
        let Some(&s) = self.starts.get(i) else {
            return 0;
        };
        let end = self.starts.get(i + 1).map_or(SPACE, |&e| u128::from(e));
        end - u128::from(s)
    }

    /// Exact owned space per shard for a table of `n` shards.
    pub(crate) fn owned(&self, n: usize) -> Vec<u128> {
        let mut owned = vec![0u128; n];
        for (i, &o) in self.owners.iter().enumerate() {
            if let Some(x) = owned.get_mut(usize::from(o)) {
                *x += self.arc_len(i);
            }
        }
        owned
    }

    /// Renumber owners (used when a shard enters or leaves the table).
    pub(crate) fn map_owners(&mut self, f: impl Fn(u16) -> u16) {
        for o in &mut self.owners {
            *o = f(*o);
        }
    }

    /// Move space from shards above their target to shards below it, and nothing else.
    ///
    /// Carving: walking arcs from the highest position down, each surplus shard gives the top
    /// ends of its arcs until it has given exactly its surplus. Handing out: the carved pieces,
    /// in ascending position, go to the deficit shards in table (name) order, each filled
    /// exactly before the next, a piece being split at the lowest positions first.
    /// `targets` must sum to 2^64 and have one entry per table slot.
    pub(crate) fn rebalance(&self, targets: &[u128]) -> Layout {
        let owned = self.owned(targets.len());
        let mut surplus: Vec<u128> = owned
            .iter()
            .zip(targets)
            .map(|(o, t)| o.saturating_sub(*t))
            .collect();
        let mut need: Vec<u128> = owned
            .iter()
            .zip(targets)
            .map(|(o, t)| t.saturating_sub(*o))
            .collect();

        // Carve from the top: take[i] = amount cut off the high end of arc i.
        let mut take = vec![0u128; self.len()];
        for i in (0..self.len()).rev() {
            let owner = self.owners.get(i).map_or(usize::MAX, |&o| usize::from(o));
            if let (Some(s), Some(t)) = (surplus.get_mut(owner), take.get_mut(i)) {
                let cut = min(*s, self.arc_len(i));
                *t = cut;
                *s -= cut;
            }
        }

        // Rebuild, handing carved pieces to deficit shards in table order.
        let mut b = Builder::default();
        let mut j = 0usize;
        for (i, (&start, &owner)) in self.starts.iter().zip(&self.owners).enumerate() {
            let start = u128::from(start);
            let end = start + self.arc_len(i);
            let cut = take.get(i).copied().unwrap_or(0);
            if cut < end - start {
                b.push(start, usize::from(owner));
            }
            let mut p = end - cut;
            while p < end {
                while need.get(j).is_some_and(|&d| d == 0) {
                    j += 1;
                }
                let Some(d) = need.get_mut(j) else {
                    // Unreachable: total surplus equals total deficit. Keep the old owner.
                    b.push(p, usize::from(owner));
                    break;
                };
                let give = min(end - p, *d);
                b.push(p, j);
                *d -= give;
                p += give;
            }
        }
        b.finish()
    }

    /// Index of the arc holding `pos`.
    #[inline]
    pub(crate) fn find(&self, pos: u64) -> usize {
        // shift is 48..=63, so the bucket is below 2^16 on every target.
        let b = (pos >> self.shift) as usize;
        let (lo, hi) = match (self.index.get(b), self.index.get(b + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, self.starts.len().saturating_sub(1)),
        };
        match self.starts.get(lo + 1..=hi) {
            Some(s) => lo + s.partition_point(|&s| s <= pos),
            None => lo,
        }
    }

    /// Owner (shard index) of `pos`.
    #[inline]
    pub(crate) fn owner_of(&self, pos: u64) -> usize {
        self.owners
            .get(self.find(pos))
            .map_or(0, |&o| usize::from(o))
    }

    /// Walk the common refinement of two layouts: `f(len, owner_a, owner_b)` per segment.
    pub(crate) fn zip_segments(a: &Layout, b: &Layout, mut f: impl FnMut(u128, u16, u16)) {
        let (mut i, mut j) = (0usize, 0usize);
        let mut pos: u128 = 0;
        while pos < SPACE {
            let (Some(&oa), Some(&ob)) = (a.owners.get(i), b.owners.get(j)) else {
                return;
            };
            let end_a = a.starts.get(i + 1).map_or(SPACE, |&s| u128::from(s));
            let end_b = b.starts.get(j + 1).map_or(SPACE, |&s| u128::from(s));
            let end = min(end_a, end_b);
            f(end - pos, oa, ob);
            pos = end;
            if end_a == end {
                i += 1;
            }
            if end_b == end {
                j += 1;
            }
        }
    }
}

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The arcs themselves can number in the hundreds of thousands: show the size only.
        f.debug_struct("Layout").field("arcs", &self.len()).finish()
    }
}

/// Appends arcs in ascending order, merging neighbours with the same owner.
#[derive(Default)]
pub(crate) struct Builder {
    starts: Vec<u64>,
    owners: Vec<u16>,
}

impl Builder {
    pub(crate) fn push(&mut self, start: u128, owner: usize) {
        // Shard tables hold at most MAX_SHARDS (1024) entries, so owners fit u16.
        let owner = u16::try_from(owner).unwrap_or(u16::MAX);
        if self.owners.last() == Some(&owner) {
            return;
        }
        // Every start pushed is below 2^64 (it begins a non-empty piece of the space).
        self.starts.push(u64::try_from(start).unwrap_or(u64::MAX));
        self.owners.push(owner);
    }

    pub(crate) fn finish(self) -> Layout {
        let mut l = Layout {
            starts: self.starts,
            owners: self.owners,
            index: Vec::new(),
            shift: 63,
        };
        l.build_index();
        l
    }
}

impl Layout {
    /// Top-bits index: about two buckets per arc, at most 2^16 buckets.
    fn build_index(&mut self) {
        let arcs = self.starts.len().max(1) as u64;
        let bits = (64 - arcs.leading_zeros()).clamp(1, MAX_INDEX_BITS);
        let buckets = 1u64 << bits;
        self.shift = 64 - bits;
        self.index = Vec::with_capacity(buckets as usize + 1);
        let last = self.starts.len().saturating_sub(1);
        let mut i = 0usize;
        for b in 0..buckets {
            let boundary = b << self.shift;
            while self.starts.get(i + 1).is_some_and(|&s| s <= boundary) {
                i += 1;
            }
            self.index.push(i as u32);
        }
        self.index.push(last as u32);
    }
}

/// Order shards for replicas: highest score first, ties by name.
pub(crate) fn by_score_then_name(a: &(u64, &str), b: &(u64, &str)) -> Ordering {
    b.0.cmp(&a.0)
        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sort::heap_sort;
    use proptest::prelude::*;

    proptest! {
        /// The package builds' heap sort gives the quicksort's order (of the key types sorted here).
        #[test]
        fn heap_sort_orders_like_sort_unstable(
            rems in proptest::collection::vec((any::<u128>(), any::<usize>()), 0..200),
            names in proptest::collection::vec("[a-c]{0,3}", 0..100),
        ) {
            let mut a: Vec<_> = rems.iter().map(|&(r, i)| (Reverse(r), i)).collect();
            let mut b = a.clone();
            heap_sort(&mut a);
            b.sort_unstable();
            prop_assert_eq!(a, b);
            let mut a: Vec<(&str, usize)> = names.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
            let mut b = a.clone();
            heap_sort(&mut a);
            b.sort_unstable();
            prop_assert_eq!(a, b);
        }
    }
}
