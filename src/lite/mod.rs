//! The serde-free readers behind the lean browser build (`edge-session/lite`).
//!
//! The lite wasm holds token verification and ring lookups only. Its two inputs, a keyring and
//! a ring configuration, are JSON; reading them with serde would bring serde_json and the
//! derived deserialisers into the wasm, several times the size of everything else it needs. So
//! [`keyring_from_json`] and [`ring_from_json`] read them with a small bounded JSON reader
//! ([`json`]) into the very types serde fills, then build the keyring and the ring through the
//! same checked constructors as [`Keyring::from_json`] and [`Ring::from_json`]: the same
//! configurations load to the same rings (the tests compare both readers over the golden
//! vectors), and the same bad inputs fail with the same codes. Pure Rust, compiled in every
//! build; the wasm-bindgen surface is `lite::wasm` (feature `lite`, `src/lite/wasm.rs`).
//!
//! One difference, for size: [`ring_from_json`] loads snapshots ([`Ring::snapshot_json`]) and
//! rings of a single `init` (the `{"shards": [...]}` shorthand included), but refuses a longer
//! history with `ring_bad_config`: replaying one needs the rebalancing code (about 9 KiB of
//! the lite wasm's gzip size), and a snapshot loads without it.

mod config;
pub mod json;
#[cfg(feature = "lite")]
pub mod wasm;

use crate::keyring::{Keyring, KeyringError, MAX_KEYRING_JSON_LEN, TOKEN_MAC_PREFIX};
use crate::ring::{Ring, RingError, RingStep, MAX_CONFIG_BYTES};

/// [`Keyring::from_json`] without serde: `[{"kid", "secret", "state"}]`, at most
/// [`MAX_KEYRING_JSON_LEN`] bytes. Errors carry the same codes; a shape error is reported at
/// line 1, column 1 (serde would name the member's position).
pub fn keyring_from_json(json: &str) -> Result<Keyring, KeyringError> {
    if json.len() > MAX_KEYRING_JSON_LEN {
        return Err(KeyringError::InvalidJson { line: 0, column: 0 });
    }
    let shape_error = KeyringError::InvalidJson { line: 1, column: 1 };
    let value = json::parse(json).map_err(|_| shape_error.clone())?;
    let entries = config::keyring_entries(value).ok_or(shape_error)?;
    Keyring::from_entries(entries, TOKEN_MAC_PREFIX)
}

/// [`Ring::from_json`] without serde: the full form, the `{"shards": [...]}` shorthand or a
/// snapshot, at most [`MAX_CONFIG_BYTES`].
pub fn ring_from_json(json: &str) -> Result<Ring, RingError> {
    if json.len() > MAX_CONFIG_BYTES {
        return Err(RingError::ConfigTooLarge);
    }
    let bad = |why: &str| RingError::BadConfig(why.to_owned());
    let value = json::parse(json).map_err(bad)?;
    match config::ring_config(value).map_err(bad)? {
        config::Config::Snapshot(s) => Ring::from_snapshot(&s),
        config::Config::History(cfg) => {
            Ring::check_history(&cfg)?;
            match cfg.steps.as_slice() {
                // One `init`: laid out directly, the arcs `Ring::from_config` would replay.
                [RingStep::Init(shards)] => Ring::with_version(shards, cfg.version),
                [] | [RingStep::Add(_) | RingStep::Remove(_) | RingStep::SetWeight(_), ..] => {
                    Err(bad("the first step must be init"))
                }
                _ => Err(bad(NEEDS_SNAPSHOT)),
            }
        }
    }
}

/// Why a longer history is refused: replaying it would bring the whole rebalancing code.
const NEEDS_SNAPSHOT: &str =
    "the lite build loads a snapshot (ring.snapshotJSON() of the full package) \
     or a ring of one init step; replaying a longer history needs the full package";

#[cfg(test)]
mod tests;
