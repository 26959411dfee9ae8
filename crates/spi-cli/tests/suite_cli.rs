//! `spi suite …` end to end: lint exit codes and JSON findings, render --check, generate
//! determinism, show and list on the shipped suites. Snapshots in `snapshots/`; regenerate with
//! `cargo insta test -p spi-cli --accept`.

mod common;

use common::{ok, ok_json, spi};

#[test]
fn suite_lint_passes_on_the_shipped_content_and_fails_on_a_bad_family() {
    let doc = ok_json(&["suite", "lint", "--json"]);
    assert_eq!(doc["summary"]["errors"], 0, "{doc}");
    let dir = tempfile::tempdir().unwrap();
    let fam = dir.path().join("premature-commitment/families");
    std::fs::create_dir_all(&fam).unwrap();
    let good = std::fs::read_to_string(
        common::root().join("crates/spi-suites/test_data/families/pc-test-berths.toml"),
    )
    .unwrap();
    std::fs::write(
        fam.join("pc-test-berths.toml"),
        good.replace("dominates(unconditional)", "dominates(conditional)"),
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    let (code, out, _) = spi(&["suite", "lint", "--root", root, "--json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"key-main"), "{rules:?}");
    let (code, out, _) = spi(&["suite", "lint", "--root", root]);
    assert_eq!(code, 1);
    assert!(out.contains("error[key-main]: 2 option claims are true under the main model: conditional, unconditional"), "{out}");
    assert!(out.contains("pc-test-berths.toml:"), "{out}");
}

#[test]
fn suite_render_check_and_generate_are_deterministic() {
    ok(&["suite", "render", "--check"]);
    let a = ok(&["suite", "generate", "--seed", "99", "--count", "24"]);
    let b = ok(&["suite", "generate", "--seed", "99", "--count", "24"]);
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 24);
    let summary = ok_json(&[
        "suite", "generate", "--seed", "99", "--count", "24", "--json",
    ]);
    assert_eq!(summary["count"], 24);
}

#[test]
fn suite_list_and_show() {
    let list = ok_json(&["suite", "list", "--json"]);
    let names: Vec<&str> = list["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for s in ["premature-commitment", "spi-capability", "over-correction"] {
        assert!(names.contains(&s), "{names:?}");
    }
    let shown = ok(&[
        "suite",
        "show",
        "crates/spi-suites/test_data/families/pc-test-berths.toml",
    ]);
    insta::assert_snapshot!("suite_show_fixture", shown);
    let (code, _, err) = spi(&["suite", "show", "no-such-family"]);
    assert_eq!(code, 2);
    assert!(err.contains("no family `no-such-family`"), "{err}");
}
