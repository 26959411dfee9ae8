//! The research report: per model, class, tier and mode, the solve rate with its 95% Wilson
//! interval, pass@k over epochs, invalid answers, model rounds, tokens and cost per solved task,
//! and for the step-wise modes the histogram of the first failing step. Classes 9-10 are
//! summarised in a separate table and never enter the checkable rows' totals.

use std::collections::BTreeMap;

use serde::Serialize;
use spi_eval::stats::wilson;
use spi_eval::store::{RunInfo, SampleRecord, SampleStatus};

/// One row: a (model, mode, class, tier) cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `provider:model`.
    pub model: String,
    /// Collaboration mode.
    pub mode: String,
    /// Class slug.
    pub class: String,
    /// The task family, on the per-family rows of [`family_rows`] only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Tier (0 for the hand-written classes).
    pub tier: u64,
    /// Tasks (distinct samples).
    pub tasks: usize,
    /// Sample-epochs recorded.
    pub attempts: usize,
    /// Sample-epochs solved (score 1).
    pub solved: usize,
    /// Sample-epochs whose answer could not be read.
    pub invalid: usize,
    /// Sample-epochs that ended in an error (provider, budget, check).
    pub errors: usize,
    /// Solve rate over attempts, with its 95% Wilson interval.
    pub rate: (f64, f64, f64),
    /// pass@k with k the most epochs any task had: a task counts when any epoch solved it.
    pub pass_at_k: (usize, f64),
    /// Mean model turns per solved attempt.
    pub rounds_per_solved: Option<f64>,
    /// Mean tokens (prompt + completion) per solved attempt.
    pub tokens_per_solved: Option<f64>,
    /// Total cost divided by solved attempts (USD).
    pub cost_per_solved: Option<f64>,
    /// First failing step (`N name`) -> attempts, for the decomposed and human modes.
    pub first_failing_step: BTreeMap<String, usize>,
    /// Mean score (the graded value; for critiques (Spearman + 1) / 2, for open questions the
    /// rubric fraction).
    pub mean_score: f64,
    /// Mean Spearman agreement (critique rows only).
    pub spearman: Option<f64>,
}

/// The mode of a run: its suite is named `research-<mode>`.
pub fn run_mode(run: &RunInfo) -> String {
    run.suite_name
        .strip_prefix("research-")
        .unwrap_or(&run.suite_name)
        .to_string()
}

fn score(rec: &SampleRecord) -> Option<&spi_eval::scorer::Score> {
    rec.scores
        .get("check")
        .or_else(|| rec.scores.values().next())
}

/// The family a record's task belongs to, when its class has several, with its position among
/// the class's families: `metadata.family`, or the name of the class's first family for tasks
/// without one. `None` for a class with one family (or a class the engine does not know).
fn family_of(
    class: &str,
    metadata: &serde_json::Map<String, serde_json::Value>,
) -> Option<(usize, String)> {
    let c = crate::task::Class::parse(class)
        .ok()
        .and_then(crate::classes::class_task)?;
    if c.families().len() < 2 {
        return None;
    }
    Some(match metadata.get("family").and_then(|v| v.as_str()) {
        None => (0, c.first_family_name().to_string()),
        Some(name) => (
            c.families()
                .iter()
                .position(|x| *x == name)
                .unwrap_or(c.families().len()),
            name.to_string(),
        ),
    })
}

/// Rows over runs and their records, one per model, mode, class and tier, sorted by model, mode,
/// class number, tier.
pub fn rows(runs: &[(RunInfo, Vec<SampleRecord>)]) -> Vec<Row> {
    grouped(runs, false)
}

/// Rows for the classes with several families, one per model, mode, class, family and tier,
/// sorted by model, mode, class number, family (in the class's order), tier. Each attempt is in
/// exactly one family row, so a class's family rows sum to its class rows.
pub fn family_rows(runs: &[(RunInfo, Vec<SampleRecord>)]) -> Vec<Row> {
    grouped(runs, true)
}

fn grouped(runs: &[(RunInfo, Vec<SampleRecord>)], by_family: bool) -> Vec<Row> {
    // The family's position in its class orders the family rows as the release does.
    type Key = (String, String, u64, String, usize, Option<String>, u64);
    let mut cells: BTreeMap<Key, Vec<&SampleRecord>> = BTreeMap::new();
    for (run, recs) in runs {
        for r in recs {
            let m = &r.sample.metadata;
            let class = m
                .get("class")
                .and_then(|v| v.as_str())
                .unwrap_or("unknown")
                .to_string();
            let num = m.get("class_number").and_then(|v| v.as_u64()).unwrap_or(99);
            let tier = m.get("tier").and_then(|v| v.as_u64()).unwrap_or(0);
            let (order, family) = if by_family {
                let Some((order, f)) = family_of(&class, m) else {
                    continue;
                };
                (order, Some(f))
            } else {
                (0, None)
            };
            cells
                .entry((
                    run.model.clone(),
                    run_mode(run),
                    num,
                    class,
                    order,
                    family,
                    tier,
                ))
                .or_default()
                .push(r);
        }
    }
    cells
        .into_iter()
        .map(|((model, mode, _, class, _, family, tier), recs)| {
            let attempts = recs.len();
            let mut solved = 0;
            let (mut invalid, mut errors) = (0, 0);
            let (mut rounds, mut tokens, mut cost) = (0.0, 0.0, 0.0);
            let mut first = BTreeMap::new();
            let mut by_task: BTreeMap<&str, (u32, bool)> = BTreeMap::new();
            let (mut total, mut rho, mut nrho) = (0.0, 0.0, 0usize);
            for r in &recs {
                cost += r.calls.cost;
                let s = score(r);
                let ok = r.status == SampleStatus::Ok && s.is_some_and(|s| s.value >= 1.0);
                let e = by_task.entry(r.key.as_str()).or_insert((0, false));
                e.0 += 1;
                e.1 |= ok;
                if r.status == SampleStatus::Error {
                    errors += 1;
                    continue;
                }
                let detail = s.and_then(|s| s.metadata.as_ref());
                total += s.map_or(0.0, |s| s.value);
                if detail
                    .and_then(|d| d.get("invalid"))
                    .and_then(|v| v.as_bool())
                    == Some(true)
                {
                    invalid += 1;
                }
                if let Some(x) = detail
                    .and_then(|d| d.get("spearman"))
                    .and_then(|v| v.as_f64())
                {
                    rho += x;
                    nrho += 1;
                }
                if let Some(n) = detail
                    .and_then(|d| d.get("first_failing_step"))
                    .and_then(|v| v.as_u64())
                {
                    let name = detail
                        .and_then(|d| d.get("first_failing_step_name"))
                        .and_then(|v| v.as_str())
                        .unwrap_or("");
                    *first.entry(format!("{n} {name}")).or_insert(0) += 1;
                }
                if ok {
                    solved += 1;
                    rounds += detail
                        .and_then(|d| d.get("rounds"))
                        .and_then(|v| v.as_f64())
                        .unwrap_or(1.0);
                    tokens += (r.calls.prompt_tokens + r.calls.completion_tokens) as f64;
                }
            }
            let (lo, hi) = wilson(solved as f64, attempts as f64);
            let k = by_task.values().map(|v| v.0).max().unwrap_or(1) as usize;
            let pass =
                by_task.values().filter(|v| v.1).count() as f64 / by_task.len().max(1) as f64;
            let per = |x: f64| (solved > 0).then(|| x / solved as f64);
            Row {
                model,
                mode,
                class,
                family,
                tier,
                tasks: by_task.len(),
                attempts,
                solved,
                invalid,
                errors,
                rate: (solved as f64 / attempts.max(1) as f64, lo, hi),
                pass_at_k: (k, pass),
                rounds_per_solved: per(rounds),
                tokens_per_solved: per(tokens),
                cost_per_solved: per(cost),
                first_failing_step: first,
                mean_score: total / (attempts - errors).max(1) as f64,
                spearman: (nrho > 0).then(|| rho / nrho as f64),
            }
        })
        .collect()
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.digits$}"))
}

/// The report as Markdown: the checkable table, the per-family table (when `families` has rows),
/// the step histogram, the hand-written table.
pub fn markdown(rows: &[Row], families: &[Row]) -> String {
    let checkable = |r: &&Row| r.class != "critique" && r.class != "open-questions";
    let mut s = String::from(
        "## Checkable classes (1-8)\n\n| model | mode | class | tier | tasks | solved | rate [95% CI] | pass@k | invalid | errors | rounds/solved | tokens/solved | cost/solved |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows.iter().filter(checkable) {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {}/{} | {:.3} [{:.3}, {:.3}] | pass@{} {:.3} | {} | {} | {} | {} | {} |\n",
            r.model, r.mode, r.class, r.tier, r.tasks, r.solved, r.attempts, r.rate.0, r.rate.1, r.rate.2,
            r.pass_at_k.0, r.pass_at_k.1, r.invalid, r.errors,
            opt(r.rounds_per_solved, 2), opt(r.tokens_per_solved, 0), opt(r.cost_per_solved, 4)
        ));
    }
    if !families.is_empty() {
        s.push_str("\n## Per family (classes with several task families)\n\n| model | mode | class | family | tier | tasks | solved | rate [95% CI] | pass@k | invalid | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in families {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {}/{} | {:.3} [{:.3}, {:.3}] | pass@{} {:.3} | {} | {} |\n",
                r.model,
                r.mode,
                r.class,
                r.family.as_deref().unwrap_or(""),
                r.tier,
                r.tasks,
                r.solved,
                r.attempts,
                r.rate.0,
                r.rate.1,
                r.rate.2,
                r.pass_at_k.0,
                r.pass_at_k.1,
                r.invalid,
                r.errors
            ));
        }
    }
    let stepwise: Vec<&Row> = rows
        .iter()
        .filter(checkable)
        .filter(|r| !r.first_failing_step.is_empty())
        .collect();
    if !stepwise.is_empty() {
        s.push_str("\n## First failing step (decomposed and human modes)\n\n| model | mode | class | tier | first failing step: attempts |\n|---|---|---|---|---|\n");
        for r in stepwise {
            let h: Vec<String> = r
                .first_failing_step
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.model,
                r.mode,
                r.class,
                r.tier,
                h.join(", ")
            ));
        }
    }
    let hand: Vec<&Row> = rows.iter().filter(|r| !checkable(r)).collect();
    if !hand.is_empty() {
        s.push_str("\n## Hand-written classes (9-10), reported separately\n\n| model | mode | class | items | mean score | mean Spearman | invalid | errors |\n|---|---|---|---|---|---|---|---|\n");
        for r in hand {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {:.3} | {} | {} | {} |\n",
                r.model,
                r.mode,
                r.class,
                r.tasks,
                r.mean_score,
                opt(r.spearman, 3),
                r.invalid,
                r.errors
            ));
        }
    }
    s
}

/// `research-report/1`: the rows of [`rows`], one per model, mode, class and tier, and under
/// `families` those of [`family_rows`] (each with its `family`); a reader of `rows` alone sees them
/// as before families were reported.
pub fn document(rows: &[Row], families: &[Row]) -> serde_json::Value {
    serde_json::json!({"schema": "research-report/1", "rows": rows, "families": families})
}
