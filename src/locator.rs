//! `Ring.locate` from JavaScript, for both wasm builds (the full package and
//! `edge-session/lite`): a lookup function per ring, made by `js/wasm/locate.js`, that crosses
//! into wasm once per lookup with two numbers and answers from a JS array of the shard names.
//!
//! A wasm-bindgen method that can throw must return a `Result`, and its glue then takes the
//! answer out of the externref table (`WebAssembly.Table.prototype.get` plus a call to free
//! the slot) and reads a multi-value array: together with the key's copy through an import
//! call, that was most of a lookup's time. So `Ring.locate` is a read-only property (a
//! wasm-bindgen getter, declared in Rust) holding this ring's lookup function. The function
//! checks the key (a string of at most `max` UTF-16 units: the limit comes from the core),
//! writes its UTF-8 into a scratch buffer in wasm memory, and calls [`locate_raw`] with the
//! ring's slot and the byte length; the index it answers picks the cached name. Every error is
//! built here, in the core ([`Errors`]), and only thrown by the JS.
//!
//! Every ring's JS object gets the function as an own read-only property `locate` when it is
//! made ([`install`]), so `ring.locate(key)` reads a property and makes one crossing,
//! not two: the `locate` getter declared in Rust (which answers the same function) is the
//! declaration of the API, and a fallback, rather than the path a lookup takes.
//!
//! The function is bound to its ring: it keeps working while the ring lives, follows its
//! changes (`add`, `remove`, `setWeight` refresh the names), and throws `object_freed` once
//! the ring was freed (`free()`, or collected), `object_busy` when called while the ring is in
//! the middle of a change (from a user's `toJSON` during `add`).

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::ring::Ring;

#[wasm_bindgen(module = "/js/wasm/locate.js")]
extern "C" {
    #[wasm_bindgen(js_name = locatorInit)]
    fn locator_init(exports: &JsValue, memory: &JsValue, ptr: u32, cap: u32);
    #[wasm_bindgen(js_name = locatorState)]
    fn locator_state(slot: u32, names: &js_sys::Array, max: u32) -> JsValue;
    #[wasm_bindgen(js_name = locatorFunction)]
    fn locator_function(state: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = locatorNames)]
    fn locator_names(state: &JsValue, names: &js_sys::Array);
    #[wasm_bindgen(js_name = locatorDead)]
    fn locator_dead(state: &JsValue);
    #[wasm_bindgen(js_name = locatorInstall)]
    fn locator_install(object: &JsValue, function: &JsValue);
}

/// What a failed lookup throws, by the code `js/wasm/locate.js` passes to [`locate_error`].
pub(crate) struct Errors {
    /// Code 0: the key is not a string of at most the core's length.
    pub bad_key: fn() -> JsValue,
    /// Code 1: the ring was freed.
    pub freed: fn() -> JsValue,
    /// Code 2: the ring is in the middle of a change.
    pub busy: fn() -> JsValue,
}

/// Room for keys of up to 1365 UTF-16 units before the buffer grows (3 bytes per unit).
const INITIAL_SCRATCH: usize = 4096;

thread_local! {
    /// The rings with a lookup function, by slot; `None` while the ring changes, or free.
    static SLOTS: RefCell<Vec<Option<Rc<Ring>>>> = const { RefCell::new(Vec::new()) };
    /// Slots given back by dropped rings.
    static FREE: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    /// Where the lookup functions write keys (written only by JS, read only by [`locate_raw`]).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static ERRORS: RefCell<Option<&'static Errors>> = const { RefCell::new(None) };
}

/// The owner's index of the `len`-byte key in the scratch buffer on the ring in `slot`, or -1
/// when that ring is not there (freed, or mid-change) or `len` is out of range.
#[wasm_bindgen(js_name = __edgeSessionLocate, skip_typescript)]
pub fn locate_raw(slot: u32, len: u32) -> i32 {
    SCRATCH.with(|b| {
        let Ok(b) = b.try_borrow() else { return -1 };
        let Some(key) = b.get(..len as usize) else {
            return -1;
        };
        SLOTS.with(|s| {
            let Ok(s) = s.try_borrow() else { return -1 };
            match s.get(slot as usize) {
                Some(Some(ring)) => i32::try_from(ring.locate_index(key)).unwrap_or(-1),
                _ => -1,
            }
        })
    })
}

/// Grows the scratch buffer to at least `need` bytes and returns its address (the JS writes no
/// more than `need` bytes there), or 0 when `need` is over [`MAX_SCRATCH`].
#[wasm_bindgen(js_name = __edgeSessionLocateScratch, skip_typescript)]
pub fn locate_scratch(need: u32) -> u32 {
    let need = need as usize;
    SCRATCH.with(|b| match b.try_borrow_mut() {
        Ok(mut b) if need <= MAX_SCRATCH => {
            if b.len() < need {
                b.resize(need, 0);
            }
            b.as_mut_ptr() as usize as u32
        }
        _ => 0,
    })
}

/// The error a lookup throws, by code (0 bad key, 1 freed, else busy).
#[wasm_bindgen(js_name = __edgeSessionLocateError, skip_typescript)]
pub fn locate_error(code: u32) -> JsValue {
    ERRORS.with(|e| match *e.borrow() {
        Some(errors) => match code {
            0 => (errors.bad_key)(),
            1 => (errors.freed)(),
            _ => (errors.busy)(),
        },
        None => JsValue::UNDEFINED,
    })
}

/// The longest key a lookup function accepts, in UTF-16 units (both builds' limit).
pub(crate) const MAX_KEY_UNITS: usize = 64 * 1024;

/// The scratch buffer's largest size: 3 bytes of UTF-8 per UTF-16 unit.
const MAX_SCRATCH: usize = 3 * MAX_KEY_UNITS;

/// One ring's lookup function and its place in the slot table; dropping it (with its ring)
/// frees the slot and makes the function throw `object_freed`.
pub(crate) struct Locator {
    slot: u32,
    state: JsValue,
    function: JsValue,
}

/// The shard names as a JS array (index = the core's shard index).
fn names_of(ring: &Ring) -> js_sys::Array {
    ring.shards()
        .iter()
        .map(|s| JsValue::from_str(&s.name))
        .collect()
}

impl Locator {
    /// Registers `ring` and makes its lookup function, which takes strings of at most
    /// [`MAX_KEY_UNITS`] UTF-16 units and throws `errors`.
    pub(crate) fn new(ring: Rc<Ring>, errors: &'static Errors) -> Locator {
        let first = ERRORS.with(|e| e.borrow_mut().replace(errors).is_none());
        if first {
            let (ptr, cap) = SCRATCH.with(|b| {
                let mut b = b.borrow_mut();
                b.resize(INITIAL_SCRATCH, 0);
                (b.as_mut_ptr() as usize as u32, b.len() as u32)
            });
            locator_init(&wasm_bindgen::exports(), &wasm_bindgen::memory(), ptr, cap);
        }
        let names = names_of(&ring);
        let slot = match FREE.with(|f| f.borrow_mut().pop()) {
            Some(slot) => {
                SLOTS.with(|s| {
                    if let Some(entry) = s.borrow_mut().get_mut(slot as usize) {
                        *entry = Some(ring);
                    }
                });
                slot
            }
            None => SLOTS.with(|s| {
                let mut s = s.borrow_mut();
                s.push(Some(ring));
                u32::try_from(s.len() - 1).unwrap_or(u32::MAX)
            }),
        };
        let state = locator_state(slot, &names, MAX_KEY_UNITS as u32);
        let function = locator_function(&state);
        Locator {
            slot,
            state,
            function,
        }
    }

    /// The lookup function.
    pub(crate) fn function(&self) -> JsValue {
        self.function.clone()
    }

    /// Runs a change of the ring: while it runs, the slot is empty (so the ring is not shared
    /// and the function answers `object_busy`); afterwards it holds the changed ring and the
    /// function its names. (The lite ring does not change.)
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn change<R>(&self, ring: &mut Rc<Ring>, f: impl FnOnce(&mut Ring) -> R) -> R {
        self.set(None);
        let out = f(Rc::make_mut(ring));
        self.set(Some(ring.clone()));
        locator_names(&self.state, &names_of(ring));
        out
    }

    fn set(&self, ring: Option<Rc<Ring>>) {
        SLOTS.with(|s| {
            if let Some(entry) = s.borrow_mut().get_mut(self.slot as usize) {
                *entry = ring;
            }
        });
    }
}

/// Makes `function` (a [`Locator::function`]) an own read-only property `locate` of `object`,
/// its ring's JS object, and returns the object: `ring.locate` then reads a property instead of
/// calling the `locate` getter (a crossing into wasm and back with the function as an externref,
/// on every `ring.locate(key)`). The getter stays, declared in Rust, and answers the same function.
pub(crate) fn install(object: JsValue, function: &JsValue) -> JsValue {
    locator_install(&object, function);
    object
}

impl Drop for Locator {
    fn drop(&mut self) {
        self.set(None);
        FREE.with(|f| f.borrow_mut().push(self.slot));
        locator_dead(&self.state);
    }
}
