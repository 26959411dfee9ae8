//! Fault tests: the runner against the scripted server (`spi_eval::fake`) serving 429s with
//! Retry-After, 500s, hangs, malformed, truncated and choice-less bodies and dropped connections.
//! The run must finish, account for every sample, record each failure with its cause, and keep
//! retries within the policy's bound.

use std::sync::Arc;
use std::time::Duration;

use spi_eval::client::RetryPolicy;
use spi_eval::fake::{FakeServer, Reply, RequestInfo};
use spi_eval::provider::{ModelSpec, ProviderEnv, build_provider};
use spi_eval::runner::{RunOptions, RunServices, run_suite};
use spi_eval::store::{SampleStatus, Store};
use spi_eval::suite::Suite;

fn write_suite(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut jsonl = String::new();
    for i in 0..n {
        jsonl.push_str(&format!(
            "{{\"id\": \"q{i}\", \"input\": \"Question {i}: which action dominates in the Prisoner's Dilemma?\", \"choices\": [\"Defect\", \"Cooperate\"], \"target\": \"A\"}}\n"
        ));
    }
    std::fs::write(dir.join("mc.jsonl"), jsonl).unwrap();
    let suite = "name = \"faults\"\n[[dataset]]\nname = \"mc\"\npath = \"mc.jsonl\"\nsolver = { kind = \"multiple_choice\" }\nscorers = [{ kind = \"choice\" }]\n";
    let p = dir.join("suite.toml");
    std::fs::write(&p, suite).unwrap();
    p
}

fn question(prompt: &str) -> usize {
    let i = prompt.find("Question ").unwrap() + 9;
    prompt[i..].split(':').next().unwrap().parse().unwrap()
}

fn script(info: &RequestInfo) -> Reply {
    let q = question(&info.prompt);
    let ok = Reply::Text("ANSWER: A".into());
    match (q, info.attempt) {
        (29, _) => Reply::Status(503, "overloaded".into()),
        (28, _) => Reply::Status(400, "bad request".into()),
        (q, 0) => match q % 8 {
            0 => Reply::RateLimit(1),
            1 => Reply::Status(500, "boom".into()),
            2 => Reply::Hang,
            3 => Reply::Malformed,
            4 => Reply::Truncated,
            5 => Reply::Drop,
            6 => Reply::NoChoices,
            _ => ok,
        },
        (q, 1) if q % 8 == 1 => Reply::Status(502, "boom again".into()),
        _ => ok,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_every_sample_accounted_for_and_retries_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Arc::new(Suite::load(&write_suite(dir.path(), 30)).unwrap());
    let server = FakeServer::start(Arc::new(script), Duration::ZERO)
        .await
        .unwrap();
    let env = ProviderEnv {
        base_url: Some(server.base_url()),
        timeout: Some(Duration::from_millis(400)),
        ..Default::default()
    };
    let provider = build_provider(&ModelSpec::parse("openai:fake").unwrap(), &env).unwrap();
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let opts = RunOptions {
        max_connections: 8,
        retry: RetryPolicy {
            max_retries: 3,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(5),
        },
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let summary = run_suite(suite, provider, &store, &opts, &RunServices::default())
        .await
        .unwrap();
    // Retry-After: 1 was honoured.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(summary.planned, 30);
    assert_eq!(summary.ok + summary.errors, 30);
    assert_eq!(summary.errors, 2);
    assert_eq!(summary.status, "incomplete");

    let records = store.samples(&summary.run_id).unwrap();
    assert_eq!(records.len(), 30, "every sample has exactly one record");
    for r in &records {
        let q: usize = r.sample.id[1..].parse().unwrap();
        match q {
            29 => {
                assert_eq!(r.status, SampleStatus::Error);
                let cause = r.error.as_deref().unwrap();
                assert!(
                    cause.contains("HTTP 503") && cause.contains("after 4 attempt(s)"),
                    "{cause}"
                );
                assert_eq!(r.calls.retries, 3);
            }
            28 => {
                assert_eq!(r.status, SampleStatus::Error);
                assert!(r.error.as_deref().unwrap().contains("HTTP 400"));
                assert_eq!(r.calls.retries, 0, "a 400 is not transient");
            }
            q => {
                assert_eq!(r.status, SampleStatus::Ok, "{q}: {:?}", r.error);
                assert_eq!(r.scores["choice"].value, 1.0);
                let expected = match q % 8 {
                    7 => 0,
                    1 => 2,
                    _ => 1,
                };
                assert_eq!(
                    r.calls.retries, expected,
                    "sample {q}: {:?}",
                    r.calls.retried_errors
                );
            }
        }
    }
    let attempts = server.attempts();
    let max = attempts.values().max().copied().unwrap();
    assert_eq!(max, 4, "no prompt was sent more than 1 + max_retries times");
    // Causes are recorded per retry: the dropped connection and the truncated body are classified.
    let q5 = records.iter().find(|r| r.sample.id == "q5").unwrap();
    assert!(
        q5.calls.retried_errors[0].starts_with("connection failed")
            || q5.calls.retried_errors[0].starts_with("response body"),
        "{:?}",
        q5.calls.retried_errors
    );
    let q4 = records.iter().find(|r| r.sample.id == "q4").unwrap();
    assert!(
        q4.calls.retried_errors[0].contains("body")
            || q4.calls.retried_errors[0].contains("connection"),
        "{:?}",
        q4.calls.retried_errors
    );
    let q2 = records.iter().find(|r| r.sample.id == "q2").unwrap();
    assert!(
        q2.calls.retried_errors[0].starts_with("timed out"),
        "{:?}",
        q2.calls.retried_errors
    );
    let q3 = records.iter().find(|r| r.sample.id == "q3").unwrap();
    assert!(
        q3.calls.retried_errors[0].starts_with("malformed response"),
        "{:?}",
        q3.calls.retried_errors
    );

    // A resume with a healed server completes only the failed samples.
    let server2 = FakeServer::start(
        Arc::new(|_: &RequestInfo| Reply::Text("ANSWER: A".into())),
        Duration::ZERO,
    )
    .await
    .unwrap();
    let env2 = ProviderEnv {
        base_url: Some(server2.base_url()),
        ..Default::default()
    };
    let provider2 = build_provider(&ModelSpec::parse("openai:fake").unwrap(), &env2).unwrap();
    let suite = Arc::new(Suite::load(&dir.path().join("suite.toml")).unwrap());
    let resumed = run_suite(
        suite,
        provider2,
        &store,
        &RunOptions {
            resume: true,
            ..opts
        },
        &RunServices::default(),
    )
    .await
    .unwrap();
    assert_eq!(resumed.run_id, summary.run_id);
    assert_eq!(
        (resumed.already_done, resumed.ok, resumed.errors),
        (28, 2, 0)
    );
    assert_eq!(
        server2.requests.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    let records = store.samples(&summary.run_id).unwrap();
    assert_eq!(records.len(), 30);
    assert!(records.iter().all(|r| r.status == SampleStatus::Ok));
}
