//! The scenario family of `suites/FORMAT.md` (`spi-family/1`): loading, and the key as the
//! engine finds it.
//!
//! Loading checks only the *shape* (types of fields, tables where tables belong) and fails at the
//! first problem with the file, key path and line. Everything a writer can get subtly wrong (counts,
//! canary, claims, keys, the control flip) is left to [`crate::lint`], which reports all of it at once.

use std::path::Path;

use serde_json::Value;

use crate::claim::Claim;
use crate::doc::Document;
use crate::error::SuiteError;
use crate::model::Model;

/// The canary string every data file carries.
pub const CANARY: &str = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596";
/// The family schema this crate reads.
pub const SCHEMA: &str = "spi-family/1";
/// The failure modes (Part I's five suites).
pub const FAILURE_MODES: &[&str] = &[
    "premature_commitment",
    "implementation_lockout",
    "missed_spi",
    "spi_reasoning",
    "undermining_incentives",
];
/// Family kinds.
pub const KINDS: &[&str] = &["capability", "over_correction"];
/// Domains a variant may use.
pub const DOMAINS: &[&str] = &[
    "ai_agents",
    "ai_developer_policy",
    "commercial",
    "diplomatic",
    "resource_split",
];

/// One option of a family.
#[derive(Debug, Clone)]
pub struct OptionSpec {
    /// Stable id.
    pub id: String,
    /// Default text.
    pub text: String,
    /// The claim as written.
    pub claim: String,
}

/// One surface variant.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Stable id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// The main scenario.
    pub text: String,
    /// The control scenario.
    pub control_text: String,
    /// Per-option wording overrides (option id, text), in file order.
    pub option_text: Vec<(String, String)>,
}

/// A family as written.
#[derive(Debug, Clone)]
pub struct Family {
    /// The parsed file (for locations).
    pub doc: Document,
    /// The suite folder it was found in (`premature-commitment`), if known.
    pub suite: Option<String>,
    /// `canary`.
    pub canary: Option<String>,
    /// `schema`.
    pub schema: Option<String>,
    /// `version`.
    pub version: Option<String>,
    /// `id` (the file stem when missing, so findings can still name it).
    pub id: String,
    /// Whether `id` was written.
    pub has_id: bool,
    /// `failure_mode`.
    pub failure_mode: Option<String>,
    /// `kind`.
    pub kind: Option<String>,
    /// `agenda`.
    pub agenda: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `[model]` as JSON.
    pub model: Option<Value>,
    /// `[[option]]`s.
    pub options: Vec<OptionSpec>,
    /// `control.note`.
    pub control_note: Option<String>,
    /// `[control.model]` as JSON.
    pub control_model: Option<Value>,
    /// `[[variant]]`s.
    pub variants: Vec<Variant>,
}

const TOP_KEYS: &[&str] = &[
    "canary",
    "schema",
    "version",
    "id",
    "failure_mode",
    "kind",
    "agenda",
    "summary",
    "model",
    "option",
    "control",
    "variant",
];

fn invalid(doc: &Document, path: &str, expected: &str, found: &Value) -> SuiteError {
    SuiteError::Invalid {
        at: doc.at(path),
        expected: expected.to_string(),
        found: describe(found),
    }
}

/// A short description of a JSON value for messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => {
            format!("the string {:?}...", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Object(_) => "a table".into(),
    }
}

fn opt_str(
    doc: &Document,
    obj: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, SuiteError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(invalid(
            doc,
            &crate::doc::join_key(path, key),
            "a string",
            v,
        )),
    }
}

fn req_str(
    doc: &Document,
    obj: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<String, SuiteError> {
    opt_str(doc, obj, key, path)?.ok_or_else(|| SuiteError::Invalid {
        at: doc.at(path),
        expected: format!("a string field `{key}`"),
        found: "none".into(),
    })
}

fn tables<'a>(
    doc: &Document,
    root: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Vec<&'a serde_json::Map<String, Value>>, SuiteError> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(k, v)| {
                v.as_object()
                    .ok_or_else(|| invalid(doc, &format!("{key}[{k}]"), "a table", v))
            })
            .collect(),
        Some(v) => Err(invalid(
            doc,
            key,
            &format!("an array of tables ([[{key}]])"),
            v,
        )),
    }
}

impl Family {
    /// Reads a family file's text.
    ///
    /// # Errors
    /// [`SuiteError::Syntax`] or [`SuiteError::Invalid`] naming the file, path and line.
    pub fn parse(file: &Path, text: &str, suite: Option<String>) -> Result<Family, SuiteError> {
        let doc = Document::parse(file, text)?;
        let root = doc.value.as_object().cloned().unwrap_or_default();
        for k in root.keys() {
            if !TOP_KEYS.contains(&k.as_str()) {
                return Err(SuiteError::Invalid {
                    at: doc.at(k),
                    expected: format!("only the keys {}", TOP_KEYS.join(", ")),
                    found: format!("the key `{k}`"),
                });
            }
        }
        let s = |key: &str| opt_str(&doc, &root, key, "");
        let id = s("id")?;
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let model = match root.get("model") {
            None => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(v) => return Err(invalid(&doc, "model", "a table [model]", v)),
        };
        let mut options = Vec::new();
        for (k, o) in tables(&doc, &root, "option")?.into_iter().enumerate() {
            let p = format!("option[{k}]");
            for key in o.keys() {
                if !matches!(key.as_str(), "id" | "text" | "claim") {
                    return Err(SuiteError::Invalid {
                        at: doc.at(&format!("{p}.{key}")),
                        expected: "only id, text, claim in an [[option]]".into(),
                        found: format!("the key `{key}`"),
                    });
                }
            }
            options.push(OptionSpec {
                id: req_str(&doc, o, "id", &p)?,
                text: req_str(&doc, o, "text", &p)?,
                claim: req_str(&doc, o, "claim", &p)?,
            });
        }
        let (control_note, control_model) = match root.get("control") {
            None => (None, None),
            Some(Value::Object(c)) => {
                for key in c.keys() {
                    if !matches!(key.as_str(), "note" | "model") {
                        return Err(SuiteError::Invalid {
                            at: doc.at(&format!("control.{key}")),
                            expected: "only note and model in [control]".into(),
                            found: format!("the key `{key}`"),
                        });
                    }
                }
                let m = match c.get("model") {
                    None => None,
                    Some(v @ Value::Object(_)) => Some(v.clone()),
                    Some(v) => {
                        return Err(invalid(&doc, "control.model", "a table [control.model]", v));
                    }
                };
                (opt_str(&doc, c, "note", "control")?, m)
            }
            Some(v) => return Err(invalid(&doc, "control", "a table [control]", v)),
        };
        let mut variants = Vec::new();
        for (k, v) in tables(&doc, &root, "variant")?.into_iter().enumerate() {
            let p = format!("variant[{k}]");
            for key in v.keys() {
                if !matches!(
                    key.as_str(),
                    "id" | "domain" | "text" | "control_text" | "option_text"
                ) {
                    return Err(SuiteError::Invalid {
                        at: doc.at(&format!("{p}.{key}")),
                        expected:
                            "only id, domain, text, control_text, option_text in a [[variant]]"
                                .into(),
                        found: format!("the key `{key}`"),
                    });
                }
            }
            let mut option_text = Vec::new();
            match v.get("option_text") {
                None => {}
                Some(Value::Object(m)) => {
                    for (oid, t) in m {
                        let q = crate::doc::join_key(&format!("{p}.option_text"), oid);
                        let Some(t) = t.as_str() else {
                            return Err(invalid(&doc, &q, "a string", t));
                        };
                        option_text.push((oid.clone(), t.to_string()));
                    }
                }
                Some(x) => {
                    return Err(invalid(
                        &doc,
                        &format!("{p}.option_text"),
                        "a table { OPTION_ID = TEXT }",
                        x,
                    ));
                }
            }
            variants.push(Variant {
                id: req_str(&doc, v, "id", &p)?,
                domain: req_str(&doc, v, "domain", &p)?,
                text: req_str(&doc, v, "text", &p)?,
                control_text: req_str(&doc, v, "control_text", &p)?,
                option_text,
            });
        }
        Ok(Family {
            suite,
            canary: s("canary")?,
            schema: s("schema")?,
            version: s("version")?,
            has_id: id.is_some(),
            id: id.unwrap_or(stem),
            failure_mode: s("failure_mode")?,
            kind: s("kind")?,
            agenda: s("agenda")?,
            summary: s("summary")?,
            model,
            options,
            control_note,
            control_model,
            variants,
            doc,
        })
    }

    /// Reads a family file.
    ///
    /// # Errors
    /// As [`Family::parse`], or [`SuiteError::Io`].
    pub fn load(file: &Path, suite: Option<String>) -> Result<Family, SuiteError> {
        let text = std::fs::read_to_string(file).map_err(|source| SuiteError::Io {
            file: file.to_path_buf(),
            cause: source,
        })?;
        Family::parse(file, &text, suite)
    }

    /// The text of option `o` in variant `v`.
    pub fn option_text<'a>(&'a self, v: &'a Variant, o: &'a OptionSpec) -> &'a str {
        v.option_text
            .iter()
            .find(|(id, _)| *id == o.id)
            .map_or(o.text.as_str(), |(_, t)| t.as_str())
    }

    /// Evaluates every option's claim under `model` (the main or the control model): per option,
    /// its truth or why it could not be evaluated.
    pub fn truth(&self, model: &Model) -> Vec<Result<bool, String>> {
        self.options
            .iter()
            .map(|o| {
                let c = Claim::parse(&o.claim).map_err(|e| e.to_string())?;
                model.eval(&c).map_err(|e| e.to_string())
            })
            .collect()
    }

    /// The keys (main, control) as option indices: the one option whose claim is true under each
    /// model. `Err` says why there is no unique key; used by the renderer, which refuses families
    /// the linter would reject.
    pub fn keys(&self) -> Result<(usize, usize), SuiteError> {
        let key = |path: &str, v: &Option<Value>| -> Result<usize, SuiteError> {
            let at = self.doc.at(path);
            let Some(v) = v else {
                return Err(SuiteError::Model {
                    at,
                    message: "missing".into(),
                });
            };
            let m = Model::compile(v).map_err(|e| SuiteError::Model {
                at: self.doc.at(&format!("{path}.{}", e.path)),
                message: e.message,
            })?;
            let t = self.truth(&m);
            let mut true_ones = Vec::new();
            for (k, r) in t.into_iter().enumerate() {
                match r {
                    Ok(true) => true_ones.push(k),
                    Ok(false) => {}
                    Err(e) => {
                        return Err(SuiteError::Model {
                            at: self.doc.at(&format!("option[{k}].claim")),
                            message: e,
                        });
                    }
                }
            }
            match true_ones[..] {
                [k] => Ok(k),
                _ => Err(SuiteError::Model {
                    at,
                    message: format!(
                        "{} option claims are true under this model (exactly one must be)",
                        true_ones.len()
                    ),
                }),
            }
        };
        Ok((
            key("model", &self.model)?,
            key("control.model", &self.control_model)?,
        ))
    }
}
