//! The core's sorts. The wasm builds of the npm package (features `js`, `js-suite`, `lite`) sort
//! with the standard library's heap sort (`BinaryHeap::into_sorted_vec`): a few hundred bytes of
//! wasm per key type instead of the 2-5 KB each instance of `sort_unstable`'s quicksort or the
//! stable driftsort costs. Heap sort stays O(n log n); every list sorted here is bounded (shards
//! of a ring, sessions or tombstones of a user). The other builds (the worker, native) keep the
//! standard sorts. Both give one order: keys are distinct, or made distinct by position.

use std::collections::BinaryHeap;

/// Whether this build sorts by heap sort (the npm package's wasm builds).
pub(crate) const HEAP: bool = cfg!(any(feature = "js", feature = "js-suite", feature = "lite"));

/// Sorts distinct keys ascending.
pub(crate) fn sort_keys<T: Ord>(v: &mut Vec<T>) {
    if HEAP {
        heap_sort(v);
    } else {
        v.sort_unstable();
    }
}

/// Sorts by `key`, stable: equal keys keep their order (like `slice::sort_by_key`).
pub(crate) fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl FnMut(&T) -> K) {
    if HEAP {
        heap_sort_by_key(v, key);
    } else {
        v.sort_by_key(key);
    }
}

/// [`sort_by_key`] for keys that cost to make: each key is made once (like
/// `slice::sort_by_cached_key`; the heap sort makes each key once anyway).
pub(crate) fn sort_by_cached_key<T, K: Ord>(v: &mut Vec<T>, key: impl FnMut(&T) -> K) {
    if HEAP {
        heap_sort_by_key(v, key);
    } else {
        v.sort_by_cached_key(key);
    }
}

/// The package builds' [`sort_by_key`]: a heap sort of (key, position) pairs, then the items
/// moved into that order. The position breaks ties, so the keys are distinct and the order is
/// the stable one.
fn heap_sort_by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    let mut order: Vec<(K, usize)> = v.iter().enumerate().map(|(i, x)| (key(x), i)).collect();
    heap_sort(&mut order);
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(
        order
            .iter()
            .filter_map(|&(_, i)| slots.get_mut(i).and_then(Option::take)),
    );
}

/// Ascending heap sort (`BinaryHeap::into_sorted_vec`).
pub(crate) fn heap_sort<T: Ord>(v: &mut Vec<T>) {
    *v = BinaryHeap::from(std::mem::take(v)).into_sorted_vec();
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // heap_sort against sort_unstable: src/ring/layout.rs's tests (its key types).
        #[test]
        fn heap_sort_by_key_is_stable_like_sort_by_key(a in proptest::collection::vec((0u8..4, any::<u16>()), 0..64)) {
            let mut got = a.clone();
            heap_sort_by_key(&mut got, |p| p.0);
            let mut want = a;
            want.sort_by_key(|p| p.0);
            prop_assert_eq!(got, want);
        }
    }
}
