//! Any string given to `Keyring::unseal` is refused (with a `seal_*` code) or opened without
//! panicking; any bytes sealed under a fixed nonce open to themselves.
#![no_main]
use edge_session::{Claims, KeyState, Keyring, SessionId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keyring = Keyring::new(vec![
        ("k1".into(), vec![1u8; 32], KeyState::Primary),
        ("kold".into(), vec![3u8; 32], KeyState::Retired),
    ])
    .expect("fixed keyring is valid");
    let text = String::from_utf8_lossy(data);
    match keyring.unseal(&text, 0) {
        Ok(v) => assert_eq!(v.kid, "k1"),
        Err(e) => assert!(e.code().starts_with("seal_")),
    }
    let claims = Claims {
        session_id: SessionId::from_bytes([5; 16]),
        shard: "s".into(),
        epoch: 0,
        issued_at: 0,
        expires_at: 1,
        payload: data.to_vec(),
    };
    if let Ok(t) = keyring.seal(&claims, &[9; 24]) {
        assert_eq!(keyring.unseal(&t, 0).map(|v| v.claims), Ok(claims));
    }
});
