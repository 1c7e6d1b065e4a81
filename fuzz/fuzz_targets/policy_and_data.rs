//! Policy JSON and session data (JSON text from clients) are validated without panicking.
#![no_main]
use edge_session::session::validate_data;
use edge_session::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Policy::from_json(&text);
    let _ = validate_data(&Policy::default(), &text);
});
