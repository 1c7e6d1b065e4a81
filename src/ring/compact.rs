//! Version 2 of the layout rule: bounded fragmentation.
//!
//! After the exact rebalance of a step, while the layout holds more than
//! [`ARCS_PER_SHARD`]` * n` arcs, the smallest arc is *folded*: given to one of its two
//! neighbours (so it merges away), and the same amount is paid back to its owner at another
//! boundary between the same two shards (that boundary shifts, which adds no arc). Both shards
//! keep exactly their targets, so shares stay exact; the price is the folded space, which moves
//! twice (once each way) between two shards that both stay. Candidates are taken smallest first
//! (ties: lower start), the right neighbour before the left, pay-back boundaries in the order
//! they were recorded. If folding cannot reach the bound, the rebuild of `rebuild.rs` does.
//! Integer arithmetic only, the same on every target.

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasherDefault;

use super::layout::{Builder, Layout, SPACE};
use super::rebuild::rebuild;

/// A version 2 layout holds at most this many arcs per shard.
pub const ARCS_PER_SHARD: usize = 4;

/// Folding, once it starts, aims this low (arcs per shard), so it runs every few steps only.
const FOLD_TO_ARCS_PER_SHARD: usize = 3;

const NONE: u32 = u32::MAX;

/// The layout as a doubly linked list of arcs, so folds are O(1).
struct Arcs {
    start: Vec<u128>,
    owner: Vec<u16>,
    next: Vec<u32>,
    prev: Vec<u32>,
    alive: Vec<bool>,
    count: usize,
    /// Boundaries by unordered owner pair: the id of the arc left of the boundary, in the
    /// order recorded. May hold stale entries; they are checked on use. (Only looked up, never
    /// iterated, so the hasher cannot change any result.)
    pairs: HashMap<(u16, u16), u32, BuildHasherDefault<DefaultHasher>>,
    /// Entries of the per-pair lists: (arc left of the boundary, next entry of the pair).
    entries: Vec<(u32, u32)>,
    /// Boundaries by owner (either side), same scheme, for two-step pay-backs.
    by_owner: HashMap<u16, u32, BuildHasherDefault<DefaultHasher>>,
    owner_entries: Vec<(u32, u32)>,
    heap: BinaryHeap<Reverse<(u128, u128, u32)>>,
}

fn pair(a: u16, b: u16) -> (u16, u16) {
    (a.min(b), a.max(b))
}

fn ix(id: u32) -> usize {
    id as usize
}

impl Arcs {
    fn new(layout: &Layout) -> Arcs {
        let n = layout.len();
        let mut a = Arcs {
            start: layout.starts.iter().map(|&s| u128::from(s)).collect(),
            owner: layout.owners.clone(),
            next: (0..n)
                .map(|i| if i + 1 < n { i as u32 + 1 } else { NONE })
                .collect(),
            prev: (0..n)
                .map(|i| if i > 0 { i as u32 - 1 } else { NONE })
                .collect(),
            alive: vec![true; n],
            count: n,
            pairs: HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default()),
            entries: Vec::with_capacity(2 * n),
            by_owner: HashMap::with_capacity_and_hasher(n, BuildHasherDefault::default()),
            owner_entries: Vec::with_capacity(4 * n),
            heap: BinaryHeap::new(),
        };
        // Recorded from the top down, so each pair's list (newest first) runs bottom up.
        for i in (0..n).rev() {
            a.record_boundary(i as u32);
        }
        let items: Vec<_> = (0..n as u32)
            .map(|id| Reverse((a.len(id), a.start_of(id), id)))
            .collect();
        a.heap = BinaryHeap::from(items);
        a
    }

    fn get(v: &[u32], id: u32) -> u32 {
        v.get(ix(id)).copied().unwrap_or(NONE)
    }

    fn next_of(&self, id: u32) -> u32 {
        Arcs::get(&self.next, id)
    }

    fn prev_of(&self, id: u32) -> u32 {
        Arcs::get(&self.prev, id)
    }

    fn owner_of(&self, id: u32) -> u16 {
        self.owner.get(ix(id)).copied().unwrap_or(u16::MAX)
    }

    fn start_of(&self, id: u32) -> u128 {
        self.start.get(ix(id)).copied().unwrap_or(SPACE)
    }

    fn is_alive(&self, id: u32) -> bool {
        self.alive.get(ix(id)).copied().unwrap_or(false)
    }

    fn len(&self, id: u32) -> u128 {
        let end = match self.next_of(id) {
            NONE => SPACE,
            n => self.start_of(n),
        };
        end.saturating_sub(self.start_of(id))
    }

    fn record_boundary(&mut self, left: u32) {
        let right = self.next_of(left);
        if left == NONE || right == NONE {
            return;
        }
        let (a, b) = (self.owner_of(left), self.owner_of(right));
        if a != b {
            let head = self.pairs.entry(pair(a, b)).or_insert(NONE);
            self.entries.push((left, *head));
            *head = (self.entries.len() - 1) as u32;
            for o in [a, b] {
                let head = self.by_owner.entry(o).or_insert(NONE);
                self.owner_entries.push((left, *head));
                *head = (self.owner_entries.len() - 1) as u32;
            }
        }
    }

    fn push(&mut self, id: u32) {
        let len = self.len(id);
        self.heap.push(Reverse((len, self.start_of(id), id)));
    }

    fn unlink(&mut self, id: u32) {
        let (p, n) = (self.prev_of(id), self.next_of(id));
        if let Some(x) = self.next.get_mut(ix(p)) {
            *x = n;
        }
        if let Some(x) = self.prev.get_mut(ix(n)) {
            *x = p;
        }
        if let Some(x) = self.alive.get_mut(ix(id)) {
            *x = false;
        }
        self.count -= 1;
    }

    /// A boundary between owners `b` and `i`, not touching `crumb`, whose `b` side can give
    /// `x` (it is longer than `x`, or it is `neighbour`, which is about to grow by `x`).
    /// Returns the arc left of it.
    fn pay_back_boundary(&mut self, crumb: u32, neighbour: u32, b: u16, i: u16, x: u128) -> u32 {
        let key = pair(b, i);
        let Some(&head) = self.pairs.get(&key) else {
            return NONE;
        };
        // Walk the pair's list, unlinking stale entries.
        let (mut prev, mut e) = (NONE, head);
        while let Some(&(left, next)) = self.entries.get(ix(e)) {
            let right = self.next_of(left);
            let valid = self.is_alive(left)
                && right != NONE
                && pair(self.owner_of(left), self.owner_of(right)) == key;
            if !valid {
                match self.entries.get_mut(ix(prev)) {
                    Some(p) => p.1 = next,
                    None => {
                        self.pairs.insert(key, next);
                    }
                }
                e = next;
                continue;
            }
            if left != crumb && right != crumb {
                let giver = if self.owner_of(left) == b {
                    left
                } else {
                    right
                };
                if giver == neighbour || self.len(giver) > x {
                    return left;
                }
            }
            prev = e;
            e = next;
        }
        NONE
    }

    /// Shifts the boundary right of `left` so that the `giver` side gives `x` to the other.
    fn shift(&mut self, left: u32, giver_owner: u16, x: u128) -> u32 {
        let right = self.next_of(left);
        let giver_is_left = self.owner_of(left) == giver_owner;
        if let Some(s) = self.start.get_mut(ix(right)) {
            if giver_is_left {
                *s -= x;
            } else {
                *s += x;
            }
        }
        if giver_is_left {
            left
        } else {
            right
        }
    }

    /// A boundary of `i` with some shard `c` (not `b`) whose `c` side is longer than `x`, such
    /// that a `b`/`c` boundary can pay `c` back: returns (the `i`/`c` boundary, the `b`/`c`
    /// one). Neither touches `crumb`, and they are different boundaries.
    fn two_step(&mut self, crumb: u32, neighbour: u32, b: u16, i: u16, x: u128) -> (u32, u32) {
        let mut e = self.by_owner.get(&i).copied().unwrap_or(NONE);
        let mut tried = 0;
        while let Some(&(left, next)) = self.owner_entries.get(ix(e)) {
            e = next;
            tried += 1;
            if tried > 16 {
                break;
            }
            let right = self.next_of(left);
            if !self.is_alive(left) || right == NONE || left == crumb || right == crumb {
                continue;
            }
            let (ol, or) = (self.owner_of(left), self.owner_of(right));
            let (c, c_arc) = match (ol == i, or == i) {
                (true, false) => (or, right),
                (false, true) => (ol, left),
                _ => continue,
            };
            if c == b || self.len(c_arc) <= x {
                continue;
            }
            let second = self.pay_back_boundary(crumb, neighbour, b, c, x);
            if second != NONE && second != left {
                return (left, second);
            }
        }
        (NONE, NONE)
    }

    /// Folds `crumb` into `neighbour` if it can be paid back in one or two boundary shifts;
    /// true if it did.
    fn fold(&mut self, crumb: u32, neighbour: u32) -> bool {
        if neighbour == NONE {
            return false;
        }
        let (i, b, x) = (
            self.owner_of(crumb),
            self.owner_of(neighbour),
            self.len(crumb),
        );
        let direct = self.pay_back_boundary(crumb, neighbour, b, i, x);
        let mut givers = [NONE, NONE];
        if direct != NONE {
            givers[0] = self.shift(direct, b, x);
        } else {
            let (first, second) = self.two_step(crumb, neighbour, b, i, x);
            if first == NONE {
                return false;
            }
            let c = if self.owner_of(first) == i {
                self.owner_of(self.next_of(first))
            } else {
                self.owner_of(first)
            };
            givers[0] = self.shift(first, c, x);
            givers[1] = self.shift(second, b, x);
        }
        // Fold: the neighbour takes the crumb's space.
        let (l, r) = (self.prev_of(crumb), self.next_of(crumb));
        if neighbour == r {
            let s = self.start_of(crumb);
            if let Some(st) = self.start.get_mut(ix(r)) {
                *st = s;
            }
        }
        self.unlink(crumb);
        if l != NONE && r != NONE && self.owner_of(l) == self.owner_of(r) {
            self.unlink(r);
        }
        let joined = if l == NONE { r } else { l };
        self.record_boundary(joined);
        for g in givers {
            if g != NONE {
                self.push(g);
            }
        }
        true
    }

    fn run(&mut self, max_arcs: usize) {
        while self.count > max_arcs {
            let Some(Reverse((len, _, id))) = self.heap.pop() else {
                return;
            };
            if !self.is_alive(id) {
                continue;
            }
            if self.len(id) != len {
                self.push(id);
                continue;
            }
            let (l, r) = (self.prev_of(id), self.next_of(id));
            if !self.fold(id, r) {
                self.fold(id, l);
            }
        }
    }

    fn into_layout(self) -> Layout {
        let mut b = Builder::default();
        let mut id = (0..self.alive.len())
            .find(|&i| self.alive.get(i) == Some(&true) && self.prev.get(i) == Some(&NONE))
            .map_or(NONE, |i| i as u32);
        while id != NONE {
            b.push(self.start_of(id), usize::from(self.owner_of(id)));
            id = self.next_of(id);
        }
        b.finish()
    }
}

/// Brings a layout whose shards own exactly `targets` to at most `ARCS_PER_SHARD * n` arcs
/// (folds, then the rebuild if folds fall short); every shard keeps exactly its target.
pub(crate) fn compact(layout: Layout, targets: &[u128]) -> Layout {
    let max_arcs = ARCS_PER_SHARD.saturating_mul(targets.len());
    if layout.len() <= max_arcs {
        return layout;
    }
    let mut arcs = Arcs::new(&layout);
    arcs.run(FOLD_TO_ARCS_PER_SHARD.saturating_mul(targets.len()));
    let layout = arcs.into_layout();
    if layout.len() <= max_arcs {
        return layout;
    }
    rebuild(layout, targets)
}
