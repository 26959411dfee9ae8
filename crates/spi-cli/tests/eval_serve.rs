//! End to end: `spi serve` over a provider, and `spi eval run` with the OpenAI-compatible
//! provider against it. The mock-model test always runs; the local-model test needs the
//! SmolLM2 GGUF and runs only with SPI_LIVE_LOCAL_MODEL=1 (README.md, "Evaluating models").

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(model: &str) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["serve", "--model", model, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.split_whitespace().last().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (Server(child), url)
}

fn suite() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../spi-eval/test_data/pd_suite.toml"
    )
    .to_string()
}

fn run(model: &str, url: Option<&str>, log: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spi"));
    c.args([
        "eval",
        "run",
        &suite(),
        "--model",
        model,
        "--log-dir",
        log.to_str().unwrap(),
        "--json",
    ])
    .args(extra);
    if let Some(u) = url {
        c.args(["--base-url", u]);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn answers(log: &std::path::Path) -> Vec<(String, String)> {
    let store = spi_eval::store::Store::open_existing(log).unwrap();
    let run = store.run("latest").unwrap();
    store
        .samples(&run.run_id)
        .unwrap()
        .into_iter()
        .map(|r| (r.key, r.state.unwrap().output))
        .collect()
}

#[test]
fn eval_http_provider_through_spi_serve_matches_direct_mock() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve("mock:echo");
    let via = run("openai:served", Some(&url), &dir.path().join("via"), &[]);
    let direct = run("mock:echo", None, &dir.path().join("direct"), &[]);
    assert_eq!(via["planned"], 11);
    assert_eq!(via["ok"], 11);
    assert_eq!(via["prompt_tokens"], direct["prompt_tokens"]);
    assert_eq!(
        answers(&dir.path().join("via")),
        answers(&dir.path().join("direct"))
    );
}

/// The real SmolLM2 model behind `spi serve`, driven over HTTP by the OpenAI-compatible provider,
/// must give exactly what the in-process `local:` provider gives (greedy decoding is
/// deterministic), with the same token accounting: nothing is lost or altered on the wire.
#[test]
fn eval_local_model_through_spi_serve() {
    if std::env::var("SPI_LIVE_LOCAL_MODEL").as_deref() != Ok("1") {
        eprintln!("SPI_LIVE_LOCAL_MODEL is not 1: the local-model end-to-end test is not run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve("local:smollm2");
    let limit = ["--limit", "3", "--max-connections", "1"];
    let via = run(
        "openai:smollm2",
        Some(&url),
        &dir.path().join("via"),
        &limit,
    );
    let direct = run("local:smollm2", None, &dir.path().join("direct"), &limit);
    for v in [&via, &direct] {
        assert_eq!(v["planned"], 3, "{v}");
        assert_eq!(v["ok"], 3, "{v}");
        assert_eq!(v["errors"], 0, "{v}");
    }
    assert!(via["completion_tokens"].as_u64().unwrap() > 0);
    assert_eq!(via["prompt_tokens"], direct["prompt_tokens"]);
    assert_eq!(via["completion_tokens"], direct["completion_tokens"]);
    let (a, b) = (
        answers(&dir.path().join("via")),
        answers(&dir.path().join("direct")),
    );
    assert_eq!(a.len(), 3);
    assert!(a.iter().all(|(_, text)| !text.trim().is_empty()), "{a:?}");
    assert_eq!(a, b);
}
