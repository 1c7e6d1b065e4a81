//! Verifies one ~100-character token N times (default 100 000): the workload that
//! `scripts/profile-token.sh` runs under callgrind to split a verification's instructions
//! into base64, SHA-256 compression and the rest.
//!
//! Run: `cargo run --release --example verify_loop -- 100000`.

use std::hint::black_box;

use edge_session::{Claims, KeyState, Keyring, SessionId};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let ring = match Keyring::new(vec![("k1".into(), vec![7; 32], KeyState::Primary)]) {
        Ok(r) => r,
        Err(e) => return eprintln!("keyring: {e}"),
    };
    let claims = Claims {
        session_id: SessionId::from_bytes([0x5A; 16]),
        shard: "s1".into(),
        epoch: 1,
        issued_at: 1_700_000_000,
        expires_at: 1_700_086_400,
        payload: vec![],
    };
    let token = match ring.sign(&claims) {
        Ok(t) => t,
        Err(e) => return eprintln!("sign: {e}"),
    };
    let mut ok = 0u64;
    for _ in 0..n {
        ok += u64::from(
            ring.verify(black_box(&token), black_box(1_700_000_100))
                .is_ok(),
        );
    }
    println!("{} chars, {ok} of {n} verified", token.len());
}
