//! `spi suite lint`: every rule of `suites/FORMAT.md`, run over families, rendered and generated
//! items, suite files and attitude items. Findings name their rule, the file, the key path and
//! line, say what is wrong and how to fix it, and print as text (clippy-like) or JSON.
//!
//! The rules are data ([`RULES`]); each finding carries one of their ids, so a CI log, the JSON
//! output and FORMAT.md all use the same names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::claim::Claim;
use crate::error::{Location, SuiteError};
use crate::family::{CANARY, DOMAINS, FAILURE_MODES, Family, KINDS, SCHEMA};
use crate::library::Library;
use crate::model::Model;

/// How bad a finding is: errors fail the lint (exit 1); warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails the lint.
    Error,
    /// Reported only.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A lint rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Its id (`key-main`).
    pub id: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// What it checks.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($id:literal $sev:ident $summary:literal;)*) => {
        /// Every rule the linter knows.
        pub const RULES: &[Rule] = &[$(Rule { id: $id, severity: Severity::$sev, summary: $summary }),*];
    };
}

rules! {
    "toml-syntax" Error "the file is valid TOML";
    "structure" Error "fields have the types the format gives them (strings, tables, arrays of tables)";
    "required" Error "canary, schema, version, id, failure_mode, kind, agenda, summary, [model], [control] with note and model are present";
    "canary" Error "the canary string is present and exact";
    "schema" Error "schema is \"spi-family/1\"";
    "version" Error "version is \"X-Y\" (two integers)";
    "id-format" Error "ids are lower-case letters, digits and '-'";
    "id-file" Warning "a family's id is its file name";
    "duplicate-id" Error "family ids are unique across all suites; item ids are unique";
    "failure-mode" Error "failure_mode is one of the five failure modes";
    "kind" Error "kind is capability or over_correction";
    "suite-mismatch" Warning "a family sits in the suite of its failure mode (or in over-correction when kind = over_correction)";
    "options-count" Error "at least two [[option]]s";
    "duplicate-option" Error "option ids are unique within the family";
    "variants-count" Error "at least three [[variant]]s";
    "domains-count" Error "the variants use at least two domains";
    "domain" Error "each variant's domain is one of the five domains";
    "duplicate-variant" Error "variant ids are unique within the family";
    "empty-text" Error "variant text, control_text and option texts are not empty";
    "option-text" Error "every key of a variant's option_text is an option id";
    "model" Error "the model (and the control model) is well formed for its kind";
    "control-kind" Error "the control model has the same kind as the main model";
    "claim-syntax" Error "every claim parses";
    "claim-eval" Error "every claim uses predicates of its model kind and names what exists in the model";
    "key-main" Error "exactly one option's claim is true under the main model";
    "key-control" Error "exactly one option's claim is true under the control model";
    "control-flip" Error "the control's key is a different option from the main key";
    "outcome-note" Warning "every options outcome has a note saying why";
    "numbers-stated" Warning "every payoff, demand and probability of a model appears in its text (digits, a fraction, a percentage or a small number word)";
    "render-stale" Error "a family suite's items.jsonl is exactly what `spi suite render` writes";
    "suite-file" Error "a suite.toml parses, has a version \"X-Y\", the canary in [metadata], a datasheet, datasets and arm files that exist, and metadata.samples equal to its item count";
    "items-parse" Error "an items file loads in the harness (valid JSONL, known fields, unique ids, every multiple-choice target among its choices)";
    "items-canary" Error "every item carries the canary in metadata.canary";
    "generated-verify" Error "a generated item's check validates, its target is the engine's reference answer, and the reference answer scores 1";
    "arm-sync" Error "an arm whose text lives in a shared file (metadata.arm_sources) matches that file";
    "attitude-target" Error "attitude items carry no target (they have no key)";
    "attitude-metadata" Error "attitude items have metadata topic, agenda, why_no_key";
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule id.
    pub rule: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// Where.
    pub at: Location,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

fn severity_of(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|r| r.id == rule)
        .map_or(Severity::Error, |r| r.severity)
}

fn finding(
    rule: &'static str,
    at: Location,
    message: impl Into<String>,
    help: Option<&str>,
) -> Finding {
    Finding {
        rule,
        severity: severity_of(rule),
        at,
        message: message.into(),
        help: help.map(str::to_string),
    }
}

/// Everything the linter found, and what it looked at.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// Findings in file order.
    pub findings: Vec<Finding>,
    /// Families linted.
    pub families: usize,
    /// Item lines checked (rendered, generated, attitude).
    pub items: usize,
    /// Generated items re-verified by the engine.
    pub generated: usize,
    /// Suite files checked.
    pub suites: usize,
}

impl LintReport {
    /// Number of error findings.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }

    /// clippy-like text: `error[rule]: message`, ` --> file:line: path`, `help: ...`, then a summary.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for f in &self.findings {
            s.push_str(&format!(
                "{}[{}]: {}\n",
                f.severity.as_str(),
                f.rule,
                f.message
            ));
            s.push_str(&format!("  --> {}\n", f.at));
            if let Some(h) = &f.help {
                s.push_str(&format!("  help: {h}\n"));
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "{} families, {} items ({} generated, re-verified), {} suite files: {} errors, {} warnings\n",
            self.families,
            self.items,
            self.generated,
            self.suites,
            self.errors(),
            self.warnings()
        ));
        s
    }

    /// `{"schema": "spi-lint/1", "findings": [...], "summary": {...}}`.
    pub fn to_json(&self) -> Value {
        json!({
            "schema": "spi-lint/1",
            "findings": self.findings.iter().map(|f| json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "file": f.at.file.display().to_string(),
                "line": f.at.line,
                "path": f.at.path,
                "message": f.message,
                "help": f.help,
            })).collect::<Vec<_>>(),
            "summary": {
                "families": self.families,
                "items": self.items,
                "generated": self.generated,
                "suites": self.suites,
                "errors": self.errors(),
                "warnings": self.warnings(),
            }
        })
    }
}

/// Turns a load error into a finding.
pub fn load_finding(file: &Path, e: &SuiteError) -> Finding {
    let (rule, at) = match e {
        SuiteError::Syntax { at, .. } => ("toml-syntax", at.clone()),
        SuiteError::Invalid { at, .. }
        | SuiteError::Claim { at, .. }
        | SuiteError::Model { at, .. } => ("structure", at.clone()),
        _ => (
            "structure",
            Location {
                file: file.to_path_buf(),
                path: String::new(),
                line: None,
            },
        ),
    };
    let message = match e {
        SuiteError::Syntax { message, .. } => message.clone(),
        SuiteError::Invalid {
            expected, found, ..
        } => format!("expected {expected}, found {found}"),
        other => other.to_string(),
    };
    finding(rule, at, message, None)
}

fn is_version(v: &str) -> bool {
    let mut parts = v.split('-');
    let ok =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn is_id(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.starts_with('-')
}

/// The suite folder a failure mode's families belong in.
pub fn suite_of(failure_mode: &str) -> String {
    match failure_mode {
        "missed_spi" => "missed-spis".into(),
        other => other.replace('_', "-"),
    }
}

/// Lints one family (everything except cross-file rules).
pub fn lint_family(f: &Family) -> Vec<Finding> {
    let mut out = Vec::new();
    let d = &f.doc;
    let mut push = |rule: &'static str, path: &str, msg: String, help: Option<&str>| {
        out.push(finding(rule, d.at(path), msg, help));
    };
    let required = [
        ("canary", f.canary.is_some()),
        ("schema", f.schema.is_some()),
        ("version", f.version.is_some()),
        ("id", f.has_id),
        ("failure_mode", f.failure_mode.is_some()),
        ("kind", f.kind.is_some()),
        (
            "agenda",
            f.agenda.as_ref().is_some_and(|s| !s.trim().is_empty()),
        ),
        (
            "summary",
            f.summary.as_ref().is_some_and(|s| !s.trim().is_empty()),
        ),
        ("model", f.model.is_some()),
        (
            "control.note",
            f.control_note
                .as_ref()
                .is_some_and(|s| !s.trim().is_empty()),
        ),
        ("control.model", f.control_model.is_some()),
    ];
    for (key, present) in required {
        if !present {
            push(
                "required",
                "",
                format!("`{key}` is missing or empty"),
                Some("see suites/FORMAT.md for the fields of a family"),
            );
        }
    }
    if let Some(c) = &f.canary
        && c != CANARY
    {
        push(
            "canary",
            "canary",
            format!("the canary is {c:?}"),
            Some(&format!("write canary = \"{CANARY}\"")),
        );
    }
    if let Some(s) = &f.schema
        && s != SCHEMA
    {
        push(
            "schema",
            "schema",
            format!("schema {s:?} is not {SCHEMA:?}"),
            None,
        );
    }
    if let Some(v) = &f.version
        && !is_version(v)
    {
        push(
            "version",
            "version",
            format!("version {v:?} is not X-Y"),
            Some("write version = \"1-0\""),
        );
    }
    if f.has_id && !is_id(&f.id) {
        push(
            "id-format",
            "id",
            format!("id {:?} has characters other than a-z, 0-9, '-'", f.id),
            None,
        );
    }
    let stem = d.file.file_stem().map(|s| s.to_string_lossy().into_owned());
    if f.has_id && stem.as_deref() != Some(f.id.as_str()) {
        push(
            "id-file",
            "id",
            format!("id {:?} differs from the file name", f.id),
            Some("name the file <id>.toml"),
        );
    }
    if let Some(m) = &f.failure_mode
        && !FAILURE_MODES.contains(&m.as_str())
    {
        push(
            "failure-mode",
            "failure_mode",
            format!("{m:?} is not a failure mode"),
            Some(&format!("one of: {}", FAILURE_MODES.join(", "))),
        );
    }
    if let Some(k) = &f.kind
        && !KINDS.contains(&k.as_str())
    {
        push(
            "kind",
            "kind",
            format!("{k:?} is not a family kind"),
            Some("capability or over_correction"),
        );
    }
    if let (Some(suite), Some(m), Some(k)) = (&f.suite, &f.failure_mode, &f.kind) {
        let want = if k == "over_correction" {
            "over-correction".to_string()
        } else {
            suite_of(m)
        };
        if FAILURE_MODES.contains(&m.as_str()) && *suite != want {
            push(
                "suite-mismatch",
                "failure_mode",
                format!("a {k} family of {m} sits in suites/{suite}/"),
                Some(&format!("move it to suites/{want}/families/")),
            );
        }
    }
    if f.options.len() < 2 {
        push(
            "options-count",
            "option",
            format!("{} option(s); at least two are needed", f.options.len()),
            None,
        );
    }
    let mut seen = BTreeSet::new();
    for (k, o) in f.options.iter().enumerate() {
        if !seen.insert(o.id.as_str()) {
            push(
                "duplicate-option",
                &format!("option[{k}].id"),
                format!("option id {:?} appears twice", o.id),
                None,
            );
        }
        if !is_id(&o.id)
            && !o
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            push(
                "id-format",
                &format!("option[{k}].id"),
                format!("option id {:?} has unusual characters", o.id),
                None,
            );
        }
        if o.text.trim().is_empty() {
            push(
                "empty-text",
                &format!("option[{k}].text"),
                "empty option text".to_string(),
                None,
            );
        }
    }
    if f.variants.len() < 3 {
        push(
            "variants-count",
            "variant",
            format!("{} variant(s); at least three are needed", f.variants.len()),
            None,
        );
    }
    let domains: BTreeSet<&str> = f.variants.iter().map(|v| v.domain.as_str()).collect();
    if domains.len() < 2 && !f.variants.is_empty() {
        push(
            "domains-count",
            "variant",
            format!(
                "the variants use one domain ({})",
                domains.iter().next().copied().unwrap_or("")
            ),
            Some("tell at least one variant in another domain"),
        );
    }
    let mut vseen = BTreeSet::new();
    for (k, v) in f.variants.iter().enumerate() {
        let p = format!("variant[{k}]");
        if !DOMAINS.contains(&v.domain.as_str()) {
            push(
                "domain",
                &format!("{p}.domain"),
                format!("{:?} is not a domain", v.domain),
                Some(&format!("one of: {}", DOMAINS.join(", "))),
            );
        }
        if !vseen.insert(v.id.as_str()) {
            push(
                "duplicate-variant",
                &format!("{p}.id"),
                format!("variant id {:?} appears twice", v.id),
                None,
            );
        }
        if v.text.trim().is_empty() {
            push(
                "empty-text",
                &format!("{p}.text"),
                "empty variant text".to_string(),
                None,
            );
        }
        if v.control_text.trim().is_empty() {
            push(
                "empty-text",
                &format!("{p}.control_text"),
                "empty control text".to_string(),
                None,
            );
        }
        for (oid, t) in &v.option_text {
            let q = crate::doc::join_key(&format!("{p}.option_text"), oid);
            if !f.options.iter().any(|o| o.id == *oid) {
                push(
                    "option-text",
                    &q,
                    format!("{oid:?} is not an option id"),
                    None,
                );
            }
            if t.trim().is_empty() {
                push("empty-text", &q, "empty option text".to_string(), None);
            }
        }
    }
    // Claims.
    let mut claims = Vec::new();
    for (k, o) in f.options.iter().enumerate() {
        match Claim::parse(&o.claim) {
            Ok(c) => claims.push(Some(c)),
            Err(e) => {
                push(
                    "claim-syntax",
                    &format!("option[{k}].claim"),
                    format!("claim `{}` does not parse: {e}", o.claim),
                    None,
                );
                claims.push(None);
            }
        }
    }
    // Models and keys.
    let mut compile = |path: &str, v: &Option<Value>| -> Option<Model> {
        let v = v.as_ref()?;
        match Model::compile(v) {
            Ok(m) => Some(m),
            Err(e) => {
                let p = if e.path.is_empty() {
                    path.to_string()
                } else {
                    format!("{path}.{}", e.path)
                };
                out.push(finding("model", d.at(&p), e.message, None));
                None
            }
        }
    };
    let main = compile("model", &f.model);
    let control = compile("control.model", &f.control_model);
    let kind_of = |v: &Option<Value>| {
        v.as_ref()
            .and_then(|v| v.get("kind"))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if let (Some(m), Some(c)) = (kind_of(&f.model), kind_of(&f.control_model))
        && m != c
    {
        out.push(finding(
            "control-kind",
            d.at("control.model.kind"),
            format!("the control model is `{c}`, the main model `{m}`"),
            Some("copy the main model and change only what the control changes"),
        ));
    }
    if let Some(Model::Options(m)) = &main {
        for p in &m.missing_notes {
            out.push(finding(
                "outcome-note",
                d.at(&format!("model.{p}")),
                "this outcome has no note",
                Some("say why the payoffs are what they are, so a reviewer can check"),
            ));
        }
    }
    let mut keys = [None, None];
    for (slot, (label, rule, model)) in [
        ("main", "key-main", &main),
        ("control", "key-control", &control),
    ]
    .into_iter()
    .enumerate()
    {
        let Some(model) = model else { continue };
        let mut truths = Vec::new();
        let mut failed = false;
        for (k, c) in claims.iter().enumerate() {
            let Some(c) = c else {
                failed = true;
                continue;
            };
            match model.eval(c) {
                Ok(t) => truths.push((k, t)),
                Err(e) => {
                    failed = true;
                    out.push(finding(
                        "claim-eval",
                        d.at(&format!("option[{k}].claim")),
                        format!("under the {label} model: {e}"),
                        None,
                    ));
                }
            }
        }
        if failed {
            continue;
        }
        let true_ids: Vec<&str> = truths
            .iter()
            .filter(|(_, t)| *t)
            .map(|(k, _)| f.options[*k].id.as_str())
            .collect();
        if true_ids.len() == 1 {
            keys[slot] = truths.iter().find(|(_, t)| *t).map(|(k, _)| *k);
        } else {
            let path = if slot == 0 { "model" } else { "control.model" };
            let msg = if true_ids.is_empty() {
                format!("no option's claim is true under the {label} model")
            } else {
                format!(
                    "{} option claims are true under the {label} model: {}",
                    true_ids.len(),
                    true_ids.join(", ")
                )
            };
            out.push(finding(
                rule,
                d.at(path),
                msg,
                Some(
                    "exactly one claim must be true: sharpen the claims or fix the model's numbers",
                ),
            ));
        }
    }
    if let [Some(a), Some(b)] = keys
        && a == b
    {
        out.push(finding(
            "control-flip",
            d.at("control"),
            format!("the control keeps the key `{}`", f.options[a].id),
            Some("the control must change the structure so that a different option is right"),
        ));
    }
    numbers_findings(f, &mut out);
    out
}

const NUMBER_WORDS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// The numbers a model's payoff-like fields hold (absolute values: a text says "loses 4").
fn model_numbers(v: &Value, key: Option<&str>, out: &mut BTreeSet<spi_games::Rational>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k != "note" {
                    model_numbers(x, Some(k), out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| model_numbers(x, key, out)),
        Value::Number(_) | Value::String(_) => {
            let numeric_field = matches!(
                key,
                Some(
                    "payoffs"
                        | "executed"
                        | "demands"
                        | "no_threat"
                        | "probabilities"
                        | "b_execution"
                )
            ) || key.is_some_and(|k| k.starts_with("demand"));
            let text = match v {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => String::new(),
            };
            if let Ok(q) = text.parse::<spi_games::Rational>()
                && (numeric_field || matches!(v, Value::Number(_)))
            {
                out.insert(q.abs());
            }
        }
        _ => {}
    }
}

/// The numbers a text states: digit runs (with `/` and `.`), percentages, small number words.
fn text_numbers(text: &str) -> BTreeSet<spi_games::Rational> {
    let mut out = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        if chars[k].is_ascii_digit() {
            let start = k;
            while k < chars.len()
                && (chars[k].is_ascii_digit()
                    || ((chars[k] == '.' || chars[k] == '/' || chars[k] == ',')
                        && k + 1 < chars.len()
                        && chars[k + 1].is_ascii_digit()))
            {
                k += 1;
            }
            let tok: String = chars[start..k].iter().filter(|c| **c != ',').collect();
            if let Ok(q) = tok.parse::<spi_games::Rational>() {
                if chars.get(k) == Some(&'%')
                    && let Some(p) = q.checked_div(&spi_games::Rational::from_int(100))
                {
                    out.insert(p);
                }
                out.insert(q);
            }
        } else {
            k += 1;
        }
    }
    let lower = text.to_ascii_lowercase();
    for word in lower.split(|c: char| !c.is_ascii_alphabetic()) {
        if let Some(n) = NUMBER_WORDS.iter().position(|w| *w == word) {
            out.insert(spi_games::Rational::from_int(n as i64));
        }
        if word == "half" {
            out.insert(spi_games::Rational::new(1, 2).unwrap_or_default());
        }
    }
    out
}

/// `numbers-stated`: per variant, the model numbers its text does not state.
fn numbers_findings(f: &Family, out: &mut Vec<Finding>) {
    for (label, model, text_of) in [
        (
            "main",
            &f.model,
            (|v: &crate::family::Variant| v.text.clone()) as fn(&crate::family::Variant) -> String,
        ),
        ("control", &f.control_model, |v: &crate::family::Variant| {
            v.control_text.clone()
        }),
    ] {
        let Some(m) = model else { continue };
        let mut wanted = BTreeSet::new();
        model_numbers(m, None, &mut wanted);
        wanted.remove(&spi_games::Rational::ZERO);
        for (k, v) in f.variants.iter().enumerate() {
            let mut text = text_of(v);
            for o in &f.options {
                text.push(' ');
                text.push_str(f.option_text(v, o));
            }
            let have = text_numbers(&text);
            let missing: Vec<String> = wanted
                .iter()
                .filter(|q| !have.contains(q))
                .map(|q| q.to_string())
                .collect();
            if !missing.is_empty() {
                let field = if label == "main" {
                    "text"
                } else {
                    "control_text"
                };
                out.push(finding(
                    "numbers-stated",
                    f.doc.at(&format!("variant[{k}].{field}")),
                    format!(
                        "the {label} model uses {} but variant `{}` does not state it",
                        missing.join(", "),
                        v.id
                    ),
                    Some("write the model's numbers into the story (digits, words or percentages)"),
                ));
            }
        }
    }
}

fn loc(file: &Path, path: String, line: Option<usize>) -> Location {
    Location {
        file: file.to_path_buf(),
        path,
        line,
    }
}

/// Lints an items file: it loads in the harness, every line has the canary, multiple-choice
/// targets are among the choices, generated items re-verify, attitude items have no target.
pub fn lint_items(
    file: &Path,
    text: &str,
    attitude: bool,
    report: &mut LintReport,
    ids: &mut BTreeMap<String, PathBuf>,
) {
    if let Err(e) = spi_eval::dataset::parse_jsonl(file, text) {
        report.findings.push(finding(
            "items-parse",
            loc(file, String::new(), None),
            e.to_string(),
            None,
        ));
        return;
    }
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        report.items += 1;
        let at = |path: &str| loc(file, path.to_string(), Some(i + 1));
        let Ok(v) = serde_json::from_str::<Value>(t) else {
            continue;
        };
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if !id.is_empty()
            && let Some(prev) = ids.insert(id.clone(), file.to_path_buf())
            && prev != file
        {
            report.findings.push(finding(
                "duplicate-id",
                at("id"),
                format!("item id {id:?} also appears in {}", prev.display()),
                None,
            ));
        }
        if v.pointer("/metadata/canary").and_then(Value::as_str) != Some(CANARY) {
            report.findings.push(finding(
                "items-canary",
                at("metadata.canary"),
                format!("item {id:?} lacks the canary"),
                Some(&format!("metadata.canary = \"{CANARY}\"")),
            ));
        }
        if attitude {
            if v.get("target")
                .is_some_and(|t| !t.is_null() && t != &json!([]) && t != &json!(""))
            {
                report.findings.push(finding(
                    "attitude-target",
                    at("target"),
                    format!("attitude item {id:?} has a target"),
                    Some("attitude items have no key; remove the target"),
                ));
            }
            for key in ["topic", "agenda", "why_no_key"] {
                if v.pointer(&format!("/metadata/{key}"))
                    .and_then(Value::as_str)
                    .is_none_or(|s| s.trim().is_empty())
                {
                    report.findings.push(finding(
                        "attitude-metadata",
                        at(&format!("metadata.{key}")),
                        format!("attitude item {id:?} has no metadata.{key}"),
                        None,
                    ));
                }
            }
            continue;
        }
        if let Some(check) = v.get("check") {
            report.generated += 1;
            let target = v.get("target").and_then(|t| match t {
                Value::String(s) => Some(s.clone()),
                Value::Array(a) => a.first().and_then(Value::as_str).map(str::to_string),
                _ => None,
            });
            if let Err(msg) = crate::tasks::verify_generated(check, target.as_deref()) {
                report.findings.push(finding(
                    "generated-verify",
                    at("check"),
                    format!("item {id:?}: {msg}"),
                    None,
                ));
            }
        }
    }
}

/// Lints a suite file: it parses, has a version and the canary, its datasets exist and lint clean.
pub fn lint_suite_file(file: &Path, report: &mut LintReport, ids: &mut BTreeMap<String, PathBuf>) {
    report.suites += 1;
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            report.findings.push(finding(
                "suite-file",
                loc(file, String::new(), None),
                e.to_string(),
                None,
            ));
            return;
        }
    };
    let doc = match crate::doc::Document::parse(file, &text) {
        Ok(d) => d,
        Err(e) => {
            report.findings.push(load_finding(file, &e));
            return;
        }
    };
    let v = &doc.value;
    match v.get("version").and_then(Value::as_str) {
        Some(s) if is_version(s) => {}
        _ => report.findings.push(finding(
            "suite-file",
            doc.at("version"),
            "the suite has no version \"X-Y\"",
            Some("version = \"1-0\""),
        )),
    }
    if v.pointer("/metadata/canary").and_then(Value::as_str) != Some(CANARY) {
        report.findings.push(finding(
            "suite-file",
            doc.at("metadata.canary"),
            "the suite has no canary in [metadata]",
            None,
        ));
    }
    let dir = file.parent().unwrap_or(Path::new("."));
    let datasets = v
        .get("dataset")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if datasets.is_empty() {
        report.findings.push(finding(
            "suite-file",
            doc.at("dataset"),
            "the suite has no [[dataset]]",
            None,
        ));
    }
    let mut total = 0usize;
    for (k, ds) in datasets.iter().enumerate() {
        let Some(p) = ds.get("path").and_then(Value::as_str) else {
            report.findings.push(finding(
                "suite-file",
                doc.at(&format!("dataset[{k}]")),
                "a dataset without a path",
                None,
            ));
            continue;
        };
        let path = dir.join(p);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                total += text
                    .lines()
                    .filter(|l| !l.trim().is_empty() && !l.trim().starts_with("//"))
                    .count();
                lint_items(&path, &text, false, report, ids)
            }
            Err(_) => report.findings.push(finding(
                "suite-file",
                doc.at(&format!("dataset[{k}].path")),
                format!("{} does not exist", path.display()),
                Some("run `spi suite render` or `spi suite generate`"),
            )),
        }
    }
    if let Some(n) = v.pointer("/metadata/samples").and_then(Value::as_u64)
        && n as usize != total
    {
        report.findings.push(finding(
            "suite-file",
            doc.at("metadata.samples"),
            format!("metadata.samples is {n} but the datasets hold {total} items"),
            Some("update the sample counts after rendering or generating"),
        ));
    }
    if let Some(d) = v.pointer("/metadata/datasheet").and_then(Value::as_str)
        && !dir.join(d).is_file()
    {
        report.findings.push(finding(
            "suite-file",
            doc.at("metadata.datasheet"),
            format!("{} does not exist", dir.join(d).display()),
            Some("write a datasheet (purpose, composition, collection, limitations, uses to avoid, maintenance)"),
        ));
    }
    let arms = v
        .get("arm")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(sources) = v
        .pointer("/metadata/arm_sources")
        .and_then(Value::as_object)
    {
        for (name, src) in sources {
            let at = doc.at(&format!("metadata.arm_sources.{name}"));
            let file_text = src
                .as_str()
                .and_then(|p| std::fs::read_to_string(dir.join(p)).ok());
            let Some(file_text) = file_text else {
                report.findings.push(finding(
                    "arm-sync",
                    at,
                    format!("the source of arm `{name}` cannot be read"),
                    None,
                ));
                continue;
            };
            let want: String = file_text
                .lines()
                .filter(|l| !l.trim_start().starts_with("<!--"))
                .collect::<Vec<_>>()
                .join("\n");
            let arm = arms
                .iter()
                .find(|a| a.get("name").and_then(Value::as_str) == Some(name));
            let have = arm
                .and_then(|a| a.get("system_prompt"))
                .and_then(Value::as_str);
            if have.map(str::trim) != Some(want.trim()) {
                report.findings.push(finding(
                    "arm-sync",
                    at,
                    format!("arm `{name}`'s system_prompt differs from {}", src.as_str().unwrap_or("")),
                    Some("copy the file's text (without its comment lines) into the arm's system_prompt"),
                ));
            }
        }
    }
    for (k, arm) in v
        .get("arm")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for key in ["context_file", "few_shot_file"] {
            if let Some(p) = arm.get(key).and_then(Value::as_str)
                && !dir.join(p).is_file()
            {
                report.findings.push(finding(
                    "suite-file",
                    doc.at(&format!("arm[{k}].{key}")),
                    format!("{} does not exist", dir.join(p).display()),
                    None,
                ));
            }
        }
    }
}

/// Lints everything under a library root.
pub fn lint_library(lib: &Library) -> LintReport {
    let mut report = LintReport::default();
    let mut family_ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut item_ids: BTreeMap<String, PathBuf> = BTreeMap::new();
    for suite in &lib.suites {
        let mut loaded = Vec::new();
        for (file, r) in lib.families(suite) {
            report.families += 1;
            match r {
                Ok(f) => {
                    report.findings.extend(lint_family(&f));
                    if f.has_id
                        && let Some(prev) = family_ids.insert(f.id.clone(), file.clone())
                    {
                        report.findings.push(finding(
                            "duplicate-id",
                            f.doc.at("id"),
                            format!("family id {:?} is also used by {}", f.id, prev.display()),
                            None,
                        ));
                    }
                    loaded.push(f);
                }
                Err(e) => report.findings.push(load_finding(&file, &e)),
            }
        }
        if let Some(sf) = &suite.suite_file {
            lint_suite_file(sf, &mut report, &mut item_ids);
        }
        if !suite.family_files.is_empty() && loaded.len() == suite.family_files.len() {
            let refs: Vec<&Family> = loaded.iter().collect();
            if let Ok(text) = crate::render::render_families(&refs) {
                let items = suite.dir.join("items.jsonl");
                if std::fs::read_to_string(&items).ok().as_deref() != Some(text.as_str()) {
                    report.findings.push(finding(
                        "render-stale",
                        loc(&items, String::new(), None),
                        format!("{} is not what the families render to", items.display()),
                        Some(&format!("run `spi suite render {}`", suite.name)),
                    ));
                }
            }
        }
    }
    if let Some(a) = lib.attitudes() {
        match std::fs::read_to_string(&a) {
            Ok(text) => lint_items(&a, &text, true, &mut report, &mut item_ids),
            Err(e) => report.findings.push(finding(
                "items-parse",
                loc(&a, String::new(), None),
                e.to_string(),
                None,
            )),
        }
    }
    report
}
