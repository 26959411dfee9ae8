//! Statistical and property tests: ε-grounded FairBot (docs/reference/definitions.md §7.1),
//! replayability, parser and interpreter robustness on arbitrary input, and differential tests
//! against naive references.

use std::sync::Arc;

use proptest::prelude::*;
use spi_games::{Game, Rational, examples};
use spi_programs::modal::ModalSystem;
use spi_programs::region::PayoffGeometry;
use spi_programs::{Limits, Outcome, Program, ProgramGame, library, play, play_here};

fn cooperated(o: &Outcome, seat: usize) -> bool {
    match o {
        Outcome::Played { realized, .. } => realized[seat] == 0,
        other => panic!("match did not finish: {other:?}"),
    }
}

#[test]
fn oesterheld2019_eps_fairbot_copies_cooperate_in_every_seeded_run() {
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let fb = library::agent("fairbot-eps").unwrap();
    let limits = Limits::default();
    let mut deepest = 0;
    for seed in 0..1000 {
        let r = play(&pg, &fb, &fb, &limits, seed);
        assert!(
            cooperated(&r.outcome, 0) && cooperated(&r.outcome, 1),
            "seed {seed}: {:?}",
            r.outcome
        );
        deepest = deepest.max(r.players[0].sim_depth.max(r.players[1].sim_depth));
    }
    // Simulation depth is geometric with mean 1/ε = 10: some run goes well past it.
    assert!(deepest > 20, "deepest simulation {deepest}");
}

/// The smallest k with P(X ≤ k) ≥ p and the largest with P(X ≥ k) ≥ p, X ~ Binomial(n, q).
fn binomial_interval(n: u64, q: f64, tail: f64) -> (u64, u64) {
    let ln_pmf = |k: u64| -> f64 {
        let lg = |x: f64| libm_lgamma(x + 1.0);
        lg(n as f64) - lg(k as f64) - lg((n - k) as f64)
            + (k as f64) * q.ln()
            + ((n - k) as f64) * (1.0 - q).ln()
    };
    let pmf: Vec<f64> = (0..=n).map(|k| ln_pmf(k).exp()).collect();
    let mut acc = 0.0;
    let mut lo = 0;
    for (k, p) in pmf.iter().enumerate() {
        acc += p;
        if acc > tail {
            lo = k as u64;
            break;
        }
    }
    let mut acc = 0.0;
    let mut hi = n;
    for (k, p) in pmf.iter().enumerate().rev() {
        acc += p;
        if acc > tail {
            hi = k as u64;
            break;
        }
    }
    (lo, hi)
}

/// ln Γ(x) by Stirling's series with a shift (accurate to ~1e-12 for x ≥ 1).
fn libm_lgamma(x: f64) -> f64 {
    let mut x = x;
    let mut shift = 0.0;
    while x < 10.0 {
        shift -= x.ln();
        x += 1.0;
    }
    let x2 = x * x;
    shift + (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x2 * x2 * x)
}

#[test]
fn oesterheld2019_eps_fairbot_vs_defectbot_cooperates_with_probability_eps() {
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let fb = library::agent("fairbot-eps").unwrap();
    let db = library::agent("defectbot").unwrap();
    let limits = Limits::default();
    let n = 10_000;
    let c = (0..n)
        .filter(|&seed| cooperated(&play_here(&pg, &fb, &db, &limits, seed).outcome, 0))
        .count() as u64;
    // Two-sided 99.9%: each tail at most 0.0005.
    let (lo, hi) = binomial_interval(n, 0.1, 0.0005);
    assert!(
        (880..=920).contains(&lo) && (1080..=1120).contains(&hi),
        "interval [{lo}, {hi}]"
    );
    println!("{c} cooperations in {n} runs; binomial 99.9% interval [{lo}, {hi}]");
    assert!(
        lo <= c && c <= hi,
        "{c} cooperations in {n} runs, outside [{lo}, {hi}]"
    );
}

#[test]
fn runs_replay_exactly_from_their_seed() {
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let fb = library::agent("fairbot-eps").unwrap();
    let limits = Limits::default();
    for seed in [0, 1, 42, u64::MAX] {
        let a = play(&pg, &fb, &fb, &limits, seed);
        let b = play(&pg, &fb, &fb, &limits, seed);
        assert_eq!(a.outcome, b.outcome);
        assert_eq!(
            (a.players[0].steps, a.players[1].steps),
            (b.players[0].steps, b.players[1].steps)
        );
    }
}

fn small_game(payoffs: &[(i64, i64)], rows: usize, cols: usize) -> Game {
    let actions = vec![
        (0..rows).map(|i| format!("r{i}")).collect::<Vec<_>>(),
        (0..cols).map(|j| format!("c{j}")).collect::<Vec<_>>(),
    ];
    Game::from_fn(
        "random",
        vec!["A".into(), "B".into()],
        actions,
        |p: &[usize]| {
            let (a, b) = payoffs[p[0] * cols + p[1]];
            vec![Rational::from(a), Rational::from(b)]
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// The parser never panics and never recurses without bound, whatever the text.
    #[test]
    fn parser_total_on_arbitrary_text(src in "\\PC{0,400}") {
        let _ = Program::parse(&src, &Limits::default());
    }

    /// Token soup from the language's own alphabet reaches deeper into the parser.
    #[test]
    fn parser_total_on_token_soup(toks in prop::collection::vec(prop::sample::select(vec![
        "main", "{", "}", "(", ")", "[", "]", "return", "let", "x", "=", ";", "if", "else", "for", "in",
        "fn", "f", ",", "1", "\"C\"", "+", "*", "/", "==", "<", "not", "and", "them", "me", ".", "program", "const",
    ]), 0..200)) {
        let _ = Program::parse(&toks.join(" "), &Limits::default());
    }

    /// PMM from the CSR geometry equals spi-games' PMM (an independent LP/efficiency computation).
    #[test]
    fn pmm_matches_spi_games(rows in 1usize..4, cols in 1usize..4, seed in prop::collection::vec((-5i64..6, -5i64..6), 16)) {
        let g = small_game(&seed, rows, cols);
        let geo = PayoffGeometry::new(&g).unwrap();
        let reference = spi_games::pareto::pmm(&g);
        prop_assert_eq!(geo.pmm.to_vec(), reference);
    }

    /// A selected point of the feasible set is written back as a lottery that reproduces it exactly,
    /// and it is Pareto-efficient in C(Γ) (differential against spi-games' LP test).
    #[test]
    fn selection_is_feasible_and_efficient(rows in 1usize..4, cols in 1usize..4, seed in prop::collection::vec((-5i64..6, -5i64..6), 16)) {
        let g = small_game(&seed, rows, cols);
        let geo = PayoffGeometry::new(&g).unwrap();
        for rule in [spi_programs::region::Selection::Utilitarian, spi_programs::region::Selection::LexFirst, spi_programs::region::Selection::LexSecond] {
            let y = geo.select(&spi_programs::region::Region::feasible(), rule).unwrap();
            let lot = geo.lottery(&y).unwrap();
            let mut e = [Rational::from(0), Rational::from(0)];
            for (p, w) in &lot {
                for k in 0..2 { e[k] = &e[k] + &(w * g.payoff(p, k)); }
            }
            prop_assert_eq!(&e, &y);
            prop_assert!(spi_games::pareto::is_pareto_optimal(&g, &y));
        }
    }

    /// Modal evaluation with the stabilisation shortcut agrees with a naive run of many worlds.
    #[test]
    fn modal_shortcut_matches_naive_chain(k1 in 0u32..3, k2 in 0u32..3, neg in any::<bool>()) {
        let mut s = ModalSystem::library();
        let body = if neg { "not C(DefectBot)" } else { "C(CooperateBot)" };
        s.add_source(&format!("agent X = box[{k1}] C(me) and box[{k2}] {body};\nagent Y = box C(X) or box[{k2}] C(me);")).unwrap();
        for (a, b) in [("X", "Y"), ("Y", "X"), ("X", "X"), ("X", "PrudentBot"), ("Y", "FairBot")] {
            let fast = s.play(a, b).unwrap();
            let slow = spi_programs::modal::naive_play(&s, a, b, 64).unwrap();
            prop_assert_eq!((fast.first_cooperates, fast.second_cooperates), slow);
        }
    }
}

#[test]
fn interpreter_total_on_generated_programs() {
    // Programs assembled from fragments that exercise every value type and builtin; each must end in
    // a defined outcome (played, exhausted or fault) without panicking.
    let frags = [
        "return \"C\";",
        "return mix([[\"C\", 1/3], [\"D\", 2/3]]);",
        "return sim(them, me);",
        "return outcome(me, them)[player];",
        "let r = meet(pmp(player, [\"C\", \"D\"]), improvements([\"D\", \"D\"])); return select(r, \"utilitarian\");",
        "return select(feasible(), \"lex1\");",
        "return [\"C\", \"C\"];",
        "return joint([[[\"C\", \"C\"], 1/2], [[\"D\", \"D\"], 1/2]]);",
        "for p in profiles() { if payoff(p, player) > 2 { return p; } } return \"D\";",
        "return len(source(them)) > 50;",
        "return them.missing(1);",
        "return actions(player)[5];",
    ];
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let limits = Limits {
        fuel: 20_000,
        ..Limits::default()
    };
    let progs: Vec<Arc<Program>> = frags
        .iter()
        .map(|f| Arc::new(Program::parse(&format!("main {{ {f} }}"), &limits).unwrap()))
        .collect();
    for a in &progs {
        for b in &progs {
            let r = play(&pg, a, b, &limits, 3);
            assert!(r.players.iter().all(|p| p.steps <= limits.fuel));
        }
    }
}
