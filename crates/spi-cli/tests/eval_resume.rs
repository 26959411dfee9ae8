//! Kill -9 test: run the real `spi` binary against a scripted server, SIGKILL it at a random
//! point, resume, and compare the store with an uninterrupted run: same samples, none missing,
//! none twice, same answers and scores.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use spi_eval::fake::{FakeServer, Reply, RequestInfo};
use spi_eval::store::{SampleStatus, Store};

const N: usize = 240;

fn write_suite(dir: &std::path::Path) -> std::path::PathBuf {
    let mut jsonl = String::new();
    for i in 0..N {
        jsonl.push_str(&format!(
            "{{\"id\": \"q{i}\", \"input\": \"Question {i}: pick an option.\", \"choices\": [\"w\", \"x\", \"y\", \"z\"], \"target\": \"{}\"}}\n",
            ["A", "B", "C", "D"][i % 4]
        ));
    }
    std::fs::write(dir.join("mc.jsonl"), jsonl).unwrap();
    let p = dir.join("suite.toml");
    std::fs::write(&p, "name = \"resume\"\n[[dataset]]\nname = \"mc\"\npath = \"mc.jsonl\"\nsolver = { kind = \"multiple_choice\", shuffle_choices = true }\nscorers = [{ kind = \"choice\" }]\n").unwrap();
    p
}

/// A deterministic answer that depends on the prompt, so outputs differ across samples.
fn script(info: &RequestInfo) -> Reply {
    let h = info
        .prompt
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    Reply::Text(format!(
        "ANSWER: {}",
        ["A", "B", "C", "D"][(h % 4) as usize]
    ))
}

fn start_server() -> (String, Arc<std::sync::atomic::AtomicU64>) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let s = FakeServer::start(Arc::new(script), Duration::from_millis(15))
                .await
                .unwrap();
            tx.send((s.base_url(), s.requests.clone())).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

fn spi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spi"))
}

fn run_args(suite: &std::path::Path, url: &str, log: &std::path::Path) -> Vec<String> {
    vec![
        "eval".into(),
        "run".into(),
        suite.display().to_string(),
        "--model".into(),
        "openai:fake".into(),
        "--base-url".into(),
        url.into(),
        "--log-dir".into(),
        log.display().to_string(),
        "--max-connections".into(),
        "8".into(),
        "--json".into(),
    ]
}

fn outputs(log: &std::path::Path) -> Vec<(String, u32, String, f64)> {
    let store = Store::open_existing(log).unwrap();
    let run = store.run("latest").unwrap();
    store
        .samples(&run.run_id)
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(r.status, SampleStatus::Ok, "{}: {:?}", r.key, r.error);
            (
                r.key,
                r.epoch,
                r.state.unwrap().output,
                r.scores["choice"].value,
            )
        })
        .collect()
}

#[test]
fn eval_kill9_resume_matches_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let suite = write_suite(dir.path());
    let (url, requests) = start_server();

    let full = dir.path().join("full");
    let st = spi()
        .args(run_args(&suite, &url, &full))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let reference = outputs(&full);
    assert_eq!(reference.len(), N);

    let killed = dir.path().join("killed");
    let before = requests.load(std::sync::atomic::Ordering::SeqCst);
    // A random kill point inside the run (which takes about N/8 × 15 ms ≈ 450 ms): wait until the
    // run exists in the store, then up to 300 ms more.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let delay = Duration::from_millis((nanos % 300) as u64);
    let mut child = spi()
        .args(run_args(&suite, &url, &killed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while Store::open_existing(&killed)
        .and_then(|s| s.run("latest"))
        .is_err()
    {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let partial = {
        let store = Store::open_existing(&killed).unwrap();
        let run = store.run("latest").unwrap();
        assert_eq!(
            run.status, "running",
            "the kill landed before the run finished"
        );
        store.samples(&run.run_id).unwrap().len()
    };
    assert!(
        partial < N,
        "killed after {delay:?} with {partial} samples stored"
    );

    let mut args = run_args(&suite, &url, &killed);
    args.push("--resume".into());
    let out = spi().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["resumed"], true);
    assert_eq!(summary["already_done"].as_u64().unwrap() as usize, partial);

    let resumed = outputs(&killed);
    assert_eq!(
        resumed, reference,
        "same samples, none missing, none twice, same answers and scores"
    );
    // Nothing committed was asked again: at most the in-flight samples at the kill are repeated.
    let sent = requests.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(
        sent as usize <= N + 8 + 8,
        "{sent} requests for {N} samples"
    );
    // There is one run in the store, and it is marked complete.
    let store = Store::open_existing(&killed).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, "success");
}
