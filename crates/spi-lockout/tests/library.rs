//! The library as shipped under `lockout/`: every witness holds, every factor is exhibited, the
//! auditor finds the example policy's risky clauses and no others, its SARIF has the required
//! shape, its scores on the development corpus do not regress, and the pitch's numbers are the
//! engine's.

use std::path::{Path, PathBuf};

use spi_lockout::library::{BUILTIN_CHECKLIST, BUILTIN_RULES, Library, fill_pitch};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
    let Ok(rd) = std::fs::read_dir(root().join(dir)) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v.into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

fn library() -> Library {
    Library::load(
        ("checklist.toml", BUILTIN_CHECKLIST),
        ("rules.toml", BUILTIN_RULES),
        &files("lockout/scenarios", "toml"),
        &files("lockout/corpus", "jsonl"),
        &files("lockout/heldout", "jsonl"),
    )
    .unwrap_or_else(|e| panic!("the shipped library must load: {e}"))
}

#[test]
fn every_witness_holds_and_every_factor_is_exhibited() {
    let lib = library();
    assert!(
        lib.scenarios.len() >= 40,
        "the library has {} scenarios",
        lib.scenarios.len()
    );
    let witnessed = lib.scenarios.iter().filter(|s| s.witness.is_some()).count();
    assert!(witnessed >= 30, "{witnessed} scenarios have a witness");
    let findings = lib.lint();
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(lib.checklist.factors.len() <= 15);
    for s in &lib.scenarios {
        if let Some(w) = &s.witness {
            let r = w.evaluate();
            assert!(
                r.loss.iter().any(|x| x.is_positive()),
                "{}: the policy must cost someone something",
                s.id
            );
        }
    }
}

#[test]
fn the_example_policy_is_flagged_clause_by_clause() {
    let lib = library();
    let text = std::fs::read_to_string(root().join("lockout/examples/agent-deployment-policy.md"))
        .unwrap();
    let report = lib.auditor.audit(&text);
    let found: Vec<(usize, String)> = report
        .findings
        .iter()
        .map(|f| (f.start_line, f.factor.clone()))
        .collect();
    // Clause 2.1 (line 13) is the agenda's value-change ban with an approval exception: both factors.
    assert!(found.contains(&(13, "RF01".into())), "{found:?}");
    assert!(found.contains(&(13, "RF02".into())), "{found:?}");
    // Clause 2.2 (plans are not goals) and 3.3 (a conditional clause for incompatible terms) are safe.
    assert!(found.iter().all(|(l, _)| *l != 15 && *l != 22), "{found:?}");
    for f in &report.findings {
        assert!(!f.cues.is_empty() && !f.why.is_empty() && !f.mitigation.is_empty());
    }
}

#[test]
fn sarif_output_has_rules_results_and_line_regions() {
    let lib = library();
    let report = lib
        .auditor
        .audit("1. The agent must never change its own goals.\n2. Plans may change.\n");
    let s = report.to_sarif("p.md", &lib.checklist);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        lib.checklist.factors.len()
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0]["ruleId"], "RF01");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "p.md"
    );
}

#[test]
fn a_surrogate_goal_carve_out_silences_the_value_ban() {
    let lib = library();
    let banned = lib
        .auditor
        .audit("The assistant must not modify its values without approval from its developers.");
    assert!(
        banned.factors().contains(&"RF01".to_string()),
        "{:?}",
        banned.findings
    );
    let fixed = lib.auditor.audit(
        "The assistant must not modify its values without approval from its developers, unless the change is a surrogate goal and the developers cannot be reached.",
    );
    assert!(
        !fixed.factors().contains(&"RF01".to_string()),
        "{:?}",
        fixed.findings
    );
}

/// A floor, not a target: the development corpus is what the rules were written against, so a
/// drop below these figures means a rule change broke phrasings it used to catch.
#[test]
fn development_corpus_scores_do_not_regress() {
    let lib = library();
    assert!(
        lib.corpus.len() >= 150,
        "{} corpus clauses",
        lib.corpus.len()
    );
    let s = lib.score_corpus();
    let (p, r) = (s.overall.precision().unwrap(), s.overall.recall().unwrap());
    assert!(
        p >= 0.85 && r >= 0.70,
        "precision {p:.3}, recall {r:.3}\n{}",
        s.to_text("corpus")
    );
}

#[test]
fn the_pitch_cites_the_engine_numbers() {
    let lib = library();
    let text = std::fs::read_to_string(root().join("docs/pitch.md")).unwrap();
    let (filled, numbers) = fill_pitch(&text, &lib).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        numbers.len() >= 3,
        "the pitch cites {} numbers",
        numbers.len()
    );
    assert!(
        !text.contains("{{witness:"),
        "run `spi lockout pitch --write`: placeholders are left"
    );
    assert_eq!(
        filled, text,
        "the pitch's numbers differ from the engine's: run `spi lockout pitch --write`"
    );
}
