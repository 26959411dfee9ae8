//! `spi lockout`: the checklist in three formats, the auditor's exit codes and SARIF, the library
//! linter, and errors that name the file and the key path.

mod common;

use common::{ok, ok_json, spi};

#[test]
fn checklist_prints_as_text_markdown_and_json() {
    let text = ok(&["lockout", "checklist"]);
    assert!(text.contains("RF01") && text.contains("Q: "), "{text}");
    let md = ok(&["lockout", "checklist", "--format", "markdown"]);
    assert!(md.starts_with("# SPI lock-out checklist"), "{md}");
    let j = ok_json(&["lockout", "checklist", "--format", "json"]);
    assert_eq!(j["schema"], "spi-lockout-checklist/1");
    let factors = j["factors"].as_array().unwrap();
    assert!(!factors.is_empty() && factors.len() <= 15);
    assert!(
        factors
            .iter()
            .all(|f| !f["scenarios"].as_array().unwrap().is_empty())
    );
}

#[test]
fn check_reports_clauses_and_fails_on_request() {
    let policy = "lockout/examples/agent-deployment-policy.md";
    let out = ok(&["lockout", "check", policy]);
    assert!(out.contains(&format!("{policy}:13-14: RF01")), "{out}");
    let (code, _, err) = spi(&["lockout", "check", policy, "--fail-on", "RF01"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("RF01"), "{err}");
    let (code, _, _) = spi(&["lockout", "check", policy, "--fail-on", "RF13"]);
    assert_eq!(code, 0);
    for t in ["inf", "nan", "0", "1e300"] {
        let (code, _, err) = spi(&[
            "lockout",
            "check",
            policy,
            "--model",
            "mock:echo",
            "--timeout",
            t,
        ]);
        assert_eq!(code, 2, "--timeout {t}: {err}");
        assert!(
            err.contains("expected a number of seconds in (0, 86400]"),
            "{err}"
        );
    }
    let (code, _, err) = spi(&["lockout", "check", policy, "--fail-on", "RF99"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--fail-on RF99: expected `any` or a factor id"),
        "{err}"
    );
    let sarif = ok_json(&["lockout", "check", policy, "--format", "sarif"]);
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    let j = ok_json(&["lockout", "check", policy, "--json"]);
    assert_eq!(j["schema"], "spi-lockout-audit/1");
}

#[test]
fn check_refuses_directories_and_missing_files() {
    let (code, _, err) = spi(&["lockout", "check", "lockout"]);
    assert_eq!(code, 2);
    assert!(err.contains("lockout: expected a regular file"), "{err}");
    let (code, _, err) = spi(&["lockout", "check", "no/such/policy.md"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no/such/policy.md: cannot read the file"),
        "{err}"
    );
}

#[test]
fn library_lints_clean_and_witnesses_show_their_cost() {
    let out = ok(&["lockout", "lint"]);
    assert!(out.trim_end().ends_with("0 finding(s)"), "{out}");
    let w = ok(&["lockout", "witness", "lo-value-freeze-unreachable"]);
    assert!(w.contains("the witness holds"), "{w}");
    let list = ok_json(&["lockout", "scenarios", "--json"]);
    assert!(list["scenarios"].as_array().unwrap().len() >= 40);
    ok(&["lockout", "pitch", "--check"]);
}

#[test]
fn a_bad_witness_names_the_file_and_the_key_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(
        common::root().join("test_data/lockout/bad-witness.toml"),
        dir.path().join("scenarios/bad.toml"),
    )
    .unwrap();
    let lib = dir.path().to_str().unwrap();
    let (code, _, err) = spi(&["lockout", "lint", "--library", lib]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml: witness.policy.forbids.agent[0]: expected a program of agent"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
