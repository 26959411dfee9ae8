//! The library as a whole: the checklist, the rules, the scenarios and the labelled corpus, the
//! linter over them, the auditor's precision and recall on the corpus, and the pitch's numbers.
//!
//! Nothing here reads files: callers hand in `(name, text)` pairs and get values back, so the
//! CLI, the tests and the doc test of `docs/pitch.md` all see the same library.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use spi_games::Rational;

use crate::audit::{Auditor, Clause, RuleSet};
use crate::checklist::Checklist;
use crate::error::LockoutError;
use crate::model_pass::ModelPass;
use crate::scenario::Scenario;

/// The built-in checklist (`lockout/checklist.toml`), compiled in so `spi lockout checklist`
/// works outside a checkout.
pub const BUILTIN_CHECKLIST: &str = include_str!("../../../lockout/checklist.toml");
/// The built-in rules of the deterministic pass (`lockout/rules.toml`).
pub const BUILTIN_RULES: &str = include_str!("../../../lockout/rules.toml");

/// A file's name with the error found in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {error}")]
pub struct FileError {
    /// The file (as named by the caller).
    pub file: String,
    /// What is wrong in it.
    pub error: LockoutError,
}

/// One labelled clause of the audit corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusClause {
    /// Unique id.
    pub id: String,
    /// Document genre.
    pub genre: String,
    /// The clause text.
    pub text: String,
    /// The factors it exhibits (empty: no risk).
    pub factors: BTreeSet<String>,
}

/// Everything under `lockout/`.
#[derive(Debug, Clone)]
pub struct Library {
    /// The checklist.
    pub checklist: Checklist,
    /// The auditor built from the rules and the checklist.
    pub auditor: Auditor,
    /// The scenarios, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// The labelled corpus the rules were developed against.
    pub corpus: Vec<CorpusClause>,
    /// A held-out labelled corpus, written apart from the rules and never used to tune them.
    pub heldout: Vec<CorpusClause>,
}

/// A linter finding about the library itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    /// Rule id (`witness-holds`, `factor-exhibited`, ...).
    pub rule: &'static str,
    /// Where (scenario id, factor id, corpus line).
    pub at: String,
    /// What is wrong.
    pub message: String,
}

fn wrap(file: &str, error: LockoutError) -> FileError {
    FileError {
        file: file.to_string(),
        error,
    }
}

/// Reads corpus JSONL: one clause a line; lines starting with `//` and blank lines are skipped.
pub fn parse_corpus(
    file: &str,
    text: &str,
    checklist: &Checklist,
) -> Result<Vec<CorpusClause>, FileError> {
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        let n = k + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        let at = |path: &str, expected: &str, found: String| {
            wrap(
                file,
                LockoutError::Invalid {
                    path: format!("line {n}: {path}"),
                    expected: expected.into(),
                    found,
                },
            )
        };
        let v: Value = serde_json::from_str(t).map_err(|e| {
            wrap(
                file,
                LockoutError::Syntax {
                    line: n,
                    column: e.column(),
                    message: e.to_string(),
                },
            )
        })?;
        let s = |key: &str| -> Result<String, FileError> {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    at(
                        &format!("$.{key}"),
                        "a non-empty string",
                        "something else".into(),
                    )
                })
        };
        if v.get("canary").and_then(Value::as_str) != Some(crate::CANARY) {
            return Err(at("$.canary", "the canary string", "something else".into()));
        }
        let factors_v = v.get("factors").and_then(Value::as_array).ok_or_else(|| {
            at(
                "$.factors",
                "an array of factor ids",
                "something else".into(),
            )
        })?;
        let mut factors = BTreeSet::new();
        for (j, f) in factors_v.iter().enumerate() {
            let id = f
                .as_str()
                .ok_or_else(|| at(&format!("$.factors[{j}]"), "a factor id", f.to_string()))?;
            if checklist.factor(id).is_none() {
                return Err(at(
                    &format!("$.factors[{j}]"),
                    "a factor id of the checklist",
                    format!("{id:?}"),
                ));
            }
            factors.insert(id.to_string());
        }
        out.push(CorpusClause {
            id: s("id")?,
            genre: s("genre")?,
            text: s("text")?,
            factors,
        });
    }
    Ok(out)
}

/// Precision and recall of one factor (or of all, micro-averaged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Flagged and labelled.
    pub tp: usize,
    /// Flagged, not labelled.
    pub fp: usize,
    /// Labelled, not flagged.
    pub fn_: usize,
}

impl Counts {
    /// TP / (TP + FP), or `None` when nothing was flagged.
    pub fn precision(&self) -> Option<f64> {
        (self.tp + self.fp > 0).then(|| self.tp as f64 / (self.tp + self.fp) as f64)
    }
    /// TP / (TP + FN), or `None` when nothing is labelled.
    pub fn recall(&self) -> Option<f64> {
        (self.tp + self.fn_ > 0).then(|| self.tp as f64 / (self.tp + self.fn_) as f64)
    }
}

/// The auditor's scores on a labelled corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusScore {
    /// Per factor.
    pub per_factor: BTreeMap<String, Counts>,
    /// Micro-average over factors.
    pub overall: Counts,
    /// Clauses flagged with a factor they are not labelled with, or missing one: (id, predicted, labelled).
    pub errors: Vec<(String, Vec<String>, Vec<String>)>,
    /// Number of clauses.
    pub clauses: usize,
    /// Clauses the pass gave no verdict on (a model's reply without a verdict line, or a failed
    /// request); they are scored as flagging nothing. Always 0 for the rules.
    pub unanswered: usize,
}

impl Library {
    /// Builds the library from the checklist text, the rules text, the scenario files and the
    /// corpus files (each `(name, text)`).
    pub fn load(
        checklist: (&str, &str),
        rules: (&str, &str),
        scenarios: &[(String, String)],
        corpus: &[(String, String)],
        heldout: &[(String, String)],
    ) -> Result<Library, FileError> {
        let cl = Checklist::from_toml_str(checklist.1).map_err(|e| wrap(checklist.0, e))?;
        let rs = RuleSet::from_toml_str(rules.1, &cl).map_err(|e| wrap(rules.0, e))?;
        let mut sc = Vec::new();
        for (name, text) in scenarios {
            let s = Scenario::from_toml_str(text).map_err(|e| wrap(name, e))?;
            for (k, f) in s.risk_factors.iter().enumerate() {
                if cl.factor(f).is_none() {
                    return Err(wrap(
                        name,
                        LockoutError::Invalid {
                            path: format!("risk_factors[{k}]"),
                            expected: "a factor id of the checklist".into(),
                            found: format!("{f:?}"),
                        },
                    ));
                }
            }
            sc.push(s);
        }
        sc.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = sc.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(wrap(
                "scenarios",
                LockoutError::Invalid {
                    path: "id".into(),
                    expected: "unique scenario ids".into(),
                    found: format!("{:?} twice", w[0].id),
                },
            ));
        }
        let mut cp = Vec::new();
        for (name, text) in corpus {
            cp.extend(parse_corpus(name, text, &cl)?);
        }
        let mut ho = Vec::new();
        for (name, text) in heldout {
            ho.extend(parse_corpus(name, text, &cl)?);
        }
        Ok(Library {
            auditor: Auditor::new(rs, cl.clone()),
            checklist: cl,
            scenarios: sc,
            corpus: cp,
            heldout: ho,
        })
    }

    /// The scenario ids exhibiting a factor.
    pub fn exhibited_by(&self, factor: &str) -> Vec<String> {
        self.scenarios
            .iter()
            .filter(|s| s.risk_factors.iter().any(|f| f == factor))
            .map(|s| s.id.clone())
            .collect()
    }

    /// A scenario by id.
    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Checks the library: every witness holds; every factor is exhibited by a scenario and fixed
    /// by its `fixed_policy`; corpus ids are unique.
    pub fn lint(&self) -> Vec<LintFinding> {
        let mut out = Vec::new();
        for s in &self.scenarios {
            if let Some(w) = &s.witness {
                for p in w.evaluate().problems {
                    out.push(LintFinding {
                        rule: "witness-holds",
                        at: s.id.clone(),
                        message: p,
                    });
                }
            }
            if s.fixed_policy.trim() == s.policy.trim() {
                out.push(LintFinding {
                    rule: "fixed-differs",
                    at: s.id.clone(),
                    message: "fixed_policy is the policy unchanged".into(),
                });
            }
        }
        for f in &self.checklist.factors {
            if self.exhibited_by(&f.id).is_empty() {
                out.push(LintFinding {
                    rule: "factor-exhibited",
                    at: f.id.clone(),
                    message: "no scenario exhibits this factor".into(),
                });
            }
        }
        let mut seen = BTreeSet::new();
        for c in self.corpus.iter().chain(&self.heldout) {
            if !seen.insert(&c.id) {
                out.push(LintFinding {
                    rule: "corpus-unique-id",
                    at: c.id.clone(),
                    message: "the id appears twice in the corpus".into(),
                });
            }
        }
        out
    }

    /// The deterministic pass on each corpus clause (each clause audited as its own document).
    pub fn score_corpus(&self) -> CorpusScore {
        score(
            self.corpus
                .iter()
                .map(|c| (c.id.clone(), c.text.clone(), c.factors.clone())),
            &self.auditor,
            &self.checklist,
        )
    }

    /// The deterministic pass on the held-out corpus.
    pub fn score_heldout(&self) -> CorpusScore {
        score(
            self.heldout
                .iter()
                .map(|c| (c.id.clone(), c.text.clone(), c.factors.clone())),
            &self.auditor,
            &self.checklist,
        )
    }

    /// The deterministic pass on the scenarios' policies (labelled with their factors) and their
    /// fixed policies (labelled with none): the falsifiability check of the checklist.
    pub fn score_scenarios(&self) -> CorpusScore {
        let items = self.scenarios.iter().flat_map(|s| {
            [
                (
                    format!("{}:policy", s.id),
                    s.policy.clone(),
                    s.risk_factors.iter().cloned().collect(),
                ),
                (
                    format!("{}:fixed_policy", s.id),
                    s.fixed_policy.clone(),
                    BTreeSet::new(),
                ),
            ]
        });
        score(items, &self.auditor, &self.checklist)
    }

    /// A number the pitch cites: `loss_a`, `loss_b`, `gain_a`, `gain_b` of a scenario's witness.
    pub fn witness_number(&self, scenario: &str, field: &str) -> Option<Rational> {
        let w = self.scenario(scenario)?.witness.as_ref()?.evaluate();
        let (v, i) = match field {
            "loss_a" => (&w.loss, 0),
            "loss_b" => (&w.loss, 1),
            "gain_a" => (&w.gain, 0),
            "gain_b" => (&w.gain, 1),
            _ => return None,
        };
        v.get(i).cloned()
    }
}

/// Scores predictions made by any pass (e.g. the model-assisted one): `predicted[k]` is the set of
/// factors found in `items[k]`.
pub fn score_predictions(
    items: &[CorpusClause],
    predicted: &[BTreeSet<String>],
    checklist: &Checklist,
) -> CorpusScore {
    tally(
        items
            .iter()
            .zip(predicted)
            .map(|(c, p)| (c.id.clone(), p.clone(), c.factors.clone())),
        checklist,
    )
}

/// At most `n` clauses spread evenly over the corpus, in order. The corpus files are read by genre,
/// so a limited model pass still sees every genre instead of the first file only.
pub fn spread_sample(items: &[CorpusClause], n: usize) -> Vec<CorpusClause> {
    if n >= items.len() {
        return items.to_vec();
    }
    (0..n).map(|k| items[k * items.len() / n].clone()).collect()
}

/// The corpus's clauses as auditor clauses for the model pass: clause k is item k.
pub fn as_clauses(items: &[CorpusClause]) -> Vec<Clause> {
    items
        .iter()
        .enumerate()
        .map(|(k, c)| Clause {
            index: k,
            start_line: 1,
            end_line: 1,
            text: c.text.clone(),
            section: None,
        })
        .collect()
}

/// Scores a model pass run over [`as_clauses`] of `items` by the same tally as the rules. A clause
/// without a verdict flags nothing, so it costs recall where it is labelled, and is counted in
/// [`CorpusScore::unanswered`] so that silence is not mistaken for a clean bill.
pub fn score_model_pass(
    items: &[CorpusClause],
    pass: &ModelPass,
    checklist: &Checklist,
) -> CorpusScore {
    let mut predicted = vec![BTreeSet::new(); items.len()];
    for f in &pass.findings {
        if let Some(p) = predicted.get_mut(f.clause) {
            p.insert(f.factor.clone());
        }
    }
    let mut score = score_predictions(items, &predicted, checklist);
    score.unanswered = pass.invalid.len();
    score
}

fn score(
    items: impl Iterator<Item = (String, String, BTreeSet<String>)>,
    auditor: &Auditor,
    checklist: &Checklist,
) -> CorpusScore {
    tally(
        items.map(|(id, text, labels)| {
            let predicted: BTreeSet<String> = auditor.audit(&text).factors().into_iter().collect();
            (id, predicted, labels)
        }),
        checklist,
    )
}

fn tally(
    items: impl Iterator<Item = (String, BTreeSet<String>, BTreeSet<String>)>,
    checklist: &Checklist,
) -> CorpusScore {
    let mut per: BTreeMap<String, Counts> = checklist
        .factors
        .iter()
        .map(|f| (f.id.clone(), Counts::default()))
        .collect();
    let mut errors = Vec::new();
    let mut n = 0;
    for (id, predicted, labels) in items {
        n += 1;
        for f in predicted.union(&labels) {
            let c = per.entry(f.clone()).or_default();
            match (predicted.contains(f), labels.contains(f)) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, true) => c.fn_ += 1,
                (false, false) => {}
            }
        }
        if predicted != labels {
            errors.push((
                id,
                predicted.into_iter().collect(),
                labels.into_iter().collect(),
            ));
        }
    }
    let overall = per.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    CorpusScore {
        per_factor: per,
        overall,
        errors,
        clauses: n,
        unanswered: 0,
    }
}

impl CorpusScore {
    /// A table: factor, TP, FP, FN, precision, recall.
    pub fn to_text(&self, title: &str) -> String {
        let f = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
        let mut out = format!(
            "{title}: {} clause(s){}\nfactor      tp   fp   fn  precision  recall\n",
            self.clauses,
            if self.unanswered > 0 {
                format!(
                    ", {} without a verdict (scored as flagging nothing)",
                    self.unanswered
                )
            } else {
                String::new()
            }
        );
        for (id, c) in &self.per_factor {
            out.push_str(&format!(
                "{id:<10} {:>4} {:>4} {:>4}  {:>9}  {:>6}\n",
                c.tp,
                c.fp,
                c.fn_,
                f(c.precision()),
                f(c.recall())
            ));
        }
        let c = self.overall;
        out.push_str(&format!(
            "{:<10} {:>4} {:>4} {:>4}  {:>9}  {:>6}\n",
            "overall",
            c.tp,
            c.fp,
            c.fn_,
            f(c.precision()),
            f(c.recall())
        ));
        out
    }

    /// As JSON.
    pub fn to_value(&self) -> Value {
        let c = |c: &Counts| json!({"tp": c.tp, "fp": c.fp, "fn": c.fn_, "precision": c.precision(), "recall": c.recall()});
        json!({
            "clauses": self.clauses,
            "unanswered": self.unanswered,
            "per_factor": self.per_factor.iter().map(|(k, v)| (k.clone(), c(v))).collect::<serde_json::Map<_, _>>(),
            "overall": c(&self.overall),
            "errors": self.errors.iter().map(|(id, p, l)| json!({"id": id, "predicted": p, "labelled": l})).collect::<Vec<_>>(),
        })
    }
}

/// One number the pitch cites: where (`ID:FIELD`), the engine's value, and what the text said
/// before when that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PitchNumber {
    /// `SCENARIO:FIELD`.
    pub at: String,
    /// The value the engine computes.
    pub value: String,
    /// The value the file had, when it had a different one.
    pub stale: Option<String>,
}

/// Fills the pitch: every `{{witness:ID:FIELD}}` placeholder, and every number already filled in
/// as `**N**<!--witness:ID:FIELD-->`, is (re)computed from the library. Returns the filled text and
/// the numbers found.
pub fn fill_pitch(text: &str, lib: &Library) -> Result<(String, Vec<PitchNumber>), String> {
    let re = regex::Regex::new(r"\{\{witness:([a-z0-9-]+):([a-z_]+)\}\}|\*\*([^*]*)\*\*<!--witness:([a-z0-9-]+):([a-z_]+)-->").expect("a valid pattern");
    let mut out = String::new();
    let mut last = 0;
    let mut seen = Vec::new();
    for c in re.captures_iter(text) {
        let m = c.get(0).expect("whole match");
        let (id, field, before) = match (c.get(1), c.get(3)) {
            (Some(id), _) => (id.as_str(), &c[2], None),
            (None, Some(old)) => (&c[4], &c[5], Some(old.as_str().to_string())),
            _ => unreachable!("one of the two alternatives matched"),
        };
        let v = lib.witness_number(id, field).ok_or_else(|| {
            format!("the pitch cites {id}:{field}, which no witness of the library computes")
        })?;
        let value = v.to_string();
        out.push_str(&text[last..m.start()]);
        out.push_str(&format!("**{value}**<!--witness:{id}:{field}-->"));
        last = m.end();
        let changed = before.filter(|b| *b != value);
        seen.push(PitchNumber {
            at: format!("{id}:{field}"),
            value,
            stale: changed,
        });
    }
    out.push_str(&text[last..]);
    Ok((out, seen))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Finding;

    fn clause(id: &str, genre: &str, factors: &[&str]) -> CorpusClause {
        CorpusClause {
            id: id.into(),
            genre: genre.into(),
            text: format!("clause {id}"),
            factors: factors.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn a_limited_sample_reaches_every_genre() {
        let items: Vec<CorpusClause> = (0..30)
            .map(|k| clause(&format!("c{k}"), ["a", "b", "c"][k / 10], &[]))
            .collect();
        let s = spread_sample(&items, 6);
        assert_eq!(s.len(), 6);
        let genres: BTreeSet<&str> = s.iter().map(|c| c.genre.as_str()).collect();
        assert_eq!(genres.len(), 3);
        assert_eq!(spread_sample(&items, 100).len(), 30);
    }

    #[test]
    fn silence_costs_recall_and_is_counted() {
        let checklist = Checklist::from_toml_str(BUILTIN_CHECKLIST).unwrap();
        let f = checklist.factors[0].clone();
        let items = vec![
            clause("x", "g", &[&f.id]),
            clause("y", "g", &[]),
            clause("z", "g", &[&f.id]),
        ];
        let finding = |clause: usize| Finding {
            factor: f.id.clone(),
            name: f.name.clone(),
            clause,
            start_line: 1,
            end_line: 1,
            cues: Vec::new(),
            why: String::new(),
            mitigation: f.mitigation.clone(),
            pass: "model:test".into(),
        };
        let pass = ModelPass {
            findings: vec![finding(0), finding(1)],
            invalid: vec![(2, "the reply has no verdict line".into())],
            log: Default::default(),
        };
        let score = score_model_pass(&items, &pass, &checklist);
        assert_eq!(score.unanswered, 1);
        let c = score.per_factor[&f.id];
        assert_eq!((c.tp, c.fp, c.fn_), (1, 1, 1));
        assert!(score.to_text("t").contains("1 without a verdict"));
        assert_eq!(score.to_value()["unanswered"], 1);
    }
}
