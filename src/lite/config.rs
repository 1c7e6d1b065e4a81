//! Ring configurations and keyrings from [`Value`] trees: the shapes serde reads in
//! `ring::config`, `ring::snapshot` and `keyring`, with the same rules (unknown members refused,
//! `weight` defaulting to 1, `version` to 1, `null` meaning absent where serde reads an
//! `Option`), checked against serde over the golden vectors in the tests.

use super::json::{Members, Value};
use crate::keyring::KeyState;
use crate::ring::{RingConfig, RingSnapshot, RingStep, ShardSpec, SnapshotArcs, DEFAULT_VERSION};

/// A configuration of either form.
pub(super) enum Config {
    History(RingConfig),
    Snapshot(RingSnapshot),
}

const SHAPE: &str =
    "expected {\"epoch\": N, \"steps\": [...]} or {\"shards\": [...]} (and an optional \"version\"), or a snapshot";

fn u32_of(v: Value, what: &'static str) -> Result<u32, &'static str> {
    match v {
        Value::Count(n) => u32::try_from(n).map_err(|_| what),
        _ => Err(what),
    }
}

fn string_of(v: Value, what: &'static str) -> Result<String, &'static str> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(what),
    }
}

fn array_of(v: Value, what: &'static str) -> Result<Vec<Value>, &'static str> {
    match v {
        Value::Arr(a) => Ok(a),
        _ => Err(what),
    }
}

/// A member serde reads as an `Option`: absent and `null` are both `None`.
fn optional(m: &mut Members, key: &str) -> Option<Value> {
    m.take(key).filter(|v| *v != Value::Null)
}

fn shard(v: Value) -> Result<ShardSpec, &'static str> {
    const WHAT: &str = "a shard is {\"name\": string, \"weight\": 1..=1000000}";
    let mut m = Members::of(v, &["name", "weight"]).ok_or(WHAT)?;
    let name = string_of(m.take("name").ok_or(WHAT)?, WHAT)?;
    let weight = match m.take("weight") {
        None => 1,
        Some(w) => u32_of(w, WHAT)?,
    };
    Ok(ShardSpec { name, weight })
}

fn shards(v: Value) -> Result<Vec<ShardSpec>, &'static str> {
    array_of(v, "shards are [{name, weight?}]")?
        .into_iter()
        .map(shard)
        .collect()
}

fn step(v: Value) -> Result<RingStep, &'static str> {
    const WHAT: &str =
        "a step is {\"init\": [...]}, {\"add\": shard}, {\"remove\": name} or {\"set_weight\": shard}";
    let Value::Obj(mut m) = v else {
        return Err(WHAT);
    };
    let (key, value) = match (m.pop(), m.is_empty()) {
        (Some(kv), true) => kv,
        _ => return Err(WHAT),
    };
    match key.as_str() {
        "init" => shards(value).map(RingStep::Init),
        "add" => shard(value).map(RingStep::Add),
        "remove" => string_of(value, WHAT).map(RingStep::Remove),
        "set_weight" => shard(value).map(RingStep::SetWeight),
        _ => Err(WHAT),
    }
}

fn snapshot_arcs(v: Value) -> Result<SnapshotArcs, &'static str> {
    const WHAT: &str = "snapshot is {\"base\", \"arcs\", \"base_arcs\"?, \"digest\"}";
    let mut m = Members::of(v, &["base", "arcs", "base_arcs", "digest"]).ok_or(WHAT)?;
    Ok(SnapshotArcs {
        base: u32_of(m.take("base").ok_or(WHAT)?, WHAT)?,
        arcs: string_of(m.take("arcs").ok_or(WHAT)?, WHAT)?,
        base_arcs: optional(&mut m, "base_arcs")
            .map(|v| string_of(v, WHAT))
            .transpose()?,
        digest: string_of(m.take("digest").ok_or(WHAT)?, WHAT)?,
    })
}

/// A ring configuration: full form, `{"shards": [...]}` shorthand, or a snapshot.
pub(super) fn ring_config(v: Value) -> Result<Config, &'static str> {
    let mut m =
        Members::of(v, &["version", "epoch", "steps", "shards", "snapshot"]).ok_or(SHAPE)?;
    let version = match m.take("version") {
        None => DEFAULT_VERSION,
        Some(v) => u32_of(v, "version must be a whole number")?,
    };
    let epoch = optional(&mut m, "epoch")
        .map(|v| u32_of(v, "epoch must be a whole number"))
        .transpose()?;
    let steps = optional(&mut m, "steps")
        .map(|v| {
            array_of(v, "steps must be an array")?
                .into_iter()
                .map(step)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let list = optional(&mut m, "shards").map(shards).transpose()?;
    let snapshot = optional(&mut m, "snapshot")
        .map(snapshot_arcs)
        .transpose()?;
    match (epoch, steps, list, snapshot) {
        (Some(epoch), Some(steps), None, Some(snapshot)) => Ok(Config::Snapshot(RingSnapshot {
            version,
            epoch,
            steps,
            snapshot,
        })),
        (_, _, _, Some(_)) => Err(
            "a snapshot has \"epoch\", \"steps\" and \"snapshot\" (and an optional \"version\")",
        ),
        (Some(epoch), Some(steps), None, None) => Ok(Config::History(RingConfig {
            version,
            epoch,
            steps,
        })),
        (None, None, Some(shards), None) => Ok(Config::History(RingConfig {
            version,
            epoch: 1,
            steps: vec![RingStep::Init(shards)],
        })),
        _ => Err(SHAPE),
    }
}

/// Keyring entries `(kid, base64 secret, state)` from `[{kid, secret, state}]`.
pub(super) fn keyring_entries(v: Value) -> Option<Vec<(String, String, KeyState)>> {
    let Value::Arr(list) = v else {
        return None;
    };
    list.into_iter()
        .map(|e| {
            let mut m = Members::of(e, &["kid", "secret", "state"])?;
            let mut text = |k| match m.take(k) {
                Some(Value::Str(s)) => Some(s),
                _ => None,
            };
            let (kid, secret, state) = (text("kid")?, text("secret")?, text("state")?);
            let state = match state.as_str() {
                "primary" => KeyState::Primary,
                "verify" => KeyState::Verify,
                "retired" => KeyState::Retired,
                _ => return None,
            };
            Some((kid, secret, state))
        })
        .collect()
}
