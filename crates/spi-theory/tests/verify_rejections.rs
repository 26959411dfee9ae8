//! The verifier's refusals: each names the profile, the player and the amount.

use spi_games::examples;
use spi_games::format::json::game_to_value;
use spi_theory::json::{claims_from_document, search_to_value};
use spi_theory::{SpiClaim, SpiKind, SpiQuery, search, verify};

fn demand_game_document() -> serde_json::Value {
    let g = examples::demand_game();
    let found = search(&g, &SpiQuery::omnilateral()).unwrap();
    let cert = verify(
        &g,
        &SpiClaim::from_witness(
            &g,
            &found.reduction,
            SpiKind::Omnilateral,
            &found.witnesses[0],
        )
        .unwrap(),
    )
    .unwrap();
    search_to_value(&g, &[cert])
}

fn reject(doc: &serde_json::Value) -> String {
    let g = examples::demand_game();
    let claims = claims_from_document(&g, doc).unwrap();
    verify(&g, &claims[0]).unwrap_err().to_string()
}

#[test]
fn oc2022_demand_game_certificate_round_trips() {
    let g = examples::demand_game();
    let claims = claims_from_document(&g, &demand_game_document()).unwrap();
    assert!(verify(&g, &claims[0]).unwrap().is_strict());
}

#[test]
fn rejections_are_precise() {
    let mut out = Vec::new();
    // Map into the main conflict's wrong corner: (DM,DM) -> (DM,DL) costs A 8.
    let mut doc = demand_game_document();
    doc["spis"][0]["action_map"][1] = serde_json::json!({"DM": "DM", "RM": "RM"});
    doc["spis"][0]["substitute"]["actions"][1] = serde_json::json!(["DM", "RM"]);
    doc["spis"][0]
        .as_object_mut()
        .unwrap()
        .remove("improvements");
    out.push(("map A only", reject(&doc)));
    // The identity.
    let mut doc = demand_game_document();
    let g = examples::demand_game();
    let reduced = spi_games::iesds(&g).reduced_game(&g);
    doc["spis"][0]["action_map"] =
        serde_json::json!([{"DM": "DM", "RM": "RM"}, {"DM": "DM", "RM": "RM"}]);
    doc["spis"][0]["substitute"] = game_to_value(&reduced);
    doc["spis"][0]
        .as_object_mut()
        .unwrap()
        .remove("improvements");
    out.push(("identity", reject(&doc)));
    // A substitute whose payoffs break the isomorphism.
    let mut doc = demand_game_document();
    doc["spis"][0]["substitute"]["payoffs"][1][1] = serde_json::json!([1, 3]);
    out.push(("payoff edited", reject(&doc)));
    // A substitute payoff that keeps the dominance structure but is no affine image of Γ'.
    let mut doc = demand_game_document();
    doc["spis"][0]["substitute"]["payoffs"][1][1] = serde_json::json!([1, "1/2"]);
    out.push(("not affine", reject(&doc)));
    // A lie in the improvements list.
    let mut doc = demand_game_document();
    doc["spis"][0]["improvements"][0]["payoffs_to"] = serde_json::json!(["2", "1"]);
    out.push(("improvement edited", reject(&doc)));
    // Not injective.
    let mut doc = demand_game_document();
    doc["spis"][0]["action_map"][0] = serde_json::json!({"DM": "DL", "RM": "DL"});
    out.push(("not injective", reject(&doc)));
    // Wrong domain.
    let mut doc = demand_game_document();
    doc["spis"][0]["action_map"][0] = serde_json::json!({"DM": "DL", "DL": "RL"});
    out.push(("wrong domain", reject(&doc)));
    // Unknown action.
    let mut doc = demand_game_document();
    doc["spis"][0]["substitute"]["actions"][0] = serde_json::json!(["DL", "XX"]);
    out.push(("unknown action", reject(&doc)));
    let text: String = out.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
    insta::assert_snapshot!(text);
}

/// Documents that claim nothing, or something other than what they say, are refused as input
/// before any verification: `{"exists":"banana","spis":[]}` used to verify with exit 0.
#[test]
fn vacuous_and_misspelt_documents_are_refused() {
    let g = examples::demand_game();
    let refuse = |doc: serde_json::Value| claims_from_document(&g, &doc).unwrap_err().to_string();
    let banana = refuse(serde_json::json!({"schema":"spi-search/1","exists":"banana","spis":[]}));
    assert!(
        banana.contains("$.exists") && banana.contains("true or false"),
        "{banana}"
    );
    let empty = refuse(serde_json::json!({"schema":"spi-search/1","exists":true,"spis":[]}));
    assert!(
        empty.contains("$.spis") && empty.contains("at least one SPI"),
        "{empty}"
    );
    let none = refuse(serde_json::json!({"schema":"spi-search/1","exists":false,"spis":[]}));
    assert!(none.contains("$.exists"), "{none}");
    let mut doc = demand_game_document();
    doc["verdict"] = serde_json::json!("fine");
    let extra = refuse(doc);
    assert!(
        extra.contains("$.verdict") && extra.contains("unknown member"),
        "{extra}"
    );
    let mut doc = demand_game_document();
    let entry = doc["spis"][0].as_object_mut().unwrap();
    let imps = entry.remove("improvements").unwrap();
    entry.insert("improvments".into(), imps);
    let typo = refuse(doc);
    assert!(typo.contains("$.spis[0].improvments"), "{typo}");
}

/// A repeated member is refused by name instead of the last one winning silently.
#[test]
fn duplicate_members_are_refused() {
    let e = spi_games::format::json::parse_unique(r#"{"a": 1, "b": {"c": 2, "c": 3}}"#)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the member \"c\" appears twice"), "{e}");
    assert!(e.contains("line 1"), "{e}");
    let v = spi_games::format::json::parse_unique(r#"{"a": [1, {"b": null}], "c": "x"}"#).unwrap();
    assert_eq!(v, serde_json::json!({"a": [1, {"b": null}], "c": "x"}));
}

/// The verifier's independence from the search is structural: its module names nothing of the
/// search (types, `is_strict`, helpers), so that a bug in one cannot hide in the other.
#[test]
fn the_verifier_imports_nothing_from_the_search() {
    let source = include_str!("../src/certificate.rs");
    for line in source.lines().filter(|l| !l.trim_start().starts_with("//")) {
        assert!(
            !line.contains("search::") && !line.contains("is_strict(game"),
            "certificate.rs uses the search: {line}"
        );
    }
}

/// A witness that is not a tuple of injections is an error from `from_witness`, not a panic.
#[test]
fn a_malformed_witness_is_an_error() {
    let g = examples::demand_game();
    let red = spi_games::iesds(&g);
    let bad = spi_theory::ActionMap {
        images: vec![vec![0, 0], red.surviving[1].clone()],
    };
    let e = SpiClaim::from_witness(&g, &red, SpiKind::Omnilateral, &bad).unwrap_err();
    assert!(
        e.to_string().contains("two survivors mapped to one action"),
        "{e}"
    );
    let out_of_range = spi_theory::ActionMap {
        images: vec![vec![0, 99], red.surviving[1].clone()],
    };
    assert!(SpiClaim::from_witness(&g, &red, SpiKind::Omnilateral, &out_of_range).is_err());
}
