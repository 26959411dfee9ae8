//! JSON Schemas of the `--json` documents, in `docs/schemas/`: generated from the document types
//! (the committed files must equal what the types give today; `SPI_UPDATE_SCHEMAS=1 cargo test
//! -p spi-cli --test json_schemas` rewrites them), and every real output of the commands below,
//! on every example game and test game, checked against its schema. A document that breaks its
//! schema (a float payoff, a missing field) is shown to be refused, so the check is not vacuous.
//!
//! So far the game analyses' documents (`spi_games::documents`) have typed definitions; the rest
//! of `docs/reference/formats.md` is still built as untyped JSON values.

mod common;

use std::collections::BTreeMap;

use common::{ok, ok_json, root};
use serde_json::Value;

fn schema_file(name: &str) -> std::path::PathBuf {
    // `reduced/1` -> reduced.v1.schema.json
    let (kind, major) = name.split_once('/').expect("NAME/MAJOR");
    root()
        .join("docs/schemas")
        .join(format!("{kind}.v{major}.schema.json"))
}

fn generated() -> Vec<(&'static str, String)> {
    spi_games::documents::schemas()
        .into_iter()
        .map(|(name, s)| (name, serde_json::to_string_pretty(&s).unwrap() + "\n"))
        .collect()
}

#[test]
fn committed_schemas_are_the_ones_the_document_types_generate() {
    for (name, text) in generated() {
        let path = schema_file(name);
        if std::env::var_os("SPI_UPDATE_SCHEMAS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is not what the type of {name} generates; regenerate with SPI_UPDATE_SCHEMAS=1",
            path.display()
        );
    }
}

/// The games to run every command on: the named examples and the test files.
fn games() -> Vec<String> {
    let mut out: Vec<String> = ok(&["game", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    for e in std::fs::read_dir(root().join("test_data/games"))
        .unwrap()
        .flatten()
    {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json" || x == "nfg") {
            out.push(p.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    out
}

#[test]
fn every_game_analysis_output_matches_its_schema() {
    let validators: BTreeMap<&str, jsonschema::Validator> = generated()
        .into_iter()
        .map(|(name, text)| {
            let schema: Value = serde_json::from_str(&text).unwrap();
            (name, jsonschema::validator_for(&schema).unwrap())
        })
        .collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut check = |what: String, doc: &Value| {
        let name = doc["schema"].as_str().unwrap_or_default().to_string();
        let v = validators
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{what}: no schema for {name:?}"));
        let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{what}: {errors:?}\n{doc:#}");
        *seen.entry(name).or_default() += 1;
    };
    for game in games() {
        for cmd in ["reduce", "equilibria", "threat", "pmm"] {
            let doc = ok_json(&["game", cmd, &game, "--json"]);
            check(format!("spi game {cmd} {game}"), &doc);
        }
        let shown = ok_json(&["game", "show", &game, "--json"]);
        let players = shown["players"].as_array().unwrap().len();
        let first: Vec<String> = shown["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a[0].as_str().unwrap().to_string())
            .collect();
        let profile = first.join(",");
        let doc = ok_json(&["game", "check", &game, "--profile", &profile, "--json"]);
        check(format!("spi game check {game}"), &doc);
        if players == 2 {
            let doc = ok_json(&["game", "bargain", &game, "--json"]);
            check(format!("spi game bargain {game}"), &doc);
            let doc = ok_json(&["game", "pmm", &game, "--from", &profile, "--json"]);
            check(format!("spi game pmm --from {game}"), &doc);
        }
    }
    let names: Vec<&str> = validators.keys().copied().collect();
    for name in names {
        assert!(
            seen.get(name).is_some_and(|&n| n > 0),
            "no output checked against {name}"
        );
    }

    // The schemas refuse what the documents must not be.
    let good = ok_json(&["game", "equilibria", "demand-game", "--json"]);
    let v = &validators["equilibria/1"];
    assert!(v.is_valid(&good));
    let mut float = good.clone();
    float["equilibria"][0]["payoffs"][0] = serde_json::json!(0.75);
    assert!(!v.is_valid(&float), "a float payoff passed");
    for not_exact in ["3/1", "-0", "07", "1/0", "0.75"] {
        let mut bad = good.clone();
        bad["equilibria"][0]["payoffs"][0] = serde_json::json!(not_exact);
        assert!(!v.is_valid(&bad), "{not_exact:?} passed as an exact number");
    }
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("equilibria");
    assert!(
        !v.is_valid(&missing),
        "a document without its equilibria passed"
    );
    let mut extra = good;
    extra["surprise"] = serde_json::json!(1);
    assert!(!v.is_valid(&extra), "an unknown field passed");
}
