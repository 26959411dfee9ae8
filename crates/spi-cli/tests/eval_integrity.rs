//! Issue 9 through the real binary: a closed pipe ends quietly, negative numbers are option
//! values, hostile flags are refused before anything runs (and leave no run behind), the store
//! cannot be overwritten by an export, an unknown scorer is named, a cached model that fails its
//! digest makes `spi model list` fail, and the Inspect export of shuffled multiple choice gives
//! target and answer in the same letters.

mod common;

use std::process::{Command, Stdio};

use common::{root, spi};

fn pd_suite() -> String {
    root()
        .join("crates/spi-eval/test_data/pd_suite.toml")
        .display()
        .to_string()
}

fn run_pd(log: &str, extra: &[&str]) -> (i32, String, String) {
    let suite = pd_suite();
    let mut args = vec![
        "eval",
        "run",
        suite.as_str(),
        "--model",
        "mock:const:ANSWER: B",
        "--log-dir",
        log,
    ];
    args.extend_from_slice(extra);
    spi(&args)
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_sigpipe_status() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["game", "show", "prisoners-dilemma", "--json"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before spi writes: every write then fails with EPIPE.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn negative_numbers_are_option_values() {
    let (code, out, err) = spi(&[
        "game",
        "bargain",
        "prisoners-dilemma",
        "--disagreement",
        "-2,-2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"disagreement\""), "{out}");
}

#[test]
fn hostile_run_flags_are_refused_before_any_call_and_leave_no_run() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs");
    let log = log.to_str().unwrap();
    for (flags, want) in [
        (&["--max-cost", "nan"][..], "--max-cost NaN"),
        (&["--price", "nan/nan"][..], "input price"),
        (&["--price", "inf/inf"][..], "input price inf"),
        (&["--timeout", "1e300"][..], "--timeout"),
        (&["--timeout", "0"][..], "--timeout"),
        (&["--epochs", "0"][..], "--epochs 0"),
        (&["--max-connections", "0"][..], "--max-connections 0"),
        (&["--run-id", "../../x"][..], "run id"),
        (&["--run-id", ""][..], "run id"),
    ] {
        let (code, _, err) = run_pd(log, flags);
        assert_eq!(code, 2, "{flags:?}: {err}");
        assert!(err.contains(want), "{flags:?}: expected `{want}` in {err}");
    }
    let (code, out, err) = spi(&["eval", "list", "--log-dir", log]);
    assert!(code == 0 || code == 2, "{err}");
    assert_eq!(out, "", "a phantom run was left: {out}");
}

#[test]
fn an_export_cannot_overwrite_the_store_and_unknown_scorers_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs");
    let logs = log.to_str().unwrap();
    let (code, _, err) = run_pd(logs, &["--run-id", "a"]);
    assert_eq!(code, 0, "{err}");
    let store = log.join("spi-eval.sqlite");
    for target in ["spi-eval.sqlite", "spi-eval.sqlite-wal"] {
        let out = log.join(target);
        let (code, _, err) = spi(&[
            "eval",
            "export",
            "a",
            "--format",
            "jsonl",
            "--log-dir",
            logs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("that is the run store"), "{err}");
    }
    assert!(store.exists());
    let (code, out, err) = spi(&["eval", "list", "--log-dir", logs]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("11 planned: 11 ok, 0 errors, 0 not run"),
        "{out}"
    );

    let (code, _, err) = spi(&[
        "eval",
        "compare",
        "a",
        "a",
        "--log-dir",
        logs,
        "--scorer",
        "nosuch",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--scorer `nosuch`: unknown scorer"), "{err}");
    assert!(err.contains("choice"), "{err}");
}

#[test]
fn inspect_export_of_shuffled_choices_has_target_and_answer_in_shown_letters() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("logs");
    let logs = log.to_str().unwrap();
    let (code, _, err) = run_pd(logs, &["--epochs", "2"]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("log.json");
    let (code, _, err) = spi(&[
        "eval",
        "export",
        "latest",
        "--format",
        "inspect",
        "--log-dir",
        logs,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let acc = &log["eval"]["metadata"]["spi_accounting"];
    assert_eq!(acc["planned"], 22);
    assert_eq!(log["results"]["total_samples"], 22);
    let samples =
        spi_eval::dataset::load_jsonl(&root().join("crates/spi-eval/test_data/pd_mc.jsonl"))
            .unwrap();
    let mut checked = 0;
    let mut shuffled = 0;
    for s in log["samples"].as_array().unwrap() {
        let Some(score) = s["scores"].get("choice") else {
            continue;
        };
        let answer = score["answer"].as_str();
        let target = s["target"].as_str().unwrap();
        assert!(target.len() == 1, "target in letters: {target}");
        let right = answer == Some(target);
        assert_eq!(score["value"].as_f64().unwrap() == 1.0, right, "{s}");
        // The shown choice under the target letter is the sample's correct option.
        let idx = (target.as_bytes()[0] - b'A') as usize;
        let order = score["metadata"]["choice_order"].as_array().unwrap();
        if order
            .iter()
            .enumerate()
            .any(|(i, o)| o.as_u64() != Some(i as u64))
        {
            shuffled += 1;
        }
        let id = s["id"].as_str().unwrap().strip_prefix("mc/").unwrap();
        let orig = samples.iter().find(|x| x.id == id).unwrap();
        let want =
            spi_eval::dataset::target_choice_index(&orig.target[0], orig.choices.as_ref().unwrap());
        assert_eq!(order[idx].as_u64().map(|o| o as usize), want, "{s}");
        assert_eq!(
            s["choices"][idx].as_str(),
            want.map(|w| orig.choices.as_ref().unwrap()[w].as_str())
        );
        checked += 1;
    }
    assert!(checked >= 8, "{checked}");
    assert!(shuffled > 0, "the suite shuffles choices");
}

#[test]
fn model_list_fails_on_a_cached_file_that_does_not_match_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spi_local::model_spec("smollm2").unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join(spec.file_name), b"not the model").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["model", "list"])
        .env("SPI_CACHE_DIR", dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("MISMATCH"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("do not match their pinned sha256"),
        "{:?}",
        out
    );
}

/// A cached model file of the right size that is not a GGUF is one line naming the model, the file
/// once and candle's cause once (the cause used to be printed twice, by the message and by the
/// error chain).
#[test]
fn a_corrupt_model_file_is_one_line_with_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spi_local::model_spec("smollm2").unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    // Sparse: the right size (resolution checks size only) without writing 98 MB.
    let f = std::fs::File::create(models.join(spec.file_name)).unwrap();
    f.set_len(spec.size).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["model", "chat", "smollm2", "hi"])
        .env("SPI_CACHE_DIR", dir.path())
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: loading model `smollm2`: GGUF file "),
        "{err}"
    );
    assert_eq!(err.matches("unknown magic").count(), 1, "{err}");
    assert_eq!(err.matches(spec.file_name).count(), 1, "{err}");
}

/// A TOML syntax error is one line with its position; an unknown local model is not told to fetch
/// a model that does not exist.
#[test]
fn suite_syntax_errors_and_unknown_local_models_read_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = [\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["eval", "run", bad.to_str().unwrap(), "--model", "mock:echo"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("bad.toml: line 1, column 9:"), "{err}");
    let suite = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spi-eval/test_data/pd_suite.toml"
    );
    let logs = dir.path().join("logs");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["eval", "run", suite, "--model", "local:gpt5", "--log-dir"])
        .arg(&logs)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown model `gpt5`"), "{err}");
    assert!(!err.contains("spi model fetch gpt5"), "{err}");
}

/// `spi eval show` reads a run without exporting it: one line per sample, or one sample's
/// transcript with the model's turn, the target and the scorer's verdict; an unknown sample is
/// named.
#[test]
fn eval_show_lists_samples_and_prints_a_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().to_str().unwrap();
    let (code, _, err) = run_pd(log, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, list, err) = spi(&["eval", "show", "latest", "--log-dir", log]);
    assert_eq!(code, 0, "{err}");
    let first = list.lines().next().unwrap();
    assert!(first.contains("epoch 1  ok"), "{list}");
    let key = first.split_whitespace().next().unwrap();
    let (code, text, err) = spi(&["eval", "show", "latest", key, "--log-dir", log]);
    assert_eq!(code, 0, "{err}");
    for part in [
        "--- user ---",
        "--- assistant ---",
        "ANSWER: B",
        "--- target ---",
        "--- scores ---",
    ] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    let (code, _, err) = spi(&["eval", "show", "latest", "no-such-sample", "--log-dir", log]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has no sample \"no-such-sample\""), "{err}");
}

/// report.html carries the per-sample table (every sample of the run, its score and answer) with
/// its filter, and the JSON report the same rows.
#[test]
fn the_html_report_has_a_filterable_per_sample_table() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().to_str().unwrap();
    let (code, _, err) = run_pd(log, &[]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("rep");
    let (code, _, err) = spi(&[
        "eval",
        "report",
        "latest",
        "--log-dir",
        log,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<table id=samples>") && html.contains("id=q"),
        "no sample table"
    );
    let (_, json, _) = spi(&["eval", "report", "latest", "--log-dir", log, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["samples"].as_array().unwrap();
    assert_eq!(rows.len() as u64, v["samples_total"].as_u64().unwrap());
    assert!(!rows.is_empty());
    // Every row of the JSON is a row of the page.
    for r in rows {
        let key = r["key"].as_str().unwrap();
        assert!(
            html.contains(&format!("<code>{key}</code>")),
            "{key} missing"
        );
    }
    // Each row carries what the filters read: its dataset, category and a score class per scorer.
    assert_eq!(html.matches("<tr data-d=").count(), rows.len());
    assert!(
        html.contains("data-v0=")
            && html.contains("<select id=d>")
            && html.contains("<select id=s>")
    );
}
