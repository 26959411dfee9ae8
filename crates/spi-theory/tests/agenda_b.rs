//! Golden tests for the research agenda's Appendix B (docs/reference/agenda.md; definitions and
//! vectors V 3.3, V 4.1 and V 5.1–5.3 in docs/reference/definitions.md) on the finite models in
//! `test_data/theory/`.

use spi_games::Rational;
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::check_full_strategy;
use spi_theory::program_space::check_transformation;
use spi_theory::surrogate::analyze;

fn model(name: &str) -> ModelDocument {
    let path = format!(
        "{}/../../test_data/theory/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    read_model(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn q(s: &str) -> Rational {
    s.parse().unwrap()
}

#[test]
fn agenda_b4_renegotiation_wrapper_is_an_spi_iff_doomsday_is_worse_than_takeover() {
    let ModelDocument::Transformation(t) = model("b1-renegotiation.json") else {
        panic!("a transformation")
    };
    let c = check_transformation(&t);
    assert!(c.is_spi() && c.is_strict_spi());
    assert_eq!(c.space_size, 2);
    assert_eq!(c.strict_gains, vec![vec![0, 0]]);
    let ModelDocument::Transformation(t) = model("b1-renegotiation-not-spi.json") else {
        panic!("a transformation")
    };
    let c = check_transformation(&t);
    assert!(!c.is_spi());
    let x = &c.counterexamples[0];
    assert_eq!(
        (x.from.clone(), x.to.clone(), x.player),
        (vec![0, 0], vec![2, 1], 0)
    );
    assert_eq!(
        (x.payoff_from.clone(), x.payoff_to.clone()),
        (q("-10"), q("-12"))
    );
}

#[test]
fn agenda_b2_pi_not_fi_agent() {
    let ModelDocument::FullStrategy(s) = model("b2-pi-not-fi.json") else {
        panic!("a full strategy")
    };
    let c = check_full_strategy(&s);
    assert!(c.is_demand_preserving());
    assert!(c.is_participation_independent());
    assert!(!c.is_foreknowledge_independent());
    let w = &c.foreknowledge[0];
    assert_eq!(w.player, "A");
    assert_eq!(w.left, ("demand60".to_string(), q("3/5")));
    assert_eq!(w.right, ("demand50".to_string(), q("1/2")));
}

#[test]
fn agenda_b2_demand_raising_wrapper_is_neither_pi_nor_fi() {
    let ModelDocument::FullStrategy(s) = model("b2-not-demand-preserving.json") else {
        panic!("a full strategy")
    };
    let c = check_full_strategy(&s);
    assert!(
        !c.is_demand_preserving()
            && !c.is_participation_independent()
            && !c.is_foreknowledge_independent()
    );
    assert!(c.participation.is_empty() && c.foreknowledge.is_empty());
    assert_eq!(
        c.demand_preserving[0].right,
        ("reneg-hard(demand50)".to_string(), q("3/5"))
    );
}

#[test]
fn agenda_b3_equal_cost_surrogate_is_an_spi_with_unchanged_demands() {
    let ModelDocument::ThreatGame(g) = model("b3-surrogate-equal-cost.json") else {
        panic!("a threat game")
    };
    let r = analyze(&g);
    assert!(r.is_concession_equivalent() && r.is_spi() && r.is_spi_for_every_demand());
    assert_eq!(r.before.demand, Some(q("1")));
    assert_eq!(r.after.target.as_deref(), Some("surrogate"));
    assert_eq!(r.demand_change(), Some(q("0")));
    // Executed threats (probability 1/10) now cost A 1 instead of 10: A gains 9/10, B nothing.
    assert_eq!(r.gains(), [q("9/10"), q("0")]);
}

#[test]
fn agenda_b3_cheaper_surrogate_raises_b_demand_slightly_and_both_gain() {
    let ModelDocument::ThreatGame(g) = model("b3-surrogate-cheaper.json") else {
        panic!("a threat game")
    };
    let r = analyze(&g);
    assert!(r.is_concession_equivalent() && r.is_spi() && r.is_spi_for_every_demand());
    assert_eq!(
        (r.before.demand.clone(), r.after.demand.clone()),
        (Some(q("1")), Some(q("2")))
    );
    // Before: 9/10·(−1) + 1/10·(−10) = −19/10 for A, 9/10 − 2/10 = 7/10 for B.
    // After:  13/20·(−2) + 7/20·(−1) = −33/20 for A, 13/10 − 7/20 = 19/20 for B.
    assert_eq!(r.before.payoffs, [q("-19/10"), q("7/10")]);
    assert_eq!(r.after.payoffs, [q("-33/20"), q("19/20")]);
    assert_eq!(r.gains(), [q("1/4"), q("1/4")]);
}

#[test]
fn agenda_b3_policy_that_discounts_surrogate_threats_is_not_concession_equivalent() {
    let ModelDocument::ThreatGame(g) = model("b3-not-concession-equivalent.json") else {
        panic!("a threat game")
    };
    let r = analyze(&g);
    assert!(!r.is_concession_equivalent());
    assert_eq!(r.breaches.len(), 4);
    assert_eq!(r.after.target.as_deref(), Some("original"));
    assert_eq!(r.gains(), [q("0"), q("0")]);
}

fn raw(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../test_data/theory/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn refused(v: serde_json::Value) -> String {
    read_model(&v).unwrap_err().to_string()
}

/// Documents whose answer would depend on the order of their rows are refused by name: the first
/// of two rows used to win, so reordering a file changed the verdict.
#[test]
fn ambiguous_documents_are_refused() {
    let mut v = raw("b3-surrogate-equal-cost.json");
    let row = v["concession"]["by_b_execution_payoff"][0].clone();
    v["concession"]["by_b_execution_payoff"]
        .as_array_mut()
        .unwrap()
        .push(row);
    let e = refused(v);
    assert!(
        e.starts_with("$.concession.by_b_execution_payoff[1].b_execution: expected one row"),
        "{e}"
    );
    let mut v = raw("b3-surrogate-equal-cost.json");
    v["demands"] = serde_json::json!(["1", "2", "2", "4"]);
    assert!(refused(v).starts_with("$.demands[2]: expected distinct demands"));
    let mut v = raw("b3-surrogate-equal-cost.json");
    v["demands"] = serde_json::json!([]);
    assert!(refused(v).starts_with("$.demands: expected at least one demand"));
    let mut v = raw("b3-surrogate-equal-cost.json");
    v["targets"][1]["name"] = serde_json::json!("original");
    assert!(refused(v).starts_with("$.targets[1].name: expected distinct target names"));
    let mut v = raw("b2-pi-not-fi.json");
    let first = v["players"][0].clone();
    v["players"].as_array_mut().unwrap().push(first);
    let e = refused(v);
    assert!(
        e.contains(".player: expected one strategy per player"),
        "{e}"
    );
    let mut v = raw("b2-pi-not-fi.json");
    v["players"] = serde_json::json!([]);
    assert!(refused(v).starts_with("$.players: expected at least one player"));
}

/// A transformation is a function: a profile mapped twice is refused, as is an empty list.
#[test]
fn a_transformation_maps_each_profile_once() {
    let mut v = raw("b1-renegotiation-not-spi.json");
    let first = v["transformation"][0].clone();
    let mut second = first.clone();
    second["to"] = first["from"].clone();
    v["transformation"].as_array_mut().unwrap().push(second);
    let n = v["transformation"].as_array().unwrap().len() - 1;
    let e = refused(v);
    assert!(
        e.starts_with(&format!(
            "$.transformation[{n}].from: expected each profile mapped once"
        )),
        "{e}"
    );
    let mut v = raw("b1-renegotiation-not-spi.json");
    v["transformation"] = serde_json::json!([]);
    assert!(refused(v).starts_with("$.transformation: expected at least one"));
}
