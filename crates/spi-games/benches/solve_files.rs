//! In-library timing of the solvers on given game files, for `bench/gambit/speed.py`: it measures
//! exactly the games the peers (Gambit, lrsnash) get, without process start-up and file parsing.
//!
//! `cargo bench -p spi-games --bench solve_files -- METHOD REPS FILE...` with METHOD `enumerate`,
//! `enumerate-reference` (the visited-set walk it replaced), `lemke-howson` or
//! `lemke-howson-exact` (no floating-point guide); prints one line per file: `FILE MEDIAN_SECONDS COUNT`, where COUNT is the number of
//! equilibria (enumerate) or of pivots on the path dropping label 0 (lemke-howson). Not a criterion bench
//! (harness = false): criterion cannot take its inputs from the command line.

use spi_games::equilibrium;
use spi_games::format::GameFormat;
use spi_games::format::read_game;
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(method), Some(reps)) = (
        args.first(),
        args.get(1).and_then(|r| r.parse::<usize>().ok()),
    ) else {
        eprintln!(
            "usage: solve_files enumerate|enumerate-reference|lemke-howson|lemke-howson-exact REPS FILE..."
        );
        return ExitCode::from(2);
    };
    for path in &args[2..] {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let game = match read_game(&text, GameFormat::from_path(path)) {
            Ok(g) => g,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut times = Vec::with_capacity(reps);
        let mut count = 0;
        for _ in 0..reps.max(1) {
            let start = Instant::now();
            let result = match method.as_str() {
                "enumerate" => equilibrium::enumerate(&game).map(|e| e.len()),
                // The visited-set walk that `enumerate` replaced, for before/after figures.
                "enumerate-reference" => {
                    equilibrium::vertex_enum::enumerate_reference(&game, 1 << 20).map(|e| e.len())
                }
                "lemke-howson" => equilibrium::lemke_howson(&game, 0).map(|(_, pivots)| pivots),
                "lemke-howson-exact" => {
                    equilibrium::lemke_howson_exact(&game, 0).map(|(_, pivots)| pivots)
                }
                other => {
                    eprintln!("unknown method {other}");
                    return ExitCode::from(2);
                }
            };
            times.push(start.elapsed().as_secs_f64());
            match result {
                Ok(c) => count = c,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        times.sort_by(f64::total_cmp);
        println!("{path} {:.9} {count}", times[times.len() / 2]);
    }
    ExitCode::SUCCESS
}
