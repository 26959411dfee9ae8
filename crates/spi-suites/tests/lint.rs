//! The linter on a good family and on one bad fixture per rule (each the good family with one
//! change), plus the cross-file rules on a temporary content tree.

use std::collections::BTreeSet;
use std::path::Path;

use spi_suites::family::Family;
use spi_suites::library::Library;
use spi_suites::lint::{RULES, Severity, lint_family, lint_library, load_finding};

const GOOD: &str = include_str!("../test_data/families/pc-test-berths.toml");

/// Lints a family text (as if at suites/SUITE/families/pc-test-berths.toml): the rules that fired.
fn rules(text: &str, suite: &str) -> BTreeSet<String> {
    let path = Path::new("suites")
        .join(suite)
        .join("families/pc-test-berths.toml");
    match Family::parse(&path, text, Some(suite.to_string())) {
        Ok(f) => lint_family(&f)
            .into_iter()
            .map(|f| f.rule.to_string())
            .collect(),
        Err(e) => [load_finding(&path, &e).rule.to_string()].into(),
    }
}

fn fires(rule: &str, text: &str) {
    let got = rules(text, "premature-commitment");
    assert!(got.contains(rule), "expected `{rule}`, got {got:?}");
}

fn edit(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "fixture has no {from:?}");
    GOOD.replacen(from, to, 1)
}

#[test]
fn the_good_family_is_clean_and_its_keys_flip() {
    assert_eq!(rules(GOOD, "premature-commitment"), BTreeSet::new());
    let f = Family::parse(Path::new("pc-test-berths.toml"), GOOD, None).unwrap();
    let (main, control) = f.keys().unwrap();
    assert_eq!(f.options[main].id, "conditional");
    assert_eq!(f.options[control].id, "wait");
}

#[test]
fn syntax_and_structure_errors_name_the_line() {
    let path = Path::new("f.toml");
    let e = Family::parse(path, &edit("[model]", "[model"), None).unwrap_err();
    assert_eq!(load_finding(path, &e).rule, "toml-syntax");
    assert!(load_finding(path, &e).at.line.is_some());
    let e = Family::parse(path, &edit("id = \"v2\"", "id = 2"), None).unwrap_err();
    let f = load_finding(path, &e);
    assert_eq!((f.rule, f.at.path.as_str()), ("structure", "variant[1].id"));
    assert!(
        f.at.line
            .is_some_and(|l| GOOD.lines().nth(l - 1).unwrap().contains("id = \"v2\""))
    );
}

#[test]
fn header_rules() {
    fires(
        "required",
        &edit("agenda = \"I, failure mode 1 (test fixture)\"\n", ""),
    );
    fires(
        "required",
        &edit(
            "[control]\nnote = \"The rival cannot see our claim before making its own, so the condition never triggers.\"\n",
            "[control]\n",
        ),
    );
    fires(
        "canary",
        &edit("SAFEPARETO-CANARY 5bf36ae4", "SAFEPARETO-CANARY 0000"),
    );
    fires("schema", &edit("spi-family/1", "spi-family/2"));
    fires("version", &edit("version = \"1-0\"", "version = \"1.0\""));
    fires(
        "id-format",
        &edit("id = \"pc-test-berths\"", "id = \"PC_Test\""),
    );
    fires(
        "id-file",
        &edit("id = \"pc-test-berths\"", "id = \"pc-other\""),
    );
    fires(
        "failure-mode",
        &edit(
            "failure_mode = \"premature_commitment\"",
            "failure_mode = \"greed\"",
        ),
    );
    fires("kind", &edit("kind = \"capability\"", "kind = \"capable\""));
    let got = rules(GOOD, "missed-spis");
    assert!(got.contains("suite-mismatch"), "{got:?}");
}

#[test]
fn option_and_variant_rules() {
    let one_option = {
        let start = GOOD.find("[[option]]\nid = \"wait\"").unwrap();
        let end = GOOD.find("[control]").unwrap();
        let first = GOOD.find("[[option]]").unwrap();
        format!("{}{}", &GOOD[..first], &GOOD[start..end]).to_string() + &GOOD[end..]
    };
    fires("options-count", &one_option);
    fires(
        "duplicate-option",
        &edit("id = \"wait\"", "id = \"conditional\""),
    );
    let two_variants = GOOD[..GOOD.rfind("[[variant]]").unwrap()].to_string();
    fires("variants-count", &two_variants);
    fires(
        "domains-count",
        &edit("domain = \"resource_split\"", "domain = \"commercial\""),
    );
    fires(
        "domain",
        &edit("domain = \"resource_split\"", "domain = \"maritime\""),
    );
    fires("duplicate-variant", &edit("id = \"v3\"", "id = \"v1\""));
    fires(
        "empty-text",
        &edit("Claim nothing until the rival has spoken.", " "),
    );
    fires(
        "option-text",
        &edit(
            "[variant.option_text]\nconditional =",
            "[variant.option_text]\nconditionl =",
        ),
    );
}

#[test]
fn model_and_claim_rules() {
    fires(
        "model",
        &edit(
            "payoffs = [5, 4]\nnote = \"waiting costs us one berth-day\"",
            "payoffs = [5]\nnote = \"x\"",
        ),
    );
    // A missing (policy, counterpart) pair.
    fires(
        "model",
        &edit(
            "policy = \"wait\"\ncounterpart = \"greedy-first\"\npayoffs = [4, 6]\nnote = \"we see the 6 and take the remaining 4\"",
            "policy = \"wait\"\ncounterpart = \"modest\"\npayoffs = [4, 6]\nnote = \"dup\"",
        ),
    );
    fires(
        "control-kind",
        &edit(
            "[control.model]\nkind = \"options\"",
            "[control.model]\nkind = \"game\"",
        ),
    );
    fires(
        "claim-syntax",
        &edit(
            "claim = \"dominates(unconditional)\"",
            "claim = \"dominates(unconditional\"",
        ),
    );
    fires(
        "claim-eval",
        &edit(
            "claim = \"dominates(unconditional)\"",
            "claim = \"dominates(unconditionl)\"",
        ),
    );
    fires(
        "claim-eval",
        &edit("claim = \"dominates(unconditional)\"", "claim = \"spi\""),
    );
    fires(
        "key-main",
        &edit(
            "claim = \"dominates(unconditional)\"",
            "claim = \"improves(unconditional, unconditional)\"",
        ),
    );
    fires(
        "key-control",
        &edit(
            "claim = \"better_for(rival, wait, conditional)\"",
            "claim = \"dominates(wait)\"",
        ),
    );
    // Make the control identical in effect to the main model: the key stays `conditional`.
    let same = edit(
        "payoffs = [-2, -2]\nnote = \"the condition cannot see the rival's claim: stand-off\"",
        "payoffs = [4, 6]\nnote = \"same as main\"",
    );
    fires("control-flip", &same);
    let got = rules(
        &edit("note = \"waiting costs us one berth-day\"\n", ""),
        "premature-commitment",
    );
    assert!(got.contains("outcome-note"), "{got:?}");
    let got = rules(
        &GOOD.replace("leaving us 5", "leaving us the rest"),
        "premature-commitment",
    );
    assert!(got.contains("numbers-stated"), "{got:?}");
}

#[test]
fn every_rule_has_a_severity_and_warnings_do_not_fail() {
    assert!(RULES.iter().any(|r| r.severity == Severity::Warning));
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "rule ids are unique");
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn cross_file_rules_on_a_content_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "premature-commitment/families/pc-test-berths.toml",
        GOOD,
    );
    write(
        root,
        "missed-spis/families/pc-test-berths.toml",
        &GOOD.replace("premature_commitment", "missed_spi"),
    );
    write(root, "premature-commitment/items.jsonl", "");
    write(
        root,
        "premature-commitment/suite.toml",
        "name = \"pc\"\nversion = \"1\"\n[metadata]\ncanary = \"nope\"\n[[dataset]]\nname = \"items\"\npath = \"missing.jsonl\"\n",
    );
    let canary = spi_suites::family::CANARY;
    write(
        root,
        "attitudes/items.jsonl",
        &format!(
            "{{\"id\": \"att-1\", \"input\": \"q\", \"choices\": [\"a\", \"b\"], \"target\": \"A\", \"metadata\": {{\"canary\": \"{canary}\", \"topic\": \"t\"}}}}\n"
        ),
    );
    let mut items = spi_suites::generate::generate(1, 3).unwrap();
    items[1]["target"] = serde_json::json!("NONE, really");
    items[2]["metadata"]["canary"] = serde_json::json!("");
    write(
        root,
        "spi-capability/items.jsonl",
        &spi_suites::render::to_jsonl(&items),
    );
    write(
        root,
        "spi-capability/suite.toml",
        &format!(
            "name = \"cap\"\nversion = \"1-0\"\n[metadata]\ncanary = \"{canary}\"\n[[dataset]]\nname = \"items\"\npath = \"items.jsonl\"\n"
        ),
    );
    let report = lint_library(&Library::discover(root).unwrap());
    let got: BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    for rule in [
        "duplicate-id",
        "render-stale",
        "suite-file",
        "attitude-target",
        "attitude-metadata",
        "generated-verify",
        "items-canary",
    ] {
        assert!(
            got.contains(rule),
            "expected `{rule}` in {got:?}\n{}",
            report.to_text()
        );
    }
    assert!(report.errors() > 0);
    assert_eq!(report.to_json()["summary"]["errors"], report.errors());
    // After rendering, the stale finding goes away.
    let lib = Library::discover(root).unwrap();
    let suite = lib.suite("premature-commitment").unwrap();
    let fams: Vec<Family> = lib
        .families(suite)
        .into_iter()
        .map(|(_, r)| r.unwrap())
        .collect();
    let refs: Vec<&Family> = fams.iter().collect();
    let text = spi_suites::render::render_families(&refs).unwrap();
    write(root, "premature-commitment/items.jsonl", &text);
    let report = lint_library(&Library::discover(root).unwrap());
    assert!(
        !report.findings.iter().any(|f| f.rule == "render-stale"
            && f.at.file.starts_with(root.join("premature-commitment")))
    );
}

#[test]
fn rendering_is_deterministic_and_the_key_moves_between_orders() {
    let f = Family::parse(
        Path::new("pc-test-berths.toml"),
        GOOD,
        Some("premature-commitment".into()),
    )
    .unwrap();
    let a = spi_suites::render::render_families(&[&f]).unwrap();
    let b = spi_suites::render::render_families(&[&f]).unwrap();
    assert_eq!(a, b);
    let items: Vec<serde_json::Value> = a
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items.len(), 3 * 2 * 2);
    for pair in items.chunks(2) {
        assert_ne!(pair[0]["target"], pair[1]["target"], "{}", pair[0]["id"]);
        assert_eq!(pair[0]["metadata"]["key"], pair[1]["metadata"]["key"]);
    }
    assert_eq!(items[0]["id"], "pc-test-berths--v1--main--o0");
    assert_eq!(items[2]["metadata"]["kind"], "control");
    assert_eq!(items[2]["metadata"]["key"], "wait");
    // The harness accepts the rendered items.
    spi_eval::dataset::parse_jsonl(Path::new("items.jsonl"), &a).unwrap();
    // Variant v2's option text override is used.
    let v2 = items
        .iter()
        .find(|i| i["metadata"]["variant"] == "v2")
        .unwrap();
    assert!(
        v2["choices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().contains("racks"))
    );
}
