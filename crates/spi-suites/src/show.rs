//! What `spi suite list` and `spi suite show` print, as JSON values and text (the CLI only
//! chooses which and prints it).

use serde_json::{Value, json};

use crate::claim::Claim;
use crate::family::Family;
use crate::library::{Library, SuiteDir};
use crate::model::Model;

fn count_lines(path: &std::path::Path) -> Option<usize> {
    std::fs::read_to_string(path).ok().map(|t| {
        t.lines()
            .filter(|l| !l.trim().is_empty() && !l.trim().starts_with("//"))
            .count()
    })
}

/// One suite's summary: families, items on disk, suite file.
pub fn suite_summary(suite: &SuiteDir) -> Value {
    json!({
        "name": suite.name,
        "dir": suite.dir.display().to_string(),
        "suite_file": suite.suite_file.as_ref().map(|p| p.display().to_string()),
        "families": suite.family_files.len(),
        "items": count_lines(&suite.dir.join("items.jsonl")),
    })
}

/// `spi suite list --json`.
pub fn list(lib: &Library) -> Value {
    json!({
        "schema": "spi-suite-list/1",
        "root": lib.root.display().to_string(),
        "suites": lib.suites.iter().map(suite_summary).collect::<Vec<_>>(),
        "attitude_items": lib.attitudes().and_then(|p| count_lines(&p)),
    })
}

/// `spi suite list` as text.
pub fn list_text(lib: &Library) -> String {
    let mut s = format!(
        "{:<26} {:>9} {:>7}  suite file\n",
        "suite", "families", "items"
    );
    for suite in &lib.suites {
        let items = count_lines(&suite.dir.join("items.jsonl"));
        s.push_str(&format!(
            "{:<26} {:>9} {:>7}  {}\n",
            suite.name,
            suite.family_files.len(),
            items.map_or("-".into(), |n| n.to_string()),
            suite
                .suite_file
                .as_ref()
                .map_or("-".into(), |p| p.display().to_string())
        ));
    }
    if let Some(n) = lib.attitudes().and_then(|p| count_lines(&p)) {
        s.push_str(&format!(
            "attitudes: {n} items (no key; reported as distributions)\n"
        ));
    }
    s
}

fn truths(f: &Family, model: &Option<Value>) -> Value {
    let Some(v) = model else { return Value::Null };
    match Model::compile(v) {
        Err(e) => json!({"error": e.to_string()}),
        Ok(m) => Value::Array(
            f.options
                .iter()
                .map(|o| {
                    let t = Claim::parse(&o.claim)
                        .map_err(|e| e.to_string())
                        .and_then(|c| m.eval(&c).map_err(|e| e.to_string()));
                    match t {
                        Ok(b) => json!({"option": o.id, "claim": o.claim, "true": b}),
                        Err(e) => json!({"option": o.id, "claim": o.claim, "error": e}),
                    }
                })
                .collect(),
        ),
    }
}

/// `spi suite show FAMILY --json`: each option's claim under both models and the keys.
pub fn family(f: &Family) -> Value {
    let keys = f.keys();
    json!({
        "schema": "spi-family-show/1",
        "id": f.id,
        "file": f.doc.file.display().to_string(),
        "suite": f.suite,
        "failure_mode": f.failure_mode,
        "kind": f.kind,
        "summary": f.summary,
        "variants": f.variants.iter().map(|v| json!({"id": v.id, "domain": v.domain})).collect::<Vec<_>>(),
        "main": truths(f, &f.model),
        "control": truths(f, &f.control_model),
        "keys": match &keys {
            Ok((a, b)) => json!({"main": f.options[*a].id, "control": f.options[*b].id}),
            Err(e) => json!({"error": e.to_string()}),
        },
    })
}

/// `spi suite show FAMILY` as text.
pub fn family_text(f: &Family) -> String {
    let v = family(f);
    let tags: Vec<String> = [&f.suite, &f.failure_mode, &f.kind]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let mut s = format!(
        "{} ({})\n{}\n",
        f.id,
        tags.join(", "),
        f.summary.clone().unwrap_or_default()
    );
    for arm in ["main", "control"] {
        s.push_str(&format!("{arm} model:\n"));
        match &v[arm] {
            Value::Array(rows) => {
                for r in rows {
                    let verdict = match (&r["true"], &r["error"]) {
                        (Value::Bool(true), _) => "TRUE ".to_string(),
                        (Value::Bool(false), _) => "false".to_string(),
                        (_, e) => format!("error: {}", e.as_str().unwrap_or("")),
                    };
                    s.push_str(&format!(
                        "  {verdict}  {:<20} {}\n",
                        r["option"].as_str().unwrap_or(""),
                        r["claim"].as_str().unwrap_or("")
                    ));
                }
            }
            other => s.push_str(&format!("  {other}\n")),
        }
    }
    match f.keys() {
        Ok((a, b)) => s.push_str(&format!(
            "key: {} (main), {} (control)\n",
            f.options[a].id, f.options[b].id
        )),
        Err(e) => s.push_str(&format!("no unique keys: {e}\n")),
    }
    s.push_str(&format!(
        "{} variants: {}\n",
        f.variants.len(),
        f.variants
            .iter()
            .map(|v| format!("{} ({})", v.id, v.domain))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s
}

/// Finds a family by id anywhere in the library.
pub fn find_family(lib: &Library, id: &str) -> Option<Result<Family, crate::SuiteError>> {
    for suite in &lib.suites {
        for file in &suite.family_files {
            if file.file_stem().is_some_and(|s| s == id) {
                return Some(Family::load(file, Some(suite.name.clone())));
            }
        }
    }
    for suite in &lib.suites {
        for (_, r) in lib.families(suite) {
            if let Ok(f) = r
                && f.id == id
            {
                return Some(Ok(f));
            }
        }
    }
    None
}
