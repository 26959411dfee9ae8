//! The harness side from Python: load a suite as `spi eval run` loads it (samples, arms, the
//! prompts its solvers would send), and score one output with the same scorers, engine checks
//! included. The Inspect tasks in `safepareto.inspect` are built on these two calls, which is
//! what makes their scores equal `spi eval run`'s on the same outputs.

use std::path::Path;

use pyo3::prelude::*;
use serde_json::{Value, json};
use spi_eval::check::{CheckInput, CheckRegistry};
use spi_eval::dataset::{Sample, parse_jsonl};
use spi_eval::provider::ChatMessage;
use spi_eval::scorer::score_text;
use spi_eval::solver::{PreparedSolver, TaskState};
use spi_eval::store::Store;
use spi_eval::suite::{ScorerConfig, Suite};
use spi_eval::tools::ToolRegistry;

use crate::convert::{json_to_py, py_to_json};
use crate::errors::{EvalError, engine, lift};

/// Adds the functions of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_suite, m)?)?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(reference_answer, m)?)?;
    m.add_function(wrap_pyfunction!(check_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(read_run, m)?)?;
    m.add_function(wrap_pyfunction!(list_runs, m)?)?;
    m.add_function(wrap_pyfunction!(research_suite_toml, m)?)?;
    m.add_function(wrap_pyfunction!(research_engine_reply, m)?)?;
    Ok(())
}

/// The engine checks `spi eval run` registers for the Part I suites (`spi_suites::engine`) and
/// those `spi research run` adds for the Part III benchmark (`spi_research::suite::checks`).
fn checks() -> CheckRegistry {
    let mut checks = spi_research::suite::checks();
    let mut tools = ToolRegistry::default();
    spi_suites::engine::register(&mut checks, &mut tools);
    checks
}

fn messages_json(ms: &[ChatMessage]) -> Value {
    Value::Array(
        ms.iter()
            .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
            .collect(),
    )
}

/// load_suite(path, arm=None)
///
/// Loads a suite file (`suites/NAME/suite.toml`) and its datasets exactly as `spi eval run` does,
/// with an arm applied (`arm=None` is the baseline). Returns a dict: name, version, metadata, arm,
/// arms (declared), and datasets, each with name, solver, scorers, generate and samples; each
/// sample is a dict with `sample` (the JSONL record), `opening` (system and few-shot turns),
/// `prompt` (the user turn `spi eval run` sends, template and arm context applied) and `question`
/// (the input with the arm's context, for solvers that add the choices themselves).
///
/// >>> import safepareto as sp
/// >>> s = sp.load_suite(sp.suites_dir() + "/missed-spis/suite.toml")
/// >>> s["name"], len(s["datasets"][0]["samples"]), s["datasets"][0]["scorers"]
/// ('missed-spis', 360, [{'kind': 'choice'}])
#[pyfunction]
#[pyo3(signature = (path, arm=None))]
fn load_suite<'py>(py: Python<'py>, path: &str, arm: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    let (path, arm) = (path.to_string(), arm.map(str::to_string));
    let doc = engine(py, move || -> Result<Value, spi_eval::error::EvalError> {
        let mut suite = Suite::load(Path::new(&path))?;
        if let Some(a) = &arm {
            suite = suite.with_arm(a)?;
        }
        let mut datasets = Vec::new();
        for d in &suite.datasets {
            let solver = PreparedSolver::for_dataset(d)?;
            let opening = messages_json(&solver.opening());
            let mut samples = Vec::with_capacity(d.samples.len());
            for s in &d.samples {
                let prompt = solver.preview(s)?;
                samples.push(json!({
                    "sample": s,
                    "opening": opening,
                    "prompt": solver.with_context(prompt),
                    "question": solver.with_context(s.input.as_text()),
                }));
            }
            datasets.push(json!({
                "name": d.config.name,
                "solver": d.config.solver,
                "scorers": d.config.scorers,
                "generate": d.config.generate,
                "samples": samples,
            }));
        }
        Ok(json!({
            "name": suite.file.name,
            "version": suite.file.version,
            "description": suite.file.description,
            "metadata": suite.file.metadata,
            "arm": suite.arm,
            "arms": suite.arms.iter().map(|a| a.arm.clone()).collect::<Vec<_>>(),
            "fingerprint": suite.fingerprint,
            "datasets": datasets,
        }))
    })?;
    json_to_py(py, &lift(doc)?)
}

fn sample_of(sample: &Bound<'_, PyAny>) -> PyResult<Sample> {
    // Through the dataset reader, so a Python-built sample is validated as a JSONL line is.
    let v = py_to_json(sample)?;
    let mut parsed = lift(parse_jsonl(Path::new("<sample>"), &v.to_string()))?;
    parsed
        .pop()
        .ok_or_else(|| EvalError::new_err("<sample>: expected one sample, found none"))
}

/// score(sample, output, scorer={"kind": "choice"}, choice_order=None)
///
/// Scores one model output for one sample with one of the harness's scorers (`exact`, `choice`,
/// `regex`, `numeric`, or `check`: the sample's engine check), exactly as `spi eval run` does.
/// `sample` is the JSONL record (dict or JSON text); `choice_order` gives, for each option as
/// shown, its index in the file (default: file order, as for `shuffle_choices = false`).
/// Returns a dict with value (0..1), answer and explanation.
///
/// >>> import safepareto as sp
/// >>> item = {"id": "q", "input": "2+2?", "choices": ["3", "4"], "target": "B"}
/// >>> sp.score(item, "Reasoning...\nANSWER: B")["value"]
/// 1.0
/// >>> sp.score(item, "ANSWER: A", {"kind": "choice"})["answer"]
/// 'A'
#[pyfunction]
#[pyo3(signature = (sample, output, scorer=None, choice_order=None))]
fn score<'py>(
    py: Python<'py>,
    sample: &Bound<'py, PyAny>,
    output: &str,
    scorer: Option<&Bound<'py, PyAny>>,
    choice_order: Option<Vec<usize>>,
) -> PyResult<Bound<'py, PyAny>> {
    let sample = sample_of(sample)?;
    let cfg: ScorerConfig = match scorer {
        None => ScorerConfig::Choice,
        Some(s) => serde_json::from_value(py_to_json(s)?)
            .map_err(|e| EvalError::new_err(format!("scorer: {e}")))?,
    };
    let order = match (&choice_order, &sample.choices) {
        (Some(o), Some(c)) => {
            let mut seen = o.clone();
            seen.sort_unstable();
            if seen != (0..c.len()).collect::<Vec<_>>() {
                return Err(EvalError::new_err(format!(
                    "choice_order {o:?}: expected a permutation of 0..{}",
                    c.len()
                )));
            }
            Some(o.clone())
        }
        (None, Some(c)) => Some((0..c.len()).collect()),
        (_, None) => None,
    };
    let state = TaskState {
        messages: vec![ChatMessage::assistant(output.to_string())],
        output: output.to_string(),
        choices: match (&order, &sample.choices) {
            (Some(o), Some(c)) => Some(o.iter().map(|&k| c[k].clone()).collect()),
            _ => None,
        },
        choice_order: order,
        tool_calls: 0,
        limit: None,
    };
    let out = engine(py, move || -> Result<Value, String> {
        match &cfg {
            ScorerConfig::Check => {
                let spec = sample
                    .check
                    .clone()
                    .ok_or_else(|| "scorer check: the sample has no `check`".to_string())?;
                let kind = spec.get("kind").and_then(Value::as_str).unwrap_or_default();
                let check = checks().get(kind).ok_or_else(|| {
                    format!("scorer check: no engine check registered for kind `{kind}`")
                })?;
                let v = check
                    .check(
                        &spec,
                        &CheckInput {
                            output: &state.output,
                            sample: &sample,
                            messages: &state.messages,
                        },
                    )
                    .map_err(|e| format!("scorer check: {e}"))?;
                // The runner records a value outside [0, 1] as an error, never as a score.
                if !(0.0..=1.0).contains(&v.value) {
                    return Err(format!(
                        "scorer check: engine check returned value {} outside [0, 1]",
                        v.value
                    ));
                }
                Ok(json!({"value": v.value, "answer": v.answer, "explanation": v.explanation}))
            }
            other => {
                let s = score_text(other, &sample, &state)
                    .map_err(|m| format!("scorer {}: {m}", other.name()))?;
                Ok(json!({"value": s.value, "answer": s.answer, "explanation": s.explanation}))
            }
        }
    })?;
    json_to_py(py, &out.map_err(EvalError::new_err)?)
}

/// reference_answer(sample)
///
/// An output the sample's engine check grades 1.0 (the engine's own answer), for oracle runs.
#[pyfunction]
fn reference_answer(py: Python<'_>, sample: &Bound<'_, PyAny>) -> PyResult<String> {
    let sample = sample_of(sample)?;
    let spec = sample
        .check
        .clone()
        .ok_or_else(|| EvalError::new_err("the sample has no `check`"))?;
    let r = engine(py, move || {
        let kind = spec.get("kind").and_then(Value::as_str).unwrap_or_default();
        match checks().get(kind) {
            None => Err(format!("no engine check registered for kind `{kind}`")),
            Some(c) => c.reference_answer(&spec).map_err(|e| e.to_string()),
        }
    })?;
    r.map_err(EvalError::new_err)
}

/// The engine check kinds registered for scoring.
#[pyfunction]
fn check_kinds() -> Vec<String> {
    checks().kinds()
}

/// read_run(log_dir, run="latest")
///
/// One `spi eval run` run read back from its store (`LOG_DIR/…sqlite`): a dict with `run` (the
/// header: id, suite, model, arm, status, options), `accounting` (planned = ok + errors + not_run)
/// and `records`, one per sample-epoch as `spi eval export --format jsonl` writes them, plus each
/// record's `category`. `safepareto.runs` turns them into a pandas DataFrame.
#[pyfunction]
#[pyo3(signature = (log_dir, run="latest"))]
fn read_run<'py>(py: Python<'py>, log_dir: &str, run: &str) -> PyResult<Bound<'py, PyAny>> {
    let (dir, id) = (log_dir.to_string(), run.to_string());
    let doc = engine(py, move || -> Result<Value, spi_eval::error::EvalError> {
        let store = Store::open_existing(Path::new(&dir))?;
        let info = store.run(&id)?;
        let accounting = store.accounting(&info)?;
        let records: Vec<Value> = store
            .samples(&info.run_id)?
            .into_iter()
            .map(|r| {
                let category = r.sample.category();
                let mut v = serde_json::to_value(&r).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.insert(
                        "category".into(),
                        category.map_or(Value::Null, Value::String),
                    );
                }
                v
            })
            .collect();
        Ok(json!({"run": info, "accounting": accounting, "records": records}))
    })?;
    json_to_py(py, &lift(doc)?)
}

/// list_runs(log_dir)
///
/// The runs recorded in a log directory, oldest first (the headers `read_run` returns as `run`).
#[pyfunction]
fn list_runs<'py>(py: Python<'py>, log_dir: &str) -> PyResult<Bound<'py, PyAny>> {
    let dir = log_dir.to_string();
    let runs = engine(py, move || {
        Store::open_existing(Path::new(&dir))?
            .runs()
            .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
    })?;
    json_to_py(py, &lift(runs)?)
}

/// research_suite_toml(datasets, mode, rounds=3, max_tokens=512)
///
/// The suite file `spi research run` writes for a run of the Part III benchmark: one dataset per
/// `(name, path)` pair (a class and its `tasks.jsonl`), the research solver in `mode`
/// (`end_to_end`, `decomposed`, `engine_loop`), the research check as scorer. `load_suite` reads
/// it back with the prompts the run sends.
///
/// >>> import safepareto as sp
/// >>> print(sp.research_suite_toml([("search", "/x/search/tasks.jsonl")], "end_to_end").splitlines()[1])
/// name = "research-end_to_end"
#[pyfunction]
#[pyo3(signature = (datasets, mode, rounds=3, max_tokens=512))]
fn research_suite_toml(
    datasets: Vec<(String, String)>,
    mode: &str,
    rounds: u32,
    max_tokens: u32,
) -> PyResult<String> {
    let mode =
        spi_research::modes::Mode::parse(mode).map_err(|e| EvalError::new_err(e.to_string()))?;
    if mode == spi_research::modes::Mode::Human {
        return Err(EvalError::new_err(
            "mode human: the person checking in is at `spi research run`'s terminal; it has no suite form here",
        ));
    }
    let refs: Vec<(String, &Path)> = datasets
        .iter()
        .map(|(n, p)| (n.clone(), Path::new(p.as_str())))
        .collect();
    Ok(spi_research::suite::suite_toml(
        &refs,
        mode,
        rounds,
        max_tokens,
        &[],
    ))
}

/// research_engine_reply(sample, proposal, round, rounds)
///
/// The verifier's turn in the `engine_loop` mode after proposal `round` (1-based) of `rounds`:
/// `None` when the proposal is right or no rounds are left, otherwise the message `spi research
/// run` sends back (the exact counterexample to the proposal, never the key, and a request to
/// revise).
#[pyfunction]
fn research_engine_reply(
    py: Python<'_>,
    sample: &Bound<'_, PyAny>,
    proposal: &str,
    round: u32,
    rounds: u32,
) -> PyResult<Option<String>> {
    let sample = sample_of(sample)?;
    let spec = sample
        .check
        .clone()
        .ok_or_else(|| EvalError::new_err("the sample has no `check`"))?;
    let proposal = proposal.to_string();
    let r = engine(py, move || -> Result<Option<String>, String> {
        let class = spi_research::check::spec_class(&spec).map_err(|e| e.to_string())?;
        spi_research::modes::engine_loop_reply(class, &spec, &proposal, round, rounds)
            .map_err(|e| e.to_string())
    })?;
    r.map_err(EvalError::new_err)
}
