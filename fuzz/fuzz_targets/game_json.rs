//! Fuzz target: the JSON game reader never panics, and a game it accepts survives
//! `write_json` → `read_json` unchanged (so a reader bug cannot hide behind a lenient writer).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_games::format::{read_json, write_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(game) = read_json(text) {
        let again = read_json(&write_json(&game)).expect("write_json output must read back");
        assert_eq!(game, again, "JSON round trip changed the game");
    }
});
