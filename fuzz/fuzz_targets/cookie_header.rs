//! A `Cookie` request header of any content is searched without panicking.
#![no_main]
use edge_session::CookieConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let cfg = CookieConfig::default();
    if let Some(v) = cfg.find(&text) {
        assert!(v.len() <= text.len());
    }
});
