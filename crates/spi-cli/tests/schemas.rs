//! Every versioned JSON document is named in one style (`NAME/MAJOR`, kebab case) and listed in
//! docs/reference/formats.md with the library that builds it; the CLI builds none itself. The test
//! reads the sources, so a new document cannot be added without its row, and a document built in
//! the CLI (where no algorithm or versioned document belongs) fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// String literals in `text` that look like a schema name in any style: `name/1` or `a.b.v1`.
fn schema_like(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for lit in text.split('"').skip(1).step_by(2) {
        let slash = lit.split_once('/').is_some_and(|(n, v)| {
            n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !v.is_empty()
                && v.chars().all(|c| c.is_ascii_digit())
        });
        let dotted = lit.rsplit_once(".v").is_some_and(|(n, v)| {
            n.contains('.')
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '-')
                && !v.is_empty()
                && v.chars().all(|c| c.is_ascii_digit())
        });
        if slash || dotted {
            found.push(lit.to_string());
        }
    }
    found
}

#[test]
fn every_schema_is_named_one_way_listed_and_built_outside_the_cli() {
    let doc = std::fs::read_to_string(root().join("docs/reference/formats.md")).unwrap();
    let listed: BTreeSet<String> = doc
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            let first_cell = l.split('|').nth(1).unwrap_or("");
            first_cell
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut files = Vec::new();
    for e in std::fs::read_dir(root().join("crates")).unwrap().flatten() {
        let src = e.path().join("src");
        if src.is_dir() {
            rust_sources(&src, &mut files);
        }
    }
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let rel = f.strip_prefix(root()).unwrap_or(f);
        let in_cli = rel.starts_with("crates/spi-cli");
        for name in schema_like(&text) {
            let at = rel.display().to_string();
            if !name.contains('/') {
                problems.push(format!("{at}: {name:?} is not NAME/MAJOR"));
            } else if !listed.contains(&name) {
                problems.push(format!(
                    "{at}: {name:?} is not in docs/reference/formats.md"
                ));
            } else if in_cli && text.contains(&format!("\"schema\": \"{name}\"")) {
                problems.push(format!("{at}: {name:?} is built in the CLI"));
            }
            seen.insert(name);
        }
    }
    for name in &listed {
        if name.contains('/') && !seen.contains(name) {
            problems.push(format!(
                "docs/reference/formats.md lists {name:?}, which no crate names"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        seen.len() >= 40,
        "only {} schemas found: is the scan broken?",
        seen.len()
    );
}

#[test]
fn the_scan_recognises_both_styles() {
    assert_eq!(
        schema_like(
            r#"json!({"schema": "eval-run/1", "x": "a.b.v2", "y": "3/8", "z": "docs/x.md"})"#
        ),
        vec!["eval-run/1", "a.b.v2"]
    );
}
