//! Issue 9, "no sample may vanish": the runner against models and stores that misbehave. A
//! panic in a sample's path is that sample's recorded error; the accounting adds up in the
//! summary and the store; a resume retries errors; a store that stops accepting records stops
//! the run; a damaged store is refused; two resumers cannot run one run; configuration errors
//! are refused before the first call and leave no run behind.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use spi_eval::EvalError;
use spi_eval::provider::mock::MockProvider;
use spi_eval::provider::{ChatRequest, Role};
use spi_eval::runner::{RunOptions, RunServices, run_suite};
use spi_eval::scorer::CheckRegistry;
use spi_eval::store::{SampleStatus, Store};
use spi_eval::suite::Suite;

fn write_suite(dir: &Path, n: usize, scorer: &str) -> std::path::PathBuf {
    let mut jsonl = String::new();
    for i in 0..n {
        jsonl.push_str(&format!(
            "{{\"id\": \"q{i}\", \"input\": \"Question {i}: name the dominant action.\", \"target\": \"Defect\"}}\n"
        ));
    }
    std::fs::write(dir.join("free.jsonl"), jsonl).unwrap();
    let suite = format!(
        "name = \"integrity\"\n[[dataset]]\nname = \"free\"\npath = \"free.jsonl\"\nscorers = [{scorer}]\n"
    );
    let p = dir.join("suite.toml");
    std::fs::write(&p, suite).unwrap();
    p
}

fn question(req: &ChatRequest) -> usize {
    let p = &req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == Role::User)
        .unwrap()
        .content;
    let i = p.find("Question ").unwrap() + 9;
    p[i..].split(':').next().unwrap().parse().unwrap()
}

fn services() -> RunServices {
    RunServices {
        checks: CheckRegistry::with_builtins(),
        ..Default::default()
    }
}

#[tokio::test]
async fn issue9_multibyte_replies_are_scored_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Arc::new(
        Suite::load(&write_suite(
            dir.path(),
            2,
            "{ kind = \"exact\" }, { kind = \"numeric\" }",
        ))
        .unwrap(),
    );
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let model = Arc::new(MockProvider::from_spec("const:Hé là là").unwrap());
    let s = run_suite(suite, model, &store, &RunOptions::default(), &services())
        .await
        .unwrap();
    assert_eq!((s.planned, s.ok, s.errors, s.not_run), (2, 2, 0, 0));
    let recs = store.samples(&s.run_id).unwrap();
    assert_eq!(recs.len(), 2);
    assert!(recs.iter().all(|r| r.scores["exact"].value == 0.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_sample_path_is_that_samples_error_and_resume_retries_it() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Arc::new(Suite::load(&write_suite(dir.path(), 6, "{ kind = \"exact\" }")).unwrap());
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let broken = Arc::new(MockProvider::from_fn(
        "flaky",
        Arc::new(|req: &ChatRequest| {
            if question(req).is_multiple_of(3) {
                panic!("provider bug on this sample");
            }
            Ok("ANSWER: Defect".into())
        }),
    ));
    let opts = RunOptions {
        cache: false,
        ..Default::default()
    };
    let s = run_suite(suite.clone(), broken, &store, &opts, &services())
        .await
        .unwrap();
    assert_eq!((s.planned, s.ok, s.errors, s.not_run), (6, 4, 2, 0));
    assert_eq!(s.status, "incomplete");
    let recs = store.samples(&s.run_id).unwrap();
    assert_eq!(recs.len(), 6);
    let errs: Vec<_> = recs
        .iter()
        .filter(|r| r.status == SampleStatus::Error)
        .collect();
    assert_eq!(errs.len(), 2);
    assert!(
        errs.iter().all(|r| r
            .error
            .as_deref()
            .unwrap()
            .contains("provider bug on this sample")),
        "{errs:?}"
    );
    let run = store.run(&s.run_id).unwrap();
    assert_eq!(run.status, "incomplete");
    let acc = store.accounting(&run).unwrap();
    assert_eq!((acc.planned, acc.ok, acc.errors, acc.not_run), (6, 4, 2, 0));

    // The same model (named the same: the fingerprint matches), fixed: resume runs only the two.
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let fixed = Arc::new(MockProvider::from_fn(
        "flaky",
        Arc::new(move |_: &ChatRequest| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok("ANSWER: Defect".into())
        }),
    ));
    let r = run_suite(
        suite,
        fixed,
        &store,
        &RunOptions {
            resume: true,
            ..opts
        },
        &services(),
    )
    .await
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!((r.already_done, r.ok, r.errors, r.not_run), (4, 2, 0, 0));
    assert_eq!(r.status, "success");
    let acc = store.accounting(&store.run(&r.run_id).unwrap()).unwrap();
    assert_eq!((acc.planned, acc.ok, acc.errors, acc.not_run), (6, 6, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_deleted_mid_run_stops_the_run_and_says_what_was_kept() {
    let dir = tempfile::tempdir().unwrap();
    let suite =
        Arc::new(Suite::load(&write_suite(dir.path(), 300, "{ kind = \"exact\" }")).unwrap());
    let logs = dir.path().join("logs");
    let store = Store::open(&logs).unwrap();
    let db = store.path().to_path_buf();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let model = Arc::new(MockProvider::from_fn(
        "deleter",
        Arc::new(move |_: &ChatRequest| {
            if c.fetch_add(1, Ordering::SeqCst) == 20 {
                let _ = std::fs::remove_file(&db);
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
            Ok("ANSWER: Defect".into())
        }),
    ));
    let opts = RunOptions {
        max_connections: 2,
        cache: false,
        ..Default::default()
    };
    let err = run_suite(suite, model, &store, &opts, &services())
        .await
        .unwrap_err();
    assert!(matches!(err, EvalError::StoreFailed(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("deleted or replaced"), "{msg}");
    assert!(msg.contains("committed before the failure"), "{msg}");
    // The run stopped at once rather than paying for the other ~280 samples.
    let n = calls.load(Ordering::SeqCst);
    assert!(n < 60, "{n} requests made after the store was gone");
}

#[test]
fn a_damaged_store_is_refused_and_a_newer_schema_too() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), 2);
    }
    let db = dir.path().join(spi_eval::store::STORE_FILE);
    // Garbage where the database was.
    std::fs::write(&db, vec![0xA5u8; 8192]).unwrap();
    let _ = std::fs::remove_file(dir.path().join("spi-eval.sqlite-wal"));
    let err = Store::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("refusing"), "{err}");

    // Page corruption inside a real store (what the hostile test did): quick_check finds it.
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .add_plan(
                "r",
                (0..2000).map(|i| {
                    (
                        Box::leak(format!("d/sample-{i:05}").into_boxed_str()) as &str,
                        1,
                    )
                }),
            )
            .unwrap();
    }
    let db = dir.path().join(spi_eval::store::STORE_FILE);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(conn);
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 5 * 4096);
    for b in &mut bytes[4096..3 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(&db, bytes).unwrap();
    let err = Store::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("refusing"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join(spi_eval::store::STORE_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("newer spi"), "{err}");
}

#[test]
fn a_schema_1_store_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(spi_eval::store::STORE_FILE)).unwrap();
    conn.execute_batch(
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, suite_name TEXT NOT NULL, suite_path TEXT NOT NULL, fingerprint TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, config TEXT NOT NULL);
         CREATE TABLE samples (run_id TEXT NOT NULL, sample_key TEXT NOT NULL, epoch INTEGER NOT NULL, dataset TEXT NOT NULL, sample_id TEXT NOT NULL, status TEXT NOT NULL, sample TEXT NOT NULL, state TEXT, scores TEXT NOT NULL, error TEXT, calls TEXT NOT NULL, started_at TEXT NOT NULL, completed_at TEXT NOT NULL, latency_ms REAL NOT NULL, PRIMARY KEY (run_id, sample_key, epoch));
         CREATE TABLE cache (key TEXT PRIMARY KEY, response TEXT NOT NULL);
         INSERT INTO runs VALUES ('old-run', 's', 's.toml', 'fp', 'mock:x', '2026-01-01T00:00:00Z', NULL, 'incomplete', '{\"planned\": 3}');",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.schema_version().unwrap(), 2);
    let run = store.run("old-run").unwrap();
    assert_eq!(run.arm, "baseline");
    let acc = store.accounting(&run).unwrap();
    assert_eq!((acc.planned, acc.not_run), (3, 3));
}

#[test]
fn a_second_process_cannot_take_a_run_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let held = store.lock_run("r1").unwrap();
    let other = Store::open(dir.path()).unwrap();
    let err = other.lock_run("r1").unwrap_err().to_string();
    assert!(err.contains("being run by another process"), "{err}");
    drop(held);
    other.lock_run("r1").unwrap();
}

#[test]
fn run_ids_must_be_safe_path_components() {
    for bad in [
        "../../x", "/abs", "a/b", ".", "..", "", ".hidden", "a\\b", "a b",
    ] {
        assert!(
            spi_eval::store::validate_run_id(bad).is_err(),
            "{bad:?} accepted"
        );
    }
    for good in ["20261201T101010-abc123", "job_7.shard-2"] {
        spi_eval::store::validate_run_id(good).unwrap();
    }
}

async fn config_error(suite_text: &str, jsonl: &str, opts: RunOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("d.jsonl"), jsonl).unwrap();
    std::fs::write(dir.path().join("suite.toml"), suite_text).unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let model = Arc::new(MockProvider::from_fn(
        "m",
        Arc::new(move |_: &ChatRequest| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok("ANSWER: 1".into())
        }),
    ));
    let logs = dir.path().join("logs");
    let store = Store::open(&logs).unwrap();
    let err = match Suite::load(&dir.path().join("suite.toml")) {
        Err(e) => e.to_string(),
        Ok(suite) => run_suite(Arc::new(suite), model, &store, &opts, &services())
            .await
            .unwrap_err()
            .to_string(),
    };
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a call was made: {err}");
    assert!(store.runs().unwrap().is_empty(), "a phantom run: {err}");
    err
}

#[tokio::test]
async fn configuration_errors_are_refused_before_the_first_call() {
    let head = "name = \"c\"\n[[dataset]]\nname = \"d\"\npath = \"d.jsonl\"\n";
    let one = "{\"id\": \"a\", \"input\": \"q\", \"target\": \"1\"}\n";
    let check = "{\"id\": \"a\", \"input\": \"q\", \"check\": {\"kind\": \"nosuch\"}}\n";
    let cases: Vec<(String, &str, RunOptions, &str)> = vec![
        (
            format!("{head}scorers = [{{ kind = \"regex\", pattern = \"(\" }}]\n"),
            one,
            RunOptions::default(),
            "pattern",
        ),
        (
            format!("{head}scorers = [{{ kind = \"check\" }}]\n"),
            check,
            RunOptions::default(),
            "no engine check registered",
        ),
        (
            format!("{head}solver = {{ kind = \"agent\", tools = [\"shell\"] }}\n"),
            one,
            RunOptions::default(),
            "agent tool `shell` is not registered",
        ),
        (
            format!("{head}scorers = [{{ kind = \"rubric\", judges = [] }}]\n"),
            one,
            RunOptions::default(),
            "at least one judge",
        ),
        (
            format!("{head}scorers = [{{ kind = \"numeric\", tolerance = -1.0 }}]\n"),
            one,
            RunOptions::default(),
            "tolerance",
        ),
        (
            format!("{head}scorers = [{{ kind = \"numeric\", tolerance = nan }}]\n"),
            one,
            RunOptions::default(),
            "tolerance",
        ),
        (
            format!("{head}generate = {{ temperature = nan }}\n"),
            one,
            RunOptions::default(),
            "temperature",
        ),
        (
            format!("{head}generate = {{ temperature = -0.5 }}\n"),
            one,
            RunOptions::default(),
            "temperature",
        ),
        (
            format!("{head}generate = {{ max_tokens = 0 }}\n"),
            one,
            RunOptions::default(),
            "max_tokens",
        ),
        (
            format!(
                "{head}solver = {{ kind = \"multiple_choice\" }}\nscorers = [{{ kind = \"choice\" }}]\n"
            ),
            "{\"id\": \"a\", \"input\": \"q\", \"choices\": [\"x\", \"x\"], \"target\": \"A\"}\n",
            RunOptions::default(),
            "duplicate",
        ),
        (head.to_string(), "", RunOptions::default(), "no samples"),
        (
            head.to_string(),
            one,
            RunOptions {
                epochs: 0,
                ..Default::default()
            },
            "--epochs 0",
        ),
        (
            head.to_string(),
            one,
            RunOptions {
                max_connections: 0,
                ..Default::default()
            },
            "--max-connections 0",
        ),
        (
            head.to_string(),
            one,
            RunOptions {
                max_cost: Some(f64::NAN),
                ..Default::default()
            },
            "--max-cost NaN",
        ),
        (
            head.to_string(),
            one,
            RunOptions {
                price: Some(spi_eval::provider::Price {
                    input_per_mtok: f64::INFINITY,
                    output_per_mtok: 1.0,
                }),
                ..Default::default()
            },
            "input price inf",
        ),
        (
            head.to_string(),
            one,
            RunOptions {
                run_id: Some("../../x".into()),
                ..Default::default()
            },
            "run id",
        ),
        (
            format!(
                "{head}prompt_template = \"{{% for i in range(100000) %}}{{% for j in range(100000) %}}x{{% endfor %}}{{% endfor %}}\"\n"
            ),
            one,
            RunOptions::default(),
            "template",
        ),
    ];
    for (suite, jsonl, opts, want) in cases {
        let err = config_error(&suite, jsonl, opts).await;
        assert!(
            err.contains(want),
            "expected `{want}` in: {err}\nsuite:\n{suite}"
        );
    }
}
