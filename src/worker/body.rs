//! Request bodies: read at most a limit, and drain what is left.
//!
//! A worker that answers before reading the whole request body leaves the runtime's HTTP
//! server with unread bytes on the connection: workerd discards only a little of them before
//! it gives up and closes the connection, so a client sending a large chunked body sees a reset
//! (or, behind `wrangler dev`'s proxy, a 500 "Network connection lost") instead of the 413 the
//! worker decided on. So every body is read to its end: the first `limit` bytes are kept, the
//! rest is counted and dropped without copying it into wasm memory, up to [`MAX_DRAIN`] bytes.
//! Past that the stream is cancelled (the answer is still sent; the connection may close).

use super::req::Request;
use worker::js_sys::{Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{ReadableStream, ReadableStreamDefaultReader};

/// Largest accepted API request body, in bytes.
pub const MAX_BODY: usize = 16 * 1024;
/// Most bytes of a refused or unread body that are read and dropped to keep the connection
/// usable; a longer body is cancelled.
pub const MAX_DRAIN: u64 = 32 * 1024 * 1024;

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// Over the limit (by `Content-Length` or by the bytes that came).
    TooLarge,
    /// The stream failed, or `Content-Length` is not a number.
    Unreadable,
}

/// The declared `Content-Length`: `Ok(None)` if absent, `Err` if not a decimal number.
fn content_length(req: &Request) -> Result<Option<u64>, BodyError> {
    match req.headers().get("Content-Length") {
        Ok(None) => Ok(None),
        Ok(Some(v)) if v.len() <= 20 => v
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| BodyError::Unreadable),
        _ => Err(BodyError::Unreadable),
    }
}

/// The body stream, unless there is none or it was already taken.
fn stream(req: &Request) -> Option<ReadableStream> {
    if req.body_taken() {
        return None;
    }
    let inner = req.inner();
    if inner.body_used() {
        return None;
    }
    inner.body()
}

/// One chunk from `reader`: `Ok(None)` at the end.
async fn next_chunk(reader: &ReadableStreamDefaultReader) -> Result<Option<Uint8Array>, JsValue> {
    let step = JsFuture::from(reader.read()).await?;
    if Reflect::get(&step, &JsValue::from_str("done"))?.is_truthy() {
        return Ok(None);
    }
    let value = Reflect::get(&step, &JsValue::from_str("value"))?;
    value
        .dyn_into::<Uint8Array>()
        .map(Some)
        .map_err(|_| JsValue::from_str("body chunk is not bytes"))
}

/// Cancels the rest of the stream; a failure to cancel changes nothing for the answer.
async fn cancel(reader: &ReadableStreamDefaultReader) {
    let _ = JsFuture::from(reader.cancel()).await;
}

/// A body whose `Content-Length` is within the limit, in one `arrayBuffer()` call: the runtime
/// frames it to that length and reads it to its end natively. Reading the same bytes chunk by
/// chunk through a stream reader from wasm cost a sign-in about 0.15 ms more of the isolate's
/// time under local workerd (`node bench/profile-worker.mjs --mix signin`, before and after).
async fn read_whole(req: &Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let promise = req
        .inner()
        .array_buffer()
        .map_err(|_| BodyError::Unreadable)?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|_| BodyError::Unreadable)?;
    let bytes = Uint8Array::new(&buffer);
    let len = bytes.length() as usize;
    if len > limit {
        return Err(BodyError::TooLarge);
    }
    let mut out = vec![0; len];
    bytes.copy_to(&mut out);
    Ok(out)
}

/// Reads the body, keeping at most `limit` bytes. Whatever the outcome, the stream is consumed
/// to its end (up to [`MAX_DRAIN`] bytes, then cancelled). No body reads as empty.
pub async fn read(req: &Request, limit: usize) -> Result<Vec<u8>, BodyError> {
    let declared = content_length(req);
    let stream = stream(req);
    // Read here to its end (or cancelled): nothing is left for `drain`.
    req.take_body();
    let Some(stream) = stream else {
        return match declared {
            Ok(Some(n)) if n > limit as u64 => Err(BodyError::TooLarge),
            Err(e) => Err(e),
            _ => Ok(Vec::new()),
        };
    };
    if let Ok(Some(n)) = declared {
        if n <= limit as u64 {
            return read_whole(req, limit).await;
        }
    }
    let Ok(reader) = ReadableStreamDefaultReader::new(&stream) else {
        return Err(BodyError::Unreadable);
    };
    let mut outcome = match declared {
        Ok(Some(n)) if n > MAX_DRAIN => {
            cancel(&reader).await;
            return Err(BodyError::TooLarge);
        }
        Ok(Some(n)) if n > limit as u64 => Err(BodyError::TooLarge),
        Err(e) => Err(e),
        _ => Ok(Vec::new()),
    };
    let mut seen: u64 = 0;
    loop {
        let chunk = match next_chunk(&reader).await {
            Ok(Some(c)) => c,
            Ok(None) => return outcome,
            Err(_) => {
                cancel(&reader).await;
                return Err(BodyError::Unreadable);
            }
        };
        let n = u64::from(chunk.length());
        seen = seen.saturating_add(n);
        if seen > MAX_DRAIN {
            cancel(&reader).await;
            return Err(BodyError::TooLarge);
        }
        outcome = match outcome {
            Ok(mut kept) if seen <= limit as u64 => {
                let start = kept.len();
                kept.resize(start + chunk.length() as usize, 0);
                chunk.copy_to(&mut kept[start..]);
                Ok(kept)
            }
            Ok(_) => Err(BodyError::TooLarge),
            other => other,
        };
    }
}

/// Drains a body nobody read (an answer decided before the body mattered), so the connection
/// stays usable. Does nothing if there is no body or it was read.
pub async fn drain(req: &Request) {
    if stream(req).is_some() {
        let _ = read(req, 0).await;
    }
}
