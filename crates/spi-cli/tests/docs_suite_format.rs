//! docs/suite-format.md's first suite is a real suite: its three files, taken from the page as
//! written, run under `spi eval run` and score as the page says (the numeric item 1 and the
//! multiple-choice item 0 under `mock:const:ANSWER: 3/2`), in the baseline and in its arm.

mod common;

use common::{ok_json, root};

/// The fenced block that follows the first line containing `marker`.
fn block_after(doc: &str, marker: &str) -> String {
    let start = doc
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the page"));
    let rest = &doc[start..];
    let open = rest.find("```").unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

#[test]
fn the_first_suite_on_the_page_runs_and_scores_as_described() {
    let doc = std::fs::read_to_string(root().join("docs/suite-format.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (file, marker) in [
        ("quiz.toml", "`quiz.toml`:"),
        ("mc.jsonl", "`mc.jsonl`"),
        ("numbers.jsonl", "`numbers.jsonl`:"),
    ] {
        std::fs::write(dir.path().join(file), block_after(&doc, marker)).unwrap();
    }
    let suite = dir.path().join("quiz.toml");
    let logs = dir.path().join("logs");
    for arm in [None, Some("hint")] {
        let mut args = vec![
            "eval",
            "run",
            suite.to_str().unwrap(),
            "--model",
            "mock:const:ANSWER: 3/2",
            "--log-dir",
            logs.to_str().unwrap(),
            "--json",
        ];
        args.extend(arm.map(|a| ["--arm", a]).into_iter().flatten());
        let v = ok_json(&args);
        assert_eq!(v["schema"], "eval-run/1");
        assert_eq!(
            (v["planned"].clone(), v["ok"].clone()),
            (2.into(), 2.into()),
            "{v}"
        );
    }
    let report = ok_json(&[
        "eval",
        "report",
        "latest",
        "--log-dir",
        logs.to_str().unwrap(),
        "--json",
    ]);
    let text = report.to_string();
    assert_eq!(report["schema"], "eval-report/1");
    assert!(
        text.contains("\"hint\""),
        "the latest run is the arm's: {text:.300}"
    );
    let out = dir.path().join("x.jsonl");
    common::ok(&[
        "eval",
        "export",
        "latest",
        "--format",
        "jsonl",
        "--log-dir",
        logs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let score = |id: &str, scorer: &str| {
        rows.iter()
            .find(|r| r["sample"]["id"] == id)
            .map(|r| r["scores"][scorer]["value"].as_f64().unwrap())
            .unwrap()
    };
    assert_eq!(score("mix", "numeric"), 1.0);
    assert_eq!(score("pd-ne", "choice"), 0.0);
}
