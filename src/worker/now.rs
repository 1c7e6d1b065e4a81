//! Running a future to its end at once when it never has to wait.
//!
//! An `async` export of wasm-bindgen turns every call into a promise, an executor task and a
//! microtask before the first line of the function runs, and each of them costs in workerd.
//! Most of this worker's work does not wait (a shard call's SQL is synchronous; `/healthz` and
//! a refused token touch nothing asynchronous), so its exports poll their future once here and
//! fall back to a promise only when it is not ready.

use std::future::{poll_fn, Future};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use wasm_bindgen::JsValue;

/// The waker of the first poll: it wakes whatever waker the promise's executor polls with
/// last. A future may keep the waker of its first poll and never take a newer one (the
/// runtime's timers do), so a waker that did nothing would leave such a future asleep.
#[derive(Default)]
struct Forward(Mutex<Option<Waker>>);

impl Forward {
    fn set(&self, w: &Waker) {
        if let Ok(mut slot) = self.0.lock() {
            if !slot.as_ref().is_some_and(|s| s.will_wake(w)) {
                *slot = Some(w.clone());
            }
        }
    }
}

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Before the executor's first poll there is nobody to wake: that poll comes anyway.
        let next = self.0.lock().ok().and_then(|slot| slot.clone());
        if let Some(w) = next {
            w.wake();
        }
    }
}

/// The value `fut` resolves to, if it finishes without waiting, else a promise of it.
///
/// The first poll's waker forwards to the executor's, so a future that is not ready at once
/// is woken exactly as it would be had the promise's executor polled it first.
pub fn now_or_promise(fut: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> JsValue {
    let mut fut = Box::pin(fut);
    let forward = Arc::new(Forward::default());
    let first = Waker::from(Arc::clone(&forward));
    match fut.as_mut().poll(&mut Context::from_waker(&first)) {
        Poll::Ready(Ok(v)) => v,
        Poll::Ready(Err(e)) => js_sys::Promise::reject(&e).into(),
        Poll::Pending => wasm_bindgen_futures::future_to_promise(poll_fn(move |cx| {
            forward.set(cx.waker());
            fut.as_mut().poll(cx)
        }))
        .into(),
    }
}
