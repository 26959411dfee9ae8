//! `spi spi …`, `spi strategy check`, `spi threat analyze` end to end on the paper examples and
//! the models in `test_data/theory/`. Snapshots in `snapshots/`; regenerate with
//! `cargo insta test -p spi-cli --accept` and review the diff against
//! docs/reference/definitions.md (§2, §4, §5).

mod common;

use common::{ok, ok_json, root, spi};

#[test]
fn oc2022_demand_game_spi_search_cli() {
    insta::assert_snapshot!(
        "demand_game_search_human",
        ok(&["spi", "search", "demand-game", "--all"])
    );
    let doc = ok_json(&["spi", "search", "demand-game", "--strict", "--json"]);
    // The checked-in certificate is exactly what the search prints.
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("test_data/theory/demand-game-spi.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(doc, file);
    insta::assert_json_snapshot!("demand_game_search_json", doc);
}

#[test]
fn oc2022_prisoners_dilemma_and_unilateral_cli() {
    insta::assert_snapshot!(
        "pd_search_human",
        ok(&["spi", "search", "prisoners-dilemma"])
    );
    insta::assert_snapshot!(
        "demand_game_unilateral_human",
        ok(&["spi", "search", "demand-game", "--unilateral", "A"])
    );
    let (code, _, err) = spi(&["spi", "search", "demand-game", "--unilateral", "Z"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("unilateral_unknown_player", err);
}

#[test]
fn oc2022_verify_cli_accepts_and_rejects() {
    insta::assert_snapshot!(
        "verify_ok",
        ok(&[
            "spi",
            "verify",
            "demand-game",
            "--certificate",
            "test_data/theory/demand-game-spi.json"
        ])
    );
    let (code, out, err) = spi(&[
        "spi",
        "verify",
        "demand-game",
        "--certificate",
        "test_data/theory/demand-game-spi-tampered.json",
    ]);
    assert_eq!(code, 1, "a rejected certificate exits with 1: {out}");
    insta::assert_snapshot!("verify_tampered", err);
    let (code, _, err) = spi(&[
        "spi",
        "verify",
        "prisoners-dilemma",
        "--certificate",
        "test_data/theory/demand-game-spi.json",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("verify_wrong_game", err);
    let (code, _, err) = spi(&[
        "spi",
        "verify",
        "demand-game",
        "--certificate",
        "test_data/theory/b2-pi-not-fi.json",
    ]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("verify_not_a_certificate", err);
}

#[test]
fn oc2022_perfect_coordination_and_algorithm2_cli() {
    insta::assert_snapshot!(
        "pd_coordinate_human",
        ok(&["spi", "coordinate", "prisoners-dilemma"])
    );
    insta::assert_json_snapshot!(
        "demand_game_coordinate_json",
        ok_json(&["spi", "coordinate", "demand-game", "--json"])
    );
    insta::assert_snapshot!(
        "demand_game_program_equilibrium",
        ok(&[
            "spi",
            "program-equilibrium",
            "demand-game",
            "--outcome",
            "DL,DL"
        ])
    );
    insta::assert_json_snapshot!(
        "demand_game_program_equilibrium_json",
        ok_json(&[
            "spi",
            "program-equilibrium",
            "demand-game",
            "--payoffs",
            "-3,-3",
            "--json"
        ])
    );
}

#[test]
fn agenda_b_models_cli() {
    insta::assert_snapshot!(
        "b1_renegotiation",
        ok(&[
            "strategy",
            "check",
            "test_data/theory/b1-renegotiation.json"
        ])
    );
    insta::assert_snapshot!(
        "b1_renegotiation_not_spi",
        ok(&[
            "strategy",
            "check",
            "test_data/theory/b1-renegotiation-not-spi.json"
        ])
    );
    insta::assert_snapshot!(
        "b2_pi_not_fi",
        ok(&["strategy", "check", "test_data/theory/b2-pi-not-fi.json"])
    );
    insta::assert_json_snapshot!(
        "b2_pi_not_fi_json",
        ok_json(&[
            "strategy",
            "check",
            "test_data/theory/b2-pi-not-fi.json",
            "--json"
        ])
    );
    insta::assert_snapshot!(
        "b3_surrogate_cheaper",
        ok(&[
            "threat",
            "analyze",
            "test_data/theory/b3-surrogate-cheaper.json"
        ])
    );
    // B never gains by threatening the surrogate here, so the text says adopting it changes
    // nothing rather than calling the no-gain outcome "an SPI for every demand".
    insta::assert_snapshot!(
        "b3_not_ce",
        ok(&[
            "threat",
            "analyze",
            "test_data/theory/b3-not-concession-equivalent.json"
        ])
    );
    insta::assert_json_snapshot!(
        "b3_not_ce_json",
        ok_json(&[
            "threat",
            "analyze",
            "test_data/theory/b3-not-concession-equivalent.json",
            "--json"
        ])
    );
}

/// An error inside a certificate's substitute game is said once: the chain used to repeat the
/// cause (`…found "x": …found "x"`).
#[test]
fn a_cause_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_, doc, _) = common::spi(&["spi", "search", "demand-game", "--json"]);
    let mut v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    v["spis"][0]["substitute"]["payoffs"][0][0] = serde_json::json!(["x", "1"]);
    let path = dir.path().join("bad.json");
    std::fs::write(&path, v.to_string()).unwrap();
    let (code, _, err) = common::spi(&[
        "spi",
        "verify",
        "demand-game",
        "--certificate",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.matches("$.spis[0].substitute").count(), 1, "{err}");
}
