//! Version 2, the fallback of the fold pass (see compact.rs): a rebuild that bounds arcs.
//!
//! After the exact rebalance of a step, if the layout holds more than
//! [`ARCS_PER_SHARD`]` * n` arcs, it is *compacted*: every shard keeps its longest arc (ties:
//! the lower one) where it is; the rest of the space is handed out again, first by extending
//! the kept arcs on each side of a free stretch (the left one, then the right one, each up to
//! its shard's target), then, for what is left, to the shards still short, in name order, in
//! ascending position. Every shard ends with exactly its target, in at most
//! `3n + 1` arcs. The price is movement between shards that both stay, which a compaction
//! adds to the step's own; `cargo bench --bench ring` and `make bench` measure it.

use std::cmp::min;

use super::layout::{Builder, Layout, SPACE};

/// A piece of the space `[start, end)` and its owner.
#[derive(Clone, Copy)]
struct Piece {
    start: u128,
    end: u128,
    owner: usize,
}

/// Rebuilds `layout` (whose shards own exactly `targets`) into at most `3n + 1` arcs.
pub(crate) fn rebuild(layout: Layout, targets: &[u128]) -> Layout {
    let n = targets.len();
    let arcs: Vec<Piece> = (0..layout.len())
        .map(|i| {
            let start = u128::from(layout.starts.get(i).copied().unwrap_or(0));
            Piece {
                start,
                end: start + layout.arc_len(i),
                owner: layout.owners.get(i).map_or(usize::MAX, |&o| usize::from(o)),
            }
        })
        .collect();
    // The longest arc of each shard.
    let mut longest: Vec<Option<usize>> = vec![None; n];
    for (i, a) in arcs.iter().enumerate() {
        if let Some(slot) = longest.get_mut(a.owner) {
            let better = match *slot {
                Some(j) => arcs
                    .get(j)
                    .is_some_and(|b| a.end - a.start > b.end - b.start),
                None => true,
            };
            if better {
                *slot = Some(i);
            }
        }
    }
    let mut kept = vec![false; arcs.len()];
    let mut need: Vec<u128> = targets.to_vec();
    for (owner, slot) in longest.iter().enumerate() {
        if let Some(&i) = slot.as_ref() {
            if let (Some(k), Some(a), Some(d)) = (kept.get_mut(i), arcs.get(i), need.get_mut(owner))
            {
                *k = true;
                *d = d.saturating_sub(a.end - a.start);
            }
        }
    }
    // Free stretches between kept arcs: extend the neighbours, collect what is left.
    let mut out: Vec<Piece> = Vec::with_capacity(3 * n + 1);
    let mut left_over: Vec<(usize, u128, u128)> = Vec::new(); // (index in out, start, end)
    let mut i = 0;
    while i < arcs.len() {
        if kept.get(i) == Some(&true) {
            if let Some(&a) = arcs.get(i) {
                out.push(a);
            }
            i += 1;
            continue;
        }
        let start = arcs.get(i).map_or(SPACE, |a| a.start);
        let mut j = i;
        while j < arcs.len() && kept.get(j) != Some(&true) {
            j += 1;
        }
        let end = arcs.get(j).map_or(SPACE, |a| a.start);
        let (mut a, mut b) = (start, end);
        if let Some(last) = out.last_mut() {
            if let Some(d) = need.get_mut(last.owner) {
                let give = min(*d, b - a);
                *d -= give;
                last.end += give;
                a += give;
            }
        }
        let mut right_extension = 0;
        if let Some(next) = arcs.get(j) {
            if let Some(d) = need.get_mut(next.owner) {
                right_extension = min(*d, b - a);
                *d -= right_extension;
                b -= right_extension;
            }
        }
        if a < b {
            left_over.push((out.len(), a, b));
        }
        if let Some(&next) = arcs.get(j) {
            out.push(Piece {
                start: next.start - right_extension,
                ..next
            });
            i = j + 1;
        } else {
            i = j;
        }
    }
    // What is left goes to the shards still short, in name order.
    let mut fill: Vec<Piece> = Vec::new();
    let mut inserts: Vec<(usize, Vec<Piece>)> = Vec::with_capacity(left_over.len());
    let mut s = 0usize;
    for &(at, a, b) in &left_over {
        let mut p = a;
        fill.clear();
        while p < b {
            while need.get(s).is_some_and(|&d| d == 0) {
                s += 1;
            }
            let Some(d) = need.get_mut(s) else {
                break; // unreachable: the deficits sum to what is left over
            };
            let give = min(*d, b - p);
            fill.push(Piece {
                start: p,
                end: p + give,
                owner: s,
            });
            *d -= give;
            p += give;
        }
        inserts.push((at, fill.clone()));
    }
    let mut builder = Builder::default();
    let mut ins = inserts.into_iter().peekable();
    for (k, piece) in out.iter().enumerate() {
        while let Some((_, pieces)) = ins.next_if(|(at, _)| *at == k) {
            for p in pieces {
                builder.push(p.start, p.owner);
            }
        }
        builder.push(piece.start, piece.owner);
    }
    for (_, pieces) in ins {
        for p in pieces {
            builder.push(p.start, p.owner);
        }
    }
    builder.finish()
}
