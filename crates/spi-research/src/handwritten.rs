//! Classes 9 (critique) and 10 (open questions): the hand-written files under `research/`,
//! read with their own loader (their lines carry `canary` and `version` at top level, which the
//! harness's sample loader refuses), turned into samples, and graded: critiques by Spearman
//! agreement with the reference ratings ([`CritiqueCheck`]), open questions by the harness's
//! rubric judges over rubric items built from the reference points. Neither is ever averaged
//! into the checkable score.

use serde_json::{Map, Value, json};
use spi_eval::check::{CheckError, CheckInput, CheckVerdict, EngineCheck};

use crate::error::ResearchError;
use crate::release::{CANARY, VERSION};
use crate::task::{Class, final_answer};

/// One critique of an argument, with its reference rating.
#[derive(Debug, Clone, PartialEq)]
pub struct Critique {
    /// Letter id (`a`).
    pub id: String,
    /// The critique.
    pub text: String,
    /// Reference rating 1-5.
    pub rating: u8,
}

/// A class 9 item.
#[derive(Debug, Clone, PartialEq)]
pub struct CritiqueItem {
    /// Item id.
    pub id: String,
    /// Topic.
    pub topic: String,
    /// The argument critiqued.
    pub argument: String,
    /// Its critiques.
    pub critiques: Vec<Critique>,
}

/// A class 10 item.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenQuestion {
    /// Item id.
    pub id: String,
    /// Topic.
    pub topic: String,
    /// The question.
    pub question: String,
    /// Points a strong answer makes.
    pub reference_points: Vec<String>,
    /// Mistakes a weak answer makes.
    pub common_mistakes: Vec<String>,
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with("//"))
}

struct Line<'a> {
    file: &'a str,
    line: usize,
    v: Value,
}

impl Line<'_> {
    fn err(&self, path: &str, message: impl Into<String>) -> ResearchError {
        ResearchError::Content {
            file: self.file.to_string(),
            line: self.line,
            path: path.to_string(),
            message: message.into(),
        }
    }
    fn str_at(&self, v: &Value, path: &str, name: &str) -> Result<String, ResearchError> {
        v.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| self.err(&format!("{path}{name}"), "expected a non-empty string"))
    }
    fn strings(&self, name: &str) -> Result<Vec<String>, ResearchError> {
        let a = self
            .v
            .get(name)
            .and_then(Value::as_array)
            .ok_or_else(|| self.err(name, "expected an array of strings"))?;
        a.iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.err(&format!("{name}[{i}]"), "expected a string"))
            })
            .collect()
    }
    fn header(&self) -> Result<(), ResearchError> {
        if self.v.get("canary").and_then(Value::as_str) != Some(CANARY) {
            return Err(self.err("canary", "expected the benchmark canary"));
        }
        if self.v.get("version").and_then(Value::as_str) != Some(VERSION) {
            return Err(self.err("version", format!("expected \"{VERSION}\"")));
        }
        Ok(())
    }
}

fn parse_lines<'a>(
    file: &'a str,
    text: &'a str,
) -> impl Iterator<Item = Result<Line<'a>, ResearchError>> {
    lines(text).map(move |(line, l)| {
        let v: Value = serde_json::from_str(l).map_err(|e| ResearchError::Content {
            file: file.to_string(),
            line,
            path: "$".into(),
            message: e.to_string(),
        })?;
        let ln = Line { file, line, v };
        ln.header()?;
        Ok(ln)
    })
}

/// Reads `research/critique/items.jsonl` (`file` names it in errors).
pub fn parse_critiques(file: &str, text: &str) -> Result<Vec<CritiqueItem>, ResearchError> {
    parse_lines(file, text)
        .map(|ln| {
            let ln = ln?;
            let cs =
                ln.v.get("critiques")
                    .and_then(Value::as_array)
                    .ok_or_else(|| ln.err("critiques", "expected an array"))?;
            if cs.len() < 2 {
                return Err(ln.err("critiques", "expected at least two critiques"));
            }
            let critiques = cs
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let p = format!("critiques[{i}].");
                    let rating = c
                        .get("rating")
                        .and_then(Value::as_u64)
                        .filter(|r| (1..=5).contains(r))
                        .ok_or_else(|| ln.err(&format!("{p}rating"), "expected an integer 1-5"))?
                        as u8;
                    Ok(Critique {
                        id: ln.str_at(c, &p, "id")?,
                        text: ln.str_at(c, &p, "text")?,
                        rating,
                    })
                })
                .collect::<Result<Vec<_>, ResearchError>>()?;
            Ok(CritiqueItem {
                id: ln.str_at(&ln.v, "", "id")?,
                topic: ln.str_at(&ln.v, "", "topic")?,
                argument: ln.str_at(&ln.v, "", "argument")?,
                critiques,
            })
        })
        .collect()
}

/// Reads `research/open-questions/items.jsonl`.
pub fn parse_open_questions(file: &str, text: &str) -> Result<Vec<OpenQuestion>, ResearchError> {
    parse_lines(file, text)
        .map(|ln| {
            let ln = ln?;
            let reference_points = ln.strings("reference_points")?;
            if reference_points.is_empty() {
                return Err(ln.err("reference_points", "expected at least one point"));
            }
            Ok(OpenQuestion {
                id: ln.str_at(&ln.v, "", "id")?,
                topic: ln.str_at(&ln.v, "", "topic")?,
                question: ln.str_at(&ln.v, "", "question")?,
                reference_points,
                common_mistakes: ln.strings("common_mistakes")?,
            })
        })
        .collect()
}

fn meta(class: Class, topic: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("canary".into(), json!(CANARY));
    m.insert("version".into(), json!(VERSION));
    m.insert("class".into(), json!(class.slug()));
    m.insert("class_number".into(), json!(class.number()));
    m.insert("tier".into(), json!(0));
    m.insert("category".into(), json!(class.slug()));
    m.insert("topic".into(), json!(topic));
    m
}

/// The check kind of critique samples.
pub const CRITIQUE_KIND: &str = "research_critique";

/// A class 9 item as a harness sample (the model rates every critique 1-5).
pub fn critique_sample(item: &CritiqueItem) -> Value {
    let list: Vec<String> = item
        .critiques
        .iter()
        .map(|c| format!("({}) {}", c.id, c.text))
        .collect();
    let example: Vec<String> = item
        .critiques
        .iter()
        .map(|c| format!("{}=3", c.id))
        .collect();
    let ratings: Map<String, Value> = item
        .critiques
        .iter()
        .map(|c| (c.id.clone(), json!(c.rating)))
        .collect();
    json!({
        "id": item.id,
        "input": format!(
            "Here is a short argument about safe Pareto improvements, followed by {} critiques of it.\n\nArgument: {}\n\nCritiques:\n{}\n\nRate each critique from 1 (irrelevant or wrong) to 5 (finds the decisive problem).\nEnd with one line: ANSWER: {}",
            item.critiques.len(), item.argument, list.join("\n"), example.join(", ")
        ),
        "target": [],
        "metadata": meta(Class::Critique, &item.topic),
        "check": {"kind": CRITIQUE_KIND, "ratings": ratings},
    })
}

/// A class 10 item as a harness sample scored by rubric judges (`metadata.rubric`).
pub fn open_question_sample(item: &OpenQuestion) -> Value {
    let mut rubric: Vec<Value> = item
        .reference_points
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"id": format!("p{}", i + 1), "description": format!("Makes this point (in any words): {p}"), "points": 2}))
        .collect();
    for (i, m) in item.common_mistakes.iter().enumerate() {
        rubric.push(json!({"id": format!("m{}", i + 1), "description": format!("Avoids this mistake: {m}"), "points": 1}));
    }
    let mut m = meta(Class::OpenQuestions, &item.topic);
    m.insert("rubric".into(), Value::Array(rubric));
    json!({
        "id": item.id,
        "input": format!("{}\n\nAnswer in at most 300 words, as a careful game theorist would.", item.question),
        "target": [],
        "metadata": m,
    })
}

/// Average ranks (1-based; ties share the mean of their ranks).
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson on average ranks); 0 when either side is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    if a.len() != b.len() || a.len() < 2 {
        return 0.0;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// Grades critique ratings: value (Spearman + 1) / 2, with Spearman and exact-top agreement in
/// the detail; an answer missing a critique, or rating outside 1-5, is invalid (value 0).
#[derive(Debug, Default, Clone, Copy)]
pub struct CritiqueCheck;

fn reference_ratings(spec: &Value) -> Result<Vec<(String, f64)>, CheckError> {
    let m = spec
        .get("ratings")
        .and_then(Value::as_object)
        .filter(|m| m.len() >= 2)
        .ok_or_else(|| CheckError {
            kind: CRITIQUE_KIND.into(),
            message: "ratings: expected an object of at least two critique ratings".into(),
        })?;
    m.iter()
        .map(|(k, v)| {
            v.as_f64()
                .filter(|r| (1.0..=5.0).contains(r))
                .map(|r| (k.clone(), r))
                .ok_or_else(|| CheckError {
                    kind: CRITIQUE_KIND.into(),
                    message: format!("ratings.{k}: expected 1-5"),
                })
        })
        .collect()
}

/// Reads `a=5, b=2` (also `a: 5`) into ratings for exactly the ids given.
pub fn parse_ratings(answer: &str, ids: &[String]) -> Option<Vec<f64>> {
    let mut got = std::collections::BTreeMap::new();
    for part in answer.split([',', ';']) {
        let (k, v) = part.split_once(['=', ':'])?;
        let k = k.trim().trim_matches(['(', ')']).to_ascii_lowercase();
        let v: u8 = v.trim().parse().ok().filter(|r| (1..=5).contains(r))?;
        if got.insert(k, v as f64).is_some() {
            return None;
        }
    }
    if got.len() != ids.len() {
        return None;
    }
    ids.iter()
        .map(|id| got.get(&id.to_ascii_lowercase()).copied())
        .collect()
}

impl EngineCheck for CritiqueCheck {
    fn kind(&self) -> &str {
        CRITIQUE_KIND
    }
    fn validate(&self, spec: &Value) -> Result<(), CheckError> {
        reference_ratings(spec).map(|_| ())
    }
    fn check(&self, spec: &Value, input: &CheckInput<'_>) -> Result<CheckVerdict, CheckError> {
        let refs = reference_ratings(spec)?;
        let ids: Vec<String> = refs.iter().map(|r| r.0.clone()).collect();
        let want: Vec<f64> = refs.iter().map(|r| r.1).collect();
        let answer = final_answer(input.output);
        let Some(got) = parse_ratings(&answer, &ids) else {
            return Ok(CheckVerdict {
                value: 0.0,
                answer: None,
                explanation: "invalid answer: expected a rating 1-5 for every critique".into(),
                detail: Some(json!({"invalid": true, "spearman": null})),
            });
        };
        let rho = spearman(&got, &want);
        let top = |xs: &[f64]| {
            let m = xs.iter().cloned().fold(f64::MIN, f64::max);
            ids.iter()
                .zip(xs)
                .filter(|(_, x)| **x == m)
                .map(|(i, _)| i.clone())
                .collect::<Vec<_>>()
        };
        let exact_top = top(&got) == top(&want);
        Ok(CheckVerdict {
            value: (rho + 1.0) / 2.0,
            answer: Some(answer),
            explanation: format!(
                "Spearman {rho:.3}; top critique {}",
                if exact_top { "agrees" } else { "differs" }
            ),
            detail: Some(json!({"invalid": false, "spearman": rho, "exact_top": exact_top})),
        })
    }
    fn reference_answer(&self, spec: &Value) -> Result<String, CheckError> {
        let refs = reference_ratings(spec)?;
        Ok(format!(
            "ANSWER: {}",
            refs.iter()
                .map(|(k, r)| format!("{k}={r}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}
