//! Golden tests: every public test vector of docs/reference/definitions.md §1–§3 that spi-games
//! covers, named after its source. Snapshots live in `tests/snapshots/`; regenerate with `cargo
//! insta test -p spi-games --accept` after checking the diff against docs/reference/definitions.md.

use spi_games::{Game, Rational, dominance, equilibrium, examples, pareto, threat};

fn q(s: &str) -> Rational {
    s.parse().unwrap()
}

fn show_eqs(g: &Game, eqs: &[equilibrium::MixedEquilibrium]) -> String {
    let mut out = String::new();
    for e in eqs {
        for (i, s) in e.strategies.iter().enumerate() {
            let parts: Vec<String> = s
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_zero())
                .map(|(a, p)| format!("{} {p}", g.actions(i)[a]))
                .collect();
            out.push_str(&format!("{}: {}; ", g.players()[i], parts.join(", ")));
        }
        let pay: Vec<String> = e.payoffs.iter().map(|x| x.to_string()).collect();
        out.push_str(&format!("payoffs ({})\n", pay.join(", ")));
    }
    out
}

fn show_trace(g: &Game, r: &dominance::Reduction) -> String {
    let mut out = String::new();
    for e in &r.trace {
        out.push_str(&format!(
            "round {}: {} drops {} (dominated by {})\n",
            e.round,
            g.players()[e.player],
            g.actions(e.player)[e.action],
            g.actions(e.player)[e.dominated_by]
        ));
    }
    for (i, s) in r.surviving.iter().enumerate() {
        let names: Vec<&str> = s.iter().map(|&a| g.actions(i)[a].as_str()).collect();
        out.push_str(&format!("{} keeps {}\n", g.players()[i], names.join(", ")));
    }
    out
}

#[test]
fn oc2022_demand_game_iesds() {
    let g = examples::demand_game();
    let r = dominance::iesds(&g);
    assert_eq!(
        r.surviving,
        vec![vec![0, 1], vec![0, 1]],
        "IESDS leaves {{DM, RM}} x {{DM, RM}}"
    );
    insta::assert_snapshot!(show_trace(&g, &r));
}

#[test]
fn oc2022_demand_game_threat_point() {
    let t = threat::threat_point(&examples::demand_game());
    assert_eq!(t.values, vec![q("0"), q("0")]);
}

#[test]
fn oc2022_demand_game_reduced_symmetric_equilibrium() {
    let g = examples::demand_game();
    let reduced = dominance::iesds(&g).reduced_game(&g);
    let eqs = equilibrium::enumerate(&reduced).unwrap();
    let sym = eqs
        .iter()
        .find(|e| e.strategies[0] == e.strategies[1])
        .expect("a symmetric equilibrium");
    assert_eq!(
        sym.strategies[0],
        vec![q("1/4"), q("3/4")],
        "DM with probability 1/4"
    );
    assert_eq!(sym.payoffs, vec![q("3/4"), q("3/4")]);
    insta::assert_snapshot!(show_eqs(&reduced, &eqs));
}

#[test]
fn oc2022_demand_game_spi_mix_yields_one_each() {
    // Playing the same 1/4 mix on {DL, RL} under the original payoffs gives 1 each.
    let g = examples::demand_game();
    let mix = vec![q("0"), q("0"), q("1/4"), q("3/4")];
    let pay = equilibrium::expected_payoffs(&g, &[mix.clone(), mix]);
    assert_eq!(pay, vec![q("1"), q("1")]);
}

#[test]
fn oc2022_prisoners_dilemma_iesds_and_perfect_coordination() {
    let g = examples::prisoners_dilemma();
    let r = dominance::iesds(&g);
    assert_eq!(r.surviving, vec![vec![1], vec![1]], "IESDS leaves (D, D)");
    let imp =
        pareto::pareto_improvement(&g, &[q("2"), q("2")]).expect("(2,2) is dominated in C(Γ)");
    assert!(pareto::strictly_improves(&imp.point, &[q("2"), q("2")]));
    assert!(pareto::is_pareto_optimal(&g, &[q("3"), q("3")]));
    insta::assert_snapshot!(show_trace(&g, &r));
}

#[test]
fn dcm2024_pmm_vectors() {
    let ints = |v: &[i64]| v.iter().map(|&x| Rational::from_int(x)).collect::<Vec<_>>();
    assert_eq!(pareto::pmm(&examples::prisoners_dilemma()), ints(&[1, 1]));
    assert_eq!(pareto::pmm(&examples::chicken()), ints(&[1, 1]));
    assert_eq!(pareto::pmm(&examples::scheduling()), ints(&[1, 1]));
    let dg = examples::demand_game();
    assert_eq!(
        pareto::pmm(&dg),
        ints(&[-5, -5]),
        "vacuous on the full Demand Game"
    );
    assert_eq!(
        pareto::pmm(&dominance::iesds(&dg).reduced_game(&dg)),
        ints(&[0, 0])
    );
    let pd = examples::prisoners_dilemma();
    let eff: Vec<String> = pareto::efficient_outcomes(&pd)
        .iter()
        .map(|p| pd.profile_label(p))
        .collect();
    assert_eq!(eff, ["(C, C)", "(C, D)", "(D, C)"]);
}

#[test]
fn dcm2024_scheduling_pmp_sets() {
    let g = examples::scheduling();
    let zero = [q("0"), q("0")];
    let p1 = pareto::pmp(&g, 0, &zero).unwrap();
    assert_eq!(
        (p1.fixed, p1.lo, p1.hi),
        (q("1"), q("1"), q("3")),
        "PMP_1 = {{u2 = 1, 1 <= u1 <= 3}}"
    );
    let p2 = pareto::pmp(&g, 1, &zero).unwrap();
    assert_eq!(
        (p2.fixed, p2.lo, p2.hi),
        (q("1"), q("1"), q("3")),
        "PMP_2 = {{u1 = 1, 1 <= u2 <= 3}}"
    );
}

#[test]
fn dcm2024_program_pd_pure_equilibrium() {
    let g = examples::program_pd();
    let labels: Vec<String> = equilibrium::pure_nash(&g)
        .iter()
        .map(|p| g.profile_label(p))
        .collect();
    assert_eq!(labels, ["(D, D)"]);
}

#[test]
fn every_example_equilibria() {
    let mut out = String::new();
    for e in examples::EXAMPLES {
        let g = e.game();
        let eqs = equilibrium::enumerate(&g).unwrap();
        for x in &eqs {
            equilibrium::verify(&g, &x.strategies).unwrap();
        }
        out.push_str(&format!("== {}\n{}", e.key, show_eqs(&g, &eqs)));
    }
    insta::assert_snapshot!(out);
}
