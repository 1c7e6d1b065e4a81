//! `Ring`: the consistent-hash ring from JavaScript.

use std::rc::Rc;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::convert::{is_array, json_arg, parse, string_arg, to_js, u64_arg, MAX_KEY_LEN};
use super::error::{coded, invalid_input};
use crate::locator::{self, Errors, Locator, MAX_KEY_UNITS};
use crate::ring::{Ring, RingError, ShardSpec, MAX_CONFIG_BYTES, MAX_SHARDS};

// The lookup functions take the keys every other key argument takes.
const _: () = assert!(MAX_KEY_UNITS == MAX_KEY_LEN);

/// What `Ring.locate` throws.
static LOCATE_ERRORS: Errors = Errors {
    bad_key: || invalid_input(KEY_RULE),
    freed: || {
        coded(
            "object_freed",
            "the object was freed: free() was called on it",
        )
    },
    busy: || {
        coded(
            "object_busy",
            "the ring is in the middle of a change (locate was called from inside it)",
        )
    },
};

const SPACE: f64 = 18_446_744_073_709_551_616.0;
const KEY_RULE: &str = "key must be a string of at most 65536 characters";

fn ring_err(e: RingError) -> JsValue {
    coded(e.code(), &e)
}

/// A shard spec from `{name, weight?}` (weight defaults to 1).
fn spec(v: &JsValue) -> Result<ShardSpec, JsValue> {
    let text = json_arg(v, "shard", "ring_bad_config", 1024)?;
    serde_json::from_str(&text).map_err(|_| coded("ring_bad_config", "a shard is {name, weight?}"))
}

/// Parses a ring from a JS value: a `Ring` (through its `toJSON`), JSON text, a configuration
/// object `{epoch, steps}` / `{shards}`, or an array of shard specs.
pub(crate) fn ring_from_value(v: &JsValue) -> Result<Ring, JsValue> {
    if is_array(v) {
        let text = json_arg(v, "ring", "ring_config_too_large", MAX_CONFIG_BYTES)?;
        let shards: Vec<ShardSpec> = serde_json::from_str(&text)
            .map_err(|_| coded("ring_bad_config", "shards are [{name, weight?}]"))?;
        return Ring::new(&shards).map_err(ring_err);
    }
    let text = json_arg(v, "ring", "ring_config_too_large", MAX_CONFIG_BYTES)?;
    Ring::from_json(&text).map_err(ring_err)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsShare {
    name: String,
    weight: u32,
    fraction: f64,
    owned: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsArc {
    shard: String,
    start: String,
    len: String,
    start_fraction: f64,
    len_fraction: f64,
}

/// A weighted consistent-hash ring with its history (epoch = number of steps).
#[wasm_bindgen(js_name = Ring)]
pub struct JsRing {
    inner: Rc<Ring>,
    /// The lookup function behind `locate` (`crate::locator`).
    locator: Locator,
}

impl JsRing {
    /// The JS object of a new `Ring` holding `inner`, its lookup function an own property.
    fn object(inner: Ring) -> JsValue {
        let inner = Rc::new(inner);
        let locator = Locator::new(inner.clone(), &LOCATE_ERRORS);
        let function = locator.function();
        locator::install(JsValue::from(JsRing { inner, locator }), &function)
    }

    /// The core ring.
    pub fn ring(&self) -> &Ring {
        &self.inner
    }

    /// Applies a change to the core ring (and to the names of its lookup function).
    fn change(
        &mut self,
        f: impl FnOnce(&mut Ring) -> Result<(), RingError>,
    ) -> Result<(), JsValue> {
        self.locator.change(&mut self.inner, f).map_err(ring_err)
    }
}

#[wasm_bindgen(js_class = Ring)]
impl JsRing {
    /// `new Ring([{name, weight}], version?)`: epoch 1; `version` 1 (default) or 2 (bounded
    /// arcs, see the ring docs).
    // It answers the ring's JS object, made here with its lookup function as an own property
    // (so the JS constructor returns that object, and the Rust function is not called `new`).
    #[wasm_bindgen(constructor)]
    pub fn construct(shards: JsValue, version: JsValue) -> Result<JsValue, JsValue> {
        if !is_array(&shards) {
            return Err(coded(
                "ring_bad_config",
                "new Ring() takes [{name, weight?}]",
            ));
        }
        if version.is_undefined() || version.is_null() {
            return Ok(JsRing::object(ring_from_value(&shards)?));
        }
        let v = u64_arg(&version, "version")?;
        let v = u32::try_from(v).map_err(|_| ring_err(RingError::UnknownVersion(u32::MAX)))?;
        let text = json_arg(&shards, "ring", "ring_config_too_large", MAX_CONFIG_BYTES)?;
        let specs: Vec<ShardSpec> = serde_json::from_str(&text)
            .map_err(|_| coded("ring_bad_config", "shards are [{name, weight?}]"))?;
        Ok(JsRing::object(
            Ring::with_version(&specs, v).map_err(ring_err)?,
        ))
    }

    /// `Ring.fromJSON(json)`: JSON text or an object `{epoch, steps}` (or `{shards}`).
    #[wasm_bindgen(js_name = fromJSON, unchecked_return_type = "Ring")]
    pub fn from_json(json: JsValue) -> Result<JsValue, JsValue> {
        Ok(JsRing::object(ring_from_value(&json)?))
    }

    /// The configuration `{epoch, steps}` that rebuilds this ring (so `JSON.stringify(ring)` works).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        parse(&self.inner.to_json())
    }

    /// Adds a shard `{name, weight?}` (epoch + 1).
    pub fn add(&mut self, shard: JsValue) -> Result<(), JsValue> {
        let s = spec(&shard)?;
        self.change(|r| r.add(s))
    }

    /// Removes a shard by name (epoch + 1).
    pub fn remove(&mut self, name: JsValue) -> Result<(), JsValue> {
        let name = string_arg(&name, "name", 64)?;
        self.change(|r| r.remove(&name))
    }

    /// Changes a shard's weight (epoch + 1).
    #[wasm_bindgen(js_name = setWeight)]
    pub fn set_weight(&mut self, name: JsValue, weight: JsValue) -> Result<(), JsValue> {
        let name = string_arg(&name, "name", 64)?;
        let w = u64_arg(&weight, "weight")?;
        let w = u32::try_from(w).map_err(|_| ring_err(RingError::BadWeight(u32::MAX)))?;
        self.change(|r| r.set_weight(&name, w))
    }

    /// Number of steps applied (`init` is epoch 1).
    #[wasm_bindgen(getter)]
    pub fn epoch(&self) -> u32 {
        self.inner.epoch()
    }

    /// Placement rule: 1 or 2.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> u32 {
        self.inner.version()
    }

    /// The snapshot form of this ring's configuration, as JSON text (`Ring.fromJSON` loads it
    /// without replaying the history).
    #[wasm_bindgen(js_name = snapshotJSON)]
    pub fn snapshot_json(&self) -> Result<String, JsValue> {
        self.inner.snapshot_json().map_err(ring_err)
    }

    /// Current shards `[{name, weight}]`, in name order.
    #[wasm_bindgen(getter)]
    pub fn shards(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.shards())
    }

    /// `ring.locate(key)`: the shard owning `key` (hashed as UTF-8), a string of at most
    /// [`MAX_KEY_LEN`] UTF-16 units, else `invalid_input`.
    ///
    /// A read-only property holding this ring's lookup function (bound to the ring: it follows
    /// its changes, and throws `object_freed` once the ring is freed). The hot path of the ring:
    /// one crossing into wasm with two numbers per lookup, see `crate::locator`. Every `Ring`
    /// object also holds the function as an own property, set when the object is made, so that
    /// reading `ring.locate` does not cross into wasm: this getter answers the same function.
    #[wasm_bindgen(getter, unchecked_return_type = "(key: string) => string")]
    pub fn locate(&self) -> JsValue {
        self.locator.function()
    }

    /// The key's point in the hash space, `xxh3_64(key)`, as a decimal string.
    pub fn position(&self, key: JsValue) -> Result<String, JsValue> {
        let key = string_arg(&key, "key", MAX_KEY_LEN)?;
        Ok(Ring::position(key.as_bytes()).to_string())
    }

    /// Up to `n` distinct shards for `key`: the owner first, then the replicas.
    #[wasm_bindgen(js_name = preferenceList)]
    pub fn preference_list(&self, key: JsValue, n: JsValue) -> Result<Vec<String>, JsValue> {
        let key = string_arg(&key, "key", MAX_KEY_LEN)?;
        let n = u64_arg(&n, "n")?;
        let n = usize::try_from(n.min(MAX_SHARDS as u64)).unwrap_or(MAX_SHARDS);
        Ok(self
            .inner
            .preference_list(key.as_bytes(), n)
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    /// Exact shares `[{name, weight, fraction, owned}]` (`owned`: decimal string over 2^64).
    pub fn shares(&self) -> Result<JsValue, JsValue> {
        let list: Vec<JsShare> = self
            .inner
            .shares()
            .into_iter()
            .map(|s| JsShare {
                name: s.name,
                weight: s.weight,
                fraction: s.fraction,
                owned: s.owned.to_string(),
            })
            .collect();
        to_js(&list)
    }

    /// The layout `[{shard, start, len, startFraction, lenFraction}]` in ascending position
    /// (`start`, `len`: decimal strings).
    pub fn arcs(&self) -> Result<JsValue, JsValue> {
        let list: Vec<JsArc> = self
            .inner
            .arcs()
            .into_iter()
            .map(|a| JsArc {
                start_fraction: a.start as f64 / SPACE,
                len_fraction: a.len as f64 / SPACE,
                shard: a.shard,
                start: a.start.to_string(),
                len: a.len.to_string(),
            })
            .collect();
        to_js(&list)
    }

    /// An independent copy.
    #[wasm_bindgen(js_name = clone, unchecked_return_type = "Ring")]
    pub fn duplicate(&self) -> JsValue {
        JsRing::object(Ring::clone(&self.inner))
    }

    /// The ring as it was at `epoch`.
    #[wasm_bindgen(js_name = atEpoch, unchecked_return_type = "Ring")]
    pub fn at_epoch(&self, epoch: JsValue) -> Result<JsValue, JsValue> {
        let e = u64_arg(&epoch, "epoch")?;
        let e = u32::try_from(e).map_err(|_| invalid_input("epoch is out of range"))?;
        Ok(JsRing::object(self.inner.at_epoch(e).map_err(ring_err)?))
    }

    /// Fraction of the hash space whose owner differs between `a` and `b` (0..=1).
    #[wasm_bindgen(js_name = movedFraction)]
    pub fn moved_fraction(a: &JsRing, b: &JsRing) -> f64 {
        Ring::moved_fraction(&a.inner, &b.inner) as f64 / SPACE
    }
}
