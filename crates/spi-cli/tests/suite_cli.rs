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

#[test]
fn suite_report_pairs_arms_with_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_str().unwrap();
    for arm in [None, Some("primer")] {
        let mut args = vec![
            "eval",
            "run",
            "suites/premature-commitment/suite.toml",
            "--model",
            "mock:const:ANSWER: B",
            "--log-dir",
            logs,
            "--json",
        ];
        if let Some(a) = arm {
            args.extend(["--arm", a]);
        }
        ok(&args);
    }
    let v = ok_json(&[
        "suite",
        "report",
        "premature-commitment",
        "--log-dir",
        logs,
        "--json",
    ]);
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2, "{v}");
    let base = &cells[0];
    assert_eq!(base["arm"], "baseline");
    // A constant letter is right exactly as often as chance on a balanced key, and never invalid.
    let acc = base["accuracy"].as_f64().unwrap();
    assert!(
        (acc - base["chance"].as_f64().unwrap()).abs() < 0.05,
        "{base}"
    );
    assert_eq!(base["invalid_rate"], 0.0);
    assert_eq!(cells[1]["vs_baseline"]["diff"], 0.0);
    assert_eq!(cells[1]["vs_baseline"]["p_holm"], 1.0);
    // The same letter under two option orders is a different option: every pair flips.
    assert_eq!(v["arms"][0]["order_flip_rate"], 1.0);
    // Position bias is measured: every answer is B, and always-B scores exactly the share of
    // B keys, which is the accuracy itself.
    let l = &v["arms"][0]["letters"];
    assert_eq!(l["items"], 360, "{l}");
    assert_eq!(l["answered"]["B"], 360, "{l}");
    assert_eq!(l["most_answered"], "B");
    let keyed_b = l["keyed"]["B"].as_f64().unwrap();
    assert_eq!(
        l["position_only_accuracy"].as_f64().unwrap(),
        keyed_b / 360.0
    );
    assert!((acc - keyed_b / 360.0).abs() < 1e-12, "{l}");
    // Main items and their matched controls are reported apart.
    let kinds = v["arms"][0]["by_kind"].as_object().unwrap();
    assert_eq!(kinds["capability"]["n"], 180, "{kinds:?}");
    assert_eq!(kinds["control"]["n"], 180, "{kinds:?}");
    // --plot draws the same cells: an accuracy row per arm and a difference row for the arm.
    let svg_path = dir.path().join("report.svg");
    let (code, _, err) = spi(&[
        "suite",
        "report",
        "premature-commitment",
        "--log-dir",
        logs,
        "--plot",
        svg_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    for row in [
        "baseline · premature_commitment",
        "primer · premature_commitment",
        "difference: primer · premature_commitment",
    ] {
        assert!(svg.contains(row), "{row} missing");
    }
    let (code, _, err) = spi(&["suite", "report", "no-such-suite", "--log-dir", logs]);
    assert_eq!(code, 2);
    assert!(err.contains("no baseline run"), "{err}");
}
