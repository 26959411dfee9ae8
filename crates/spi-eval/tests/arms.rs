//! Arms: a suite's `[[arm]]` blocks change a prompt only by their intervention (system prompt
//! addition, context before the input, few-shot turns, tools), a run records its arm, and two
//! arms' runs pair on the same samples.

use std::sync::{Arc, Mutex};

use spi_eval::provider::mock::MockProvider;
use spi_eval::provider::{ChatMessage, ChatRequest, Role};
use spi_eval::runner::{RunOptions, RunServices, run_suite};
use spi_eval::stats::Reducer;
use spi_eval::store::Store;
use spi_eval::suite::Suite;
use spi_eval::tools::{ArithmeticTool, ToolRegistry};

const CANARY: &str = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596";

fn write_suite(dir: &std::path::Path) -> std::path::PathBuf {
    let jsonl = "{\"id\": \"a\", \"input\": \"Which action dominates in the Prisoner's Dilemma?\", \"target\": \"Defect\"}\n{\"id\": \"b\", \"input\": \"Is mutual cooperation Pareto-better than mutual defection?\", \"target\": \"yes\"}\n";
    std::fs::write(dir.join("q.jsonl"), jsonl).unwrap();
    std::fs::write(
        dir.join("shots.jsonl"),
        format!(
            "{{\"canary\": \"{CANARY}\", \"version\": \"1-0\"}}\n{{\"input\": \"In matching pennies, is there a pure equilibrium?\", \"output\": \"ANSWER: no\"}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("primer.md"),
        "Background: a safe Pareto improvement changes the game so that every outcome is at least as good for everyone.\n",
    )
    .unwrap();
    let suite = r#"name = "arms"
[[dataset]]
name = "q"
path = "q.jsonl"
system_prompt = "You are a careful game theorist."
prompt_template = "{{ input }}\nReply with 'ANSWER: <word>'."

[[arm]]
name = "primer"
system_prompt = "Consider whether a safe Pareto improvement is available."
context_file = "primer.md"
few_shot_file = "shots.jsonl"

[[arm]]
name = "tooled"
tools = ["arithmetic"]
"#;
    let p = dir.join("suite.toml");
    std::fs::write(&p, suite).unwrap();
    p
}

type Seen = Arc<Mutex<Vec<Vec<ChatMessage>>>>;

fn recorder(seen: Seen) -> Arc<MockProvider> {
    Arc::new(MockProvider::from_fn(
        "recorder",
        Arc::new(move |req: &ChatRequest| {
            seen.lock().unwrap().push(req.messages.clone());
            Ok("ANSWER: Defect".into())
        }),
    ))
}

fn by_input(seen: &Seen) -> Vec<Vec<ChatMessage>> {
    let mut v = seen.lock().unwrap().clone();
    v.sort_by_key(|ms| ms.last().map(|m| m.content.clone()));
    v
}

#[tokio::test]
async fn arms_differ_from_baseline_only_in_their_intervention_and_pair_by_sample() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Arc::new(Suite::load(&write_suite(dir.path())).unwrap());
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let seen: Seen = Arc::default();
    let opts = RunOptions {
        cache: false,
        ..Default::default()
    };
    let base = run_suite(
        suite.clone(),
        recorder(seen.clone()),
        &store,
        &opts,
        &RunServices::default(),
    )
    .await
    .unwrap();
    let baseline = by_input(&seen);
    seen.lock().unwrap().clear();
    let armed = run_suite(
        suite.clone(),
        recorder(seen.clone()),
        &store,
        &RunOptions {
            arm: Some("primer".into()),
            ..opts.clone()
        },
        &RunServices::default(),
    )
    .await
    .unwrap();
    let primer = by_input(&seen);
    assert_ne!(base.run_id, armed.run_id, "an arm is its own run");
    assert_eq!(store.run(&base.run_id).unwrap().arm, "baseline");
    assert_eq!(store.run(&armed.run_id).unwrap().arm, "primer");

    let context = "Background: a safe Pareto improvement changes the game so that every outcome is at least as good for everyone.";
    assert_eq!(baseline.len(), 2);
    assert_eq!(primer.len(), 2);
    for (b, p) in baseline.iter().zip(&primer) {
        // Baseline: system, user.
        assert_eq!(b.len(), 2);
        let (sys, user) = (&b[0], &b[1]);
        assert_eq!(sys.role, Role::System);
        // The arm: the same system prompt with the addition after it, the few-shot pair, the
        // same user turn with the context before it; nothing else differs.
        let expected = vec![
            ChatMessage::system(format!(
                "{}\n\nConsider whether a safe Pareto improvement is available.",
                sys.content
            )),
            ChatMessage::user("In matching pennies, is there a pure equilibrium?"),
            ChatMessage::assistant("ANSWER: no"),
            ChatMessage::user(format!("{context}\n\n{}", user.content)),
        ];
        assert_eq!(p, &expected);
    }

    // Comparison pairs the two arms on their shared samples.
    let ra = store.run(&base.run_id).unwrap();
    let rb = store.run(&armed.run_id).unwrap();
    let (c, md) = spi_eval::report::comparison_markdown(
        &ra,
        &store.samples(&ra.run_id).unwrap(),
        &rb,
        &store.samples(&rb.run_id).unwrap(),
        "exact",
        Reducer::Mean,
    );
    assert_eq!(c.n, 2);
    assert!(md.contains("arm `primer`"), "{md}");
}

#[tokio::test]
async fn a_tools_arm_runs_the_agent_and_unknown_arms_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let suite = Arc::new(Suite::load(&write_suite(dir.path())).unwrap());
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let seen: Seen = Arc::default();
    let mut tools = ToolRegistry::new();
    tools.register(Arc::new(ArithmeticTool));
    let services = RunServices {
        tools,
        ..Default::default()
    };
    run_suite(
        suite.clone(),
        recorder(seen.clone()),
        &store,
        &RunOptions {
            arm: Some("tooled".into()),
            cache: false,
            ..Default::default()
        },
        &services,
    )
    .await
    .unwrap();
    let first = &by_input(&seen)[0];
    assert!(first[0].content.contains("CALL <tool>"), "{first:?}");
    assert!(first[0].content.contains("- arithmetic:"), "{first:?}");

    let err = run_suite(
        suite,
        recorder(seen),
        &store,
        &RunOptions {
            arm: Some("nosuch".into()),
            ..Default::default()
        },
        &services,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no such arm (arms: baseline, primer, tooled)"),
        "{err}"
    );
}
