//! Token sign/verify cost for a stateful token of about 100 characters.
//!
//! Run: `cargo bench --bench token`.

use criterion::{criterion_group, criterion_main, Criterion};
use edge_session::{Claims, KeyState, Keyring, SessionId};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let ring = Keyring::new(vec![
        ("k1".into(), vec![7; 32], KeyState::Primary),
        ("k0".into(), vec![8; 32], KeyState::Verify),
    ])
    .expect("valid keyring");
    let claims = Claims {
        session_id: SessionId::from_bytes([0x5A; 16]),
        shard: "s1".into(),
        epoch: 1,
        issued_at: 1_700_000_000,
        expires_at: 1_700_086_400,
        payload: vec![],
    };
    let token = ring.sign(&claims).expect("valid claims");
    let now = 1_700_000_100;
    assert!(ring.verify(&token, now).is_ok());
    // Same length, last tag character changed: fails at the MAC compare.
    let mut bad = token.clone().into_bytes();
    if let Some(last) = bad.last_mut() {
        *last = if *last == b'A' { b'E' } else { b'A' };
    }
    let bad = String::from_utf8(bad).expect("ascii");
    assert!(ring.verify(&bad, now).is_err());
    println!("token length: {} chars", token.len());

    c.bench_function("token/sign", |b| b.iter(|| ring.sign(black_box(&claims))));
    c.bench_function("token/verify_valid", |b| {
        b.iter(|| ring.verify(black_box(&token), black_box(now)))
    });
    c.bench_function("token/verify_bad_tag", |b| {
        b.iter(|| ring.verify(black_box(&bad), black_box(now)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
