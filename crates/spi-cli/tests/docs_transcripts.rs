//! The documents' transcripts are the program's real output: every `$ spi …` line in a
//! ```console block of README.md and docs/concepts.md is run from the repository root and its
//! output (stdout, then stderr) compared with the lines under it. Three README outputs had drifted
//! from the program before this test existed.
//!
//! Patterns, kept to what the documents already use: a line `...` (any indentation) stands for any
//! number of lines, `[..]` inside a line for any text, and a command ending in a comment that says
//! `(excerpt)` or `(first …)` shows a contiguous part of the output. A block preceded by
//! `<!-- transcript: not checked: REASON -->` is skipped (eval sessions with fresh run ids and
//! timings, the model cache's path, live model replies), so every exception is written down
//! beside the block it exempts.
//!
//! Hand-written rather than `trycmd`: trycmd parses a trailing `# (excerpt)` as arguments and needs
//! exit-status lines in the prose; this reads the documents as they are written for people.

mod common;

use std::path::Path;

use common::root;

/// One `$ …` line of a console block with the lines shown under it.
struct Transcript {
    file: String,
    line: usize,
    command: String,
    excerpt: bool,
    expected: Vec<String>,
}

fn transcripts(file: &str) -> Vec<Transcript> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<Transcript> = Vec::new();
    let mut in_block = false;
    let mut skip = false;
    for (i, l) in lines.iter().enumerate() {
        if !in_block && l.starts_with("```console") {
            in_block = true;
            skip = lines[..i]
                .iter()
                .rev()
                .take(3)
                .any(|p| p.contains("<!-- transcript: not checked"));
            continue;
        }
        if in_block && l.starts_with("```") {
            in_block = false;
            continue;
        }
        if !in_block || skip {
            continue;
        }
        if let Some(cmd) = l.strip_prefix("$ ") {
            let (command, comment) = match cmd.find("  #") {
                Some(k) => (cmd[..k].trim_end(), &cmd[k..]),
                None => (cmd, ""),
            };
            out.push(Transcript {
                file: file.into(),
                line: i + 1,
                command: command.to_string(),
                excerpt: comment.contains("(excerpt") || comment.contains("(first"),
                expected: Vec::new(),
            });
        } else if let Some(t) = out.last_mut() {
            t.expected.push(l.trim_end().to_string());
        }
    }
    for t in &mut out {
        while t.expected.last().is_some_and(String::is_empty) {
            t.expected.pop();
        }
    }
    out
}

/// `line` against one pattern line with `[..]` wildcards.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(k) => rest = &rest[k + p.len()..],
            None => return false,
        }
    }
    true
}

/// Output lines against pattern lines, `...` matching any run of lines.
fn matches(pattern: &[String], output: &[String]) -> bool {
    match pattern.split_first() {
        None => output.is_empty(),
        Some((p, rest)) if p.trim() == "..." => {
            (0..=output.len()).any(|k| matches(rest, &output[k..]))
        }
        Some((p, rest)) => {
            !output.is_empty() && line_matches(p, &output[0]) && matches(rest, &output[1..])
        }
    }
}

fn run(command: &str, bin_dir: &Path, cwd: &Path) -> Vec<String> {
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("PATH", path)
        .env_remove("RUST_BACKTRACE")
        .current_dir(cwd)
        .output()
        .expect("sh runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text.lines().map(|l| l.trim_end().to_string()).collect()
}

#[test]
fn the_documents_show_what_the_program_prints() {
    let bin_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_spi"), bin_dir.path().join("spi")).unwrap();
    // The repository's folders, linked into a scratch root: commands read `test_data/…` as the
    // documents show, and what they write (`programs.json`) lands outside the checkout.
    let scratch = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name != "target" && name != ".git" {
            std::os::unix::fs::symlink(entry.path(), scratch.path().join(&name)).unwrap();
        }
    }
    let mut all = Vec::new();
    for file in ["README.md", "docs/concepts.md"] {
        all.extend(transcripts(file));
    }
    assert!(all.len() >= 30, "only {} transcripts found", all.len());
    let mut failures = Vec::new();
    for t in &all {
        let output = run(&t.command, bin_dir.path(), scratch.path());
        let mut pattern = t.expected.clone();
        if t.excerpt {
            pattern.insert(0, "...".into());
            pattern.push("...".into());
        }
        if !matches(&pattern, &output) {
            failures.push(format!(
                "{}:{}: $ {}\n--- shown\n{}\n--- printed\n{}\n",
                t.file,
                t.line,
                t.command,
                t.expected.join("\n"),
                output.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn patterns_mean_what_the_module_says() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(matches(&s(&["a", "...", "d"]), &s(&["a", "b", "c", "d"])));
    assert!(!matches(&s(&["a", "d"]), &s(&["a", "b", "d"])));
    assert!(matches(
        &s(&["run [..] (success)"]),
        &s(&["run 2026-x (success)"])
    ));
    assert!(!matches(
        &s(&["run [..] (success)"]),
        &s(&["run 2026-x (failed)"])
    ));
    assert!(matches(&s(&["  ..."]), &s(&[])));
}
