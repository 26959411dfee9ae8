//! Golden tests named after their sources: DCM 2024 (Scheduling Game renegotiation, PMP, CSR),
//! agenda B.4 (doomsday), the CooperateBot/DefectBot/CliqueBot program game, OC 2022 Algorithm 2
//! (vectors V 3.1–V 3.4 and §2.7 of docs/reference/definitions.md). Snapshots: `cargo insta test -p
//! spi-programs --test papers` regenerates them.

use std::sync::Arc;

use spi_games::{Rational, examples};
use spi_programs::examples as doomsday;
use spi_programs::spi_check::check_transformation_on_space;
use spi_programs::tournament::run_programs;
use spi_programs::{Limits, MatchReport, Outcome, Program, ProgramGame, library, play};

fn agent(k: &str) -> Arc<Program> {
    library::agent(k).unwrap_or_else(|| panic!("library agent {k}"))
}

fn summary(pg: &ProgramGame, r: &MatchReport) -> String {
    let g = &pg.game;
    match &r.outcome {
        Outcome::Played {
            distribution,
            expected,
            ..
        } => {
            let d: Vec<String> = distribution
                .iter()
                .map(|(p, w)| format!("{w} {}", g.profile_label(p)))
                .collect();
            let rn: Vec<String> = r
                .players
                .iter()
                .map(|p| p.renegotiated.clone().unwrap_or_else(|| "-".into()))
                .collect();
            format!(
                "{} vs {}: {} payoffs ({}, {}) renegotiated [{}]",
                r.players[0].program,
                r.players[1].program,
                d.join(" + "),
                expected[0],
                expected[1],
                rn.join("; ")
            )
        }
        other => format!(
            "{} vs {}: {other:?}",
            r.players[0].program, r.players[1].program
        ),
    }
}

fn run(pg: &ProgramGame, a: &str, b: &str) -> MatchReport {
    play(pg, &agent(a), &agent(b), &Limits::default(), 0)
}

fn payoffs(r: &MatchReport) -> [Rational; 2] {
    match &r.outcome {
        Outcome::Played { expected, .. } => expected.clone(),
        other => panic!("match did not finish: {other:?}"),
    }
}

fn q(n: i64) -> Rational {
    Rational::from(n)
}

#[test]
fn dcm2024_scheduling_renegotiation() {
    let pg = ProgramGame::new(examples::scheduling()).unwrap();
    let base = run(&pg, "slot1", "slot2");
    assert_eq!(payoffs(&base), [q(0), q(0)]);
    let wrapped = run(&pg, "renegotiation-slot1", "renegotiation-slot2");
    assert_eq!(payoffs(&wrapped), [q(1), q(1)]);
    assert_eq!(
        wrapped.players[0].renegotiated.as_deref(),
        Some("(Slot3, Slot3)")
    );
    // Against a non-renegotiation counterpart the wrapper plays its default.
    let mixed = run(&pg, "renegotiation-slot1", "slot2");
    assert_eq!(payoffs(&mixed), [q(0), q(0)]);
    let coordinated = run(&pg, "renegotiation-slot1", "slot1");
    assert_eq!(payoffs(&coordinated), [q(3), q(1)]);
    insta::assert_snapshot!(
        [base, wrapped, mixed, coordinated]
            .iter()
            .map(|r| summary(&pg, r))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn dcm2024_scheduling_pmp() {
    let pg = ProgramGame::new(examples::scheduling()).unwrap();
    assert_eq!(pg.geometry.pmm, [q(1), q(1)]);
    // Unextended CSR programs demanding 3 each find no common improvement: they stay at (0, 0).
    let plain = run(&pg, "csr-slot1", "csr-slot2");
    assert_eq!(payoffs(&plain), [q(0), q(0)]);
    // Both PMP-extend: PMP_1 ∩ PMP_2 = {(1, 1)}, the PMM.
    let extended = run(&pg, "csr-pmp-slot1", "csr-pmp-slot2");
    assert_eq!(payoffs(&extended), [q(1), q(1)]);
    // Only one extends: no common point, the defaults' outcome.
    let one = run(&pg, "csr-pmp-slot1", "csr-slot2");
    assert_eq!(payoffs(&one), [q(0), q(0)]);
    // Iterating renegotiation from (1, 1) does not beat the PMM (DCM: the bound is tight).
    let iterated = run(&pg, "csr-iterated-slot1", "csr-iterated-slot2");
    assert_eq!(payoffs(&iterated), [q(1), q(1)]);
    insta::assert_snapshot!(
        [plain, extended, one, iterated]
            .iter()
            .map(|r| summary(&pg, r))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn dcm2024_csr_selection_reaches_a_correlated_point() {
    // Base sets that overlap on the segment between (3,1) and (1,3): utilitarian selection picks an
    // endpoint maximising u1+u2 (ties to u1), lexicographic-2 the other; the programs play it exactly.
    let pg = ProgramGame::new(examples::scheduling()).unwrap();
    let limits = Limits::default();
    let default1 = Program::parse(
        &library::AGENTS
            .iter()
            .find(|a| a.key == "slot1")
            .unwrap()
            .source(),
        &limits,
    )
    .unwrap();
    let default2 = Program::parse(
        &library::AGENTS
            .iter()
            .find(|a| a.key == "slot2")
            .unwrap()
            .source(),
        &limits,
    )
    .unwrap();
    for (rule, want) in [("utilitarian", [q(3), q(1)]), ("lex2", [q(1), q(3)])] {
        let opts = library::CsrOptions {
            demand: "1".into(),
            rule: rule.into(),
            extend: false,
            rounds: 1,
        };
        let a = Arc::new(Program::parse(&library::csr_source(&default1, &opts), &limits).unwrap());
        let b = Arc::new(Program::parse(&library::csr_source(&default2, &opts), &limits).unwrap());
        let r = play(&pg, &a, &b, &limits, 0);
        assert_eq!(payoffs(&r), want, "rule {rule}");
    }
    // Demanding 2 each: only (2, 2) = ½(Slot1,Slot1) + ½(Slot2,Slot2) qualifies, a correlated outcome.
    let opts = library::CsrOptions {
        demand: "2".into(),
        rule: "utilitarian".into(),
        extend: false,
        rounds: 1,
    };
    let a = Arc::new(Program::parse(&library::csr_source(&default1, &opts), &limits).unwrap());
    let b = Arc::new(Program::parse(&library::csr_source(&default2, &opts), &limits).unwrap());
    let r = play(&pg, &a, &b, &limits, 0);
    assert_eq!(payoffs(&r), [q(2), q(2)]);
    insta::assert_snapshot!(summary(&pg, &r));
}

#[test]
fn agenda_b4_doomsday_renegotiation() {
    let pg = ProgramGame::new(doomsday::doomsday_default().unwrap()).unwrap();
    let base = run(&pg, "demand50", "demand80-doomsday");
    assert_eq!(payoffs(&base), [q(-100), q(-100)]);
    let wrapped = run(&pg, "renegotiation-demand50", "renegotiation-demand80");
    assert_eq!(payoffs(&wrapped), [q(10), q(10)]);
    // Mismatched proposals (B proposes both demand 50): both fall back to the base outcome.
    let mismatched = run(
        &pg,
        "renegotiation-demand50",
        "renegotiation-demand80-split",
    );
    assert_eq!(payoffs(&mismatched), [q(-100), q(-100)]);
    assert!(mismatched.players.iter().all(|p| p.renegotiated.is_none()));
    insta::assert_snapshot!(
        [base, wrapped, mismatched]
            .iter()
            .map(|r| summary(&pg, r))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The B.4 wrapper as the agenda states it (docs/reference/agenda.md §B.4): on conflict propose
/// "both attempt takeover" whether or not that is a Pareto improvement (`checked = false`), or
/// DCM's r, which only takes proposals that weakly Pareto-improve (`checked = true`).
fn b4_wrapped(default: &str, checked: bool) -> Arc<Program> {
    let limits = Limits::default();
    let d = agent(default);
    let mut src = library::renegotiation_source(&d, library::PROPOSE_DISARM);
    if !checked {
        let guard = "if v[0] >= w[0] and v[1] >= w[1] and v != w {";
        assert!(src.contains(guard));
        src = src.replace(guard, "if v != w {");
    }
    Arc::new(Program::parse(&src, &limits).unwrap())
}

fn b4_space(doom: i64, takeover_a: i64, checked: bool) -> spi_programs::spi_check::SpaceCheck {
    let g = doomsday::doomsday([q(doom), q(doom)], [q(takeover_a), q(10)]).unwrap();
    let pg = ProgramGame::new(g).unwrap();
    let defaults = vec![
        ("demand50".to_string(), agent("demand50")),
        ("demand80-doomsday".to_string(), agent("demand80-doomsday")),
    ];
    let wrapped = vec![
        (
            "renegotiation-demand50".to_string(),
            b4_wrapped("demand50", checked),
        ),
        (
            "renegotiation-demand80".to_string(),
            b4_wrapped("demand80-doomsday", checked),
        ),
    ];
    check_transformation_on_space(&pg, &defaults, &wrapped, &Limits::default(), 0).unwrap()
}

#[test]
fn agenda_b4_wrapper_is_spi_iff_doomsday_no_better_than_takeover() {
    // doomsday < takeover for both: a strict SPI, and demands are preserved.
    let c = b4_space(-100, 10, false);
    assert!(c.verdict.is_strict_spi(), "{:?}", c.verdict);
    assert!(c.demand_preserving(), "{:?}", c.demand_changes);
    // doomsday = takeover for both: an SPI, not strict.
    let c = b4_space(10, 10, false);
    assert!(c.verdict.is_spi());
    assert!(!c.verdict.is_strict_spi());
    // takeover worse than doomsday for A: not an SPI; the counterexample is a conflict profile.
    let c = b4_space(-100, -200, false);
    assert!(!c.verdict.is_spi());
    let ce = &c.verdict.counterexamples[0];
    assert_eq!(ce.player, 0);
    assert_eq!(
        (ce.payoff_from.clone(), ce.payoff_to.clone()),
        (q(-100), q(-200))
    );
    // DCM's r (proposals only when they weakly Pareto-improve) is an SPI whatever the payoffs.
    assert!(b4_space(-100, -200, true).verdict.is_spi());
}

#[test]
fn dcm2024_scheduling_renegotiation_is_an_spi_but_changes_demands() {
    let pg = ProgramGame::new(examples::scheduling()).unwrap();
    let defaults = vec![
        ("slot1".to_string(), agent("slot1")),
        ("slot2".to_string(), agent("slot2")),
    ];
    let wrapped = vec![
        (
            "renegotiation-slot1".to_string(),
            agent("renegotiation-slot1"),
        ),
        (
            "renegotiation-slot2".to_string(),
            agent("renegotiation-slot2"),
        ),
    ];
    let c = check_transformation_on_space(&pg, &defaults, &wrapped, &Limits::default(), 0).unwrap();
    assert!(c.verdict.is_strict_spi());
    // Slot1 → Slot3 is a different demand: this SPI is not demand-preserving.
    assert!(!c.demand_preserving());
}

#[test]
fn formal_program_pd_cliquebot_game() {
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let entrants: Vec<(String, Arc<Program>)> = ["cooperatebot", "defectbot", "cliquebot"]
        .iter()
        .map(|k| (k.to_string(), agent(k)))
        .collect();
    let t = run_programs(&pg, &entrants, &Limits::default(), 0, &|_, _| {});
    let eq = t.pure_equilibria(&pg.game).unwrap();
    let names: Vec<(String, String)> = eq
        .iter()
        .map(|p| (t.names[p[0]].clone(), t.names[p[1]].clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("defectbot".to_string(), "defectbot".to_string()),
            ("cliquebot".to_string(), "cliquebot".to_string())
        ]
    );
    let table: Vec<String> = t
        .payoffs
        .iter()
        .enumerate()
        .map(|(i, row)| {
            format!(
                "{:>12}: {}",
                t.names[i],
                row.iter()
                    .map(|u| format!("{},{}", u[0], u[1]))
                    .collect::<Vec<_>>()
                    .join("  ")
            )
        })
        .collect();
    insta::assert_snapshot!(table.join("\n"));
}

#[test]
fn oc2022_algorithm2_program_equilibrium() {
    let pg = ProgramGame::new(examples::program_pd()).unwrap();
    let both = run(&pg, "oc-program-equilibrium", "oc-program-equilibrium");
    assert_eq!(payoffs(&both), [q(2), q(2)]);
    // A deviator is held to its threat point (1 in this PD): DefectBot gets 1, not 3.
    let dev = run(&pg, "oc-program-equilibrium", "defectbot");
    assert_eq!(payoffs(&dev), [q(1), q(1)]);
    let coop = run(&pg, "oc-program-equilibrium", "cooperatebot");
    assert_eq!(payoffs(&coop)[1], q(0));
}

#[test]
fn oc2022_algorithm2_punishes_with_the_mixed_minimax() {
    // In matching pennies the threat point needs a mixed punishment: 1/2 H + 1/2 T, value 0.
    let pg = ProgramGame::new(examples::matching_pennies()).unwrap();
    let limits = Limits::default();
    let punisher = Arc::new(Program::parse("main { return punish(other); }", &limits).unwrap());
    let heads = Arc::new(Program::parse("main { return \"H\"; }", &limits).unwrap());
    let r = play(&pg, &punisher, &heads, &limits, 0);
    let Outcome::Played {
        distribution,
        expected,
        ..
    } = &r.outcome
    else {
        panic!("{:?}", r.outcome)
    };
    assert_eq!(distribution.len(), 2);
    assert!(
        distribution
            .iter()
            .all(|(_, w)| *w == Rational::new(1, 2).unwrap())
    );
    assert_eq!(expected, &[q(0), q(0)]);
}
