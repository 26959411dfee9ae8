//! Suites: a TOML file grouping datasets, each with its prompt template (minijinja), solver,
//! scorers and generation settings.
//!
//! ```toml
//! name = "pd-basics"
//! version = "1"
//! description = "Prisoner's Dilemma basics"
//! shuffle = true          # seeded sample order
//! seed = 42
//! [metadata]
//! owner = "eval team"
//! [[dataset]]
//! name = "mc"
//! path = "pd_mc.jsonl"    # relative to the suite file
//! system_prompt = "You are a game theorist."
//! solver = { kind = "multiple_choice", shuffle_choices = true }
//! scorers = [{ kind = "choice" }]
//! [[arm]]                 # an intervention block; `spi eval run SUITE --arm told-about-spis`
//! name = "told-about-spis"
//! system_prompt = "Safe Pareto improvements exist; consider them."  # appended to the dataset's
//! context_file = "spi_primer.md"       # or `context = "..."`: prepended to the user input
//! few_shot_file = "shots.jsonl"        # {"input": ..., "output": ...} lines, as prior turns
//! tools = ["arithmetic"]               # switches the solver to the agent with these tools
//! ```
//!
//! A run without `--arm` is the `baseline` arm: no block applied. Arms change only the prompt
//! (and, with `tools`, the solver), so two arms of one suite share samples, ids and scorers and
//! `spi eval compare` pairs them sample by sample.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dataset::{Sample, load_jsonl_lines};
use crate::error::EvalError;

/// The built-in solvers' configurations, as written (the serde shape of [`SolverConfig`]'s
/// built-in variants).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum BuiltinSolverConfig {
    /// One prompt, one answer; `cot` asks for reasoning before a final `ANSWER:` line.
    Generate {
        /// Chain of thought.
        #[serde(default)]
        cot: bool,
    },
    /// Lettered options, optionally shuffled per sample and epoch with a seeded RNG.
    MultipleChoice {
        /// Shuffle the options (the target letter follows its option).
        #[serde(default)]
        shuffle_choices: bool,
        /// Chain of thought.
        #[serde(default)]
        cot: bool,
    },
    /// A scripted conversation: the model answers every user turn not already answered.
    Dialogue,
    /// Tool use: the model may call the listed tools until it answers or runs out of turns.
    Agent {
        /// Tool names, looked up in the run's tool registry.
        tools: Vec<String>,
        /// Model turns allowed.
        #[serde(default = "default_max_turns")]
        max_turns: u32,
    },
}

/// How a sample is put to the model.
///
/// The built-in kinds are `generate`, `multiple_choice`, `dialogue` and `agent`; any other
/// `kind` names a solver registered in the run's [`crate::solver::SolverRegistry`] and keeps
/// its table as that solver's options (checked by its `validate` when the run is planned).
#[derive(Debug, Clone, PartialEq)]
pub enum SolverConfig {
    /// One prompt, one answer; `cot` asks for reasoning before a final `ANSWER:` line.
    Generate {
        /// Chain of thought.
        cot: bool,
    },
    /// Lettered options, optionally shuffled per sample and epoch with a seeded RNG.
    MultipleChoice {
        /// Shuffle the options (the target letter follows its option).
        shuffle_choices: bool,
        /// Chain of thought.
        cot: bool,
    },
    /// A scripted conversation: the model answers every user turn not already answered.
    Dialogue,
    /// Tool use: the model may call the listed tools until it answers or runs out of turns.
    Agent {
        /// Tool names, looked up in the run's tool registry.
        tools: Vec<String>,
        /// Model turns allowed.
        max_turns: u32,
    },
    /// A solver registered by kind, with its options (the whole table, `kind` included).
    Registered {
        /// The registered kind.
        kind: String,
        /// The table as written.
        options: serde_json::Value,
    },
}

const BUILTIN_SOLVERS: [&str; 4] = ["generate", "multiple_choice", "dialogue", "agent"];

impl From<BuiltinSolverConfig> for SolverConfig {
    fn from(b: BuiltinSolverConfig) -> Self {
        match b {
            BuiltinSolverConfig::Generate { cot } => SolverConfig::Generate { cot },
            BuiltinSolverConfig::MultipleChoice {
                shuffle_choices,
                cot,
            } => SolverConfig::MultipleChoice {
                shuffle_choices,
                cot,
            },
            BuiltinSolverConfig::Dialogue => SolverConfig::Dialogue,
            BuiltinSolverConfig::Agent { tools, max_turns } => {
                SolverConfig::Agent { tools, max_turns }
            }
        }
    }
}

impl SolverConfig {
    /// The solver's kind: the name it is registered under.
    pub fn kind(&self) -> &str {
        match self {
            SolverConfig::Generate { .. } => "generate",
            SolverConfig::MultipleChoice { .. } => "multiple_choice",
            SolverConfig::Dialogue => "dialogue",
            SolverConfig::Agent { .. } => "agent",
            SolverConfig::Registered { kind, .. } => kind,
        }
    }

    /// The configuration as a JSON object (`kind` included): what a registered solver gets.
    pub fn options(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads options back into a built-in configuration (for the built-in solvers).
    pub fn from_options(options: &serde_json::Value) -> Result<SolverConfig, String> {
        serde_json::from_value(options.clone()).map_err(|e| e.to_string())
    }
}

impl Serialize for SolverConfig {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = match self.clone() {
            SolverConfig::Registered { options, .. } => return options.serialize(s),
            SolverConfig::Generate { cot } => BuiltinSolverConfig::Generate { cot },
            SolverConfig::MultipleChoice {
                shuffle_choices,
                cot,
            } => BuiltinSolverConfig::MultipleChoice {
                shuffle_choices,
                cot,
            },
            SolverConfig::Dialogue => BuiltinSolverConfig::Dialogue,
            SolverConfig::Agent { tools, max_turns } => {
                BuiltinSolverConfig::Agent { tools, max_turns }
            }
        };
        b.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SolverConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_json::Value::deserialize(d)?;
        let kind = v
            .get("kind")
            .and_then(|k| k.as_str())
            .ok_or_else(|| D::Error::custom("expected a solver table with a string `kind`"))?
            .to_string();
        if BUILTIN_SOLVERS.contains(&kind.as_str()) {
            serde_json::from_value::<BuiltinSolverConfig>(v)
                .map(SolverConfig::from)
                .map_err(D::Error::custom)
        } else {
            Ok(SolverConfig::Registered { kind, options: v })
        }
    }
}

fn default_max_turns() -> u32 {
    8
}

impl Default for SolverConfig {
    fn default() -> Self {
        SolverConfig::Generate { cot: false }
    }
}

/// One rubric line a judge awards points for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricItem {
    /// Short id the judge reports back.
    pub id: String,
    /// What earns the points.
    pub description: String,
    /// Points available.
    pub points: u32,
}

/// How an answer is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScorerConfig {
    /// The extracted answer equals a target (case-insensitive, whitespace-normalised by default).
    Exact {
        /// Compare case-sensitively.
        #[serde(default)]
        case_sensitive: bool,
    },
    /// The letter chosen equals the (possibly shuffled) target letter.
    Choice,
    /// The first capture group (or whole match) of `pattern` in the output equals a target.
    Regex {
        /// The pattern.
        pattern: String,
    },
    /// The extracted number is within `tolerance` of the target (targets may be fractions `p/q`).
    Numeric {
        /// Absolute tolerance.
        #[serde(default)]
        tolerance: f64,
    },
    /// The sample's `check` is evaluated by the engine check registered under its `kind`.
    Check,
    /// Judges award rubric points; the score is the mean fraction of points over judges.
    Rubric {
        /// Judge models (`provider:model`).
        judges: Vec<String>,
        /// The rubric; samples may instead carry `metadata.rubric`.
        #[serde(default)]
        rubric: Vec<RubricItem>,
    },
}

impl ScorerConfig {
    /// The scorer's name in logs and reports.
    pub fn name(&self) -> &'static str {
        match self {
            ScorerConfig::Exact { .. } => "exact",
            ScorerConfig::Choice => "choice",
            ScorerConfig::Regex { .. } => "regex",
            ScorerConfig::Numeric { .. } => "numeric",
            ScorerConfig::Check => "check",
            ScorerConfig::Rubric { .. } => "rubric",
        }
    }
}

/// Sampling settings for a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateConfig {
    /// Cap on generated tokens per turn.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Temperature (0 = greedy).
    #[serde(default)]
    pub temperature: f32,
}

fn default_max_tokens() -> u32 {
    512
}

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            max_tokens: default_max_tokens(),
            temperature: 0.0,
        }
    }
}

/// A dataset entry of a suite file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Name, unique in the suite; prefixes sample keys (`name/id`).
    pub name: String,
    /// JSONL path, relative to the suite file.
    pub path: PathBuf,
    /// A system turn put before the input.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// minijinja template for the user prompt over `input`, `choices`, `letters`, `metadata`, `id`.
    #[serde(default)]
    pub prompt_template: Option<String>,
    /// The solver.
    #[serde(default)]
    pub solver: SolverConfig,
    /// Scorers; the first is the headline metric.
    #[serde(default = "default_scorers")]
    pub scorers: Vec<ScorerConfig>,
    /// Sampling settings.
    #[serde(default)]
    pub generate: GenerateConfig,
}

fn default_scorers() -> Vec<ScorerConfig> {
    vec![ScorerConfig::Exact {
        case_sensitive: false,
    }]
}

/// The suite file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// Suite name.
    pub name: String,
    /// Suite version.
    #[serde(default)]
    pub version: Option<String>,
    /// What it measures.
    #[serde(default)]
    pub description: Option<String>,
    /// Shuffle sample order (seeded by `seed`).
    #[serde(default)]
    pub shuffle: bool,
    /// Seed for sample order and choice shuffling.
    #[serde(default)]
    pub seed: u64,
    /// Free-form metadata carried into logs.
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The datasets.
    #[serde(rename = "dataset")]
    pub datasets: Vec<DatasetConfig>,
    /// Intervention blocks a run may name with `--arm`.
    #[serde(default, rename = "arm", skip_serializing_if = "Vec::is_empty")]
    pub arms: Vec<ArmConfig>,
}

/// The arm a run uses when it names none: the suite as written.
pub const BASELINE_ARM: &str = "baseline";

/// An `[[arm]]` block as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArmConfig {
    /// Name (not `baseline`), unique in the suite.
    pub name: String,
    /// Appended (after a blank line) to each dataset's system prompt, or the system prompt.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// Text put before the user input (after a blank line).
    #[serde(default)]
    pub context: Option<String>,
    /// A file (relative to the suite) whose text is the context.
    #[serde(default)]
    pub context_file: Option<PathBuf>,
    /// JSONL of `{"input": ..., "output": ...}` pairs, shown as prior user/assistant turns.
    #[serde(default)]
    pub few_shot_file: Option<PathBuf>,
    /// Tools: the arm runs the agent solver with these tools.
    #[serde(default)]
    pub tools: Option<Vec<String>>,
}

/// An arm with its files read: exactly what it adds to each prompt.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// The arm's name.
    pub arm: String,
    /// Appended to the system prompt.
    pub system_prompt: Option<String>,
    /// Put before the user input.
    pub context: Option<String>,
    /// Prior turns: (user input, assistant output).
    pub few_shot: Vec<(String, String)>,
}

fn load_arm(base: &Path, i: usize, a: &ArmConfig, suite: &Path) -> Result<Intervention, EvalError> {
    let err = |message: String| EvalError::Suite {
        path: suite.to_path_buf(),
        message,
    };
    let read = |p: &Path| {
        std::fs::read_to_string(base.join(p)).map_err(|source| EvalError::Io {
            path: base.join(p),
            source,
        })
    };
    let context = match (&a.context, &a.context_file) {
        (Some(_), Some(_)) => {
            return Err(err(format!(
                "arm[{i}] `{}`: give `context` or `context_file`, not both",
                a.name
            )));
        }
        (Some(c), None) => Some(c.clone()),
        (None, Some(f)) => Some(read(f)?.trim_end().to_string()),
        (None, None) => None,
    };
    let mut few_shot = Vec::new();
    if let Some(f) = &a.few_shot_file {
        let text = read(f)?;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() || t.starts_with("//") {
                continue;
            }
            let bad = |what: String| EvalError::Dataset {
                path: base.join(f),
                line: n + 1,
                expected: what,
            };
            let v: serde_json::Value =
                serde_json::from_str(t).map_err(|e| bad(format!("a JSON object ({e})")))?;
            let field = |k: &str| {
                v.get(k)
                    .and_then(|x| x.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("a string field `{k}`")))
            };
            // The canary and version lines of a data file carry no pair.
            if v.get("input").is_none() && v.get("output").is_none() {
                continue;
            }
            few_shot.push((field("input")?, field("output")?));
        }
    }
    Ok(Intervention {
        arm: a.name.clone(),
        system_prompt: a.system_prompt.clone(),
        context,
        few_shot,
    })
}

/// A loaded dataset: its config and validated samples.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Config from the suite file (with the run's arm applied to the solver).
    pub config: DatasetConfig,
    /// Samples in file order.
    pub samples: Vec<Sample>,
    /// What the run's arm adds to each prompt (`None` for the baseline).
    pub intervention: Option<Intervention>,
}

/// A suite with every dataset loaded and every template compiled once.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The file's contents.
    pub file: SuiteFile,
    /// Where it was read from.
    pub path: PathBuf,
    /// Datasets in file order.
    pub datasets: Vec<LoadedDataset>,
    /// SHA-256 of the suite file and every dataset and arm file: what "the same suite" means
    /// for resume.
    pub fingerprint: String,
    /// The arms declared, with their files read.
    pub arms: Vec<Intervention>,
    /// The arm applied to `datasets` (`baseline` when none).
    pub arm: String,
}

impl Suite {
    /// Loads a suite file and its datasets, checking templates and scorer requirements.
    pub fn load(path: &Path) -> Result<Suite, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        // One line with the position, not toml's multi-line excerpt with a caret.
        let file: SuiteFile = toml::from_str(&text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start).min(text.len());
            let mut cut = at;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let before = &text[..cut];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            EvalError::Suite {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}, column {column}: {}",
                    e.message().trim_end().replace('\n', " ")
                ),
            }
        })?;
        let suite_err = |message: String| EvalError::Suite {
            path: path.to_path_buf(),
            message,
        };
        if file.datasets.is_empty() {
            return Err(suite_err("expected at least one [[dataset]]".into()));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let mut hasher = Sha256::new();
        hasher.update(text.as_bytes());
        let mut datasets = Vec::new();
        let mut names = std::collections::HashSet::new();
        for (i, d) in file.datasets.iter().enumerate() {
            if d.name.is_empty() || d.name.contains('/') || !names.insert(d.name.clone()) {
                return Err(suite_err(format!(
                    "dataset[{i}].name: expected a unique non-empty name without '/', found `{}`",
                    d.name
                )));
            }
            if d.scorers.is_empty() {
                return Err(suite_err(format!(
                    "dataset[{i}].scorers: expected at least one scorer"
                )));
            }
            let g = d.generate;
            if !(g.temperature.is_finite() && g.temperature >= 0.0) {
                return Err(suite_err(format!(
                    "dataset[{i}].generate.temperature {}: expected a finite number >= 0",
                    g.temperature
                )));
            }
            if g.max_tokens == 0 {
                return Err(suite_err(format!(
                    "dataset[{i}].generate.max_tokens 0: expected at least 1"
                )));
            }
            for (j, sc) in d.scorers.iter().enumerate() {
                match sc {
                    ScorerConfig::Regex { pattern } => {
                        regex::Regex::new(pattern).map_err(|e| {
                            suite_err(format!("dataset[{i}].scorers[{j}].pattern: {e}"))
                        })?;
                    }
                    ScorerConfig::Numeric { tolerance }
                        if !(tolerance.is_finite() && *tolerance >= 0.0) =>
                    {
                        return Err(suite_err(format!(
                            "dataset[{i}].scorers[{j}].tolerance {tolerance}: expected a finite number >= 0"
                        )));
                    }
                    ScorerConfig::Rubric { judges, .. } if judges.is_empty() => {
                        return Err(suite_err(format!(
                            "dataset[{i}].scorers[{j}]: a rubric scorer needs at least one judge"
                        )));
                    }
                    _ => {}
                }
            }
            if let SolverConfig::Agent { max_turns: 0, .. } = d.solver {
                return Err(suite_err(format!(
                    "dataset[{i}].solver.max_turns 0: expected at least 1"
                )));
            }
            let dpath = base.join(&d.path);
            let lines = load_jsonl_lines(&dpath)?;
            if lines.is_empty() {
                return Err(suite_err(format!(
                    "dataset[{i}] `{}`: {} has no samples",
                    d.name,
                    dpath.display()
                )));
            }
            hasher.update(std::fs::read(&dpath).unwrap_or_default());
            if let Some(t) = &d.prompt_template {
                let mut env = minijinja::Environment::new();
                env.add_template("prompt", t)
                    .map_err(|e| EvalError::Template {
                        dataset: d.name.clone(),
                        message: e.to_string(),
                    })?;
            }
            for (line, s) in &lines {
                let needs_choices = matches!(d.solver, SolverConfig::MultipleChoice { .. })
                    || d.scorers.contains(&ScorerConfig::Choice);
                if needs_choices && s.choices.is_none() {
                    return Err(EvalError::Dataset {
                        path: dpath.clone(),
                        line: *line,
                        expected: format!(
                            "`choices` (dataset `{}` is multiple choice), sample `{}` has none",
                            d.name, s.id
                        ),
                    });
                }
                if d.scorers.contains(&ScorerConfig::Check) && s.check.is_none() {
                    return Err(EvalError::Dataset {
                        path: dpath.clone(),
                        line: *line,
                        expected: format!(
                            "a `check` (dataset `{}` is scored by engine checks), sample `{}` has none",
                            d.name, s.id
                        ),
                    });
                }
            }
            let samples = lines.into_iter().map(|(_, s)| s).collect();
            datasets.push(LoadedDataset {
                config: d.clone(),
                samples,
                intervention: None,
            });
        }
        let mut arms = Vec::new();
        let mut arm_names = std::collections::HashSet::new();
        for (i, a) in file.arms.iter().enumerate() {
            if a.name.is_empty()
                || a.name == BASELINE_ARM
                || crate::store::validate_run_id(&a.name).is_err()
                || !arm_names.insert(a.name.clone())
            {
                return Err(suite_err(format!(
                    "arm[{i}].name: expected a unique name of letters, digits, '.', '_', '-' other than `baseline`, found `{}`",
                    a.name
                )));
            }
            if a.tools.as_ref().is_some_and(|t| t.is_empty()) {
                return Err(suite_err(format!(
                    "arm[{i}] `{}`: `tools` is empty; leave it out for no tools",
                    a.name
                )));
            }
            for f in a.context_file.iter().chain(a.few_shot_file.iter()) {
                hasher.update(std::fs::read(base.join(f)).unwrap_or_default());
            }
            arms.push(load_arm(base, i, a, path)?);
        }
        let fingerprint = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Suite {
            file,
            path: path.to_path_buf(),
            datasets,
            fingerprint,
            arms,
            arm: BASELINE_ARM.into(),
        })
    }

    /// The suite with arm `name` applied: every dataset's prompts get the arm's intervention
    /// and, if the arm lists tools, its solver becomes the agent with those tools. `baseline`
    /// returns the suite unchanged.
    pub fn with_arm(&self, name: &str) -> Result<Suite, EvalError> {
        if name == BASELINE_ARM {
            return Ok(self.clone());
        }
        let idx = self
            .arms
            .iter()
            .position(|a| a.arm == name)
            .ok_or_else(|| {
                EvalError::Config(format!(
                    "--arm `{name}`: suite `{}` declares no such arm (arms: {})",
                    self.file.name,
                    std::iter::once(BASELINE_ARM.to_string())
                        .chain(self.arms.iter().map(|a| a.arm.clone()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let (iv, cfg) = (&self.arms[idx], &self.file.arms[idx]);
        let mut out = self.clone();
        out.arm = name.to_string();
        for d in &mut out.datasets {
            if let Some(tools) = &cfg.tools {
                if matches!(d.config.solver, SolverConfig::MultipleChoice { .. }) {
                    return Err(EvalError::Config(format!(
                        "--arm `{name}`: the arm's tools switch to the agent solver, which cannot run the multiple-choice dataset `{}`",
                        d.config.name
                    )));
                }
                let max_turns = match &d.config.solver {
                    SolverConfig::Agent { max_turns, .. } => *max_turns,
                    _ => default_max_turns(),
                };
                d.config.solver = SolverConfig::Agent {
                    tools: tools.clone(),
                    max_turns,
                };
            }
            d.intervention = Some(iv.clone());
        }
        Ok(out)
    }

    /// Total samples over all datasets.
    pub fn len(&self) -> usize {
        self.datasets.iter().map(|d| d.samples.len()).sum()
    }

    /// True when no dataset has samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
