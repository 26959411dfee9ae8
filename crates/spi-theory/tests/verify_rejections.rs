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
        ),
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
