//! Micro-benchmarks of the JS <-> wasm boundary behind `Ring.locate`: each export does one
//! piece of a lookup's crossing, so `bench/boundary.mjs` can time the pieces in one process.
//! Built like the package (opt-level z, multi-value, reference types); not part of it.

use std::cell::RefCell;

use edge_session::ring::{Ring, ShardSpec};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/imports.js")]
extern "C" {
    /// Does nothing (the cost of one call from wasm into JS).
    #[wasm_bindgen(js_name = noopImport)]
    fn noop_import(value: &JsValue) -> i32;
    #[wasm_bindgen(js_name = makeLocator)]
    fn make_locator(
        exports: &JsValue,
        memory: &JsValue,
        slot: u32,
        names: &JsValue,
        max: u32,
        ptr: u32,
        cap: u32,
    ) -> JsValue;
    #[wasm_bindgen(js_name = makeLocatorEncode)]
    fn make_locator_encode(
        exports: &JsValue,
        memory: &JsValue,
        slot: u32,
        names: &JsValue,
        max: u32,
        ptr: u32,
        cap: u32,
    ) -> JsValue;
    #[wasm_bindgen(js_name = makeLocatorBuffer)]
    fn make_locator_buffer(
        exports: &JsValue,
        memory: &JsValue,
        slot: u32,
        names: &JsValue,
        max: u32,
        ptr: u32,
        cap: u32,
    ) -> JsValue;
}

#[wasm_bindgen(module = "/../../js/wasm/hot-paths.js")]
extern "C" {
    /// `writeKey` of the package (type and length checks, `encodeInto`).
    #[wasm_bindgen(js_name = writeKey)]
    fn write_key(memory: &JsValue, value: &JsValue, max: u32, ptr: u32, cap: u32) -> i32;
}

thread_local! {
    static CACHED: JsValue = JsValue::from_str("shard-0001");
    static MEMORY: JsValue = wasm_bindgen::memory();
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 512]);
    static LOCATE_SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; 4096]);
    static RINGS: RefCell<Vec<Ring>> = const { RefCell::new(Vec::new()) };
}

/// The owner's index of the key in the locate scratch buffer (`len` bytes) on ring `slot`;
/// u32::MAX if there is no such ring or the length is out of range.
#[wasm_bindgen(js_name = benchIndex)]
pub fn bench_index(slot: u32, len: u32) -> u32 {
    LOCATE_SCRATCH.with(|b| {
        let Ok(b) = b.try_borrow() else {
            return u32::MAX;
        };
        let Some(key) = b.get(..len as usize) else {
            return u32::MAX;
        };
        RINGS.with(|r| {
            let Ok(r) = r.try_borrow() else {
                return u32::MAX;
            };
            r.get(slot as usize)
                .map_or(u32::MAX, |ring| ring.locate_index(key) as u32)
        })
    })
}

/// An export doing nothing.
#[wasm_bindgen]
pub fn noop() {}

/// An export taking a u32 and returning it.
#[wasm_bindgen(js_name = noopU32)]
pub fn noop_u32(x: u32) -> u32 {
    x
}

/// An export taking a borrowed externref.
#[wasm_bindgen(js_name = argRef)]
pub fn arg_ref(x: &JsValue) -> u32 {
    let _ = x;
    1
}

/// An export taking an owned externref (a table slot in and out).
#[wasm_bindgen(js_name = argOwned)]
pub fn arg_owned(x: JsValue) -> u32 {
    drop(x);
    1
}

/// An export returning a cached externref (a clone), no Result.
#[wasm_bindgen(js_name = retCached)]
pub fn ret_cached() -> JsValue {
    CACHED.with(JsValue::clone)
}

/// The same inside a Result (the glue takes it out of the externref table).
#[wasm_bindgen(js_name = retCachedResult)]
pub fn ret_cached_result() -> Result<JsValue, JsValue> {
    Ok(CACHED.with(JsValue::clone))
}

/// A u32 inside a Result.
#[wasm_bindgen(js_name = retU32Result)]
pub fn ret_u32_result() -> Result<u32, JsValue> {
    Ok(7)
}

/// One call from wasm into a JS function that does nothing.
#[wasm_bindgen(js_name = callNoop)]
pub fn call_noop(x: &JsValue) -> i32 {
    noop_import(x)
}

fn with_bytes<R>(value: &JsValue, f: impl FnOnce(&[u8]) -> R) -> Option<R> {
    MEMORY.with(|memory| {
        SCRATCH.with(|cell| {
            let mut buf = cell.borrow_mut();
            let cap = buf.len() as u32;
            let ptr = buf.as_mut_ptr() as usize as u32;
            let n = write_key(memory, value, 65536, ptr, cap);
            if n < 0 {
                return None;
            }
            buf.get(..n as usize).map(f)
        })
    })
}

/// The key's copy through `writeKey` (one call into JS), no hash.
#[wasm_bindgen(js_name = copyKey)]
pub fn copy_key(x: &JsValue) -> i32 {
    with_bytes(x, |b| b.len() as i32).unwrap_or(-1)
}

/// A ring, with the method shapes being compared.
#[wasm_bindgen]
pub struct Bench {
    ring: Ring,
    names: Vec<JsValue>,
    locators: [JsValue; 3],
}

#[wasm_bindgen]
impl Bench {
    /// A ring of `n` shards `shard-0000`...
    #[wasm_bindgen(constructor)]
    pub fn new(n: u32) -> Bench {
        let specs: Vec<ShardSpec> = (0..n)
            .map(|i| ShardSpec {
                name: format!("shard-{i:04}"),
                weight: 1,
            })
            .collect();
        let ring = Ring::new(&specs).expect("ring");
        let names: Vec<JsValue> = ring
            .shards()
            .iter()
            .map(|s| JsValue::from_str(&s.name))
            .collect();
        let slot = RINGS.with(|r| {
            let mut r = r.borrow_mut();
            r.push(ring.clone());
            r.len() as u32 - 1
        });
        let arr = js_sys_array(&names);
        let (ptr, cap) = LOCATE_SCRATCH.with(|b| {
            let mut b = b.borrow_mut();
            (b.as_mut_ptr() as usize as u32, b.len() as u32)
        });
        let exports = wasm_bindgen::exports();
        let memory = wasm_bindgen::memory();
        let locators = [
            make_locator(&exports, &memory, slot, &arr, 65536, ptr, cap),
            make_locator_encode(&exports, &memory, slot, &arr, 65536, ptr, cap),
            make_locator_buffer(&exports, &memory, slot, &arr, 65536, ptr, cap),
        ];
        Bench {
            ring,
            names,
            locators,
        }
    }

    /// The lookup function (charCodeAt copy, encodeInto for the rest).
    #[wasm_bindgen(getter)]
    pub fn locator(&self) -> JsValue {
        self.locators[0].clone()
    }

    /// The lookup function (encodeInto copy).
    #[wasm_bindgen(getter, js_name = locatorEncode)]
    pub fn locator_encode(&self) -> JsValue {
        self.locators[1].clone()
    }

    /// The lookup function (Buffer#utf8Write copy).
    #[wasm_bindgen(getter, js_name = locatorBuffer)]
    pub fn locator_buffer(&self) -> JsValue {
        self.locators[2].clone()
    }

    /// A method doing nothing (the `&self` borrow).
    pub fn noop(&self) {}

    /// The package's shape: key copied by `writeKey`, Result of the cached name.
    pub fn locate(&self, key: JsValue) -> Result<JsValue, JsValue> {
        let i = with_bytes(&key, |k| self.ring.locate_index(k))
            .ok_or_else(|| JsValue::from_str("bad"))?;
        Ok(self.names.get(i).cloned().unwrap_or(JsValue::UNDEFINED))
    }

    /// The same without the Result (cannot throw).
    #[wasm_bindgen(js_name = locateNoResult)]
    pub fn locate_no_result(&self, key: JsValue) -> JsValue {
        let i = with_bytes(&key, |k| self.ring.locate_index(k)).unwrap_or(0);
        self.names.get(i).cloned().unwrap_or(JsValue::UNDEFINED)
    }

    /// The index only, in a Result.
    #[wasm_bindgen(js_name = locateIndexResult)]
    pub fn locate_index_result(&self, key: JsValue) -> Result<u32, JsValue> {
        let i = with_bytes(&key, |k| self.ring.locate_index(k))
            .ok_or_else(|| JsValue::from_str("bad"))?;
        Ok(i as u32)
    }

    /// The index only (u32::MAX for a bad key).
    #[wasm_bindgen(js_name = locateIndex)]
    pub fn locate_index(&self, key: &JsValue) -> u32 {
        with_bytes(key, |k| self.ring.locate_index(k) as u32).unwrap_or(u32::MAX)
    }

    /// The index of a key already in wasm memory at `ptr` (`len` bytes).
    #[wasm_bindgen(js_name = locateBytes)]
    pub fn locate_bytes(&self, ptr: u32, len: u32) -> u32 {
        SCRATCH.with(|cell| {
            let buf = cell.borrow();
            let _ = ptr;
            buf.get(..len as usize)
                .map_or(u32::MAX, |k| self.ring.locate_index(k) as u32)
        })
    }

    /// The key as `&str` (the glue copies it through malloc).
    #[wasm_bindgen(js_name = locateStr)]
    pub fn locate_str(&self, key: &str) -> JsValue {
        let i = self.ring.locate_index(key.as_bytes());
        self.names.get(i).cloned().unwrap_or(JsValue::UNDEFINED)
    }
}

fn js_sys_array(v: &[JsValue]) -> JsValue {
    make_array(v.to_vec())
}

#[wasm_bindgen(module = "/js/imports.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeArray)]
    fn make_array(v: Vec<JsValue>) -> JsValue;
}

/// The scratch buffer's address (for `locateBytes`).
#[wasm_bindgen(js_name = scratchPtr)]
pub fn scratch_ptr() -> u32 {
    SCRATCH.with(|cell| cell.borrow_mut().as_mut_ptr() as usize as u32)
}
