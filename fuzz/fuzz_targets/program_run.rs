//! Fuzzes the interpreter: every program that parses is played against itself and against
//! CliqueBot and FairBot-ε under small limits; each match must end in a defined outcome (played,
//! exhausted or fault) within its budget, never a panic or hang.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use spi_programs::{Limits, Program, ProgramGame, library, play_here};

fn game() -> &'static ProgramGame {
    static G: OnceLock<ProgramGame> = OnceLock::new();
    G.get_or_init(|| ProgramGame::new(spi_games::examples::program_pd()).expect("two players"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Small budgets keep each input fast; depth 48 fits libFuzzer's default stack.
    let limits = Limits { fuel: 20_000, max_depth: 48, max_memory: 100_000, max_nesting: 32, ..Limits::default() };
    let Ok(p) = Program::parse(text, &limits) else { return };
    let p = Arc::new(p);
    for other in [Some(p.clone()), library::agent("cliquebot"), library::agent("fairbot-eps")].into_iter().flatten() {
        let r = play_here(game(), &p, &other, &limits, 0);
        assert!(r.players.iter().all(|x| x.steps <= limits.fuel && x.memory <= limits.max_memory));
    }
});
