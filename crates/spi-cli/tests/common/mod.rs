//! Helpers shared by the CLI integration tests: run the real `spi` binary from the workspace root.

#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]

use std::path::PathBuf;
use std::process::Command;

/// The workspace root, so tests can name files as `test_data/...`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `spi` from the workspace root; returns (exit code, stdout, stderr).
pub fn spi(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("spi runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `spi` from the workspace root with `input` on its standard input; returns (exit code,
/// stdout, stderr).
pub fn spi_with_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(args)
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spi runs");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes())
        .expect("spi reads its input");
    let out = child.wait_with_output().expect("spi ends");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `spi`, requires exit code 0, returns stdout.
pub fn ok(args: &[&str]) -> String {
    let (code, out, err) = spi(args);
    assert_eq!(code, 0, "spi {args:?} failed: {err}");
    out
}

/// Runs `spi`, requires exit code 0 and JSON on stdout.
pub fn ok_json(args: &[&str]) -> serde_json::Value {
    let out = ok(args);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("spi {args:?} printed invalid JSON ({e}): {out}"))
}
