//! `Ring::from_json` never panics; an accepted ring locates keys and round-trips its config.
//! Inputs are capped at 4 KiB: replaying long hostile histories is slow by design (see the
//! ring module docs), which is a cost, not a bug, and would only time the fuzzer out.
#![no_main]
use edge_session::ring::Ring;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() > 4096 {
        return;
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(ring) = Ring::from_json(&text) {
        let _ = ring.locate(b"user-1");
        let again = Ring::from_json(&ring.to_json()).expect("own config parses");
        assert_eq!(again.locate(b"user-2"), ring.locate(b"user-2"));
    }
});
