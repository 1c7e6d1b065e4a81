//! Serialisable types: shard specs, history steps, the versioned configuration, and the
//! reporting types [`Share`] and [`Arc`].
//!
//! JSON numbers are IEEE doubles in JavaScript, so every `u64`/`u128` quantity of hash space is
//! written as a decimal *string* (`"18446744073709551616"`); epochs and weights stay numbers.

use serde::{Deserialize, Serialize};

use super::RingError;

/// One shard: a name and a relative weight.
///
/// JSON: `{"name": "shard-a", "weight": 2}`; `weight` defaults to 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardSpec {
    /// 1..=32 bytes of `[A-Za-z0-9._-]`; unique within a ring.
    pub name: String,
    /// Relative weight, `1..=1_000_000`.
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

fn default_version() -> u32 {
    super::DEFAULT_VERSION
}

fn is_default_version(v: &u32) -> bool {
    *v == super::DEFAULT_VERSION
}

impl ShardSpec {
    /// A shard with the given name and weight (checked when it enters a ring).
    pub fn new(name: impl Into<String>, weight: u32) -> ShardSpec {
        ShardSpec {
            name: name.into(),
            weight,
        }
    }
}

/// One step of a ring's history. A ring is the replay of its steps.
///
/// JSON (externally tagged, snake_case): `{"init": [shard, ...]}`, `{"add": shard}`,
/// `{"remove": "name"}`, `{"set_weight": {"name": "...", "weight": 3}}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RingStep {
    /// The first step (and only the first): lay these shards out, epoch 1.
    Init(Vec<ShardSpec>),
    /// Add a shard; it takes exactly its share, from the others only.
    Add(ShardSpec),
    /// Remove the named shard; its share goes to the others only.
    Remove(String),
    /// Change a shard's weight; space moves only between it and the rest.
    SetWeight(ShardSpec),
}

/// A versioned ring configuration: the placement rule and the full history of steps.
///
/// JSON: `{"epoch": 3, "steps": [{"init": [...]}, {"add": {...}}, {"remove": "b"}]}`, with
/// `"version": 2` for the bounded-fragmentation rule (absent means version 1, and version 1 is
/// written without it, so every older configuration reads and writes exactly as before).
/// `epoch` must equal the number of steps (checked by [`Ring::from_config`](super::Ring::from_config)).
/// When parsing, the shorthand `{"shards": [...]}` is also accepted and means
/// `{"epoch": 1, "steps": [{"init": [...]}]}`. Serialisation always writes the full form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawRingConfig")]
pub struct RingConfig {
    /// Placement rule, 1 or 2 (see the ring module docs).
    #[serde(
        default = "default_version",
        skip_serializing_if = "is_default_version"
    )]
    pub version: u32,
    /// Number of steps applied; the `init` step is epoch 1.
    pub epoch: u32,
    /// The history, `init` first.
    pub steps: Vec<RingStep>,
}

impl RingConfig {
    /// Parse a configuration from JSON (at most [`MAX_CONFIG_BYTES`](super::MAX_CONFIG_BYTES)),
    /// accepting the full form and the `{"shards": [...]}` shorthand. Only the shape is checked
    /// here; [`Ring::from_config`](super::Ring::from_config) checks the content.
    pub fn from_json(json: &str) -> Result<RingConfig, RingError> {
        if json.len() > super::MAX_CONFIG_BYTES {
            return Err(RingError::ConfigTooLarge);
        }
        serde_json::from_str(json).map_err(|e| RingError::BadConfig(e.to_string()))
    }

    /// The full JSON form, `{"epoch": N, "steps": [...]}`: exactly serde_json's compact text of
    /// this type (the snapshot digest hashes it), written by hand so that builds without
    /// serde_json (the lite wasm) can compute it.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(32 + self.steps.len() * 40);
        if self.version != super::DEFAULT_VERSION {
            out.push_str("{\"version\":");
            push_decimal(&mut out, self.version.into());
            out.push_str(",\"epoch\":");
        } else {
            out.push_str("{\"epoch\":");
        }
        push_decimal(&mut out, self.epoch.into());
        out.push_str(",\"steps\":[");
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match step {
                RingStep::Init(shards) => {
                    out.push_str("{\"init\":[");
                    for (j, s) in shards.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        push_shard(&mut out, s);
                    }
                    out.push_str("]}");
                }
                RingStep::Add(s) => {
                    out.push_str("{\"add\":");
                    push_shard(&mut out, s);
                    out.push('}');
                }
                RingStep::Remove(name) => {
                    out.push_str("{\"remove\":");
                    push_string(&mut out, name);
                    out.push('}');
                }
                RingStep::SetWeight(s) => {
                    out.push_str("{\"set_weight\":");
                    push_shard(&mut out, s);
                    out.push('}');
                }
            }
        }
        out.push_str("]}");
        out
    }
}

pub(crate) fn push_shard(out: &mut String, s: &ShardSpec) {
    out.push_str("{\"name\":");
    push_string(out, &s.name);
    out.push_str(",\"weight\":");
    push_decimal(out, s.weight.into());
    out.push('}');
}

/// `n` in decimal (no `core::fmt`, which the lite wasm leaves out).
pub(crate) fn push_decimal(out: &mut String, n: u128) {
    let mut buf = [0u8; 39];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in buf.get(i..).unwrap_or_default() {
        out.push(char::from(d));
    }
}

/// A JSON string as serde_json writes it: `"`, `\\` and control characters escaped (the short
/// forms where JSON has them, else `\u00xx` in lower-case hex), everything else as is.
pub(crate) fn push_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRingConfig {
    #[serde(default = "default_version")]
    pub(super) version: u32,
    pub(super) epoch: Option<u32>,
    pub(super) steps: Option<Vec<RingStep>>,
    pub(super) shards: Option<Vec<ShardSpec>>,
}

impl TryFrom<RawRingConfig> for RingConfig {
    type Error = &'static str;

    fn try_from(raw: RawRingConfig) -> Result<RingConfig, &'static str> {
        match raw {
            RawRingConfig {
                version,
                epoch: Some(epoch),
                steps: Some(steps),
                shards: None,
            } => Ok(RingConfig {
                version,
                epoch,
                steps,
            }),
            RawRingConfig {
                version,
                epoch: None,
                steps: None,
                shards: Some(shards),
            } => Ok(RingConfig {
                version,
                epoch: 1,
                steps: vec![RingStep::Init(shards)],
            }),
            _ => Err("expected {\"epoch\": N, \"steps\": [...]} or {\"shards\": [...]} (and an optional \"version\")"),
        }
    }
}

/// How much of the hash space one shard owns, exactly.
///
/// JSON: `{"name": "a", "weight": 1, "owned": "6148914691236517205", "fraction": 0.333...}`;
/// `owned` is a decimal string (a numerator over 2^64), `fraction` is for display only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// Shard name.
    pub name: String,
    /// Shard weight.
    pub weight: u32,
    /// Owned hash space, in units of 1/2^64 (so the shares of a ring sum to 2^64).
    #[serde(with = "decimal")]
    pub owned: u128,
    /// `owned / 2^64` as a float, for reporting only; placement never uses it.
    pub fraction: f64,
}

/// One arc of the layout: the positions `start .. start + len` belong to `shard`.
///
/// JSON: `{"start": "0", "len": "3689348814741910323", "shard": "a"}` (decimal strings).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Arc {
    /// First position of the arc.
    #[serde(with = "decimal")]
    pub start: u64,
    /// Number of positions (up to 2^64 for a one-shard ring, hence `u128`).
    #[serde(with = "decimal")]
    pub len: u128,
    /// Owner shard name.
    pub shard: String,
}

/// Serde helpers writing integers as decimal strings.
mod decimal {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let s = String::deserialize(d)?;
        if s.is_empty() || s.len() > 40 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(D::Error::custom("expected a decimal string"));
        }
        s.parse().map_err(D::Error::custom)
    }
}
