//! The snapshot form of a configuration: the history plus the arcs of the current epoch and of
//! a base epoch, bound together by a SHA-256 digest, so a ring loads in time linear in its arcs
//! instead of replaying its history.
//!
//! JSON: the full configuration plus one member,
//! `{"version": 2, "epoch": 1000, "steps": [...], "snapshot": {"base": 937, "arcs": "<b64>",
//! "base_arcs": "<b64>", "digest": "<64 hex>"}}`.
//!
//! * `arcs`, `base_arcs`: standard base64 of an arc list: LEB128 varints `count`, then per arc
//!   `start - previous start` and `owner` (index into the shard table of that epoch, name
//!   order). `base_arcs` is left out when `base` is the current epoch.
//! * `base`: the oldest epoch whose arcs are kept, [`RECENT_EPOCHS`]` - 1` epochs back (or 1):
//!   the recent rings ([`Ring::recent_epochs`]) replay at most that many steps from it.
//! * `digest`: hex SHA-256 of `"edge-session ring snapshot\0"`, the configuration as
//!   [`RingConfig::to_json`] writes it, `base` (4 bytes big-endian), and each arc list's bytes
//!   after its length (8 bytes big-endian). It covers the whole history.
//!
//! Loading checks the digest, replays only the shard table (names and weights), and checks each
//! arc list: starts ascending from 0, owners in the table, neighbours of different owners, and
//! every shard owning exactly its target. The arcs are not recomputed (that would be the
//! replay); the replay from `base` in [`Ring::recent_epochs`] does check that it ends on the
//! current arcs.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::RawRingConfig;
use super::layout::{self, Builder, Layout, SPACE};
use super::{steps, Ring, RingConfig, RingError, RingStep, ShardSpec, DEFAULT_VERSION};
use crate::b64::{self, Alphabet, Padding};

/// How many recent epochs a snapshot keeps replayable without the whole history (the current
/// one included); the session manager looks this far back for a user's shards.
pub const RECENT_EPOCHS: u32 = 64;

const DOMAIN: &[u8] = b"edge-session ring snapshot\0";

/// A snapshot configuration (see the module docs for the format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RingSnapshot {
    /// Placement rule.
    #[serde(
        default = "default_version",
        skip_serializing_if = "is_default_version"
    )]
    pub version: u32,
    /// Current epoch (the number of steps).
    pub epoch: u32,
    /// The whole history.
    pub steps: Vec<RingStep>,
    /// The encoded arcs and the digest.
    pub snapshot: SnapshotArcs,
}

/// The `snapshot` member of a [`RingSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotArcs {
    /// The oldest epoch whose arcs are kept.
    pub base: u32,
    /// Arcs of the current epoch (base64).
    pub arcs: String,
    /// Arcs of the base epoch (base64); absent when `base` is the current epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_arcs: Option<String>,
    /// Hex SHA-256 over the history and both arc lists.
    pub digest: String,
}

fn default_version() -> u32 {
    DEFAULT_VERSION
}

fn is_default_version(v: &u32) -> bool {
    *v == DEFAULT_VERSION
}

/// Either configuration form, told apart by the `snapshot` member.
pub(super) enum AnyConfig {
    History(RingConfig),
    Snapshot(RingSnapshot),
}

/// Every member either form may have, read in one pass (no intermediate JSON tree).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnyConfig {
    #[serde(default = "default_version")]
    version: u32,
    epoch: Option<u32>,
    steps: Option<Vec<RingStep>>,
    shards: Option<Vec<ShardSpec>>,
    snapshot: Option<SnapshotArcs>,
}

impl<'de> Deserialize<'de> for AnyConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AnyConfig, D::Error> {
        use serde::de::Error;
        let raw = RawAnyConfig::deserialize(d)?;
        match raw {
            RawAnyConfig {
                version,
                epoch: Some(epoch),
                steps: Some(steps),
                shards: None,
                snapshot: Some(snapshot),
            } => Ok(AnyConfig::Snapshot(RingSnapshot {
                version,
                epoch,
                steps,
                snapshot,
            })),
            RawAnyConfig {
                snapshot: Some(_), ..
            } => Err(D::Error::custom(
                "a snapshot has \"epoch\", \"steps\" and \"snapshot\" (and an optional \"version\")",
            )),
            RawAnyConfig {
                version,
                epoch,
                steps,
                shards,
                snapshot: None,
            } => RingConfig::try_from(RawRingConfig {
                version,
                epoch,
                steps,
                shards,
            })
            .map(AnyConfig::History)
            .map_err(D::Error::custom),
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn encode(layout: &Layout) -> Vec<u8> {
    let mut out = Vec::with_capacity(layout.len() * 10 + 4);
    put_varint(&mut out, layout.len() as u64);
    let mut prev = 0u64;
    for (&s, &o) in layout.starts.iter().zip(&layout.owners) {
        put_varint(&mut out, s.wrapping_sub(prev));
        put_varint(&mut out, u64::from(o));
        prev = s;
    }
    out
}

fn bad(why: &str) -> RingError {
    RingError::BadSnapshot(why.to_owned())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Result<u64, RingError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| bad("arc list is cut short"))?;
            self.at += 1;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                return Err(bad("varint overflows 64 bits"));
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("varint overflows 64 bits"))
    }
}

/// Decodes an arc list and checks it against the shard table it indexes.
fn decode(bytes: &[u8], shards: &[ShardSpec]) -> Result<Layout, RingError> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.varint()?;
    // Every arc takes at least two bytes, so the count is bounded by the input.
    if count == 0 || count > (bytes.len() / 2) as u64 || count > super::MAX_ARCS as u64 {
        return Err(bad("arc count is out of range"));
    }
    let mut b = Builder::default();
    let mut pos: u128 = 0;
    let mut last_owner = None;
    for i in 0..count {
        let delta = u128::from(r.varint()?);
        let owner = r.varint()?;
        if (i == 0 && delta != 0) || (i > 0 && delta == 0) {
            return Err(bad("arc starts must ascend from 0"));
        }
        pos += delta;
        if pos >= SPACE {
            return Err(bad("an arc starts past the end of the space"));
        }
        let owner = usize::try_from(owner).unwrap_or(usize::MAX);
        if owner >= shards.len() {
            return Err(bad("an arc's owner is not in the shard table"));
        }
        if last_owner == Some(owner) {
            return Err(bad("two neighbouring arcs have one owner"));
        }
        last_owner = Some(owner);
        b.push(pos, owner);
    }
    if r.at != bytes.len() {
        return Err(bad("bytes after the arc list"));
    }
    let layout = b.finish();
    let weights: Vec<u32> = shards.iter().map(|s| s.weight).collect();
    if layout.owned(shards.len()) != layout::targets(&weights) {
        return Err(bad("the arcs do not give every shard exactly its target"));
    }
    Ok(layout)
}

fn digest(cfg: &RingConfig, base: u32, arcs: &[u8], base_arcs: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(cfg.to_json().as_bytes());
    h.update(base.to_be_bytes());
    for list in [arcs, base_arcs] {
        h.update((list.len() as u64).to_be_bytes());
        h.update(list);
    }
    // Lowercase hex by hand: `format!("{b:02x}")` would bring integer formatting into the lean wasm.
    let mut out = String::with_capacity(64);
    for b in h.finalize() {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from(b"0123456789abcdef"[usize::from(nibble)]));
        }
    }
    out
}

fn unbase64(s: &str) -> Result<Vec<u8>, RingError> {
    b64::decode(s.as_bytes(), Alphabet::Standard, Padding::Canonical)
        .ok_or_else(|| bad("arcs are not standard base64"))
}

impl Ring {
    /// This ring as a snapshot configuration: its history, its arcs, and the arcs of the epoch
    /// [`RECENT_EPOCHS`]` - 1` back (replayed here once).
    pub fn snapshot(&self) -> Result<RingSnapshot, RingError> {
        let cfg = self.config();
        let base = self.epoch().saturating_sub(RECENT_EPOCHS - 1).max(1);
        let arcs = encode(&self.layout);
        let base_arcs = if base == self.epoch() {
            Vec::new()
        } else {
            encode(&self.at_epoch(base)?.layout)
        };
        let digest = digest(&cfg, base, &arcs, &base_arcs);
        Ok(RingSnapshot {
            version: cfg.version,
            epoch: cfg.epoch,
            steps: cfg.steps,
            snapshot: SnapshotArcs {
                base,
                arcs: b64::encode(&arcs, Alphabet::Standard, true),
                base_arcs: (!base_arcs.is_empty())
                    .then(|| b64::encode(&base_arcs, Alphabet::Standard, true)),
                digest,
            },
        })
    }

    /// [`snapshot`](Ring::snapshot) as JSON.
    pub fn snapshot_json(&self) -> Result<String, RingError> {
        serde_json::to_string(&self.snapshot()?).map_err(|e| bad(&e.to_string()))
    }

    /// Loads a snapshot without replaying its history (see the module docs for the checks).
    pub fn from_snapshot(s: &RingSnapshot) -> Result<Ring, RingError> {
        let cfg = RingConfig {
            version: s.version,
            epoch: s.epoch,
            steps: s.steps.clone(),
        };
        steps::check_config(&cfg)?;
        let base = s.snapshot.base;
        if base == 0 || base > s.epoch {
            return Err(bad("base is not an epoch of the history"));
        }
        let arcs = unbase64(&s.snapshot.arcs)?;
        let base_arcs = match (&s.snapshot.base_arcs, base == s.epoch) {
            (None, true) => Vec::new(),
            (Some(b), false) => unbase64(b)?,
            _ => {
                return Err(bad(
                    "base_arcs must be given exactly when base is not the epoch",
                ))
            }
        };
        if digest(&cfg, base, &arcs, &base_arcs) != s.snapshot.digest {
            return Err(bad("digest does not match the history and arcs"));
        }
        // The shard tables at the base and at the current epoch, checked step by step.
        let mut table = match cfg.steps.first() {
            Some(RingStep::Init(shards)) => steps::init_table(shards, cfg.version)?,
            _ => return Err(RingError::BadConfig("the first step must be init".into())),
        };
        let base_len = usize::try_from(base).unwrap_or(usize::MAX);
        let mut base_table = None;
        for (i, step) in cfg.steps.iter().enumerate() {
            if i > 0 {
                steps::apply_table(&mut table, step, cfg.version)?;
            }
            if i + 1 == base_len {
                base_table = Some(table.clone());
            }
        }
        let layout = decode(&arcs, &table)?;
        let base_ring = match base_table {
            Some(t) if base != s.epoch => {
                let base_layout = decode(&base_arcs, &t)?;
                Some(std::sync::Arc::new(Ring {
                    version: cfg.version,
                    shards: t,
                    layout: base_layout,
                    steps: cfg.steps.get(..base_len).unwrap_or_default().to_vec(),
                    base: None,
                }))
            }
            _ => None,
        };
        Ok(Ring {
            version: cfg.version,
            shards: table,
            layout,
            steps: cfg.steps,
            base: base_ring,
        })
    }

    /// The rings of the last `count` epochs (at most [`RECENT_EPOCHS`] is the intended use),
    /// newest first, the current ring included: one replay, from the snapshot's base when it
    /// covers them, else from `init`. A snapshot whose replay does not end on its own arcs is
    /// refused with `ring_bad_snapshot`.
    pub fn recent_epochs(&self, count: u32) -> Result<Vec<Ring>, RingError> {
        let epoch = self.epoch();
        let oldest = epoch.saturating_sub(count.saturating_sub(1)).max(1);
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut ring = match self.base.as_deref() {
            Some(b) if b.epoch() <= oldest => b.clone(),
            _ => steps::init(
                match self.steps.first() {
                    Some(RingStep::Init(shards)) => shards,
                    _ => return Err(RingError::BadConfig("the first step must be init".into())),
                },
                self.version,
            )?,
        };
        let mut out = Vec::with_capacity((epoch - oldest + 1) as usize);
        loop {
            if ring.epoch() >= oldest {
                out.push(ring.clone());
            }
            let Some(step) = self.steps.get(ring.steps.len()) else {
                break;
            };
            ring.apply(step.clone())?;
        }
        if ring.layout != self.layout {
            return Err(bad("replaying from base does not give the snapshot's arcs"));
        }
        out.reverse();
        if let Some(first) = out.first_mut() {
            *first = self.clone();
        }
        Ok(out)
    }
}
