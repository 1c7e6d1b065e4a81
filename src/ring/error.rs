//! The ring's error type.

use std::fmt;

/// Why a ring operation or configuration was refused.
///
/// Every variant has a stable snake_case [`code`](RingError::code) that the JS binding and the
/// worker pass on unchanged. The `Display` text is for humans and may change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RingError {
    /// The ring would have no shards: an empty `init`, or removing the last shard.
    Empty,
    /// A shard name appears twice (in one `init`, or `add` of an existing name).
    DuplicateShard(String),
    /// No current shard has this name.
    UnknownShard(String),
    /// A shard name is not 1..=32 bytes of `[A-Za-z0-9._-]`.
    BadName,
    /// A weight is outside `1..=1_000_000`.
    BadWeight(u32),
    /// The ring would hold more than [`MAX_SHARDS`](super::MAX_SHARDS) shards.
    TooManyShards,
    /// The history would be longer than [`MAX_STEPS`](super::MAX_STEPS) steps.
    TooManySteps,
    /// The layout would need more than [`MAX_ARCS`](super::MAX_ARCS) arcs.
    TooFragmented,
    /// JSON configuration text longer than [`MAX_CONFIG_BYTES`](super::MAX_CONFIG_BYTES).
    ConfigTooLarge,
    /// The configuration is malformed: not JSON of the expected shape, no steps, or an `init`
    /// that is not exactly the first step. The text says what was wrong.
    BadConfig(String),
    /// The configuration's `epoch` is not the number of its steps.
    EpochMismatch {
        /// The epoch the configuration claims.
        epoch: u32,
        /// The number of steps it holds.
        steps: usize,
    },
    /// [`Ring::at_epoch`](super::Ring::at_epoch) was asked for an epoch outside `1..=epoch()`.
    UnknownEpoch(u32),
    /// The configuration names a placement rule other than 1 and 2.
    UnknownVersion(u32),
    /// The weights of the shards would sum above [`MAX_TOTAL_WEIGHT`](super::MAX_TOTAL_WEIGHT).
    TotalWeightTooLarge,
    /// A snapshot is malformed, inconsistent, or does not match its digest. The text says
    /// what was wrong.
    BadSnapshot(String),
}

impl RingError {
    /// A stable snake_case code for this error, e.g. `ring_unknown_shard`.
    pub fn code(&self) -> &'static str {
        match self {
            RingError::Empty => "ring_empty",
            RingError::DuplicateShard(_) => "ring_duplicate_shard",
            RingError::UnknownShard(_) => "ring_unknown_shard",
            RingError::BadName => "ring_bad_name",
            RingError::BadWeight(_) => "ring_bad_weight",
            RingError::TooManyShards => "ring_too_many_shards",
            RingError::TooManySteps => "ring_too_many_steps",
            RingError::TooFragmented => "ring_too_fragmented",
            RingError::ConfigTooLarge => "ring_config_too_large",
            RingError::BadConfig(_) => "ring_bad_config",
            RingError::EpochMismatch { .. } => "ring_epoch_mismatch",
            RingError::UnknownEpoch(_) => "ring_unknown_epoch",
            RingError::UnknownVersion(_) => "ring_unknown_version",
            RingError::TotalWeightTooLarge => "ring_total_weight_too_large",
            RingError::BadSnapshot(_) => "ring_bad_snapshot",
        }
    }
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RingError::Empty => f.write_str("a ring needs at least one shard"),
            RingError::DuplicateShard(name) => write!(f, "shard {name:?} appears twice"),
            RingError::UnknownShard(name) => write!(f, "no shard named {name:?}"),
            RingError::BadName => f.write_str("shard names are 1 to 32 bytes of [A-Za-z0-9._-]"),
            RingError::BadWeight(w) => write!(f, "weight {w} is outside 1..=1000000"),
            RingError::TooManyShards => {
                write!(
                    f,
                    "a ring holds at most {} shards ({} in version 1)",
                    super::MAX_SHARDS,
                    super::MAX_SHARDS_V1
                )
            }
            RingError::TooManySteps => {
                write!(f, "a ring history holds at most {} steps", super::MAX_STEPS)
            }
            RingError::TooFragmented => {
                write!(
                    f,
                    "the layout would need more than {} arcs",
                    super::MAX_ARCS
                )
            }
            RingError::ConfigTooLarge => write!(
                f,
                "ring configuration is longer than {} bytes",
                super::MAX_CONFIG_BYTES
            ),
            RingError::BadConfig(why) => write!(f, "bad ring configuration: {why}"),
            RingError::EpochMismatch { epoch, steps } => {
                write!(f, "epoch {epoch} does not match the {steps} steps given")
            }
            RingError::UnknownEpoch(e) => write!(f, "epoch {e} is not in this ring's history"),
            RingError::UnknownVersion(v) => {
                write!(f, "ring version {v} is unknown (1 and 2 are defined)")
            }
            RingError::TotalWeightTooLarge => write!(
                f,
                "the weights of a ring sum to at most {}",
                super::MAX_TOTAL_WEIGHT
            ),
            RingError::BadSnapshot(why) => write!(f, "bad ring snapshot: {why}"),
        }
    }
}

impl std::error::Error for RingError {}
