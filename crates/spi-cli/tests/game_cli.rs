//! `spi game …` end to end: JSON output of every analysis command on the paper examples, and the
//! one-line error for every malformed file in `test_data/games/bad/`. Snapshots in `snapshots/`;
//! regenerate with `cargo insta test -p spi-cli --accept` and review the diff.

mod common;

use common::{ok_json, root, spi, spi_with_stdin};

#[test]
fn oc2022_demand_game_cli_json() {
    insta::assert_json_snapshot!(
        "demand_game_reduce",
        ok_json(&["game", "reduce", "demand-game", "--json"])
    );
    insta::assert_json_snapshot!(
        "demand_game_equilibria",
        ok_json(&["game", "equilibria", "demand-game", "--json"])
    );
    insta::assert_json_snapshot!(
        "demand_game_pmm",
        ok_json(&["game", "pmm", "demand-game", "--json"])
    );
    insta::assert_json_snapshot!(
        "demand_game_threat",
        ok_json(&["game", "threat", "demand-game", "--json"])
    );
}

#[test]
fn dcm2024_scheduling_cli_json() {
    insta::assert_json_snapshot!(
        "scheduling_pmm_pmp",
        ok_json(&[
            "game",
            "pmm",
            "scheduling",
            "--from",
            "Slot1,Slot2",
            "--json"
        ])
    );
    insta::assert_json_snapshot!(
        "scheduling_bargain",
        ok_json(&["game", "bargain", "scheduling", "--json"])
    );
}

#[test]
fn prisoners_dilemma_and_chicken_cli_json() {
    let pd = ok_json(&["game", "pmm", "prisoners-dilemma", "--json"]);
    assert_eq!(pd["pmm"], serde_json::json!(["1", "1"]));
    let ch = ok_json(&["game", "pmm", "chicken", "--json"]);
    assert_eq!(ch["pmm"], serde_json::json!(["1", "1"]));
    insta::assert_json_snapshot!(
        "chicken_equilibria",
        ok_json(&["game", "equilibria", "chicken", "--json"])
    );
}

#[test]
fn methods_agree_on_matching_pennies() {
    let all = ok_json(&["game", "equilibria", "matching-pennies", "--json"]);
    let lh = ok_json(&[
        "game",
        "equilibria",
        "matching-pennies",
        "--method",
        "lemke-howson",
        "--label",
        "B:T",
        "--json",
    ]);
    assert_eq!(all["equilibria"], lh["equilibria"]);
    let pure = ok_json(&[
        "game",
        "equilibria",
        "matching-pennies",
        "--method",
        "pure",
        "--json",
    ]);
    assert_eq!(pure["equilibria"], serde_json::json!([]));
}

#[test]
fn files_in_both_formats_are_read() {
    let from_json = ok_json(&[
        "game",
        "equilibria",
        "test_data/games/demand-game.json",
        "--json",
    ]);
    let builtin = ok_json(&["game", "equilibria", "demand-game", "--json"]);
    assert_eq!(from_json, builtin);
    insta::assert_json_snapshot!(
        "matching_pennies_nfg",
        ok_json(&[
            "game",
            "equilibria",
            "test_data/games/matching-pennies-outcomes.nfg",
            "--json"
        ])
    );
    insta::assert_json_snapshot!(
        "three_player_pure",
        ok_json(&[
            "game",
            "equilibria",
            "test_data/games/three-player.json",
            "--json"
        ])
    );
    let (code, out, _) = spi(&["game", "show", "test_data/games/coordination-payoffs.nfg"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("coordination_table", out);
}

#[test]
fn show_converts_between_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (_, nfg, _) = spi(&["game", "show", "demand-game", "--nfg"]);
    let path = dir.path().join("dg.nfg");
    std::fs::write(&path, nfg).unwrap();
    let (_, via_nfg, _) = spi(&["game", "show", path.to_str().unwrap(), "--json"]);
    let (_, direct, _) = spi(&["game", "show", "demand-game", "--json"]);
    assert_eq!(via_nfg, direct);
}

#[test]
fn every_bad_file_gives_one_clear_line() {
    let mut report = String::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("test_data/games/bad"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let rel = format!(
            "test_data/games/bad/{}",
            f.file_name().unwrap().to_string_lossy()
        );
        let (code, out, err) = spi(&["game", "show", &rel]);
        assert_eq!(code, 2, "{rel}: expected exit code 2");
        assert!(out.is_empty(), "{rel}: nothing on stdout");
        assert_eq!(err.lines().count(), 1, "{rel}: one line, got {err:?}");
        assert!(err.contains(&rel), "{rel}: the error names the file: {err}");
        assert!(!err.contains("panicked"), "{rel}: {err}");
        report.push_str(&err);
    }
    insta::assert_snapshot!("bad_files", report);
}

#[test]
fn unknown_game_and_bad_options_are_clear() {
    let (code, _, err) = spi(&["game", "show", "no-such-game"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no-such-game: no such file, and not a built-in example"),
        "{err}"
    );
    let (code, _, err) = spi(&["game", "pmm", "scheduling", "--from", "Slot1,Slot9"]);
    assert_eq!(code, 2);
    assert!(err.contains("player B has no action \"Slot9\""), "{err}");
    let (code, _, err) = spi(&[
        "game",
        "equilibria",
        "test_data/games/three-player.json",
        "--method",
        "enumerate",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a two-player game"), "{err}");
}

/// A bug that panics reaches the user as one `error: internal error ...` line with exit code 3,
/// never Rust's panic report (fault injected with SPI_INJECT_PANIC).
#[test]
fn a_panic_is_one_internal_error_line_with_exit_code_3() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["game", "show", "demand-game"])
        .env("SPI_INJECT_PANIC", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: internal error in spi")
            && err.contains("injected by SPI_INJECT_PANIC")
            && err.contains("main.rs:"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// Inputs that are not files to read whole: a device, a FIFO, a directory, a file over the cap.
/// Each is refused by name before any byte is read past the cap (`/dev/zero` used to grow to
/// gigabytes, a FIFO to block forever).
#[test]
fn inputs_that_are_not_regular_files_are_refused() {
    let (code, _, err) = spi(&["game", "show", "/dev/zero"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/dev/zero: expected a regular file, found a character device"),
        "{err}"
    );
    let (code, _, err) = spi(&["game", "show", "test_data"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("test_data: expected a regular file, found a directory"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("game.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, _, err) = spi(&["game", "show", fifo.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("expected a regular file, found a FIFO"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spi"))
        .args(["game", "show", "test_data/games/bad/too-many-digits.json"])
        .env("SPI_MAX_INPUT_BYTES", "1000")
        .current_dir(root())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("expected at most 1000 bytes"), "{err}");
}

/// `-` reads the game from standard input, in either format.
#[test]
fn a_game_from_standard_input() {
    let (_, nfg, _) = spi(&["game", "show", "demand-game", "--nfg"]);
    let (_, json, _) = spi(&["game", "show", "demand-game", "--json"]);
    for text in [nfg, json.clone()] {
        let (code, out, err) = spi_with_stdin(&["game", "show", "-", "--json"], &text);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, json);
    }
}

/// Names are table cells: a 70,000-character action name panicked the table printer (a width past
/// the formatter's limit) and control characters were printed raw. Both are refused by name.
#[test]
fn names_that_cannot_be_printed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (file, name, needle) in [
        ("long.json", "x".repeat(70_000), "(70000 characters)"),
        ("escape.json", "a\u{1b}[31mred".to_string(), "\\u{1b}"),
        ("newline.json", "two\nlines".to_string(), "\\n"),
    ] {
        let game = serde_json::json!({
            "players": ["A", "B"], "actions": [[name, "y"], ["l"]],
            "payoffs": [[[1, 2]], [[3, 4]]]
        });
        let path = dir.path().join(file);
        std::fs::write(&path, game.to_string()).unwrap();
        let (code, out, err) = spi(&["game", "show", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{file}: {err}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
        assert!(
            err.contains("expected a name of at most 256 characters"),
            "{file}: {err}"
        );
        assert!(err.contains(needle), "{file}: {err}");
        assert!(err.len() < 400, "{file}: {} bytes", err.len());
    }
}

/// All-equilibria enumeration stops at its memory budget with a message that names Lemke–Howson,
/// instead of growing until the machine kills it. The reverse search keeps no visited set, so what
/// grows is the set of equilibria: the 16×16 coordination game has 2¹⁶ − 1 extreme equilibria
/// (every nonempty support, played uniformly by both), far more than 32 MiB of them.
#[test]
fn enumeration_stops_at_its_memory_budget() {
    let n = 16;
    let actions: Vec<String> = (0..n).map(|k| format!("a{k}")).collect();
    let payoffs: Vec<Vec<[u64; 2]>> = (0..n)
        .map(|i| (0..n).map(|j| [u64::from(i == j); 2]).collect())
        .collect();
    let game = serde_json::json!({
        "players": ["A", "B"], "actions": [actions, actions], "payoffs": payoffs
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coordination.json");
    std::fs::write(&path, game.to_string()).unwrap();
    let (code, out, err) = spi(&[
        "game",
        "equilibria",
        path.to_str().unwrap(),
        "--max-memory",
        "32",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("working set passed 32 MiB"), "{err}");
    assert!(err.contains("--method lemke-howson"), "{err}");
    let (code, _, err) = spi(&["game", "equilibria", "demand-game", "--max-memory", "0"]);
    assert_eq!(code, 2, "{err}");
}

/// `--version` names the commit; completions and the manual page come from the parser itself.
#[test]
fn version_completions_and_manual_page() {
    let (code, out, _) = spi(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("spi 0."), "{out}");
    assert!(out.contains("(commit "), "{out}");
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = spi(&["completions", shell]);
        assert_eq!(code, 0, "{err}");
        // Every command group is completed.
        for sub in ["game", "program", "eval", "lockout", "research"] {
            assert!(out.contains(sub), "{shell}: no {sub}");
        }
    }
    let (code, out, _) = spi(&["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie"), "roff expected: {:.40}", out);
    assert!(out.contains("safe Pareto improvements"));
}

/// Two payoff matrices, as Nashpy takes them, become a game that the other commands read from
/// standard input; `game check` gives a profile's regrets and best responses.
#[test]
fn games_from_matrices_and_profile_checks() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("A.csv"), dir.path().join("B.json"));
    std::fs::write(&a, "3, 0\n5, 1\n").unwrap();
    std::fs::write(&b, "[[3, 5], [0, \"1\"]]").unwrap();
    let (code, game, err) = spi(&[
        "game",
        "from-matrices",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--name",
        "pd",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = spi_with_stdin(&["game", "equilibria", "-", "--json"], &game);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["equilibria"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["equilibria"][0]["payoffs"], serde_json::json!(["1", "1"]));
    let v = ok_json(&[
        "game",
        "check",
        "demand-game",
        "--profile",
        "DM,DM",
        "--json",
    ]);
    assert_eq!(v["nash"], false);
    assert_eq!(v["players"][0]["regret"], "3");
    assert_eq!(v["players"][0]["best_responses"], serde_json::json!(["RM"]));
    let v = ok_json(&[
        "game",
        "check",
        "demand-game",
        "--profile",
        "RM,DM",
        "--json",
    ]);
    assert_eq!(v["nash"], true);
}

/// `spi game plot` draws the payoff space: an SVG whose labels carry the engine's exact values
/// (demand game: the three equilibria, threat point (0, 0), PMM (-5, -5), Nash bargaining (1, 1));
/// `--out` writes the file; a three-player game is refused with the reason.
#[test]
fn game_plot_draws_the_payoff_space_with_exact_labels() {
    let (code, svg, err) = spi(&["game", "plot", "demand-game"]);
    assert_eq!(code, 0, "{err}");
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for label in [
        "Nash equilibrium (0, 2)",
        "Nash equilibrium (3/4, 3/4)",
        "Nash equilibrium (2, 0)",
        "threat point (0, 0)",
        "PMM (-5, -5)",
        "Nash bargaining (1, 1)",
        "Pareto frontier",
        "payoff of A",
    ] {
        assert!(svg.contains(label), "{label} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pd.svg");
    let (code, stdout, err) = spi(&[
        "game",
        "plot",
        "prisoners-dilemma",
        "--disagreement",
        "0,0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("disagreement point (0, 0)"), "{text:.200}");
    let three = dir.path().join("three.json");
    std::fs::write(
        &three,
        r#"{"players":["A","B","C"],"actions":[["x"],["x"],["x"]],"payoffs":[[[[0,0,0]]]]}"#,
    )
    .unwrap();
    let (code, _, err) = spi(&["game", "plot", three.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("needs a two-player game; this one has 3 players"),
        "{err}"
    );
}

/// `spi spi search --plot` draws the first SPI found as arrows on the payoff space; a search that
/// finds none (matching pennies has no strict SPI) has nothing to draw and says so.
#[test]
fn spi_search_plot_draws_the_spi_or_says_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spi.svg");
    let (code, stdout, err) = spi(&[
        "spi",
        "search",
        "demand-game",
        "--plot",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("Found a non-trivial omnilateral SPI"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(
        svg.contains("SPI: each outcome to its image") && svg.contains("demand-game with an SPI")
    );
    let none = dir.path().join("none.svg");
    let (code, _, err) = spi(&[
        "spi",
        "search",
        "matching-pennies",
        "--strict",
        "--plot",
        none.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no SPI was found"), "{err}");
    assert!(!none.exists());
}

#[test]
fn decimals_stand_beside_fractions_in_text_and_leave_json_alone() {
    let (code, out, err) = spi(&["game", "bargain", "scheduling", "--decimals", "4"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("disagreement point: (3/7 (≈0.4286), 3/7 (≈0.4286))"),
        "{out}"
    );
    // Integers stay as they are.
    assert!(out.contains("Nash bargaining solution: (2, 2)"), "{out}");
    let (_, plain, _) = spi(&["game", "bargain", "scheduling"]);
    assert!(
        plain.contains("(3/7, 3/7)") && !plain.contains('≈'),
        "{plain}"
    );
    let with = ok_json(&["game", "bargain", "scheduling", "--json", "--decimals", "4"]);
    assert_eq!(with, ok_json(&["game", "bargain", "scheduling", "--json"]));
    let (code, _, err) = spi(&["game", "bargain", "scheduling", "--decimals", "x"]);
    assert_eq!(code, 2);
    assert!(err.contains("--decimals"), "{err}");
}

#[test]
fn a_large_enumeration_says_so_and_lists_equilibria_as_found() {
    // 12x12 with payoffs from a fixed linear congruential sequence: big enough to warn about.
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % 10
    };
    let rows: Vec<String> = (0..12)
        .map(|_| {
            let cells: Vec<String> = (0..12)
                .map(|_| format!("[{}, {}]", next(), next()))
                .collect();
            format!("[{}]", cells.join(", "))
        })
        .collect();
    let names: Vec<String> = (1..=12).map(|k| format!("\"a{k}\"")).collect();
    let game = format!(
        "{{\"name\": \"big\", \"players\": [\"A\", \"B\"], \"actions\": [[{n}], [{n}]], \"payoffs\": [{}]}}",
        rows.join(", "),
        n = names.join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, game).unwrap();
    let (code, out, err) = spi(&["game", "equilibria", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("12x12") && err.contains("--method lemke-howson"),
        "{err}"
    );
    let found = err.lines().filter(|l| l.starts_with("found ")).count();
    let listed = out
        .lines()
        .filter(|l| l.starts_with("equilibrium "))
        .count();
    assert!(listed > 0);
    assert_eq!(found, listed, "stderr:\n{err}\nstdout:\n{out}");
    // Small games stay quiet.
    let (_, _, err) = spi(&["game", "equilibria", "demand-game"]);
    assert!(err.is_empty(), "{err}");
}
