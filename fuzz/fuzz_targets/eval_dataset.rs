//! Fuzz target: the JSONL sample reader never panics; a rejection names the file and a line that
//! exists (1-based), and an accepted dataset has unique ids and serialises back to samples that
//! read the same.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use spi_eval::dataset::parse_jsonl;
use spi_eval::error::EvalError;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.jsonl");
    match parse_jsonl(path, text) {
        Ok(samples) => {
            let ids: std::collections::HashSet<_> = samples.iter().map(|s| &s.id).collect();
            assert_eq!(ids.len(), samples.len(), "duplicate ids accepted");
            let again: String = samples
                .iter()
                .map(|s| serde_json::to_string(s).expect("a sample serialises") + "\n")
                .collect();
            let back = parse_jsonl(path, &again).expect("written samples must read back");
            assert_eq!(samples, back, "JSONL round trip changed the samples");
        }
        Err(EvalError::Dataset { path: p, line, .. }) => {
            assert_eq!(p, path);
            assert!(line >= 1 && line <= text.lines().count().max(1), "line {line} out of range");
        }
        Err(other) => panic!("unexpected error kind: {other}"),
    }
});
