//! `spi research`: the release regenerates, the engine scores 100% through the CLI, the human
//! mode replays a scripted terminal session, and the report reads it all back.

mod common;

use assert_cmd::Command;
use common::{ok, ok_json, root, spi};

#[test]
fn list_shows_every_class_and_the_release_matches_its_generator() {
    let out = ok(&["research", "list"]);
    for slug in [
        "search",
        "verify-refute",
        "formalise",
        "critique",
        "open-questions",
    ] {
        assert!(out.contains(slug), "{out}");
    }
    let check = ok(&["research", "generate", "--check"]);
    assert!(!check.contains("DIFFERS"), "{check}");
}

#[test]
fn the_human_mode_replays_a_script_and_the_report_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let logs = logs.to_str().unwrap();
    // The overseer corrects the first step it is shown with a wrong survivor list, then accepts.
    let out = Command::cargo_bin("spi")
        .unwrap()
        .current_dir(root())
        .args([
            "research",
            "run",
            "--model",
            "reference",
            "--mode",
            "human",
            "--class",
            "search",
            "--tier",
            "1",
            "--limit",
            "2",
            "--log-dir",
            logs,
            "--quiet",
        ])
        .write_stdin("c R1; C1\n\n\n\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stderr);
    assert!(
        shown.contains("step 1/2 (iesds)") && shown.contains("engine check: passes"),
        "{shown}"
    );
    let j = ok_json(&["research", "report", logs, "--json"]);
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["mode"], "human");
    assert_eq!(rows[0]["attempts"], 2);
    // The engine's steps all pass their check-ins; the overseer's correction is in the transcript,
    // and the engine's own final answers are right.
    assert_eq!(rows[0]["solved"], 2);
    assert!(
        rows[0]["first_failing_step"]
            .as_object()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_wrong_model_fails_with_counted_invalid_answers_and_bad_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let logs = logs.to_str().unwrap();
    ok(&[
        "research",
        "run",
        "--model",
        "mock:const:ANSWER: NONE",
        "--mode",
        "engine_loop",
        "--class",
        "2",
        "--tier",
        "1",
        "--limit",
        "3",
        "--log-dir",
        logs,
        "--quiet",
    ]);
    let md = ok(&["research", "report", logs]);
    assert!(
        md.contains("| mock:const:ANSWER: NONE | engine_loop | verify-refute | 1 | 3 | 0/3 |"),
        "{md}"
    );
    // Verify-refute has two families; its first three tasks are action-map claims, so the
    // per-family table has that one family's row, named though its tasks carry no family.
    assert!(
        md.contains(
            "| mock:const:ANSWER: NONE | engine_loop | verify-refute | action-map | 1 | 3 | 0/3 |"
        ),
        "{md}"
    );
    let j = ok_json(&["research", "report", logs, "--json"]);
    assert_eq!(j["rows"][0]["invalid"], 3);
    assert_eq!(j["families"].as_array().unwrap().len(), 1);
    assert_eq!(j["families"][0]["family"], "action-map");
    let (code, _, err) = spi(&[
        "research",
        "run",
        "--model",
        "reference",
        "--mode",
        "telepathy",
        "--log-dir",
        logs,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected one of end_to_end, decomposed, engine_loop, human"),
        "{err}"
    );
    let (code, _, err) = spi(&[
        "research",
        "run",
        "--model",
        "reference",
        "--mode",
        "end_to_end",
        "--class",
        "open-questions",
        "--log-dir",
        logs,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--judge"), "{err}");
}
