//! The token hot path's string argument and answer (`Keyring.verify`/`tryVerify`; `Ring.locate`
//! has its own lookup functions, `crate::locator`),
//! through two small functions in `js/wasm/hot-paths.js`: [`with_bytes`] has a string argument
//! checked (type, length) and copied into one reused scratch buffer as UTF-8 in a single
//! crossing, and [`claims_of`] builds the claims object of a verified token from one line.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/wasm/hot-paths.js")]
extern "C" {
    #[wasm_bindgen(js_name = writeKey)]
    fn write_key(memory: &JsValue, value: &JsValue, max: u32, ptr: u32, cap: u32) -> i32;
    /// The claims object of the line `kid \t sessionId \t shard \t epoch \t issuedAt \t
    /// expiresAt \t payload`.
    #[wasm_bindgen(js_name = claimsOf)]
    pub fn claims_of(line: &str) -> JsValue;
}

thread_local! {
    static MEMORY: JsValue = wasm_bindgen::memory();
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 512]);
}

/// Runs `f` over the UTF-8 bytes of `value` if it is a string of at most `max` UTF-16 units
/// (lone surrogates become U+FFFD, as in every copy of a JS string into wasm); `None` otherwise.
/// `f` must not call into JavaScript.
pub fn with_bytes<R>(value: &JsValue, max: usize, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    let max = u32::try_from(max).unwrap_or(u32::MAX);
    MEMORY.with(|memory| {
        SCRATCH.with(|cell| {
            // Never re-entered (f is pure Rust); if it were, a fresh buffer serves.
            let mut fresh = Vec::new();
            let mut held = cell.try_borrow_mut();
            let buf: &mut Vec<u8> = match held.as_deref_mut() {
                Ok(b) => b,
                Err(_) => &mut fresh,
            };
            for _ in 0..2 {
                let cap = u32::try_from(buf.len()).unwrap_or(u32::MAX);
                let ptr = buf.as_mut_ptr() as usize as u32;
                let n = write_key(memory, value, max, ptr, cap);
                match n {
                    -1 => return None,
                    n if n < -1 => {
                        let need = usize::try_from(-(i64::from(n) + 2)).ok()?;
                        buf.resize(need, 0);
                    }
                    n => {
                        let n = usize::try_from(n).ok()?;
                        return buf.get(..n).map(f);
                    }
                }
            }
            None
        })
    })
}
