//! Fuzz target: SPI claims read from arbitrary JSON and checked by the independent verifier
//! against the Demand Game never panic, and the verdict is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_games::examples::demand_game;
use spi_theory::json::claims_from_document;
use spi_theory::verify;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let game = demand_game();
    let Ok(claims) = claims_from_document(&game, &doc) else {
        return;
    };
    for claim in claims.iter().take(4) {
        let first = verify(&game, claim).is_ok();
        assert_eq!(first, verify(&game, claim).is_ok(), "verdict changed on a second check");
    }
});
