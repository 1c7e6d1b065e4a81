//! Prints the snapshot form of a ring configuration, for `RING`.
//!
//! `cargo run --release --example ring-snapshot -- ring.json > ring-snapshot.json` (or the
//! configuration on stdin). The input is any form `RING` accepts (history, shorthand or an
//! older snapshot); the output loads without replaying the history and carries a SHA-256 digest
//! over the whole history and the arcs. Sizes and timings go to stderr.

use std::io::Read;
use std::time::Instant;

use edge_session::ring::Ring;

fn main() {
    if let Err(e) = run() {
        eprintln!("ring-snapshot: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut text = String::new();
    match std::env::args().nth(1) {
        Some(path) if path != "-" => {
            text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        }
        _ => {
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| e.to_string())?;
        }
    }
    let t = Instant::now();
    let ring = Ring::from_json(text.trim()).map_err(|e| format!("{} ({})", e, e.code()))?;
    let replay = t.elapsed();
    let snapshot = ring.snapshot_json().map_err(|e| e.to_string())?;
    let t = Instant::now();
    let loaded = Ring::from_json(&snapshot).map_err(|e| e.to_string())?;
    let load = t.elapsed();
    if loaded != ring {
        return Err("the snapshot does not load back to the same ring".into());
    }
    println!("{snapshot}");
    eprintln!(
        "version {}, epoch {}, {} shards, {} arcs; config {} bytes (built in {:.1?}), snapshot {} bytes (loads in {:.1?})",
        ring.version(),
        ring.epoch(),
        ring.shards().len(),
        ring.arcs().len(),
        text.trim().len(),
        replay,
        snapshot.len(),
        load
    );
    Ok(())
}
