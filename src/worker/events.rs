//! Session events to a Cloudflare Queue: a sign-in from a new device and every revocation
//! ([`crate::history::Event`]) are sent, as JSON objects, to the queue bound as `EVENTS` when
//! there is one. The manager's hook ([`push`]) buffers them per isolate; [`flush`] sends what
//! is buffered at the end of each request (the request that caused them, or one running
//! beside it). Without the binding they are dropped. A failed send is logged (without the
//! events: they carry addresses) and never fails the request.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use worker::Env;

use crate::history::Event;

/// Binding of the Queue the events go to.
pub const EVENTS_BINDING: &str = "EVENTS";

/// Most events buffered between flushes; more are dropped (and counted in the log).
const MAX_PENDING: usize = 256;

/// At most this many messages go in one `sendBatch` (Cloudflare's limit is 100).
const BATCH: usize = 100;

thread_local! {
    static PENDING: RefCell<Vec<Event>> = const { RefCell::new(Vec::new()) };
    static DROPPED: RefCell<u64> = const { RefCell::new(0) };
}

/// The manager's event hook: buffers `event` for the next [`flush`].
pub fn push(event: &crate::history::Event) {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < MAX_PENDING {
            p.push(event.clone());
        } else {
            DROPPED.with(|d| *d.borrow_mut() += 1);
        }
    });
}

/// Whether `env` binds a queue as `EVENTS` (an object with `sendBatch`): only then does the
/// manager get the [`push`] hook, so that without a consumer no sign-in looks for a new device.
pub fn bound(env: &Env) -> bool {
    js_sys::Reflect::get(env, &EVENTS_BINDING.into())
        .and_then(|q| js_sys::Reflect::get(&q, &"sendBatch".into()))
        .is_ok_and(|f| f.is_function())
}

/// Sends the buffered events to the `EVENTS` queue, if bound.
pub async fn flush(env: &Env) {
    let events = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    let dropped = DROPPED.with(|d| std::mem::take(&mut *d.borrow_mut()));
    if dropped > 0 {
        worker::console_error!("edge-session: {dropped} session events dropped (buffer full)");
    }
    if events.is_empty() {
        return;
    }
    let Ok(queue) = js_sys::Reflect::get(env, &EVENTS_BINDING.into()) else {
        return;
    };
    let Some(send) = js_sys::Reflect::get(&queue, &"sendBatch".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    for chunk in events.chunks(BATCH) {
        let batch = js_sys::Array::new();
        for e in chunk {
            let Ok(text) = serde_json::to_string(e) else {
                continue;
            };
            let Ok(body) = js_sys::JSON::parse(&text) else {
                continue;
            };
            let msg = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&msg, &"body".into(), &body);
            batch.push(&msg);
        }
        let sent = match send.call1(&queue, &batch) {
            Ok(p) => match p.dyn_into::<js_sys::Promise>() {
                Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.map(|_| ()),
                Err(_) => Ok(()),
            },
            Err(e) => Err(e),
        };
        if sent.is_err() {
            worker::console_error!(
                "edge-session: sending {} session events failed",
                chunk.len()
            );
        }
    }
}
