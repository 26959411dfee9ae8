//! Fuzz target: the Gambit `.nfg` reader never panics, and a game it accepts survives both writers
//! (payoff and outcome variants) → `read_nfg` with the same payoffs, players and actions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_games::format::{read_nfg, write_nfg, write_nfg_outcomes};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(game) = read_nfg(text) {
        for written in [write_nfg(&game), write_nfg_outcomes(&game)] {
            let again = read_nfg(&written).expect("write_nfg output must read back");
            assert_eq!(game, again, "NFG round trip changed the game:\n{written}");
        }
    }
});
