//! API keys come only from the environment and never reach a log, a report, an export or an
//! error message, even when a server echoes the key back in its error bodies or its replies.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use spi_eval::fake::{FakeServer, Reply, RequestInfo};

const KEY: &str = "sk-test-Zq8w1SECRETKEYvalue9x";

fn echo_key(info: &RequestInfo) -> Reply {
    let auth = info.authorization.clone().unwrap_or_default();
    match (
        info.prompt.contains("Question 1:"),
        info.prompt.contains("Question 2:"),
        info.attempt,
    ) {
        // A 401 that echoes the header: not retried, recorded as the sample's error.
        (true, _, _) => Reply::Status(401, format!("invalid key {auth}")),
        // A 500 echoing it, then success: the retried error is recorded too.
        (_, true, 0) => Reply::Status(500, format!("upstream saw {auth}")),
        // A successful reply that echoes it: scrubbed before the store, cache and exports.
        _ if info.prompt.contains("Question 3:") => {
            Reply::Text(format!("ANSWER: A (your header was {auth})"))
        }
        _ => Reply::Text(format!(
            "ANSWER: A (auth was {})",
            if auth.is_empty() {
                "missing"
            } else {
                "present"
            }
        )),
    }
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out)
        } else {
            out.push(p)
        }
    }
}

#[test]
fn eval_api_key_never_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let mut jsonl = String::new();
    for i in 0..4 {
        jsonl.push_str(&format!("{{\"id\": \"q{i}\", \"input\": \"Question {i}: pick.\", \"choices\": [\"a\", \"b\"], \"target\": \"A\"}}\n"));
    }
    std::fs::write(dir.path().join("mc.jsonl"), jsonl).unwrap();
    let suite = dir.path().join("suite.toml");
    std::fs::write(&suite, "name = \"sec\"\n[[dataset]]\nname = \"mc\"\npath = \"mc.jsonl\"\nsolver = { kind = \"multiple_choice\" }\nscorers = [{ kind = \"choice\" }]\n").unwrap();

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let s = FakeServer::start(Arc::new(echo_key), Duration::ZERO)
                .await
                .unwrap();
            tx.send(s.base_url()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let url = rx.recv().unwrap();
    let log = dir.path().join("logs");
    let spi = env!("CARGO_BIN_EXE_spi");
    let run = Command::new(spi)
        .args([
            "eval",
            "run",
            suite.to_str().unwrap(),
            "--model",
            "openai:fake",
            "--base-url",
            &url,
            "--log-dir",
            log.to_str().unwrap(),
        ])
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "one sample fails with 401, so the run is incomplete"
    );
    let mut seen =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    let commands: [&[&str]; 5] = [
        &["eval", "report", "latest"],
        &["eval", "export", "latest", "--format", "inspect"],
        &["eval", "export", "latest", "--format", "jsonl"],
        &["eval", "export", "latest", "--format", "csv"],
        &["eval", "report", "latest", "--json"],
    ];
    for args in commands {
        let out = Command::new(spi)
            .args(args)
            .args(["--log-dir", log.to_str().unwrap()])
            .env("OPENAI_API_KEY", KEY)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        seen += &String::from_utf8_lossy(&out.stdout);
        seen += &String::from_utf8_lossy(&out.stderr);
    }
    // A provider set-up error names the variable, never a value.
    let bad = Command::new(spi)
        .args([
            "eval",
            "run",
            suite.to_str().unwrap(),
            "--model",
            "anthropic:x",
            "--log-dir",
            log.to_str().unwrap(),
        ])
        .env_remove("ANTHROPIC_API_KEY")
        .env("OPENAI_API_KEY", KEY)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    seen += &String::from_utf8_lossy(&bad.stderr);
    assert!(!seen.contains(KEY));

    let mut files = Vec::new();
    walk(dir.path(), &mut files);
    let mut checked = 0;
    let mut redacted = false;
    for f in files
        .iter()
        .filter(|f| !f.ends_with("mc.jsonl") && !f.ends_with("suite.toml"))
    {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(KEY), "key found in {}", f.display());
        redacted |= text.contains("[REDACTED]");
        checked += 1;
    }
    // The store (and its WAL), two reports and three exports were checked, and the server's echo
    // of the key reached them only as "[REDACTED]".
    assert!(checked >= 6, "{files:?}");
    assert!(redacted);
    // The key was really sent: the server saw it and said so in its answers.
    let exported = std::fs::read_to_string(
        log.join("exports")
            .read_dir()
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .unwrap(),
    )
    .unwrap();
    assert!(exported.contains("auth was present"));
}
