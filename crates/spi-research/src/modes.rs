//! The collaboration modes, as `spi_eval` solvers over the same tasks:
//!
//! - `end_to_end`: one shot.
//! - `decomposed`: the task's steps ([`crate::task::ClassTask::steps`]) one at a time, with a
//!   check-in after each: the engine checks the step; a failed step is replaced by the right one
//!   (as an overseer would), and the first failure is recorded in the transcript.
//! - `engine_loop`: the model proposes, the verifier answers with the exact counterexample to the
//!   proposal (never the key), and the model revises, up to `rounds` proposals.
//! - `human`: the decomposed steps, but an [`Overseer`] (a person at a terminal, or a script) sees
//!   each step and accepts or corrects it; the transcript records every decision.
//!
//! Check-ins are written into the conversation as lines starting with [`CHECK_IN`], which the
//! research check reads back from the stored conversation (see [`crate::check`]).

use std::sync::{Arc, Mutex};

use serde_json::Value;
use spi_eval::client::{CallError, CallLog};
use spi_eval::error::ProviderError;
use spi_eval::provider::ChatMessage;
use spi_eval::solver::{Solver, SolverTask, TaskState};

use crate::check::spec_class;
use crate::error::ResearchError;
use crate::task::final_answer;

/// Prefix of a check-in line in the transcript.
pub const CHECK_IN: &str = "[check-in step ";

/// The solver kind every mode is registered under (`solver = {kind = "research", mode = ...}`).
pub const SOLVER_KIND: &str = "research";

/// A collaboration mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// One shot.
    EndToEnd,
    /// Steps with engine check-ins.
    Decomposed,
    /// Propose, get the counterexample, revise.
    EngineLoop,
    /// Steps with a person's check-ins.
    Human,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 4] = [
        Mode::EndToEnd,
        Mode::Decomposed,
        Mode::EngineLoop,
        Mode::Human,
    ];
    /// The name on the command line and in suites.
    pub fn name(self) -> &'static str {
        match self {
            Mode::EndToEnd => "end_to_end",
            Mode::Decomposed => "decomposed",
            Mode::EngineLoop => "engine_loop",
            Mode::Human => "human",
        }
    }
    /// Reads a name (`-` and `_` alike).
    pub fn parse(s: &str) -> Result<Mode, ResearchError> {
        let s = s.replace('-', "_");
        Mode::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| ResearchError::Unknown {
                what: "mode",
                found: s,
                expected: Mode::ALL
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// What an overseer is shown at a check-in.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    /// `dataset/id` of the task.
    pub task: String,
    /// 1-based step number and its name.
    pub step: usize,
    /// The step's name.
    pub name: String,
    /// Steps in the task.
    pub of: usize,
    /// What the model was asked.
    pub request: String,
    /// The model's reply.
    pub reply: String,
    /// Whether the engine's check of the step passed.
    pub engine_ok: bool,
}

/// An overseer's decision at a check-in.
#[derive(Debug, Clone, PartialEq)]
pub enum Review {
    /// Keep the model's step.
    Accept,
    /// Replace the step's answer with this text.
    Correct(String),
}

/// Whoever checks in on the steps in the human mode. Called on a blocking thread.
pub trait Overseer: Send + Sync {
    /// Reviews one step.
    fn review(&self, view: &StepView) -> Review;
}

/// An overseer reading one line per check-in (empty, `y` or `a` accepts; `c TEXT` or any other
/// text corrects) and writing each step to `out`. End of input accepts the rest. Given a
/// terminal it is the interactive mode; given a file it replays a script.
pub struct LineOverseer {
    io: Mutex<(
        Box<dyn std::io::BufRead + Send>,
        Box<dyn std::io::Write + Send>,
    )>,
}

impl LineOverseer {
    /// An overseer over a reader and a writer (the CLI passes stdin and stderr).
    pub fn new(
        input: Box<dyn std::io::BufRead + Send>,
        out: Box<dyn std::io::Write + Send>,
    ) -> Self {
        LineOverseer {
            io: Mutex::new((input, out)),
        }
    }
}

impl Overseer for LineOverseer {
    fn review(&self, v: &StepView) -> Review {
        let Ok(mut io) = self.io.lock() else {
            return Review::Accept;
        };
        let (input, out) = &mut *io;
        // A closed terminal is not a reason to lose the run: write errors are ignored.
        let _ = writeln!(
            out,
            "\n== {} step {}/{} ({}) ==\nasked: {}\nmodel: {}\nengine check: {}\naccept? [Enter/y = accept, c TEXT = correct] ",
            v.task,
            v.step,
            v.of,
            v.name,
            v.request.lines().last().unwrap_or(""),
            final_answer(&v.reply),
            if v.engine_ok { "passes" } else { "fails" }
        );
        let _ = out.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => Review::Accept,
            Ok(_) => {
                let t = line.trim();
                if t.is_empty() || t.eq_ignore_ascii_case("y") || t.eq_ignore_ascii_case("a") {
                    Review::Accept
                } else {
                    Review::Correct(t.strip_prefix("c ").unwrap_or(t).trim().to_string())
                }
            }
        }
    }
}

use std::io::Write as _;

/// The research solver: one kind, the mode in its options.
pub struct ResearchSolver {
    overseer: Option<Arc<dyn Overseer>>,
}

impl ResearchSolver {
    /// A solver for the automatic modes (the human mode is refused when planned).
    pub fn new() -> Self {
        ResearchSolver { overseer: None }
    }
    /// A solver whose human mode asks `overseer`.
    pub fn with_overseer(overseer: Arc<dyn Overseer>) -> Self {
        ResearchSolver {
            overseer: Some(overseer),
        }
    }
}

impl Default for ResearchSolver {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads `mode` and `rounds` from solver options.
pub fn options(o: &Value) -> Result<(Mode, u32), String> {
    let mode = o
        .get("mode")
        .and_then(Value::as_str)
        .ok_or("expected a string `mode`")?;
    let mode = Mode::parse(mode).map_err(|e| e.to_string())?;
    let rounds = match o.get("rounds") {
        None => 3,
        Some(v) => v
            .as_u64()
            .filter(|r| (1..=20).contains(r))
            .ok_or("rounds: expected 1 to 20")? as u32,
    };
    Ok((mode, rounds))
}

/// The verifier's turn in the engine-in-the-loop mode after proposal `round` of `rounds`: `None`
/// when the proposal is right or the rounds are used up, otherwise the exact counterexample to
/// the proposal (never the key) and the request to revise. One definition for `spi research run`
/// and the Inspect solver of the Python package, so both hold the same conversation.
pub fn engine_loop_reply(
    class: &dyn crate::task::ClassTask,
    spec: &Value,
    proposal: &str,
    round: u32,
    rounds: u32,
) -> Result<Option<String>, ResearchError> {
    let g = class.grade(spec, &class.answer_text(proposal))?;
    if g.correct || round >= rounds {
        return Ok(None);
    }
    Ok(Some(format!(
        "[engine] {}\nRevise your answer (proposal {} of {rounds}). End with one line in the task's answer format: ANSWER: ...",
        g.feedback,
        round + 1
    )))
}

/// One model turn; the salt names the turn so cached replies differ between turns.
async fn ask(
    task: &SolverTask<'_>,
    state: &TaskState,
    turn: &mut u32,
    log: &mut CallLog,
) -> Result<spi_eval::provider::ChatResponse, CallError> {
    *turn += 1;
    let salt = format!("epoch={};turn={turn}", task.ctx.epoch);
    let req = task.prepared.request(&state.messages, task.ctx);
    task.ctx.model.generate(&req, &salt, log).await
}

fn rejected(msg: impl Into<String>) -> CallError {
    CallError::Provider {
        error: ProviderError::Rejected(msg.into()),
        attempts: 0,
    }
}

#[async_trait::async_trait]
impl Solver for ResearchSolver {
    fn name(&self) -> &str {
        SOLVER_KIND
    }
    fn validate(&self, o: &Value) -> Result<(), String> {
        let (mode, _) = options(o)?;
        if mode == Mode::Human && self.overseer.is_none() {
            return Err("the human mode needs an overseer (run it from `spi research run`)".into());
        }
        Ok(())
    }
    async fn solve(
        &self,
        o: &Value,
        task: &SolverTask<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError> {
        let (mut mode, rounds) = options(o).map_err(rejected)?;
        // The hand-written classes (a critique check, or a rubric and no check) have no engine
        // steps or counterexamples: every mode asks them once.
        let spec = task.sample.check.clone().unwrap_or(Value::Null);
        let class = match spec.get("kind").and_then(Value::as_str) {
            Some(crate::check::KIND) => {
                Some(spec_class(&spec).map_err(|e| rejected(e.to_string()))?)
            }
            _ => None,
        };
        let class = match class {
            Some(c) => c,
            None => {
                mode = Mode::EndToEnd;
                &crate::classes::search::SearchClass
            }
        };
        let ctx = task.ctx;
        let p = task.prepared;
        let mut state = TaskState {
            messages: p.opening(),
            ..Default::default()
        };
        let input = p.render(task.sample, None)?;
        let mut turn = 0u32;
        match mode {
            Mode::EndToEnd => {
                p.push_input(&mut state, task.sample, input);
                let r = ask(task, &state, &mut turn, log).await?;
                state.messages.push(ChatMessage::assistant(r.text.clone()));
                state.output = r.text;
            }
            Mode::EngineLoop => {
                p.push_input(&mut state, task.sample, input);
                for round in 1..=rounds {
                    let r = ask(task, &state, &mut turn, log).await?;
                    state.messages.push(ChatMessage::assistant(r.text.clone()));
                    state.output = r.text.clone();
                    match engine_loop_reply(class, &spec, &r.text, round, rounds)
                        .map_err(|e| rejected(e.to_string()))?
                    {
                        None => break,
                        Some(reply) => state.messages.push(ChatMessage::user(reply)),
                    }
                }
            }
            Mode::Decomposed | Mode::Human => {
                let steps = class.steps(&spec).map_err(|e| rejected(e.to_string()))?;
                let n = steps.len();
                let mut request = if steps[0].prompt.is_empty() {
                    input
                } else {
                    format!(
                        "{input}\n\nWork through this in {n} steps; after each step you will be told whether it was accepted.\n{}",
                        steps[0].prompt
                    )
                };
                p.push_input(&mut state, task.sample, request.clone());
                for (i, st) in steps.iter().enumerate() {
                    let r = ask(task, &state, &mut turn, log).await?;
                    state.messages.push(ChatMessage::assistant(r.text.clone()));
                    state.output = r.text.clone();
                    let ok = class
                        .grade_step(&spec, i, &class.answer_text(&r.text))
                        .map_err(|e| rejected(e.to_string()))?;
                    let engine = if ok { "engine ok" } else { "engine failed" };
                    let mut decision = if ok {
                        "accepted".to_string()
                    } else {
                        format!("not accepted; the overseer's correction: {}", st.reference)
                    };
                    if mode == Mode::Human
                        && let Some(ov) = self.overseer.clone()
                    {
                        let view = StepView {
                            task: ctx.key.to_string(),
                            step: i + 1,
                            name: st.name.clone(),
                            of: n,
                            request: request.clone(),
                            reply: r.text.clone(),
                            engine_ok: ok,
                        };
                        let review = tokio::task::spawn_blocking(move || ov.review(&view))
                            .await
                            .unwrap_or(Review::Accept);
                        decision = match review {
                            Review::Accept => "accepted by the overseer".into(),
                            Review::Correct(t) => {
                                if i + 1 == n {
                                    state.output = format!("ANSWER: {t}");
                                }
                                format!("corrected by the overseer: {t}")
                            }
                        };
                    }
                    let line = format!("{CHECK_IN}{} {}: {engine}; {decision}]", i + 1, st.name);
                    match steps.get(i + 1) {
                        Some(next) => {
                            request = format!("{line}\n{}", next.prompt);
                            state.messages.push(ChatMessage::user(request.clone()));
                        }
                        None => state.messages.push(ChatMessage::user(line)),
                    }
                }
            }
        }
        Ok(state)
    }
}
