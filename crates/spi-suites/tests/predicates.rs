//! Golden tests of the model predicates on the papers' examples: OC's Demand Game and Prisoner's
//! Dilemma, DCM's Scheduling Game, and the agenda's Appendix B models in `test_data/theory/`.

use serde_json::{Value, json};
use spi_games::examples;
use spi_games::format::json::game_to_value;
use spi_suites::claim::Claim;
use spi_suites::model::Model;

fn game_model(g: &spi_games::Game) -> Model {
    let mut v = game_to_value(g);
    v["kind"] = json!("game");
    v.as_object_mut().map(|o| o.remove("name"));
    Model::compile(&v).expect("the example compiles")
}

fn holds(m: &Model, claim: &str) -> bool {
    m.eval(&Claim::parse(claim).expect("claim parses"))
        .unwrap_or_else(|e| panic!("{claim}: {e}"))
}

fn theory(file: &str) -> Value {
    let path = format!(
        "{}/../../test_data/theory/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("test file")).expect("json")
}

#[test]
fn oc2022_demand_game_spi_exists() {
    let g = examples::demand_game();
    let m = game_model(&g);
    assert!(holds(&m, "spi_exists and strict_spi_exists"));
    let (p0, p1) = (&g.players()[0], &g.players()[1]);
    assert!(holds(
        &m,
        &format!("strictly_dominated({p0}, DL) and strictly_dominated({p1}, RL)")
    ));
    assert!(!holds(&m, &format!("strictly_dominated({p0}, DM)")));
}

#[test]
fn oc2022_prisoners_dilemma_perfect_coordination_spi() {
    let g = examples::prisoners_dilemma();
    let m = game_model(&g);
    let p0 = &g.players()[0];
    assert!(holds(&m, "perfect_coordination_spi"));
    assert!(holds(
        &m,
        "pure_equilibrium(D, D) and not pure_equilibrium(C, C)"
    ));
    assert!(holds(
        &m,
        "pareto_optimal(C, C) and not pareto_optimal(D, D)"
    ));
    assert!(holds(&m, &format!("strictly_dominated({p0}, C)")));
    // IESDS leaves (D, D); mapping D to C for both players reaches (3, 3) from (2, 2).
    assert!(holds(&m, "spi_exists and strict_spi_exists"));
}

#[test]
fn dcm2024_scheduling_pmm_is_1_1() {
    let m = game_model(&examples::scheduling());
    assert!(holds(&m, "pmm_is(1, 1)"));
    assert!(!holds(&m, "pmm_is(3, 1) or pmm_is(1, 3)"));
    assert!(holds(
        &m,
        "pure_equilibrium(Slot3, Slot3) and not pareto_optimal(Slot3, Slot3)"
    ));
}

#[test]
fn matching_pennies_threat_point_is_0_0() {
    let m = game_model(&examples::matching_pennies());
    assert!(holds(
        &m,
        "threat_point_is(0, 0) and not threat_point_is(1, -1)"
    ));
}

#[test]
fn agenda_b2_pi_not_fi_agent() {
    let doc = theory("b2-pi-not-fi.json");
    let m = Model::compile(&json!({"kind": "full_strategy", "players": doc["players"]})).unwrap();
    assert!(holds(&m, "demand_preserving and pi and not fi"));
    assert!(holds(&m, "pi(A) and not fi(A) and fi(B) and pi(B)"));
    let doc = theory("b2-not-demand-preserving.json");
    let m = Model::compile(&json!({"kind": "full_strategy", "players": doc["players"]})).unwrap();
    assert!(holds(&m, "not demand_preserving and not pi and not fi"));
}

fn threat_model(file: &str) -> Model {
    let mut v = theory(file);
    let o = v.as_object_mut().unwrap();
    o.remove("schema");
    o.remove("description");
    o.insert("kind".into(), json!("threat_game"));
    Model::compile(&v).unwrap()
}

#[test]
fn agenda_b3_surrogate_goals() {
    let m = threat_model("b3-surrogate-equal-cost.json");
    assert!(holds(
        &m,
        "concession_equivalent and surrogate_spi and surrogate_spi_every_demand and demand_unchanged and not demand_rises"
    ));
    let m = threat_model("b3-surrogate-cheaper.json");
    assert!(holds(
        &m,
        "surrogate_spi and demand_rises and not demand_unchanged"
    ));
    let m = threat_model("b3-not-concession-equivalent.json");
    assert!(holds(&m, "not concession_equivalent"));
}

#[test]
fn agenda_b4_renegotiation_as_a_b1_transformation() {
    let doc = theory("b1-renegotiation.json");
    let g = &doc["game"];
    let m = Model::compile(&json!({
        "kind": "transformation",
        "players": g["players"], "actions": g["actions"], "payoffs": g["payoffs"],
        "space": doc["space"], "transformation": doc["transformation"],
        "demands": {
            "A": {"demand50": "1/2", "demand20": "1/5", "reneg(demand50)": "1/2", "reneg(demand20)": "1/5"},
            "B": {"demand80-doomsday": "4/5", "reneg(demand80-doomsday)": "4/5"},
        },
    }))
    .unwrap();
    assert!(holds(
        &m,
        "spi and strict_spi and demand_preserving and not loses(A) and not loses(B)"
    ));
    let doc = theory("b1-renegotiation-not-spi.json");
    let g = &doc["game"];
    let m = Model::compile(&json!({
        "kind": "transformation",
        "players": g["players"], "actions": g["actions"], "payoffs": g["payoffs"],
        "space": doc["space"], "transformation": doc["transformation"],
    }))
    .unwrap();
    assert!(holds(&m, "not spi"));
}

#[test]
fn unknown_names_and_predicates_are_errors_even_inside_false_conjunctions() {
    let m = game_model(&examples::prisoners_dilemma());
    let e = m.eval(&Claim::parse("pure_equilibrium(C, C) and pure_equilibrium(X, D)").unwrap());
    assert!(e.unwrap_err().to_string().contains("`X`"));
    let e = m.eval(&Claim::parse("spi").unwrap());
    assert!(
        e.unwrap_err()
            .to_string()
            .contains("not a predicate of `game`")
    );
    let e = m.eval(&Claim::parse("pmm_is(1, one)").unwrap());
    assert!(e.unwrap_err().to_string().contains("exact number"));
}
