//! The solver registry: a multi-step solver plugs in by kind without touching the runner, its
//! options are validated when the run is planned, and an unknown kind is refused before any
//! model call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use spi_eval::client::{CallError, CallLog};
use spi_eval::provider::mock::MockProvider;
use spi_eval::provider::{ChatMessage, ChatRequest};
use spi_eval::runner::{RunOptions, RunServices, run_suite};
use spi_eval::solver::{Solver, SolverTask, TaskState};
use spi_eval::store::Store;
use spi_eval::suite::Suite;

/// Propose, then revise `rounds - 1` times: each revision turn asks the model to check its
/// previous answer. The final turn is the output.
struct ProposeRevise;

#[async_trait::async_trait]
impl Solver for ProposeRevise {
    fn name(&self) -> &str {
        "propose_revise"
    }
    fn validate(&self, options: &serde_json::Value) -> Result<(), String> {
        match options.get("rounds").and_then(|r| r.as_u64()) {
            Some(r) if r >= 1 => Ok(()),
            _ => Err("`rounds` must be an integer >= 1".into()),
        }
    }
    async fn solve(
        &self,
        options: &serde_json::Value,
        task: &SolverTask<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError> {
        let rounds = options["rounds"].as_u64().unwrap_or(1);
        let p = task.prepared;
        let mut state = TaskState {
            messages: p.opening(),
            ..Default::default()
        };
        let prompt = p.render(task.sample, None)?;
        p.push_input(&mut state, task.sample, prompt);
        for round in 0..rounds {
            if round > 0 {
                state.messages.push(ChatMessage::user(
                    "Check your previous answer and give it again on an ANSWER: line.",
                ));
            }
            let r = task
                .ctx
                .model
                .generate(
                    &p.request(&state.messages, task.ctx),
                    &format!("r{round}"),
                    log,
                )
                .await?;
            state.messages.push(ChatMessage::assistant(r.text.clone()));
            state.output = r.text;
        }
        Ok(state)
    }
}

fn suite(dir: &std::path::Path, solver: &str) -> Arc<Suite> {
    std::fs::write(
        dir.join("q.jsonl"),
        "{\"id\": \"a\", \"input\": \"Name the dominant action.\", \"target\": \"Defect\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("s.toml"),
        format!("name = \"s\"\n[[dataset]]\nname = \"q\"\npath = \"q.jsonl\"\nsolver = {solver}\n"),
    )
    .unwrap();
    Arc::new(Suite::load(&dir.join("s.toml")).unwrap())
}

fn counting(calls: Arc<AtomicU32>) -> Arc<MockProvider> {
    Arc::new(MockProvider::from_fn(
        "count",
        Arc::new(move |_: &ChatRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok("ANSWER: Defect".into())
        }),
    ))
}

#[tokio::test]
async fn a_registered_multi_step_solver_runs_without_runner_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let mut services = RunServices::default();
    services.solvers.register(Arc::new(ProposeRevise));
    let calls = Arc::new(AtomicU32::new(0));
    let s = run_suite(
        suite(dir.path(), "{ kind = \"propose_revise\", rounds = 3 }"),
        counting(calls.clone()),
        &store,
        &RunOptions::default(),
        &services,
    )
    .await
    .unwrap();
    assert_eq!((s.ok, s.errors), (1, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let rec = &store.samples(&s.run_id).unwrap()[0];
    assert_eq!(rec.state.as_ref().unwrap().messages.len(), 6);
    assert_eq!(rec.scores["exact"].value, 1.0);
}

#[tokio::test]
async fn unknown_solvers_and_bad_options_are_refused_when_planned() {
    for (solver, want) in [
        ("{ kind = \"nosuch\" }", "solver `nosuch` is not registered"),
        (
            "{ kind = \"propose_revise\", rounds = 0 }",
            "`rounds` must be an integer >= 1",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("logs")).unwrap();
        let mut services = RunServices::default();
        services.solvers.register(Arc::new(ProposeRevise));
        let calls = Arc::new(AtomicU32::new(0));
        let err = run_suite(
            suite(dir.path(), solver),
            counting(calls.clone()),
            &store,
            &RunOptions::default(),
            &services,
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains(want), "{err}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        assert!(store.runs().unwrap().is_empty());
    }
}
