//! `spi view`: the pages over a real store with two runs, read over HTTP, and the same pages
//! loaded in headless Chromium, where the sample table's filters run as a user's browser runs
//! them. The browser part needs `/usr/bin/chromium` (Debian's package; `scripts/test.sh` installs
//! it and sets `SPI_BROWSER_TESTS=1`, which makes its absence a failure instead of a skip).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::{ok, root};

/// The viewer as a child process, killed when dropped.
struct Viewer {
    child: Child,
    base: String,
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dirs: &[&str]) -> Viewer {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spi"))
        .arg("view")
        .args(dirs)
        .args(["--port", "0"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spi view starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    Viewer { child, base }
}

/// GET `path`; returns (status, body).
fn get(v: &Viewer, path: &str) -> (u16, String) {
    let addr = v.base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    // Small bodies may come chunked; the markers the tests look for never straddle a chunk
    // boundary in practice, and the browser test below reads the page as a browser does.
    (status, body.to_string())
}

fn run_ids(index: &str) -> Vec<String> {
    index
        .split("href=\"/runs/0/")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().to_string())
        .collect()
}

fn two_runs(dir: &str) {
    let suite = "crates/spi-eval/test_data/pd_suite.toml";
    ok(&[
        "eval",
        "run",
        suite,
        "--model",
        "mock:const:ANSWER: B",
        "--log-dir",
        dir,
    ]);
    ok(&[
        "eval",
        "run",
        suite,
        "--model",
        "mock:echo",
        "--log-dir",
        dir,
    ]);
}

#[test]
fn pages_list_runs_show_reports_transcripts_and_comparisons() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    two_runs(dir);
    let v = start(&[dir]);
    let (code, index) = get(&v, "/");
    assert_eq!(code, 200);
    let runs = run_ids(&index);
    assert_eq!(runs.len(), 2, "{index}");
    assert!(index.contains("mock:echo") && index.contains("mock:const:ANSWER: B"));
    assert!(index.contains("action=\"/compare/0\""), "{index}");

    let (code, report) = get(&v, &format!("/runs/0/{}", runs[1]));
    assert_eq!(code, 200);
    assert!(report.contains("<table id=samples>"), "{report:.600}");
    // A finished run does not reload itself.
    assert!(!report.contains("http-equiv=\"refresh\""));
    let link = report
        .split("<a href=\"")
        .find(|s| s.starts_with(&format!("/runs/0/{}/samples/", runs[1])))
        .and_then(|s| s.split('"').next())
        .expect("a sample links to its transcript")
        .to_string();
    let (code, sample) = get(&v, &link);
    assert_eq!(code, 200, "{link}");
    assert!(
        sample.contains("--- target ---") && sample.contains("--- scores ---"),
        "{sample}"
    );

    let (code, cmp) = get(&v, &format!("/compare/0?a={}&b={}", runs[0], runs[1]));
    assert_eq!(code, 200);
    assert!(
        cmp.contains("shared sample-epochs") && cmp.contains("Paired on"),
        "{cmp}"
    );

    for bad in [
        "/runs/0/no-such-run".to_string(),
        "/runs/7/x".to_string(),
        format!("/runs/0/{}/samples/1/no/such", runs[0]),
        "/nowhere".to_string(),
    ] {
        assert_eq!(get(&v, &bad).0, 404, "{bad}");
    }
    assert_eq!(get(&v, "/compare/0?a=x").0, 400);
}

#[test]
fn a_directory_without_a_store_is_refused_before_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = common::spi(&["view", tmp.path().to_str().unwrap(), "--port", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("expected a log directory with a run store"),
        "{err}"
    );
}

/// The DOM of `url` after its scripts ran, from headless Chromium; `None` when there is no
/// browser and browser tests are not required.
fn dump_dom(url: &str) -> Option<String> {
    let chromium = "/usr/bin/chromium";
    if !std::path::Path::new(chromium).exists() {
        assert!(
            std::env::var("SPI_BROWSER_TESTS").as_deref() != Ok("1"),
            "SPI_BROWSER_TESTS=1 but {chromium} is missing (scripts/test.sh installs Debian's chromium)"
        );
        eprintln!("NOTE: no {chromium}; the browser half of the viewer test did not run");
        return None;
    }
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The table rows of a dumped DOM: (attributes, whether the filter hid it).
fn rows(dom: &str) -> Vec<(String, bool)> {
    dom.split("<tr ")
        .skip(1)
        .filter(|r| r.starts_with("data-d="))
        .map(|r| {
            let attrs = r.split('>').next().unwrap().to_string();
            let hidden = attrs.contains("display: none");
            (attrs, hidden)
        })
        .collect()
}

#[test]
fn in_a_browser_the_table_filters_and_a_transcript_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    two_runs(dir);
    let v = start(&[dir]);
    let Some(index) = dump_dom(&format!("{}/", v.base)) else {
        return;
    };
    let runs = run_ids(&index);
    assert_eq!(runs.len(), 2, "{index}");
    let run = format!("{}/runs/0/{}", v.base, runs[1]);

    let all = rows(&dump_dom(&run).unwrap());
    assert!(
        all.len() >= 10 && all.iter().all(|(_, hidden)| !hidden),
        "{all:?}"
    );

    // Score 0 on the first scorer: exactly the rows whose class says so stay visible.
    let dom = dump_dom(&format!("{run}?v=0")).unwrap();
    let zero = rows(&dom);
    let shown: Vec<&(String, bool)> = zero.iter().filter(|(_, h)| !h).collect();
    assert!(!shown.is_empty() && shown.len() < zero.len(), "{zero:?}");
    assert!(
        shown.iter().all(|(a, _)| a.contains("data-v0=\"0\"")),
        "{shown:?}"
    );
    assert!(
        dom.contains(&format!("{} shown", shown.len())),
        "count missing"
    );

    // One dataset.
    let dataset = all[0].0.split('"').nth(1).unwrap().to_string();
    let by_dataset = rows(&dump_dom(&format!("{run}?d={dataset}")).unwrap());
    assert!(
        by_dataset
            .iter()
            .all(|(a, h)| *h != a.starts_with(&format!("data-d=\"{dataset}\""))),
        "{by_dataset:?}"
    );

    // A sample's transcript opens from its link.
    let report = dump_dom(&run).unwrap();
    let link = report
        .split("href=\"")
        .find(|s| s.starts_with(&format!("/runs/0/{}/samples/", runs[1])))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&amp;", "&");
    let transcript = dump_dom(&format!("{}{link}", v.base)).unwrap();
    assert!(transcript.contains("--- scores ---"), "{transcript:.800}");
}
