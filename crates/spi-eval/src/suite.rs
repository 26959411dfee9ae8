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
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::dataset::{Sample, load_jsonl_lines};
use crate::error::EvalError;

/// How a sample is put to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SolverConfig {
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
}

/// A loaded dataset: its config and validated samples.
#[derive(Debug, Clone)]
pub struct LoadedDataset {
    /// Config from the suite file.
    pub config: DatasetConfig,
    /// Samples in file order.
    pub samples: Vec<Sample>,
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
    /// SHA-256 of the suite file and every dataset file: what "the same suite" means for resume.
    pub fingerprint: String,
}

impl Suite {
    /// Loads a suite file and its datasets, checking templates and scorer requirements.
    pub fn load(path: &Path) -> Result<Suite, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file: SuiteFile = toml::from_str(&text).map_err(|e| EvalError::Suite {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
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
            });
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
        })
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
