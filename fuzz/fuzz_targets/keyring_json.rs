//! `Keyring::from_json` never panics, and its errors never echo the input.
#![no_main]
use edge_session::Keyring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(e) = Keyring::from_json(&text) {
        let _ = (e.code(), e.to_string());
    }
});
