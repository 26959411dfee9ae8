//! Solvers: how a sample becomes model calls. Single-turn prompts (with an optional system prompt
//! and chain of thought), multiple choice with seeded choice shuffling, scripted multi-turn
//! dialogue, and an agent loop with tools.
//!
//! The agent speaks a plain-text tool protocol (`CALL name {json}` lines, results fed back as user
//! turns) rather than a vendor's function-calling API, so every provider, including a small local
//! model behind `spi serve`, can run the same agent suites.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::client::{CallError, CallLog, ModelClient};
use crate::dataset::{Input, Sample, target_choice_index};
use crate::error::EvalError;
use crate::provider::{ChatMessage, ChatRequest, Role};
use crate::suite::{DatasetConfig, Intervention, LoadedDataset, SolverConfig};
use crate::tools::ToolRegistry;

const MC_TEMPLATE: &str = "Answer the following multiple choice question. The entire content of your response should be of the following format: 'ANSWER: $LETTER' (without quotes) where LETTER is one of {{ letters }}.\n\n{{ input }}\n\n{% for c in choices %}{{ c.letter }}) {{ c.text }}\n{% endfor %}";
const MC_COT_TEMPLATE: &str = "Answer the following multiple choice question. The last line of your response should be of the following format: 'ANSWER: $LETTER' (without quotes) where LETTER is one of {{ letters }}. Think step by step before answering.\n\n{{ input }}\n\n{% for c in choices %}{{ c.letter }}) {{ c.text }}\n{% endfor %}";
const COT_SUFFIX: &str = "\n\nThink step by step, then give your final answer on the last line in the form 'ANSWER: <answer>'.";

/// Instructions a prompt template may execute per render (minijinja fuel): ample for any real
/// prompt, and a hard stop for a template that loops without end.
pub const TEMPLATE_FUEL: u64 = 200_000;

/// Longest rendered prompt, in bytes.
pub const MAX_PROMPT_BYTES: usize = 4 << 20;

/// A writer that refuses to grow past its limit, so a template's output is bounded while it
/// renders, not after.
struct CappedWriter {
    buf: Vec<u8>,
    limit: usize,
}

impl std::io::Write for CappedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.limit {
            return Err(std::io::Error::other(format!(
                "the rendered prompt exceeds {} bytes",
                self.limit
            )));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A dataset's solver with its templates compiled.
pub struct PreparedSolver {
    config: DatasetConfig,
    env: minijinja::Environment<'static>,
    intervention: Option<Intervention>,
}

/// What solving a sample produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// The whole conversation, model turns included.
    pub messages: Vec<ChatMessage>,
    /// The final model output scorers read.
    pub output: String,
    /// Options as shown, after any shuffle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// For each shown option, its index in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_order: Option<Vec<usize>>,
    /// Tool calls made by an agent.
    #[serde(default)]
    pub tool_calls: u32,
    /// A limit that ended solving early (`max_turns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl TaskState {
    /// The letters of the target options as shown (multiple choice).
    pub fn target_letters(&self, sample: &Sample) -> Vec<char> {
        let (Some(order), Some(orig)) = (&self.choice_order, &sample.choices) else {
            return Vec::new();
        };
        sample
            .target
            .iter()
            .filter_map(|t| target_choice_index(t, orig))
            .filter_map(|orig_idx| order.iter().position(|&o| o == orig_idx))
            .map(|pos| (b'A' + pos as u8) as char)
            .collect()
    }
}

/// A deterministic 64-bit seed from the suite seed, the sample key and the epoch.
pub fn derive_seed(seed: u64, key: &str, epoch: u32) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(key.as_bytes());
    h.update(epoch.to_le_bytes());
    let d = h.finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// Everything a solve needs besides the sample.
pub struct SolveContext<'a> {
    /// The model under evaluation.
    pub model: &'a ModelClient,
    /// Registered tools.
    pub tools: &'a ToolRegistry,
    /// Suite seed.
    pub seed: u64,
    /// Epoch (1-based).
    pub epoch: u32,
    /// `dataset/id`.
    pub key: &'a str,
    /// How long one tool call may run.
    pub tool_budget: std::time::Duration,
    /// Solvers by kind.
    pub solvers: &'a SolverRegistry,
}

/// What a solver works on: the sample, its dataset's prepared templates (and arm), and the
/// run's context (model, tools, seed).
pub struct SolverTask<'a> {
    /// The sample.
    pub sample: &'a Sample,
    /// The dataset's templates, generation settings and arm intervention.
    pub prepared: &'a PreparedSolver,
    /// The run's context.
    pub ctx: &'a SolveContext<'a>,
}

/// How a sample becomes model calls. A multi-step solver (decomposed tasks with check-ins, a
/// propose-verify-revise loop with the engine) implements this and is registered under its
/// `kind`; a suite names it with `solver = { kind = "...", ... }` and the runner needs no edit.
#[async_trait::async_trait]
pub trait Solver: Send + Sync {
    /// The `solver.kind` it handles.
    fn name(&self) -> &str;
    /// Whether `options` (the suite's `solver` table as JSON, `kind` included) configures
    /// this solver; called when the run is planned, before any model call.
    fn validate(&self, options: &serde_json::Value) -> Result<(), String>;
    /// Solves one sample for one epoch.
    async fn solve(
        &self,
        options: &serde_json::Value,
        task: &SolverTask<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError>;
}

/// A built-in solver, registered under its kind like any other.
struct BuiltinSolver(&'static str);

#[async_trait::async_trait]
impl Solver for BuiltinSolver {
    fn name(&self) -> &str {
        self.0
    }
    fn validate(&self, options: &serde_json::Value) -> Result<(), String> {
        match SolverConfig::from_options(options)? {
            SolverConfig::Agent { max_turns: 0, .. } => {
                Err("max_turns 0: expected at least 1".into())
            }
            c if c.kind() == self.0 => Ok(()),
            c => Err(format!(
                "options of solver `{}` given to `{}`",
                c.kind(),
                self.0
            )),
        }
    }
    async fn solve(
        &self,
        options: &serde_json::Value,
        task: &SolverTask<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError> {
        let cfg = SolverConfig::from_options(options).map_err(|e| CallError::Provider {
            error: crate::error::ProviderError::Rejected(format!("solver options: {e}")),
            attempts: 0,
        })?;
        task.prepared
            .solve_builtin(&cfg, task.sample, task.ctx, log)
            .await
    }
}

/// Solvers by kind. The default registry holds the built-ins (`generate`, `multiple_choice`,
/// `dialogue`, `agent`).
#[derive(Clone)]
pub struct SolverRegistry {
    solvers: std::collections::BTreeMap<String, std::sync::Arc<dyn Solver>>,
}

impl Default for SolverRegistry {
    fn default() -> Self {
        let mut r = SolverRegistry {
            solvers: Default::default(),
        };
        for k in ["generate", "multiple_choice", "dialogue", "agent"] {
            r.register(std::sync::Arc::new(BuiltinSolver(k)));
        }
        r
    }
}

impl std::fmt::Debug for SolverRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.solvers.keys()).finish()
    }
}

impl SolverRegistry {
    /// Adds a solver (replacing one of the same kind).
    pub fn register(&mut self, solver: std::sync::Arc<dyn Solver>) {
        self.solvers.insert(solver.name().to_string(), solver);
    }
    /// Looks one up.
    pub fn get(&self, kind: &str) -> Option<std::sync::Arc<dyn Solver>> {
        self.solvers.get(kind).cloned()
    }
    /// Registered kinds.
    pub fn names(&self) -> Vec<String> {
        self.solvers.keys().cloned().collect()
    }
}

impl PreparedSolver {
    /// Compiles the dataset's templates.
    pub fn new(config: &DatasetConfig) -> Result<Self, EvalError> {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        // Templates are untrusted input: bounded in instructions here, in output in `render`.
        env.set_fuel(Some(TEMPLATE_FUEL));
        let default = match &config.solver {
            SolverConfig::MultipleChoice { cot: true, .. } => MC_COT_TEMPLATE,
            SolverConfig::MultipleChoice { cot: false, .. } => MC_TEMPLATE,
            _ => "{{ input }}",
        };
        let template = config
            .prompt_template
            .clone()
            .unwrap_or_else(|| default.to_string());
        env.add_template_owned("prompt", template)
            .map_err(|e| EvalError::Template {
                dataset: config.name.clone(),
                message: e.to_string(),
            })?;
        Ok(PreparedSolver {
            config: config.clone(),
            env,
            intervention: None,
        })
    }

    /// Compiles a loaded dataset's templates, with the run's arm intervention (if any).
    pub fn for_dataset(d: &LoadedDataset) -> Result<Self, EvalError> {
        let mut p = PreparedSolver::new(&d.config)?;
        p.intervention = d.intervention.clone();
        Ok(p)
    }

    /// The system prompt: the dataset's, then the arm's addition after a blank line.
    fn system_prompt(&self) -> Option<String> {
        let add = self
            .intervention
            .as_ref()
            .and_then(|i| i.system_prompt.clone());
        match (self.config.system_prompt.clone(), add) {
            (Some(a), Some(b)) => Some(format!("{a}\n\n{b}")),
            (a, b) => a.or(b),
        }
    }

    /// A user input with the arm's context put before it.
    pub fn with_context(&self, text: String) -> String {
        match self
            .intervention
            .as_ref()
            .and_then(|i| i.context.as_deref())
        {
            Some(c) => format!("{c}\n\n{text}"),
            None => text,
        }
    }

    /// Turns as given in a conversation input, the first user turn with the arm's context.
    fn turns_with_context(&self, ms: &[ChatMessage]) -> Vec<ChatMessage> {
        let mut out = ms.to_vec();
        if let Some(first) = out.iter_mut().find(|m| m.role == Role::User) {
            first.content = self.with_context(std::mem::take(&mut first.content));
        }
        out
    }

    /// The opening of every conversation: the system prompt, then the arm's few-shot turns.
    pub fn opening(&self) -> Vec<ChatMessage> {
        let mut ms = Vec::new();
        if let Some(sys) = self.system_prompt() {
            ms.push(ChatMessage::system(sys));
        }
        if let Some(iv) = &self.intervention {
            for (q, a) in &iv.few_shot {
                ms.push(ChatMessage::user(q.clone()));
                ms.push(ChatMessage::assistant(a.clone()));
            }
        }
        ms
    }

    /// Renders the dataset's prompt template for `sample` (with `choices` as shown, for
    /// multiple choice), bounded by [`TEMPLATE_FUEL`] and [`MAX_PROMPT_BYTES`].
    pub fn render(&self, sample: &Sample, choices: Option<&[String]>) -> Result<String, CallError> {
        let letters: Vec<String> = choices
            .map(|c| {
                (0..c.len())
                    .map(|i| ((b'A' + i as u8) as char).to_string())
                    .collect()
            })
            .unwrap_or_default();
        let choice_objs: Vec<serde_json::Value> = choices
            .map(|c| {
                c.iter()
                    .zip(&letters)
                    .map(|(t, l)| serde_json::json!({"letter": l, "text": t}))
                    .collect()
            })
            .unwrap_or_default();
        let ctx = minijinja::context! {
            input => sample.input.as_text(),
            choices => minijinja::Value::from(minijinja::value::Serde(&choice_objs)),
            letters => letters.join(","),
            metadata => minijinja::Value::from(minijinja::value::Serde(&sample.metadata)),
            id => sample.id.clone(),
        };
        let mut out = CappedWriter {
            buf: Vec::new(),
            limit: MAX_PROMPT_BYTES,
        };
        self.env
            .get_template("prompt")
            .and_then(|t| t.render_captured_to(ctx, &mut out))
            .map_err(|e| CallError::Provider {
                error: crate::error::ProviderError::Rejected(format!("prompt template: {e}")),
                attempts: 0,
            })?;
        String::from_utf8(out.buf).map_err(|e| CallError::Provider {
            error: crate::error::ProviderError::Rejected(format!("prompt template: {e}")),
            attempts: 0,
        })
    }

    /// Renders a sample's prompt without calling a model (choices in file order), so the
    /// planner can refuse a template that fails or runs away before anything is paid for.
    pub fn preview(&self, sample: &Sample) -> Result<String, EvalError> {
        self.render(sample, sample.choices.as_deref())
            .map_err(|e| EvalError::Template {
                dataset: self.config.name.clone(),
                message: format!(
                    "sample `{}`: {}",
                    sample.id,
                    match e {
                        CallError::Provider {
                            error: crate::error::ProviderError::Rejected(m),
                            ..
                        } => m,
                        other => other.to_string(),
                    }
                ),
            })
    }

    /// A request for `messages` with the dataset's generation settings and the sample's seed.
    pub fn request(&self, messages: &[ChatMessage], ctx: &SolveContext<'_>) -> ChatRequest {
        let g = self.config.generate;
        ChatRequest {
            messages: messages.to_vec(),
            max_tokens: g.max_tokens,
            temperature: g.temperature,
            seed: (g.temperature > 0.0).then(|| derive_seed(ctx.seed, ctx.key, ctx.epoch)),
            stop: Vec::new(),
        }
    }

    /// The dataset's solver configuration.
    pub fn config(&self) -> &DatasetConfig {
        &self.config
    }

    /// Runs the dataset's solver (looked up by kind in `ctx.solvers`) on one sample for one
    /// epoch.
    pub async fn solve(
        &self,
        sample: &Sample,
        ctx: &SolveContext<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError> {
        let kind = self.config.solver.kind();
        let solver = ctx.solvers.get(kind).ok_or_else(|| CallError::Provider {
            error: crate::error::ProviderError::Rejected(format!(
                "solver `{kind}` is not registered"
            )),
            attempts: 0,
        })?;
        let task = SolverTask {
            sample,
            prepared: self,
            ctx,
        };
        solver
            .solve(&self.config.solver.options(), &task, log)
            .await
    }

    /// The built-in solvers' loop, for the configuration `cfg`.
    async fn solve_builtin(
        &self,
        cfg: &SolverConfig,
        sample: &Sample,
        ctx: &SolveContext<'_>,
        log: &mut CallLog,
    ) -> Result<TaskState, CallError> {
        let salt = format!("epoch={}", ctx.epoch);
        let mut state = TaskState {
            messages: self.opening(),
            ..Default::default()
        };
        match cfg {
            SolverConfig::Registered { kind, .. } => {
                return Err(CallError::Provider {
                    error: crate::error::ProviderError::Rejected(format!(
                        "solver `{kind}` is not a built-in solver"
                    )),
                    attempts: 0,
                });
            }
            SolverConfig::Generate { cot } => {
                let mut prompt = self.render(sample, None)?;
                if *cot {
                    prompt.push_str(COT_SUFFIX);
                }
                self.push_input(&mut state, sample, prompt);
                let r = ctx
                    .model
                    .generate(&self.request(&state.messages, ctx), &salt, log)
                    .await?;
                state.messages.push(ChatMessage::assistant(r.text.clone()));
                state.output = r.text;
            }
            SolverConfig::MultipleChoice {
                shuffle_choices, ..
            } => {
                let orig = sample.choices.clone().unwrap_or_default();
                let mut order: Vec<usize> = (0..orig.len()).collect();
                if *shuffle_choices {
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(derive_seed(
                        ctx.seed, ctx.key, ctx.epoch,
                    ));
                    order.shuffle(&mut rng);
                }
                let shown: Vec<String> = order.iter().map(|&i| orig[i].clone()).collect();
                let prompt = self.render(sample, Some(&shown))?;
                state
                    .messages
                    .push(ChatMessage::user(self.with_context(prompt)));
                let r = ctx
                    .model
                    .generate(&self.request(&state.messages, ctx), &salt, log)
                    .await?;
                state.messages.push(ChatMessage::assistant(r.text.clone()));
                state.output = r.text;
                state.choices = Some(shown);
                state.choice_order = Some(order);
            }
            SolverConfig::Dialogue => {
                let turns = match &sample.input {
                    Input::Messages(ms) => self.turns_with_context(ms),
                    Input::Text(_) => vec![ChatMessage::user(
                        self.with_context(self.render(sample, None)?),
                    )],
                };
                for (i, m) in turns.iter().enumerate() {
                    state.messages.push(m.clone());
                    let answered = turns.get(i + 1).is_some_and(|n| n.role == Role::Assistant);
                    if m.role == Role::User && !answered {
                        let r = ctx
                            .model
                            .generate(&self.request(&state.messages, ctx), &salt, log)
                            .await?;
                        state.messages.push(ChatMessage::assistant(r.text.clone()));
                        state.output = r.text;
                    }
                }
            }
            SolverConfig::Agent { tools, max_turns } => {
                let mut protocol = String::from(
                    "You can use tools. To call one, reply with a single line `CALL <tool> <JSON arguments>` and nothing after it; the result comes in the next message. When you are done, give your final answer on a line starting with `ANSWER:`.\n\nTools:",
                );
                for name in tools {
                    match ctx.tools.get(name) {
                        Some(t) => protocol.push_str(&format!(
                            "\n- {}: {} Arguments: {}",
                            t.name(),
                            t.description(),
                            t.parameters()
                        )),
                        None => {
                            return Err(CallError::Provider {
                                error: crate::error::ProviderError::Rejected(format!(
                                    "agent tool `{name}` is not registered"
                                )),
                                attempts: 0,
                            });
                        }
                    }
                }
                match state.messages.first_mut() {
                    Some(sys) if sys.role == Role::System => {
                        sys.content = format!("{}\n\n{protocol}", sys.content)
                    }
                    _ => state.messages.insert(0, ChatMessage::system(protocol)),
                }
                let prompt = self.render(sample, None)?;
                self.push_input(&mut state, sample, prompt);
                let mut turn = 0;
                loop {
                    let r = ctx
                        .model
                        .generate(&self.request(&state.messages, ctx), &salt, log)
                        .await?;
                    state.messages.push(ChatMessage::assistant(r.text.clone()));
                    state.output = r.text.clone();
                    turn += 1;
                    let Some((name, args)) = parse_call(&r.text) else {
                        break;
                    };
                    if turn >= *max_turns {
                        state.limit = Some("max_turns".into());
                        break;
                    }
                    state.tool_calls += 1;
                    let reply = if !tools.contains(&name) {
                        format!(
                            "TOOL ERROR: no tool named `{name}`; available: {}",
                            tools.join(", ")
                        )
                    } else {
                        match (args, ctx.tools.get(&name)) {
                            (Err(e), _) => format!("TOOL ERROR: arguments are not JSON: {e}"),
                            (Ok(a), Some(t)) => {
                                match call_tool(t, a, sample, &state.messages, ctx.tool_budget)
                                    .await
                                {
                                    Ok(out) => format!("TOOL RESULT ({name}): {out}"),
                                    Err(e) => format!("TOOL ERROR ({name}): {e}"),
                                }
                            }
                            (Ok(_), None) => format!("TOOL ERROR: no tool named `{name}`"),
                        }
                    };
                    state.messages.push(ChatMessage::user(reply));
                }
            }
        }
        Ok(state)
    }

    /// Appends the sample's input: its conversation as given, or `prompt` (the rendered
    /// template) as a user turn, with the arm's context either way.
    pub fn push_input(&self, state: &mut TaskState, sample: &Sample, prompt: String) {
        match &sample.input {
            // A conversation input keeps its turns; the template only shapes plain-text inputs.
            Input::Messages(ms) if self.config.prompt_template.is_none() => {
                state.messages.extend(self.turns_with_context(ms))
            }
            _ => state
                .messages
                .push(ChatMessage::user(self.with_context(prompt))),
        }
    }
}

/// Runs a tool on a blocking thread under `budget`. A tool that overruns or panics answers the
/// model with a tool error (the model may try again); the blocking thread is left to finish.
async fn call_tool(
    tool: std::sync::Arc<dyn crate::tools::Tool>,
    arguments: serde_json::Value,
    sample: &Sample,
    messages: &[ChatMessage],
    budget: std::time::Duration,
) -> Result<String, crate::tools::ToolError> {
    let (sample, messages) = (sample.clone(), messages.to_vec());
    let task = tokio::task::spawn_blocking(move || {
        tool.call(
            arguments,
            &crate::tools::ToolContext {
                sample: &sample,
                messages: &messages,
            },
        )
    });
    match tokio::time::timeout(budget, task).await {
        Err(_) => Err(crate::tools::ToolError(format!(
            "the tool ran longer than {budget:?} and was abandoned"
        ))),
        Ok(Err(join)) => Err(crate::tools::ToolError(format!(
            "the tool failed: {}",
            crate::error::panic_text(join)
        ))),
        Ok(Ok(r)) => r,
    }
}

/// Finds the first `CALL name {json}` line.
pub fn parse_call(text: &str) -> Option<(String, Result<serde_json::Value, String>)> {
    for line in text.lines() {
        let line = line.trim().trim_matches('`');
        if let Some(rest) = line.strip_prefix("CALL ") {
            let rest = rest.trim();
            let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            let args = args.trim();
            let parsed = if args.is_empty() {
                Ok(serde_json::json!({}))
            } else {
                serde_json::from_str(args).map_err(|e| e.to_string())
            };
            return Some((name.to_string(), parsed));
        }
    }
    None
}
