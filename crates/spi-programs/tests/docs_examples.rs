//! Runs every example of `docs/programs/reference.md` and `docs/programs/tutorial.md`: each ```spl
//! block is a complete program whose first line `// run: GAME vs AGENT -> RESULT` says what it must
//! play as player 1; each ```modal block `// run: A vs B -> X Y` says what both modal agents play.
//! The tutorial's final program is also checked to be a strict, demand-preserving SPI.

use std::path::PathBuf;
use std::sync::Arc;

use spi_games::Game;
use spi_programs::modal::ModalSystem;
use spi_programs::spi_check::check_transformation_on_space;
use spi_programs::{Exhaustion, Limits, Outcome, Program, ProgramGame, library, play};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn blocks(doc: &str, lang: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        match &mut cur {
            None if line.trim() == format!("```{lang}") => cur = Some(String::new()),
            Some(b) if line.trim() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

fn load_game(spec: &str) -> Game {
    spi_games::examples::example(spec).unwrap_or_else(|| {
        let text =
            std::fs::read_to_string(root().join(spec)).unwrap_or_else(|e| panic!("{spec}: {e}"));
        spi_games::format::read_json(&text).unwrap()
    })
}

fn header(block: &str) -> (String, String, String) {
    let line = block.lines().next().unwrap();
    let rest = line
        .strip_prefix("// run: ")
        .unwrap_or_else(|| panic!("example lacks a `// run:` line:\n{block}"));
    let (lhs, result) = rest.split_once(" -> ").unwrap();
    let (a, b) = lhs.split_once(" vs ").unwrap();
    (
        a.trim().to_string(),
        b.trim().to_string(),
        result.trim().to_string(),
    )
}

fn run_spl_blocks(doc: &str) -> usize {
    let limits = Limits::default();
    let examples = blocks(doc, "spl");
    for block in &examples {
        let (game, agent, result) = header(block);
        let pg = ProgramGame::new(load_game(&game)).unwrap();
        let p = Arc::new(
            Program::parse(block, &limits).unwrap_or_else(|e| panic!("{doc}: {e}\n{block}")),
        );
        let q = library::agent(&agent).unwrap_or_else(|| panic!("{doc}: no agent {agent}"));
        let r = play(&pg, &p, &q, &limits, 0);
        match (&r.outcome, result.split_once(' ')) {
            (
                Outcome::Exhausted {
                    player: 0,
                    resource,
                },
                Some(("exhausted", what)),
            ) => {
                let want = match what {
                    "fuel" => Exhaustion::Fuel,
                    "depth" => Exhaustion::Depth,
                    _ => Exhaustion::Memory,
                };
                assert_eq!(*resource, want, "{doc}:\n{block}");
            }
            (Outcome::Faulted { player: 0, .. }, None) if result == "fault" => {}
            (Outcome::Played { realized, .. }, None) => {
                assert_eq!(pg.game.actions(0)[realized[0]], result, "{doc}:\n{block}");
            }
            (o, _) => panic!("{doc}: expected {result}, got {o:?}\n{block}"),
        }
    }
    examples.len()
}

#[test]
fn reference_examples_run_as_documented() {
    let n = run_spl_blocks("docs/programs/reference.md");
    assert!(n >= 17, "only {n} examples found");
    for block in blocks("docs/programs/reference.md", "modal") {
        let (a, b, result) = header(&block);
        let mut sys = ModalSystem::library();
        sys.add_source(&block).unwrap();
        let o = sys.play(&a, &b).unwrap();
        let c = |x: bool| if x { "C" } else { "D" };
        assert_eq!(
            format!("{} {}", c(o.first_cooperates), c(o.second_cooperates)),
            result,
            "{block}"
        );
    }
}

#[test]
fn tutorial_examples_run_and_the_final_program_is_an_spi() {
    let n = run_spl_blocks("docs/programs/tutorial.md");
    assert!(n >= 2);
    let last = blocks("docs/programs/tutorial.md", "spl").pop().unwrap();
    let limits = Limits::default();
    let pg = ProgramGame::new(load_game("docs/programs/doomsday.json")).unwrap();
    let mine = Arc::new(Program::parse(&last, &limits).unwrap());
    let defaults = vec![
        ("demand50".to_string(), library::agent("demand50").unwrap()),
        (
            "demand80-doomsday".to_string(),
            library::agent("demand80-doomsday").unwrap(),
        ),
    ];
    let transformed = vec![
        ("mine".to_string(), mine),
        (
            "renegotiation-demand80".to_string(),
            library::agent("renegotiation-demand80").unwrap(),
        ),
    ];
    let c = check_transformation_on_space(&pg, &defaults, &transformed, &limits, 0).unwrap();
    assert!(c.verdict.is_strict_spi(), "{:?}", c.verdict);
    assert!(c.demand_preserving(), "{:?}", c.demand_changes);
}
