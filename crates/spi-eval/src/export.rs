//! Exports of a stored run: Inspect's eval-log JSON (so Inspect's reader and `inspect view` open
//! it), JSON Lines (one record per sample-epoch) and CSV (one row per sample-epoch and scorer).
//!
//! The Inspect shape follows `inspect_ai.log.EvalLog` (version 2): `eval` (the spec: task,
//! model, dataset, config), `plan`, `results` (scores with metrics), `stats` and `samples`
//! (messages, output, scores, usage, error). Written from our records, checked by
//! `bench/inspect/check_export.sh` with `inspect_ai.log.read_eval_log`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::dataset::Input;
use crate::provider::Role;
use crate::stats::{Reducer, estimate, reduced_scores, scorer_names};
use crate::store::{RunInfo, SampleRecord, SampleStatus};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Inspect eval-log JSON.
    Inspect,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values.
    Csv,
}

impl Format {
    /// Parses `inspect`, `jsonl` or `csv`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "inspect" => Some(Format::Inspect),
            "jsonl" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Inspect => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// Renders a run in `format`.
pub fn export(run: &RunInfo, records: &[SampleRecord], format: Format) -> String {
    match format {
        Format::Inspect => {
            serde_json::to_string_pretty(&inspect_log(run, records)).unwrap_or_default()
        }
        Format::Jsonl => records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap_or_default() + "\n")
            .collect(),
        Format::Csv => csv(records),
    }
}

fn messages_json(msgs: &[crate::provider::ChatMessage]) -> Vec<Value> {
    msgs.iter().map(|m| json!({"role": m.role.as_str(), "content": m.content, "source": if m.role == Role::Assistant { "generate" } else { "input" }})).collect()
}

fn usage(prompt: u64, completion: u64) -> Value {
    json!({"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion})
}

fn sample_json(r: &SampleRecord, model: &str) -> Value {
    let input = match &r.sample.input {
        Input::Text(s) => json!(s),
        Input::Messages(ms) => json!(messages_json(ms)),
    };
    let target = if r.sample.target.len() == 1 {
        json!(r.sample.target[0])
    } else {
        json!(r.sample.target)
    };
    let mut metadata: Map<String, Value> = r.sample.metadata.clone();
    for (k, v) in [
        (
            "failure_mode",
            r.sample.failure_mode.as_ref().map(|s| json!(s)),
        ),
        ("generator", r.sample.generator.as_ref().map(|s| json!(s))),
        ("seed", r.sample.seed.map(|s| json!(s))),
        ("check", r.sample.check.clone()),
    ] {
        if let Some(v) = v {
            metadata.insert(k.into(), v);
        }
    }
    metadata.insert("spi_dataset".into(), json!(r.dataset));
    metadata.insert("spi_retries".into(), json!(r.calls.retries));
    metadata.insert("spi_cost_usd".into(), json!(r.calls.cost));
    let (messages, output_text) = match &r.state {
        Some(s) => (messages_json(&s.messages), s.output.clone()),
        None => (Vec::new(), String::new()),
    };
    let mut out = json!({
        "id": r.key,
        "epoch": r.epoch,
        "input": input,
        "choices": r.state.as_ref().and_then(|s| s.choices.clone()).or(r.sample.choices.clone()),
        "target": target,
        "messages": messages,
        "output": {
            "model": model,
            "choices": if r.state.is_some() { json!([{"message": {"role": "assistant", "content": output_text, "source": "generate"}, "stop_reason": "stop"}]) } else { json!([]) },
            "usage": usage(r.calls.prompt_tokens, r.calls.completion_tokens),
        },
        "scores": r.scores.iter().map(|(k, s)| (k.clone(), json!({"value": s.value, "answer": s.answer, "explanation": s.explanation, "metadata": s.metadata}))).collect::<Map<_, _>>(),
        "metadata": metadata,
        "model_usage": {model: usage(r.calls.prompt_tokens, r.calls.completion_tokens)},
        "started_at": r.started_at,
        "completed_at": r.completed_at,
        "total_time": r.latency_ms / 1e3,
        "working_time": r.latency_ms / 1e3,
        "uuid": format!("{}-{}-{}", r.run_id, r.key, r.epoch),
    });
    if r.status == SampleStatus::Error {
        let msg = r.error.clone().unwrap_or_default();
        out["error"] = json!({"message": msg, "traceback": msg, "traceback_ansi": msg});
    }
    if !r.calls.retried_errors.is_empty() {
        out["error_retries"] = json!(
            r.calls
                .retried_errors
                .iter()
                .map(|e| json!({"message": e, "traceback": e, "traceback_ansi": e}))
                .collect::<Vec<_>>()
        );
    }
    out
}

/// Builds the Inspect `EvalLog` value.
pub fn inspect_log(run: &RunInfo, records: &[SampleRecord]) -> Value {
    let epochs = records.iter().map(|r| r.epoch).max().unwrap_or(1);
    let mut keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
    keys.dedup();
    let mut scores = Vec::new();
    for name in scorer_names(records) {
        let values: Vec<f64> = reduced_scores(records, &name, Reducer::Mean)
            .into_values()
            .collect();
        let e = estimate(&values);
        let stderr = if values.len() > 1 {
            let m = e.mean;
            (values.iter().map(|v| (v - m).powi(2)).sum::<f64>()
                / (values.len() - 1) as f64
                / values.len() as f64)
                .sqrt()
        } else {
            0.0
        };
        scores.push(json!({
            "name": name, "scorer": name, "reducer": "mean", "scored_samples": values.len(),
            "unscored_samples": keys.len().saturating_sub(values.len()), "params": {},
            "metrics": {"accuracy": {"name": "accuracy", "value": e.mean, "params": {}}, "stderr": {"name": "stderr", "value": stderr, "params": {}}},
        }));
    }
    let (p, c) = records.iter().fold((0, 0), |(p, c), r| {
        (p + r.calls.prompt_tokens, c + r.calls.completion_tokens)
    });
    let errors = records
        .iter()
        .filter(|r| r.status == SampleStatus::Error)
        .count();
    let status = if run.status == "success" && errors == 0 {
        "success"
    } else if run.status == "running" {
        "started"
    } else {
        "error"
    };
    let options = run.config.get("options").cloned().unwrap_or(Value::Null);
    let mut log = json!({
        "version": 2,
        "status": status,
        "eval": {
            "eval_id": run.run_id,
            "run_id": run.run_id,
            "created": run.created_at,
            "task": run.suite_name,
            "task_id": run.fingerprint,
            "task_version": run.config.pointer("/suite/version").and_then(Value::as_str).unwrap_or("0"),
            "task_file": run.suite_path,
            "dataset": {"name": run.suite_name, "location": run.suite_path, "samples": keys.len(), "sample_ids": keys, "shuffled": run.config.pointer("/suite/shuffle").and_then(Value::as_bool).unwrap_or(false)},
            "model": run.model,
            "config": {"epochs": epochs, "epochs_reducer": ["mean"], "limit": options.get("limit"), "max_samples": options.get("max_connections")},
            "packages": {"spi-eval": env!("CARGO_PKG_VERSION")},
            "metadata": run.config.pointer("/suite/metadata").cloned().unwrap_or(json!({})),
        },
        "plan": {"name": "plan", "steps": [], "config": {}},
        "results": {"total_samples": records.len(), "completed_samples": records.len() - errors, "scores": scores},
        "stats": {"started_at": run.created_at, "completed_at": run.finished_at.clone().unwrap_or_default(), "model_usage": {run.model.clone(): usage(p, c)}},
        "samples": records.iter().map(|r| sample_json(r, &run.model)).collect::<Vec<_>>(),
    });
    if status == "error" {
        log["error"] = json!({"message": format!("{errors} sample(s) failed"), "traceback": "", "traceback_ansi": ""});
    }
    log
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(records: &[SampleRecord]) -> String {
    let mut out = String::from(
        "run_id,sample_key,epoch,dataset,category,status,scorer,value,answer,error,retries,prompt_tokens,completion_tokens,cost_usd,latency_ms\n",
    );
    for r in records {
        let mut rows: BTreeMap<String, (String, String)> = r
            .scores
            .iter()
            .map(|(k, s)| {
                (
                    k.clone(),
                    (s.value.to_string(), s.answer.clone().unwrap_or_default()),
                )
            })
            .collect();
        if rows.is_empty() {
            rows.insert(String::new(), (String::new(), String::new()));
        }
        for (scorer, (value, answer)) in rows {
            let fields = [
                r.run_id.clone(),
                r.key.clone(),
                r.epoch.to_string(),
                r.dataset.clone(),
                r.sample.category().unwrap_or_default(),
                if r.status == SampleStatus::Ok {
                    "ok".into()
                } else {
                    "error".into()
                },
                scorer,
                value,
                answer,
                r.error.clone().unwrap_or_default(),
                r.calls.retries.to_string(),
                r.calls.prompt_tokens.to_string(),
                r.calls.completion_tokens.to_string(),
                format!("{:.6}", r.calls.cost),
                format!("{:.1}", r.latency_ms),
            ];
            out.push_str(
                &fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            out.push('\n');
        }
    }
    out
}
