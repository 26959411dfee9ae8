//! Exports of a stored run: Inspect's eval-log JSON (so Inspect's reader and `inspect view` open
//! it), JSON Lines (one record per sample-epoch) and CSV (one row per sample-epoch and scorer).
//!
//! The Inspect shape follows `inspect_ai.log.EvalLog` (version 2): `eval` (the spec: task,
//! model, dataset, config), `plan`, `results` (scores with metrics), `stats` and `samples`
//! (messages, output, scores, usage, error). Written from our records, checked by
//! `bench/inspect/check_export.sh` with `inspect_ai.log.read_eval_log`.
//!
//! Every export accounts for the whole plan: JSON Lines and CSV carry a `not_run` row for each
//! planned sample-epoch without a record, and the Inspect log's `results` count the plan
//! (`total_samples`) with the accounting in `eval.metadata.spi_accounting`. With shuffled
//! choices, a sample's `target` is given in the letters the model was shown, the same letters
//! its `answer` is in. [`write_export`] streams records from the store one at a time and
//! [`write_atomically`] puts the file in place only once it is complete.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::dataset::Input;
use crate::error::EvalError;
use crate::provider::Role;
use crate::stats::{Reducer, estimate, reduced_scores, scorer_names};
use crate::store::{Accounting, RunInfo, SampleRecord, SampleStatus, Store};

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

/// Renders a run in `format` from records in memory (tests and small runs); the plan's
/// unrecorded sample-epochs come from `acc`/`not_run`.
pub fn export(
    run: &RunInfo,
    records: &[SampleRecord],
    acc: &Accounting,
    not_run: &[(String, u32)],
    format: Format,
) -> String {
    let mut out = Vec::new();
    let light: Vec<SampleRecord> = records.iter().cloned().map(SampleRecord::light).collect();
    let _ = write_records(
        run,
        &light,
        acc,
        not_run,
        format,
        &mut |f| {
            for r in records {
                f(r.clone())?;
            }
            Ok(())
        },
        &mut out,
    );
    String::from_utf8(out).unwrap_or_default()
}

/// Streams a stored run in `format` to `w`: one record in memory at a time (plus the scores
/// the Inspect header needs).
pub fn write_export(
    store: &Store,
    run: &RunInfo,
    format: Format,
    w: &mut dyn Write,
) -> Result<(), EvalError> {
    let acc = store.accounting(run)?;
    let not_run = store.not_run(&run.run_id)?;
    let light = if format == Format::Inspect {
        let mut v = Vec::new();
        store.for_each_sample(&run.run_id, |r| {
            v.push(r.light());
            Ok(())
        })?;
        v
    } else {
        Vec::new()
    };
    write_records(
        run,
        &light,
        &acc,
        &not_run,
        format,
        &mut |f| store.for_each_sample(&run.run_id, f),
        w,
    )
}

type Feed<'a> =
    dyn FnMut(&mut dyn FnMut(SampleRecord) -> Result<(), EvalError>) -> Result<(), EvalError> + 'a;

fn io_err(e: std::io::Error) -> EvalError {
    EvalError::Io {
        path: "(export)".into(),
        source: e,
    }
}

fn write_records(
    run: &RunInfo,
    light: &[SampleRecord],
    acc: &Accounting,
    not_run: &[(String, u32)],
    format: Format,
    feed: &mut Feed<'_>,
    w: &mut dyn Write,
) -> Result<(), EvalError> {
    match format {
        Format::Inspect => {
            // The header from the light records; the samples are streamed into its last field.
            let head = inspect_header(run, light, acc);
            let text = serde_json::to_string(&head).unwrap_or_else(|_| "{}".into());
            let open = text.strip_suffix('}').unwrap_or("{");
            let sep = if open.ends_with('{') { "" } else { "," };
            write!(w, "{open}{sep}\"samples\":[").map_err(io_err)?;
            let mut first = true;
            feed(&mut |r| {
                if !first {
                    w.write_all(b",").map_err(io_err)?;
                }
                first = false;
                serde_json::to_writer(&mut *w, &sample_json(&r, &run.model))
                    .map_err(|e| io_err(e.into()))
            })?;
            w.write_all(b"]}\n").map_err(io_err)
        }
        Format::Jsonl => {
            feed(&mut |r| {
                serde_json::to_writer(&mut *w, &r).map_err(|e| io_err(e.into()))?;
                w.write_all(b"\n").map_err(io_err)
            })?;
            for (key, epoch) in not_run {
                let line =
                    json!({"run_id": run.run_id, "key": key, "epoch": epoch, "status": "not_run"});
                writeln!(w, "{line}").map_err(io_err)?;
            }
            Ok(())
        }
        Format::Csv => {
            w.write_all(CSV_HEADER.as_bytes()).map_err(io_err)?;
            feed(&mut |r| w.write_all(csv_rows(&r).as_bytes()).map_err(io_err))?;
            for (key, epoch) in not_run {
                let fields = [
                    run.run_id.as_str(),
                    key,
                    &epoch.to_string(),
                    key.split('/').next().unwrap_or_default(),
                    "",
                    "not_run",
                ];
                let mut line = fields
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(",");
                line.push_str(",,,,,,,,,\n");
                w.write_all(line.as_bytes()).map_err(io_err)?;
            }
            Ok(())
        }
    }
}

/// Writes `path` through a temporary file in the same directory, renamed into place only
/// when complete: a reader never sees half an export, and a failed export leaves any previous
/// file untouched.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let io = |source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let mut bw = std::io::BufWriter::new(file);
        f(&mut bw)?;
        let file = bw.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
    // With shuffled choices the answer is a letter as shown; the target must be too, or a
    // viewer shows "target B, answer B, score 0" for a sample the model got wrong.
    let shown: Option<Vec<String>> =
        r.state
            .as_ref()
            .filter(|s| s.choice_order.is_some())
            .map(|s| {
                s.target_letters(&r.sample)
                    .into_iter()
                    .map(String::from)
                    .collect()
            });
    let targets = shown.as_ref().unwrap_or(&r.sample.target);
    let target = if targets.len() == 1 {
        json!(targets[0])
    } else {
        json!(targets)
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

/// Builds the Inspect `EvalLog` value (samples included) from records in memory.
pub fn inspect_log(run: &RunInfo, records: &[SampleRecord], acc: &Accounting) -> Value {
    let mut log = inspect_header(run, records, acc);
    log["samples"] = json!(
        records
            .iter()
            .map(|r| sample_json(r, &run.model))
            .collect::<Vec<_>>()
    );
    log
}

/// The Inspect `EvalLog` without its samples (which [`write_export`] streams after it).
fn inspect_header(run: &RunInfo, records: &[SampleRecord], acc: &Accounting) -> Value {
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
    let status = if run.status == "success" && errors == 0 && acc.not_run == 0 {
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
            "metadata": {
                "suite": run.config.pointer("/suite/metadata").cloned().unwrap_or(json!({})),
                "spi_arm": run.arm,
                "spi_accounting": acc,
            },
        },
        "plan": {"name": "plan", "steps": [], "config": {}},
        "results": {"total_samples": acc.planned, "completed_samples": acc.ok, "scores": scores},
        "stats": {"started_at": run.created_at, "completed_at": run.finished_at.clone().unwrap_or_default(), "model_usage": {run.model.clone(): usage(p, c)}},
    });
    if status == "error" {
        log["error"] = json!({"message": format!("{errors} sample(s) failed, {} not run, of {} planned", acc.not_run, acc.planned), "traceback": "", "traceback_ansi": ""});
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

const CSV_HEADER: &str = "run_id,sample_key,epoch,dataset,category,status,scorer,value,answer,error,retries,prompt_tokens,completion_tokens,cost_usd,latency_ms\n";

fn csv_rows(r: &SampleRecord) -> String {
    let mut out = String::new();
    {
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
