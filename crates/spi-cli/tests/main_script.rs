//! `scripts/main.sh`, the README's main job, run as written with this build's `spi`, so that a
//! command change that breaks it fails the suite instead of a user's first run. The evaluation
//! step uses the real local model with `SPI_LIVE_LOCAL_MODEL=1` (as `scripts/test.sh` sets) and
//! the echo mock otherwise.

use std::path::Path;
use std::process::Command;

#[test]
fn main_script_runs_and_writes_its_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = tempfile::tempdir().unwrap();
    let live = std::env::var("SPI_LIVE_LOCAL_MODEL").as_deref() == Ok("1");
    let model = if live { "local:smollm2" } else { "mock:echo" };
    let run = Command::new("bash")
        .arg(root.join("scripts/main.sh"))
        .env("SPI_BIN", env!("CARGO_BIN_EXE_spi"))
        .env("SPI_MAIN_OUT", out.path())
        .env("SPI_MAIN_MODEL", model)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "scripts/main.sh failed ({}):\n{}\n{}",
        run.status,
        stdout.lines().rev().take(20).collect::<Vec<_>>().join("\n"),
        String::from_utf8_lossy(&run.stderr)
    );
    for game in ["demand-game", "prisoners-dilemma", "chicken", "scheduling"] {
        for cmd in ["reduce", "equilibria", "threat", "pmm", "bargain"] {
            let f = out.path().join(format!("{game}.{cmd}.json"));
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap())
                .unwrap_or_else(|e| {
                    panic!("{}: not JSON: {e}", f.display());
                });
            assert!(v.is_object(), "{}", f.display());
        }
    }
    // The Demand Game has exactly one non-trivial SPI (docs/reference/definitions.md V 2.1).
    let spi: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("demand-game.spi-search.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(spi["spis"].as_array().map(Vec::len), Some(1), "{spi}");
    assert_eq!(spi["spis"][0]["action_map"][0]["DM"], "DL", "{spi}");
    assert_eq!(spi["spis"][0]["action_map"][1]["RM"], "RL", "{spi}");
    assert!(out.path().join("program-game.json").is_file());
    // Part II: the checklist and the audit of the example policy are written.
    let md = std::fs::read_to_string(out.path().join("lockout-checklist.md")).unwrap();
    assert!(md.starts_with("# SPI lock-out checklist"), "{md}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("lockout-audit.sarif")).unwrap())
            .unwrap();
    assert!(
        !sarif["runs"][0]["results"].as_array().unwrap().is_empty(),
        "{sarif}"
    );
    // Part I: every suite's slice answered in both arms (a wrong answer is a score, not an error):
    // six family suites with one main item and its control, and one generated item.
    assert_eq!(
        stdout
            .matches("(success): 2 planned, 0 already done, 2 ok, 0 errors")
            .count(),
        12,
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("(success): 1 planned, 0 already done, 1 ok, 0 errors")
            .count(),
        2,
        "{stdout}"
    );
}
