//! Security: a corpus of hostile programs (`tests/hostile/*.spl`), each stating its expected defined
//! outcome on its first line (`// expect: exhausted fuel|depth|memory` or `// expect: fault TEXT`),
//! played against itself and against CooperateBot (a second line `// vs CooperateBot: played` marks
//! programs hostile only to themselves); plus source that nests too deeply to parse.
//! Every case must end as a value, never a panic, hang or stack overflow.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spi_programs::{
    Exhaustion, Limits, Outcome, Program, ProgramError, ProgramGame, library, play,
};

fn expect_line(src: &str) -> &str {
    src.lines()
        .next()
        .and_then(|l| l.strip_prefix("// expect: "))
        .expect("first line states the expectation")
}

fn check(outcome: &Outcome, expected: &str, file: &str) {
    match (outcome, expected.split_once(' ')) {
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
                "memory" => Exhaustion::Memory,
                other => panic!("{file}: unknown resource {other}"),
            };
            assert_eq!(*resource, want, "{file}");
        }
        (Outcome::Faulted { player: 0, fault }, Some(("fault", text))) => {
            assert!(
                fault.message.contains(text),
                "{file}: fault {:?} lacks {text:?}",
                fault.message
            );
        }
        (o, _) => panic!("{file}: expected {expected}, got {o:?}"),
    }
}

#[test]
fn hostile_corpus_ends_in_its_defined_outcome() {
    let pg = ProgramGame::new(spi_games::examples::program_pd()).unwrap();
    let limits = Limits::default();
    let coop = library::agent("cooperatebot").unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "corpus shrank");
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(&path).unwrap();
        let expected = expect_line(&src);
        let p = Arc::new(Program::parse(&src, &limits).unwrap_or_else(|e| panic!("{file}: {e}")));
        let start = Instant::now();
        let r = play(&pg, &p, &coop, &limits, 0);
        // A second line `// vs CooperateBot: played` marks programs that are only hostile to themselves.
        if src.lines().nth(1) == Some("// vs CooperateBot: played") {
            assert!(
                matches!(r.outcome, Outcome::Played { .. }),
                "{file}: {:?}",
                r.outcome
            );
        } else {
            check(&r.outcome, expected, &file);
        }
        // The counterpart is unaffected by its opponent's budget.
        assert!(r.players[1].decision.is_ok(), "{file}");
        // Against itself the same outcome is reported for seat 0.
        let r = play(&pg, &p, &p, &limits, 0);
        check(&r.outcome, expected, &file);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{file} took {:?}",
            start.elapsed()
        );
        assert!(
            r.players[0].steps <= limits.fuel && r.players[0].memory <= limits.max_memory,
            "{file}"
        );
    }
}

#[test]
fn hostile_nesting_in_source_is_a_parse_error_with_position() {
    let limits = Limits::default();
    let cases = [
        format!(
            "main {{ return {}1{}; }}",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
        format!(
            "main {{ return {}1{}; }}",
            "[".repeat(20_000),
            "]".repeat(20_000)
        ),
        format!("main {{ return {}1; }}", "-".repeat(20_000)),
        format!("main {{ return {}true; }}", "not ".repeat(20_000)),
        format!("main {{ {} return 1; }}", "if true { ".repeat(20_000)),
        format!("{} main {{ return 1; }}", "program p { ".repeat(20_000)),
        format!("main {{ return me{}; }}", ".x".repeat(20_000)),
    ];
    for src in cases {
        match Program::parse(&src, &limits) {
            Err(ProgramError::TooDeep { span, limit }) => {
                assert_eq!(limit, limits.max_nesting);
                assert_eq!(span.line, 1);
            }
            other => panic!("expected TooDeep, got {other:?}"),
        }
    }
    let long = "x".repeat(limits.max_source_bytes + 1);
    assert!(matches!(
        Program::parse(&long, &limits),
        Err(ProgramError::TooLong { .. })
    ));
}

#[test]
fn errors_point_at_line_and_column() {
    let limits = Limits::default();
    let cases = [
        (
            "main {\n  return \"C\"\n}",
            "3:1: syntax error: expected `;`, found `}`",
        ),
        (
            "main {\n  return frobnicate(1);\n}",
            "2:10: unknown function `frobnicate`",
        ),
        (
            "main {\n  let x = 1;\n  return y;\n}",
            "3:10: unknown name `y`",
        ),
        (
            "fn f(a) { return a; }\nmain {\n  return f(1, 2);\n}",
            "3:10: `f` takes 1 arguments, given 2",
        ),
        (
            "main {\n  x = 1;\n  return \"C\";\n}",
            "2:3: assignment to `x`, which is not a local (use `let`)",
        ),
        (
            "fn len(x) { return 0; }\nmain { return \"C\"; }",
            "1:4: `len` is a built-in name and cannot be redefined",
        ),
        ("name \"x\";", "1:1: a program needs a `main { ... }` block"),
        (
            "main { return \"C\" ; } @",
            "1:23: syntax error: unexpected character '@'",
        ),
        (
            "main { return \"C; }",
            "1:15: syntax error: string not closed before end of input",
        ),
        (
            "main { return 1 < 2 < 3; }",
            "1:21: syntax error: comparisons do not chain; use `and`",
        ),
    ];
    for (src, want) in cases {
        let e = Program::parse(src, &limits).unwrap_err();
        assert_eq!(e.to_string(), want, "{src}");
    }
}

#[test]
fn simulating_a_hostile_program_stops_the_simulator_within_its_own_budget() {
    // A FairBot-like program that simulates a looping counterpart: the simulator runs out, and the
    // match says which seat's evaluation did.
    let pg = ProgramGame::new(spi_games::examples::program_pd()).unwrap();
    let limits = Limits {
        fuel: 50_000,
        ..Limits::default()
    };
    let looping =
        Arc::new(Program::parse(include_str!("hostile/loop_forever.spl"), &limits).unwrap());
    let fair = library::agent("fairbot-eps").unwrap();
    // Seed 0's first draw for ε = 1/10 is "simulate" (checked below by the outcome).
    let r = play(&pg, &fair, &looping, &limits, 1);
    assert!(
        matches!(
            r.outcome,
            Outcome::Exhausted {
                player: 0,
                resource: Exhaustion::Fuel
            } | Outcome::Exhausted {
                player: 1,
                resource: Exhaustion::Fuel
            }
        ),
        "{:?}",
        r.outcome
    );
    assert!(r.players.iter().all(|p| p.steps <= limits.fuel));
}

#[test]
fn flat_operator_chains_are_refused_by_the_parser_with_their_line() {
    for op in ["+", "-", "*", "/", " and ", " or "] {
        let expr = vec!["1"; 30_000].join(op);
        let src = format!("name \"Chain\";\nmain {{ let x = {expr}; return \"C\"; }}\n");
        match Program::parse(&src, &Limits::default()) {
            Err(ProgramError::TooManyOperators { span, limit }) => {
                assert_eq!(span.line, 2, "{op}");
                assert_eq!(limit, spi_programs::syntax::parser::MAX_OPERATOR_DEPTH);
            }
            other => panic!("{op}: expected TooManyOperators, got {:?}", other.err()),
        }
    }
    // A chain within the bound still parses and runs.
    let expr = vec!["1"; 400].join("+");
    let src = format!("main {{ if {expr} == 400 {{ return \"C\"; }} return \"D\"; }}");
    assert!(Program::parse(&src, &Limits::default()).is_ok());
}

#[test]
fn modal_and_chains_and_huge_provability_indices_end_quickly() {
    let mut sys = spi_programs::modal::ModalSystem::library();
    let chain = vec!["box C(me)"; 20_000].join(" and ");
    let e = sys.add_source(&format!("agent K = {chain};")).unwrap_err();
    assert!(matches!(e, ProgramError::TooManyOperators { .. }), "{e}");
    for k in [1_000_000_000u32, u32::MAX] {
        let mut sys = spi_programs::modal::ModalSystem::library();
        sys.add_source(&format!("agent K = box[{k}] C(me);"))
            .unwrap();
        let started = Instant::now();
        let o = sys.play("K", "K").unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "box[{k}]");
        assert!(o.first_cooperates && o.second_cooperates);
        assert_eq!(o.worlds as u64, u64::from(k) + 1);
    }
}

#[test]
fn user_limits_beyond_the_sandbox_are_refused() {
    let e = Limits::default().with_depth(1_000_000).unwrap_err();
    assert!(
        matches!(e, ProgramError::LimitTooLarge { what: "depth", .. }),
        "{e}"
    );
    let deep = Limits::default().with_depth(Limits::MAX_DEPTH).unwrap();
    assert!(deep.stack_bytes > Limits::default().stack_bytes);
    let greedy = Limits {
        max_memory: 1_000_000_000_000,
        ..Limits::default()
    };
    assert!(matches!(
        greedy.validate(),
        Err(ProgramError::LimitTooLarge { what: "memory", .. })
    ));
    assert!(Limits::default().validate().is_ok());
}
