//! The policy auditor: a policy document split into clauses with their line spans, and the risk
//! factors each clause exhibits, found by rules that are data (`lockout/rules.toml`).
//!
//! A rule fires on a clause when every one of its cue groups matches the clause (a prohibition, an
//! object such as "its goals or values", perhaps a scope), all within `window` characters of each
//! other, and none of its carve-outs does. A carve-out found in the clause, or in the clause right
//! after it when that one opens with "unless", "except" or "this does not apply", silences the rule:
//! the finding would be a false alarm on a policy that already preserves the option. Every finding
//! names the cues that fired and quotes them, so the author sees why.
//!
//! Clauses: a Markdown or plain-text document is split at blank lines, headings and list items
//! (`-`, `*`, `1.`, `(a)`, `a)`); the heading above a clause is kept as its section. Code fences are
//! skipped.
//!
//! # Complexity
//! O(|rules| · |patterns| · |document|): every pattern is a linear-time `regex` search.

use regex::{Regex, RegexBuilder};
use serde_json::{Value, json};

use crate::checklist::Checklist;
use crate::error::LockoutError;
use crate::value::{array, join, nonempty_string, only_keys, parse_toml, required, strings, table};

/// A clause of a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// 0-based position in the document.
    pub index: usize,
    /// First line (1-based).
    pub start_line: usize,
    /// Last line (1-based, inclusive).
    pub end_line: usize,
    /// The text, list markers removed, lines joined by spaces.
    pub text: String,
    /// The nearest heading above it.
    pub section: Option<String>,
}

/// A group of alternative patterns standing for one cue ("a prohibition").
#[derive(Debug, Clone)]
struct CueGroup {
    name: String,
    patterns: Vec<Regex>,
}

/// One rule: the factor it flags, its cue groups and its carve-outs.
#[derive(Debug, Clone)]
struct Rule {
    factor: String,
    explain: String,
    all: Vec<CueGroup>,
    unless: Vec<CueGroup>,
    window: usize,
}

/// The rules of the deterministic pass.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// `X-Y` version of the rule file.
    pub version: String,
    rules: Vec<Rule>,
}

/// Why a cue group matched: its name and the quoted text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// The group's name ("prohibition").
    pub name: String,
    /// The text it matched.
    pub matched: String,
}

/// One risk factor found in one clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Checklist factor id.
    pub factor: String,
    /// The factor's name.
    pub name: String,
    /// Index of the clause.
    pub clause: usize,
    /// First line of the clause.
    pub start_line: usize,
    /// Last line.
    pub end_line: usize,
    /// The cues that fired.
    pub cues: Vec<Cue>,
    /// Why this is a risk, in one sentence.
    pub why: String,
    /// The fix.
    pub mitigation: String,
    /// Which pass found it: `rules`, or `model:NAME` for the model-assisted pass.
    pub pass: String,
}

/// The audit of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The clauses.
    pub clauses: Vec<Clause>,
    /// The findings, in clause order.
    pub findings: Vec<Finding>,
    /// Rules silenced by a carve-out: (clause, factor, the carve-out's name).
    pub carved_out: Vec<(usize, String, String)>,
}

/// The auditor: a rule set and the checklist it reports against.
#[derive(Debug, Clone)]
pub struct Auditor {
    rules: RuleSet,
    checklist: Checklist,
}

fn compile(pattern: &str, path: &str) -> Result<Regex, LockoutError> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            LockoutError::invalid(
                path,
                "a regular expression",
                e.to_string().replace('\n', " "),
            )
        })
}

fn groups(v: Option<&Value>, path: &str) -> Result<Vec<CueGroup>, LockoutError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let p = format!("{path}[{k}]");
            let t = table(g, &p)?;
            only_keys(t, &p, &["name", "patterns"])?;
            let pp = join(&p, "patterns");
            let patterns = strings(required(t, &p, "patterns")?, &pp)?
                .iter()
                .enumerate()
                .map(|(j, s)| compile(s, &format!("{pp}[{j}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if patterns.is_empty() {
                return Err(LockoutError::invalid(
                    &pp,
                    "at least one pattern",
                    "an empty list",
                ));
            }
            Ok(CueGroup {
                name: nonempty_string(t, &p, "name")?,
                patterns,
            })
        })
        .collect()
}

impl RuleSet {
    /// Reads `rules.toml`, checking that every rule's factor is in the checklist.
    pub fn from_toml_str(text: &str, checklist: &Checklist) -> Result<RuleSet, LockoutError> {
        let v = parse_toml(text)?;
        let obj = table(&v, "$")?;
        only_keys(obj, "", &["canary", "schema", "version", "rule"])?;
        crate::checklist::check_canary(obj)?;
        let version = nonempty_string(obj, "", "version")?;
        crate::checklist::check_version(&version, "version")?;
        let mut rules = Vec::new();
        for (k, r) in array(required(obj, "", "rule")?, "rule")?
            .iter()
            .enumerate()
        {
            let p = format!("rule[{k}]");
            let t = table(r, &p)?;
            only_keys(t, &p, &["factor", "explain", "all", "unless", "window"])?;
            let factor = nonempty_string(t, &p, "factor")?;
            if checklist.factor(&factor).is_none() {
                return Err(LockoutError::invalid(
                    &join(&p, "factor"),
                    "a factor id of the checklist",
                    format!("{factor:?}"),
                ));
            }
            let all = groups(t.get("all"), &join(&p, "all"))?;
            if all.is_empty() {
                return Err(LockoutError::invalid(
                    &join(&p, "all"),
                    "at least one cue group",
                    "none",
                ));
            }
            let window = match t.get("window") {
                None => 400,
                Some(w) => w
                    .as_u64()
                    .filter(|&w| (1..=100_000).contains(&w))
                    .ok_or_else(|| {
                        LockoutError::invalid(
                            &join(&p, "window"),
                            "a number of characters in 1..=100000",
                            w.to_string(),
                        )
                    })? as usize,
            };
            rules.push(Rule {
                factor,
                explain: nonempty_string(t, &p, "explain")?,
                all,
                unless: groups(t.get("unless"), &join(&p, "unless"))?,
                window,
            });
        }
        Ok(RuleSet { version, rules })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Compiled once: `split_clauses` runs on every document and every corpus clause.
static LIST_MARKER: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"^\s*(?:[-*+•]|\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)]|\(\w{1,4}\)|[a-zA-Z][.)]|§\s*\d[\d.]*|\*\*\d{1,3}(?:\.\d{1,3})*\.?\*\*)\s+")
        .expect("a valid pattern")
});

/// Splits a document into clauses.
pub fn split_clauses(text: &str) -> Vec<Clause> {
    static HEADING: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"^\s{0,3}#{1,6}\s+(.*)$").expect("a valid pattern")
    });
    let (marker, heading) = (&*LIST_MARKER, &*HEADING);
    let mut clauses: Vec<Clause> = Vec::new();
    let mut section: Option<String> = None;
    let mut current: Option<Clause> = None;
    let mut in_fence = false;
    let lines: Vec<&str> = text.lines().collect();
    let flush = |current: &mut Option<Clause>, clauses: &mut Vec<Clause>| {
        if let Some(mut c) = current.take() {
            c.text = c.text.trim().to_string();
            if c.text.chars().any(char::is_alphanumeric) {
                c.index = clauses.len();
                clauses.push(c);
            }
        }
    };
    for (k, line) in lines.iter().enumerate() {
        let n = k + 1;
        let trimmed = line.trim();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            flush(&mut current, &mut clauses);
            in_fence = !in_fence;
            continue;
        }
        if in_fence || trimmed.starts_with("<!--") {
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut current, &mut clauses);
            continue;
        }
        if let Some(h) = heading.captures(line) {
            flush(&mut current, &mut clauses);
            section = Some(h[1].trim().to_string());
            continue;
        }
        // Setext headings: a line of === or --- under a paragraph of one line.
        let is_rule = trimmed.len() >= 3
            && (trimmed.bytes().all(|b| b == b'=') || trimmed.bytes().all(|b| b == b'-'));
        if is_rule {
            if let Some(c) = current.take() {
                if c.start_line == c.end_line {
                    section = Some(c.text.trim().to_string());
                } else {
                    current = Some(c);
                    flush(&mut current, &mut clauses);
                }
            }
            continue;
        }
        let (starts_item, body) = match marker.find(line) {
            Some(m) => (true, &line[m.end()..]),
            None => (false, trimmed),
        };
        let body = body.trim().trim_start_matches('>').trim();
        if starts_item {
            flush(&mut current, &mut clauses);
        }
        match current.as_mut() {
            Some(c) => {
                c.text.push(' ');
                c.text.push_str(body);
                c.end_line = n;
            }
            None => {
                current = Some(Clause {
                    index: 0,
                    start_line: n,
                    end_line: n,
                    text: body.to_string(),
                    section: section.clone(),
                })
            }
        }
    }
    flush(&mut current, &mut clauses);
    clauses
}

/// Where a cue group first matches: (start, end, matched text).
fn first_match(g: &CueGroup, text: &str) -> Option<(usize, usize, String)> {
    g.patterns
        .iter()
        .filter_map(|p| p.find(text))
        .min_by_key(|m| m.start())
        .map(|m| (m.start(), m.end(), m.as_str().to_string()))
}

/// All matches of a group, for the window test.
fn all_matches(g: &CueGroup, text: &str) -> Vec<(usize, usize, String)> {
    let mut v: Vec<_> = g
        .patterns
        .iter()
        .flat_map(|p| {
            p.find_iter(text)
                .map(|m| (m.start(), m.end(), m.as_str().to_string()))
        })
        .collect();
    v.sort();
    v
}

/// The tightest choice of one match per group within `window` characters, if any.
fn within_window(groups: &[CueGroup], text: &str, window: usize) -> Option<Vec<Cue>> {
    let matches: Vec<Vec<(usize, usize, String)>> =
        groups.iter().map(|g| all_matches(g, text)).collect();
    if matches.iter().any(Vec::is_empty) {
        return None;
    }
    // Anchor on each match of the first group; take the nearest match of every other group.
    for anchor in &matches[0] {
        let mut chosen = vec![anchor.clone()];
        for ms in &matches[1..] {
            let best = ms
                .iter()
                .min_by_key(|m| m.0.abs_diff(anchor.0))
                .expect("non-empty")
                .clone();
            chosen.push(best);
        }
        let lo = chosen.iter().map(|m| m.0).min().expect("non-empty");
        let hi = chosen.iter().map(|m| m.1).max().expect("non-empty");
        if hi - lo <= window {
            return Some(
                groups
                    .iter()
                    .zip(chosen)
                    .map(|(g, m)| Cue {
                        name: g.name.clone(),
                        matched: m.2,
                    })
                    .collect(),
            );
        }
    }
    None
}

fn opens_exception(text: &str) -> bool {
    let t = text.trim_start().to_lowercase();
    [
        "unless",
        "except",
        "exception",
        "this does not apply",
        "the foregoing does not apply",
        "notwithstanding",
        "provided that",
        "however,",
    ]
    .iter()
    .any(|w| t.starts_with(w))
}

impl Auditor {
    /// An auditor over a rule set and its checklist.
    pub fn new(rules: RuleSet, checklist: Checklist) -> Auditor {
        Auditor { rules, checklist }
    }

    /// The checklist the findings refer to.
    pub fn checklist(&self) -> &Checklist {
        &self.checklist
    }

    /// The deterministic pass over a whole document.
    pub fn audit(&self, text: &str) -> AuditReport {
        let clauses = split_clauses(text);
        let mut findings = Vec::new();
        let mut carved_out = Vec::new();
        for (k, c) in clauses.iter().enumerate() {
            let mut fired: Vec<&str> = Vec::new();
            for r in &self.rules.rules {
                if fired.contains(&r.factor.as_str()) {
                    continue;
                }
                let Some(cues) = within_window(&r.all, &c.text, r.window) else {
                    continue;
                };
                let next = clauses.get(k + 1).filter(|n| opens_exception(&n.text));
                let carve = r.unless.iter().find(|g| {
                    first_match(g, &c.text).is_some()
                        || next.is_some_and(|n| first_match(g, &n.text).is_some())
                });
                if let Some(g) = carve {
                    carved_out.push((k, r.factor.clone(), g.name.clone()));
                    continue;
                }
                let f = self
                    .checklist
                    .factor(&r.factor)
                    .expect("checked when the rules were read");
                fired.push(&r.factor);
                findings.push(Finding {
                    factor: r.factor.clone(),
                    name: f.name.clone(),
                    clause: k,
                    start_line: c.start_line,
                    end_line: c.end_line,
                    cues,
                    why: r.explain.clone(),
                    mitigation: f.mitigation.clone(),
                    pass: "rules".into(),
                });
            }
        }
        AuditReport {
            clauses,
            findings,
            carved_out,
        }
    }
}

impl AuditReport {
    /// The factors found anywhere in the document, sorted and deduplicated.
    pub fn factors(&self) -> Vec<String> {
        let mut v: Vec<String> = self.findings.iter().map(|f| f.factor.clone()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Human text: one block per finding, `FILE:LINE[-LINE]: FACTOR name`.
    pub fn to_text(&self, file: &str) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let lines = if f.start_line == f.end_line {
                f.start_line.to_string()
            } else {
                format!("{}-{}", f.start_line, f.end_line)
            };
            out.push_str(&format!(
                "{file}:{lines}: {} {} [{}]\n",
                f.factor, f.name, f.pass
            ));
            let cues: Vec<String> = f
                .cues
                .iter()
                .map(|c| format!("{} {:?}", c.name, c.matched))
                .collect();
            out.push_str(&format!(
                "  why: {} ({})\n  fix: {}\n",
                f.why,
                cues.join("; "),
                f.mitigation
            ));
        }
        out.push_str(&format!(
            "{} clause(s), {} finding(s), {} rule(s) silenced by a carve-out already present\n",
            self.clauses.len(),
            self.findings.len(),
            self.carved_out.len()
        ));
        out
    }

    /// The `spi-lockout-audit/1` JSON document.
    pub fn to_value(&self, file: &str) -> Value {
        json!({
            "schema": "spi-lockout-audit/1",
            "file": file,
            "clauses": self.clauses.iter().map(|c| json!({
                "index": c.index, "start_line": c.start_line, "end_line": c.end_line,
                "section": c.section, "text": c.text,
            })).collect::<Vec<_>>(),
            "findings": self.findings.iter().map(finding_value).collect::<Vec<_>>(),
            "carved_out": self.carved_out.iter().map(|(c, f, g)| json!({"clause": c, "factor": f, "carve_out": g})).collect::<Vec<_>>(),
        })
    }

    /// SARIF 2.1.0, the format code-scanning UIs read. Written directly with `serde_json`: we emit a
    /// fixed subset (one run, rules, results with line regions), and the tests check its shape.
    pub fn to_sarif(&self, file: &str, checklist: &Checklist) -> Value {
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "spi lockout check",
                    "rules": checklist.factors.iter().map(|f| json!({
                        "id": f.id,
                        "name": f.name,
                        "shortDescription": {"text": f.name},
                        "fullDescription": {"text": f.question},
                        "help": {"text": format!("{} Mitigation: {}", f.rationale, f.mitigation)},
                    })).collect::<Vec<_>>(),
                }},
                "results": self.findings.iter().map(|f| json!({
                    "ruleId": f.factor,
                    "level": "warning",
                    "message": {"text": format!("{}: {}. Fix: {}", f.name, f.why, f.mitigation)},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": file},
                        "region": {"startLine": f.start_line, "endLine": f.end_line},
                    }}],
                    "properties": {"pass": f.pass, "cues": f.cues.iter().map(|c| json!({"name": c.name, "matched": c.matched})).collect::<Vec<_>>()},
                })).collect::<Vec<_>>(),
            }],
        })
    }
}

/// One finding as JSON.
pub fn finding_value(f: &Finding) -> Value {
    json!({
        "factor": f.factor, "name": f.name, "clause": f.clause, "start_line": f.start_line,
        "end_line": f.end_line, "why": f.why, "mitigation": f.mitigation, "pass": f.pass,
        "cues": f.cues.iter().map(|c| json!({"name": c.name, "matched": c.matched})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_keep_their_line_spans_and_sections() {
        let doc = "# Values\n\nThe agent must never\nchange its goals.\n\n1. First item\n   continues here.\n2.1 Second.\n\n```\ncode must never\n```\nSetext\n------\nLast paragraph.\n";
        let c = split_clauses(doc);
        let spans: Vec<(usize, usize)> = c.iter().map(|c| (c.start_line, c.end_line)).collect();
        assert_eq!(spans, vec![(3, 4), (6, 7), (8, 8), (15, 15)]);
        assert_eq!(c[0].text, "The agent must never change its goals.");
        assert_eq!(c[1].text, "First item continues here.");
        assert_eq!(c[0].section.as_deref(), Some("Values"));
        assert_eq!(c[3].section.as_deref(), Some("Setext"));
    }

    proptest::proptest! {
        #[test]
        fn splitting_is_total_and_spans_are_ordered(doc in "\\PC{0,400}") {
            let c = split_clauses(&doc);
            let lines = doc.lines().count().max(1);
            for (k, cl) in c.iter().enumerate() {
                proptest::prop_assert_eq!(cl.index, k);
                proptest::prop_assert!(cl.start_line <= cl.end_line && cl.end_line <= lines);
                if k > 0 { proptest::prop_assert!(c[k - 1].end_line < cl.start_line); }
            }
        }
    }
}
