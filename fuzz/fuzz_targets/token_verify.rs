//! Any string given to `Keyring::verify` is refused or accepted without panicking; an
//! accepted one re-signs to itself when its key is the primary (the format is canonical).
#![no_main]
use edge_session::{KeyState, Keyring};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let keyring = Keyring::new(vec![
        ("k1".into(), vec![1u8; 32], KeyState::Primary),
        ("k0".into(), vec![2u8; 32], KeyState::Verify),
        ("kold".into(), vec![3u8; 32], KeyState::Retired),
    ])
    .expect("fixed keyring is valid");
    let (now, rest) = match data.split_first() {
        Some((n, rest)) => (u64::from(*n) << 24, rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(rest);
    if let Ok(v) = keyring.verify(&text, now) {
        if v.kid == "k1" {
            assert_eq!(keyring.sign(&v.claims).ok().as_deref(), Some(&*text));
        }
    }
});
