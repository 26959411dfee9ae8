//! Fuzz target: `spi serve`'s reading of a chat-completions request body never panics, and an
//! accepted request has what the providers rely on (at least one token to generate, a
//! temperature in range).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_eval::serve::parse_request;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(req) = parse_request(&body) {
        assert!(req.max_tokens >= 1);
        assert!((0.0..=2.0).contains(&req.temperature));
    }
});
