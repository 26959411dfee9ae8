//! Fuzz target: Appendix B model documents (program-space transformations, full strategies,
//! threat games with surrogate targets) read from arbitrary JSON never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_theory::documents::read_model;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = read_model(&doc);
    }
});
