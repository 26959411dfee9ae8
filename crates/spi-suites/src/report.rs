//! `spi suite report`: every arm against the baseline on the same samples, per failure mode, from
//! the harness's run records. Pure: the CLI reads the store and hands the records over.
//!
//! Per failure mode and arm: accuracy with a 95% interval from the standard error clustered by
//! scenario family (items of one family are not independent), the chance rate and chance-adjusted
//! accuracy ((acc − chance) / (1 − chance)), the invalid-answer rate (no answer read, or the sample
//! errored), and for arms the paired difference from baseline (McNemar's exact test and a paired
//! bootstrap interval, `spi_eval::stats::paired`) with Holm's correction across every arm ×
//! failure-mode contrast. Per arm: the option-order flip rate (two orders of one variant, a
//! different option chosen), the over-correction rate (wrong answers on over-correction items),
//! accuracy per item kind (main items against their matched controls), and position bias: the
//! letters answered and keyed, and what always answering the most-answered letter would score.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use spi_eval::stats::paired;
use spi_eval::store::{SampleRecord, SampleStatus};

/// One sample's reduced result.
#[derive(Debug, Clone)]
struct Row {
    value: f64,
    invalid: bool,
    chance: f64,
    family: String,
    failure_mode: String,
    kind: String,
    chosen: Option<String>,
    pair_key: Option<String>,
    /// The letter the model answered and the keyed letter, for position bias.
    letter: Option<char>,
    key_letter: Option<char>,
}

fn rows(records: &[SampleRecord]) -> BTreeMap<String, Row> {
    let mut out: BTreeMap<String, Row> = BTreeMap::new();
    for r in records {
        if out.contains_key(&r.key) {
            continue; // first epoch only: one value per sample keeps the pairing simple
        }
        let m = &r.sample.metadata;
        let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let score = r.scores.values().next();
        let value = match (r.status, score) {
            (SampleStatus::Ok, Some(sc)) => sc.value,
            _ => 0.0,
        };
        let invalid = r.status != SampleStatus::Ok || score.is_none_or(|sc| sc.answer.is_none());
        // The option the model chose, by id, for flip rates across option orders.
        let chosen = score.and_then(|sc| sc.answer.as_ref()).and_then(|a| {
            let c = a.trim().chars().next()?.to_ascii_uppercase();
            let k = (c as u8).checked_sub(b'A')? as usize;
            m.get("option_ids")?
                .as_array()?
                .get(k)?
                .as_str()
                .map(str::to_string)
        });
        let letter = score
            .and_then(|sc| sc.answer.as_ref())
            .and_then(|a| a.trim().chars().next())
            .map(|c| c.to_ascii_uppercase());
        let key_letter = match r.sample.target.as_slice() {
            [t] if t.chars().count() == 1 => t.chars().next(),
            _ => None,
        };
        let pair_key = match (s("family"), s("variant"), s("arm")) {
            (Some(f), Some(v), Some(a)) => Some(format!("{f}/{v}/{a}")),
            _ => None,
        };
        out.insert(
            r.key.clone(),
            Row {
                value,
                invalid,
                chance: m.get("chance").and_then(Value::as_f64).unwrap_or(0.0),
                family: s("family")
                    .or_else(|| s("task"))
                    .unwrap_or_else(|| r.key.clone()),
                failure_mode: r
                    .sample
                    .failure_mode
                    .clone()
                    .or_else(|| s("failure_mode"))
                    .unwrap_or_else(|| "unknown".into()),
                kind: s("kind").unwrap_or_else(|| "capability".into()),
                chosen,
                pair_key,
                letter,
                key_letter,
            },
        );
    }
    out
}

/// Mean and its standard error clustered by family (CR0 sandwich for a mean).
fn clustered(rows: &[&Row]) -> (f64, f64) {
    let n = rows.len() as f64;
    if rows.is_empty() {
        return (0.0, 0.0);
    }
    let mean = rows.iter().map(|r| r.value).sum::<f64>() / n;
    let mut by: BTreeMap<&str, f64> = BTreeMap::new();
    for r in rows {
        *by.entry(r.family.as_str()).or_default() += r.value - mean;
    }
    let g = by.len() as f64;
    let ss: f64 = by.values().map(|e| e * e).sum();
    let correction = if g > 1.0 { g / (g - 1.0) } else { 1.0 };
    (mean, (correction * ss).sqrt() / n)
}

/// Accuracy, clustered standard error and 95% interval as a report prints them: all null with no
/// rows, and no standard error or interval from fewer than two families (one cluster has no
/// between-family spread to estimate, and the formula would give a zero-width interval).
fn clustered_estimate(rows: &[&Row]) -> (Value, Value, Value) {
    if rows.is_empty() {
        return (Value::Null, Value::Null, Value::Null);
    }
    let (acc, se) = clustered(rows);
    let families: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.family.as_str()).collect();
    if families.len() < 2 {
        return (json!(acc), Value::Null, Value::Null);
    }
    (
        json!(acc),
        json!(se),
        json!([(acc - 1.96 * se).max(0.0), (acc + 1.96 * se).min(1.0)]),
    )
}

fn holm(ps: &[f64]) -> Vec<f64> {
    let m = ps.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| ps[a].total_cmp(&ps[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let adj = ((m - rank) as f64 * ps[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    out
}

/// Position bias on single-letter items: how often each letter was answered and keyed, and the
/// accuracy of always answering the letter answered most (what a position-only strategy would
/// score on these keys). An accuracy near that figure is explained by position alone.
fn letters(rows: &BTreeMap<String, Row>) -> Value {
    let mut answered: BTreeMap<String, usize> = BTreeMap::new();
    let mut keyed: BTreeMap<String, usize> = BTreeMap::new();
    let lettered: Vec<&Row> = rows.values().filter(|r| r.key_letter.is_some()).collect();
    for r in &lettered {
        if let Some(c) = r.letter {
            *answered.entry(c.to_string()).or_default() += 1;
        }
        if let Some(c) = r.key_letter {
            *keyed.entry(c.to_string()).or_default() += 1;
        }
    }
    let top = answered
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(c, _)| c.clone());
    let position_only = match (&top, lettered.len()) {
        (Some(c), n) if n > 0 => json!(keyed.get(c).copied().unwrap_or(0) as f64 / n as f64),
        _ => Value::Null,
    };
    json!({"items": lettered.len(), "answered": answered, "keyed": keyed,
        "most_answered": top, "position_only_accuracy": position_only})
}

/// Accuracy per item kind (capability, control, over-correction): a model that prefers "the
/// conditional option" does well on main items and badly on their controls.
fn by_kind(rows: &BTreeMap<String, Row>) -> Value {
    let mut kinds: BTreeMap<&str, Vec<&Row>> = BTreeMap::new();
    for r in rows.values() {
        kinds.entry(r.kind.as_str()).or_default().push(r);
    }
    kinds
        .into_iter()
        .map(|(k, rs)| {
            let (acc, _, ci) = clustered_estimate(&rs);
            (
                k.to_string(),
                json!({"n": rs.len(), "accuracy": acc, "ci": ci}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn flip_rate(rows: &BTreeMap<String, Row>) -> (usize, f64) {
    let mut pairs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in rows.values() {
        if let (Some(k), Some(c)) = (&r.pair_key, &r.chosen) {
            pairs.entry(k.as_str()).or_default().push(c.as_str());
        }
    }
    let full: Vec<&Vec<&str>> = pairs.values().filter(|v| v.len() >= 2).collect();
    let flips = full.iter().filter(|v| v.iter().any(|c| *c != v[0])).count();
    (
        full.len(),
        if full.is_empty() {
            0.0
        } else {
            flips as f64 / full.len() as f64
        },
    )
}

/// The report over a baseline run and arm runs (name, records), as JSON (`spi-suite-report/1`).
pub fn report(
    suite: &str,
    baseline: &[SampleRecord],
    arms: &[(String, Vec<SampleRecord>)],
    seed: u64,
) -> Value {
    let base = rows(baseline);
    let mut all: Vec<(String, BTreeMap<String, Row>)> = vec![("baseline".into(), base.clone())];
    all.extend(arms.iter().map(|(n, r)| (n.clone(), rows(r))));
    let modes: std::collections::BTreeSet<String> =
        base.values().map(|r| r.failure_mode.clone()).collect();
    let mut cells = Vec::new();
    let mut contrasts: Vec<(usize, f64)> = Vec::new();
    for (arm, rs) in &all {
        for mode in &modes {
            let sel: Vec<&Row> = rs.values().filter(|r| &r.failure_mode == mode).collect();
            let (acc, se, ci) = clustered_estimate(&sel);
            let n = sel.len();
            // An arm with no run (or no sample of this mode) yet has no estimate: nulls, which
            // the Markdown prints as "-", never zeros that read as a measured 0.
            let (chance, chance_adjusted, invalid) = if n == 0 {
                (Value::Null, Value::Null, Value::Null)
            } else {
                let chance = sel.iter().map(|r| r.chance).sum::<f64>() / n as f64;
                let a = acc.as_f64().unwrap_or(0.0);
                (
                    json!(chance),
                    if chance < 1.0 {
                        json!((a - chance) / (1.0 - chance))
                    } else {
                        Value::Null
                    },
                    json!(sel.iter().filter(|r| r.invalid).count() as f64 / n as f64),
                )
            };
            let mut cell = json!({
                "arm": arm, "failure_mode": mode, "n": n,
                "families": sel.iter().map(|r| r.family.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
                "accuracy": acc, "se_clustered": se,
                "ci": ci,
                "chance": chance,
                "chance_adjusted": chance_adjusted,
                "invalid_rate": invalid,
            });
            if arm != "baseline" && n > 0 {
                let key = |m: &BTreeMap<String, Row>| -> BTreeMap<String, f64> {
                    m.iter()
                        .filter(|(_, r)| &r.failure_mode == mode)
                        .map(|(k, r)| (k.clone(), r.value))
                        .collect()
                };
                let c = paired(&key(&base), &key(rs), seed);
                if c.n == 0 {
                    cells.push(cell);
                    continue;
                }
                cell["vs_baseline"] = json!({
                    "n": c.n, "diff": c.diff, "diff_ci": [c.diff_ci.0, c.diff_ci.1],
                    "test": c.test, "p_value": c.p_value, "arm_better": c.b_better, "baseline_better": c.a_better,
                });
                contrasts.push((cells.len(), c.p_value));
            }
            cells.push(cell);
        }
    }
    let adjusted = holm(&contrasts.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    for ((i, _), p) in contrasts.iter().zip(adjusted) {
        cells[*i]["vs_baseline"]["p_holm"] = json!(p);
    }
    let per_arm: Vec<Value> = all
        .iter()
        .map(|(arm, rs)| {
            let (pairs, flips) = flip_rate(rs);
            let oc: Vec<&Row> = rs.values().filter(|r| r.kind == "over_correction").collect();
            json!({
                "arm": arm,
                "n": rs.len(),
                "order_pairs": pairs,
                "order_flip_rate": if pairs == 0 { Value::Null } else { json!(flips) },
                "over_correction_items": oc.len(),
                "over_correction_rate": if oc.is_empty() { Value::Null } else { json!(oc.iter().filter(|r| r.value < 1.0).count() as f64 / oc.len() as f64) },
                "by_kind": by_kind(rs),
                "letters": letters(rs),
            })
        })
        .collect();
    json!({"schema": "spi-suite-report/1", "suite": suite, "cells": cells, "arms": per_arm, "contrasts": contrasts.len()})
}

/// The report as Markdown.
pub fn markdown(v: &Value) -> String {
    let f = |x: &Value| x.as_f64().map_or("-".into(), |x| format!("{x:.3}"));
    // "0.350 (0.233–0.467)"; an estimate without an interval (fewer than two families) says so.
    let est = |acc: &Value, ci: &Value| match (acc.as_f64(), ci.is_array()) {
        (None, _) => "-".to_string(),
        (Some(a), true) => format!("{a:.3} ({}–{})", f(&ci[0]), f(&ci[1])),
        (Some(a), false) => format!("{a:.3} (no interval: under 2 families)"),
    };
    let mut s = format!(
        "# Suite report: {}\n\n| arm | failure mode | n | families | accuracy (95% CI, clustered) | chance | chance-adj. | invalid | diff vs baseline (95% CI) | p (McNemar) | p (Holm) |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        v["suite"].as_str().unwrap_or("")
    );
    for c in v["cells"].as_array().into_iter().flatten() {
        let vb = &c["vs_baseline"];
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            c["arm"].as_str().unwrap_or(""),
            c["failure_mode"].as_str().unwrap_or(""),
            c["n"],
            c["families"],
            est(&c["accuracy"], &c["ci"]),
            f(&c["chance"]),
            f(&c["chance_adjusted"]),
            f(&c["invalid_rate"]),
            if vb.is_null() {
                "-".into()
            } else {
                format!(
                    "{} ({}–{})",
                    f(&vb["diff"]),
                    f(&vb["diff_ci"][0]),
                    f(&vb["diff_ci"][1])
                )
            },
            f(&vb["p_value"]),
            f(&vb["p_holm"]),
        ));
    }
    s.push_str("\n| arm | samples | order pairs | order flip rate | over-correction items | over-correction rate |\n|---|---|---|---|---|---|\n");
    for a in v["arms"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            a["arm"].as_str().unwrap_or(""),
            a["n"],
            a["order_pairs"],
            f(&a["order_flip_rate"]),
            a["over_correction_items"],
            f(&a["over_correction_rate"]),
        ));
    }
    s.push_str("\n| arm | kind | n | accuracy (95% CI, clustered) |\n|---|---|---|---|\n");
    for a in v["arms"].as_array().into_iter().flatten() {
        for (k, c) in a["by_kind"].as_object().into_iter().flatten() {
            s.push_str(&format!(
                "| {} | {k} | {} | {} |\n",
                a["arm"].as_str().unwrap_or(""),
                c["n"],
                est(&c["accuracy"], &c["ci"]),
            ));
        }
    }
    s.push_str("\n| arm | lettered items | answered (letter: count) | keyed (letter: count) | always-the-top-letter accuracy |\n|---|---|---|---|---|\n");
    let counts = |m: &Value| {
        m.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, n)| format!("{k}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    for a in v["arms"].as_array().into_iter().flatten() {
        let l = &a["letters"];
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            a["arm"].as_str().unwrap_or(""),
            l["items"],
            counts(&l["answered"]),
            counts(&l["keyed"]),
            f(&l["position_only_accuracy"]),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{Row, clustered_estimate, holm, markdown, report};

    fn row(family: &str, value: f64) -> Row {
        Row {
            value,
            invalid: false,
            chance: 1.0 / 3.0,
            family: family.into(),
            failure_mode: "m".into(),
            kind: "capability".into(),
            chosen: None,
            pair_key: None,
            letter: None,
            key_letter: None,
        }
    }

    #[test]
    fn no_rows_or_one_family_give_no_made_up_interval() {
        assert!(clustered_estimate(&[]).0.is_null());
        let (one, two) = (row("f1", 0.0), row("f1", 1.0));
        let (acc, se, ci) = clustered_estimate(&[&one, &two]);
        assert_eq!(acc.as_f64(), Some(0.5));
        assert!(se.is_null() && ci.is_null(), "one family: {se} {ci}");
        let three = row("f2", 1.0);
        let (_, _, ci) = clustered_estimate(&[&one, &two, &three]);
        assert!(ci.is_array());
    }

    fn record(key: &str, family: &str, value: f64) -> spi_eval::store::SampleRecord {
        serde_json::from_value(serde_json::json!({
            "run_id": "r", "key": key, "epoch": 1, "dataset": "items", "status": "ok",
            "sample": {"id": key, "input": "q", "target": ["A"],
                "metadata": {"family": family, "failure_mode": "m", "chance": 0.5}},
            "state": null, "scores": {"choice": {"value": value, "answer": "A"}}, "error": null,
            "calls": spi_eval::client::CallLog::default(),
            "started_at": "", "completed_at": "", "latency_ms": 0.0
        }))
        .unwrap()
    }

    #[test]
    fn an_arm_without_samples_or_with_one_family_reports_no_made_up_figures() {
        let base = vec![
            record("a", "f1", 1.0),
            record("b", "f1", 0.0),
            record("c", "f2", 1.0),
            record("d", "f2", 1.0),
        ];
        let one_family = vec![record("a", "f1", 0.0), record("b", "f1", 1.0)];
        let v = report(
            "s",
            &base,
            &[("late".into(), Vec::new()), ("narrow".into(), one_family)],
            0,
        );
        let cell = |arm: &str| {
            v["cells"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["arm"] == arm)
                .unwrap()
                .clone()
        };
        assert!(cell("baseline")["ci"].is_array());
        let late = cell("late");
        for k in [
            "accuracy",
            "ci",
            "chance",
            "chance_adjusted",
            "invalid_rate",
            "vs_baseline",
        ] {
            assert!(late[k].is_null(), "late {k}: {}", late[k]);
        }
        let narrow = cell("narrow");
        assert_eq!(narrow["accuracy"].as_f64(), Some(0.5));
        assert!(narrow["ci"].is_null() && !narrow["vs_baseline"].is_null());
        // Only the arm with samples is a contrast in the Holm family.
        assert_eq!(v["contrasts"], 1);
        let md = markdown(&v);
        assert!(
            md.contains("| late | m | 0 | 0 | - | - | - | - | - | - | - |"),
            "{md}"
        );
        assert!(md.contains("0.500 (no interval: under 2 families)"), "{md}");
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5]);
        let want = [0.04, 0.09, 0.09, 0.5];
        assert!(
            adj.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12),
            "{adj:?}"
        );
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
    }
}
