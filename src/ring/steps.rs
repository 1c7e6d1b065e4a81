//! History: checking and applying steps, replaying a configuration.

use super::layout::{self, Layout};
use super::{
    compact, Ring, RingConfig, RingError, RingStep, ShardSpec, LATEST_VERSION, MAX_ARCS,
    MAX_NAME_LEN, MAX_SHARDS, MAX_SHARDS_V1, MAX_STEPS, MAX_TOTAL_WEIGHT, MAX_WEIGHT,
};

pub(super) fn check_name(name: &str) -> Result<(), RingError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(RingError::BadName)
    }
}

fn check_spec(s: &ShardSpec) -> Result<(), RingError> {
    check_name(&s.name)?;
    if s.weight == 0 || s.weight > MAX_WEIGHT {
        return Err(RingError::BadWeight(s.weight));
    }
    Ok(())
}

pub(super) fn check_version(version: u32) -> Result<(), RingError> {
    if (1..=LATEST_VERSION).contains(&version) {
        Ok(())
    } else {
        Err(RingError::UnknownVersion(version))
    }
}

fn max_shards(version: u32) -> usize {
    if version == 1 {
        MAX_SHARDS_V1
    } else {
        MAX_SHARDS
    }
}

fn check_weights(weights: &[u32]) -> Result<(), RingError> {
    check_total(weights.iter().map(|&w| u64::from(w)).sum())
}

fn check_total(total: u64) -> Result<(), RingError> {
    if total > MAX_TOTAL_WEIGHT {
        Err(RingError::TotalWeightTooLarge)
    } else {
        Ok(())
    }
}

/// Version 2's compaction, then the arc limit.
fn finish(version: u32, layout: Layout, targets: &[u128]) -> Result<Layout, RingError> {
    let layout = if version >= 2 {
        compact::compact(layout, targets)
    } else {
        layout
    };
    if layout.len() > MAX_ARCS {
        Err(RingError::TooFragmented)
    } else {
        Ok(layout)
    }
}

/// The shard table after `init`, checked: name order, unique names, limits.
pub(super) fn init_table(shards: &[ShardSpec], version: u32) -> Result<Vec<ShardSpec>, RingError> {
    check_version(version)?;
    if shards.is_empty() {
        return Err(RingError::Empty);
    }
    if shards.len() > max_shards(version) {
        return Err(RingError::TooManyShards);
    }
    for s in shards {
        check_spec(s)?;
    }
    // Name order (the index breaks ties between duplicates, refused just below).
    let mut order: Vec<(&str, usize)> = shards
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    crate::sort::sort_keys(&mut order);
    let sorted: Vec<ShardSpec> = order
        .iter()
        .filter_map(|&(_, i)| shards.get(i).cloned())
        .collect();
    if let Some(w) = sorted.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(RingError::DuplicateShard(w[0].name.clone()));
    }
    check_weights(&sorted.iter().map(|s| s.weight).collect::<Vec<_>>())?;
    Ok(sorted)
}

/// A ring of these shards under `version`, epoch 1.
pub(super) fn init(shards: &[ShardSpec], version: u32) -> Result<Ring, RingError> {
    let sorted = init_table(shards, version)?;
    let weights: Vec<u32> = sorted.iter().map(|s| s.weight).collect();
    let targets = layout::targets(&weights);
    // One arc per shard: within version 2's bound (4 per shard) and MAX_ARCS, so `finish`
    // would change nothing; skipping it keeps the compaction code out of builds that only
    // lay out an `init` (the lite wasm).
    let layout = Layout::contiguous(&targets);
    Ok(Ring {
        version,
        shards: sorted,
        layout,
        steps: vec![RingStep::Init(shards.to_vec())],
        base: None,
    })
}

/// The shape checks of a configuration: step count, epoch, version.
pub(super) fn check_config(cfg: &RingConfig) -> Result<(), RingError> {
    check_version(cfg.version)?;
    if cfg.steps.len() > MAX_STEPS {
        return Err(RingError::TooManySteps);
    }
    if usize::try_from(cfg.epoch).ok() != Some(cfg.steps.len()) {
        return Err(RingError::EpochMismatch {
            epoch: cfg.epoch,
            steps: cfg.steps.len(),
        });
    }
    Ok(())
}

/// Replays a whole history.
pub(super) fn replay(steps: &[RingStep], version: u32) -> Result<Ring, RingError> {
    let ring = match steps.first() {
        Some(RingStep::Init(shards)) => init(shards, version)?,
        _ => return Err(RingError::BadConfig("the first step must be init".into())),
    };
    replay_from(ring, steps)
}

/// Applies `steps[ring.epoch()..]` to `ring` (whose history is a prefix of `steps`).
pub(super) fn replay_from(mut ring: Ring, steps: &[RingStep]) -> Result<Ring, RingError> {
    ring.base = None;
    for step in steps.get(ring.steps.len()..).unwrap_or_default() {
        ring.apply(step.clone())?;
    }
    Ok(ring)
}

/// Where a step leaves the shard table, checked as [`Ring::apply`] checks it, without any
/// layout (the snapshot loader replays only this up to its base).
pub(super) fn apply_table(
    shards: &mut Vec<ShardSpec>,
    step: &RingStep,
    version: u32,
) -> Result<(), RingError> {
    let find =
        |shards: &[ShardSpec], name: &str| shards.binary_search_by(|s| s.name.as_str().cmp(name));
    match step {
        RingStep::Init(_) => {
            return Err(RingError::BadConfig(
                "init must be the first step only".into(),
            ))
        }
        RingStep::Add(spec) => {
            check_spec(spec)?;
            if shards.len() >= max_shards(version) {
                return Err(RingError::TooManyShards);
            }
            match find(shards, &spec.name) {
                Ok(_) => return Err(RingError::DuplicateShard(spec.name.clone())),
                Err(at) => shards.insert(at, spec.clone()),
            }
        }
        RingStep::Remove(name) => {
            check_name(name)?;
            let at = find(shards, name).map_err(|_| RingError::UnknownShard(name.clone()))?;
            if shards.len() == 1 {
                return Err(RingError::Empty);
            }
            shards.remove(at);
        }
        RingStep::SetWeight(spec) => {
            check_spec(spec)?;
            let at =
                find(shards, &spec.name).map_err(|_| RingError::UnknownShard(spec.name.clone()))?;
            if let Some(s) = shards.get_mut(at) {
                s.weight = spec.weight;
            }
        }
    }
    let total: u64 = shards.iter().map(|s| u64::from(s.weight)).sum();
    check_total(total)
}

impl Ring {
    /// Applies one non-init step; on error the ring is unchanged.
    pub(super) fn apply(&mut self, step: RingStep) -> Result<(), RingError> {
        if self.steps.len() >= MAX_STEPS {
            return Err(RingError::TooManySteps);
        }
        let mut shards = self.shards.clone();
        apply_table(&mut shards, &step, self.version)?;
        let weights: Vec<u32> = shards.iter().map(|s| s.weight).collect();
        let targets = layout::targets(&weights);
        // Rebalance over the union of the old and new tables (a removed shard has target 0 and
        // leaves the table afterwards), with owners renumbered into that union.
        let layout = match &step {
            RingStep::Add(spec) => {
                let at = self.find_shard(&spec.name).unwrap_or_else(|at| at);
                let at16 = u16::try_from(at).unwrap_or(u16::MAX);
                let mut layout = self.layout.clone();
                layout.map_owners(|o| if o >= at16 { o + 1 } else { o });
                layout.rebalance(&targets)
            }
            RingStep::Remove(name) => {
                let at = self.find_shard(name).unwrap_or(usize::MAX);
                let weights: Vec<u32> = self
                    .shards
                    .iter()
                    .enumerate()
                    .map(|(i, s)| if i == at { 0 } else { s.weight })
                    .collect();
                let mut layout = self.layout.rebalance(&layout::targets(&weights));
                let at16 = u16::try_from(at).unwrap_or(u16::MAX);
                layout.map_owners(|o| if o > at16 { o - 1 } else { o });
                layout
            }
            RingStep::SetWeight(_) | RingStep::Init(_) => self.layout.rebalance(&targets),
        };
        let layout = finish(self.version, layout, &targets)?;
        self.shards = shards;
        self.layout = layout;
        self.steps.push(step);
        Ok(())
    }

    pub(super) fn find_shard(&self, name: &str) -> Result<usize, usize> {
        self.shards.binary_search_by(|s| s.name.as_str().cmp(name))
    }
}
