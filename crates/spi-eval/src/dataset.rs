//! Datasets: JSONL samples with Inspect's fields (`id`, `input`, `target`, `choices`, `metadata`)
//! plus ours (`failure_mode`, `generator`, `seed`, `check`), validated line by line on load.
//!
//! A sample without an `id` gets a stable one: `h` + the first 12 hex digits of the SHA-256 of its
//! canonical input, so the id survives reordering and appending lines, and a resumed or merged run
//! lines samples up by content rather than by position.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::EvalError;
use crate::provider::{ChatMessage, Role};

/// A sample's input: a plain prompt or a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Input {
    /// One user message.
    Text(String),
    /// A conversation (system/user/assistant turns).
    Messages(Vec<ChatMessage>),
}

impl Input {
    /// The input as plain text (a conversation's turns joined, for templates and reports).
    pub fn as_text(&self) -> String {
        match self {
            Input::Text(s) => s.clone(),
            Input::Messages(ms) => ms
                .iter()
                .map(|m| format!("{}: {}", m.role.as_str(), m.content))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

/// One evaluation item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Stable id, unique within its dataset.
    pub id: String,
    /// What the model is shown.
    pub input: Input,
    /// Accepted answers (empty when a scorer needs none, e.g. a rubric or an engine check).
    pub target: Vec<String>,
    /// Answer options for multiple choice, in the file's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// Free-form metadata (`category` is used for breakdowns, `rubric` by rubric scorers).
    #[serde(default)]
    pub metadata: Map<String, Value>,
    /// The SPI failure mode the item probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_mode: Option<String>,
    /// The generator that produced the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// The generator's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A machine-checkable claim an engine check evaluates (`{"kind": ..., ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Value>,
}

impl Sample {
    /// The category used for breakdowns: `metadata.category`, else `failure_mode`, else none.
    pub fn category(&self) -> Option<String> {
        match self.metadata.get("category") {
            Some(Value::String(s)) => Some(s.clone()),
            _ => self.failure_mode.clone(),
        }
    }
}

const FIELDS: &[&str] = &[
    "id",
    "input",
    "target",
    "choices",
    "metadata",
    "failure_mode",
    "generator",
    "seed",
    "check",
];

/// Reads and validates a JSONL dataset. Blank lines and lines starting with `//` are skipped.
///
/// # Errors
/// `EvalError::Dataset` naming the file, the 1-based line and what was expected; `EvalError::Io`
/// if the file cannot be read.
pub fn load_jsonl(path: &Path) -> Result<Vec<Sample>, EvalError> {
    Ok(load_jsonl_lines(path)?
        .into_iter()
        .map(|(_, s)| s)
        .collect())
}

/// Like [`load_jsonl`], keeping each sample's 1-based line number for later error messages.
pub fn load_jsonl_lines(path: &Path) -> Result<Vec<(usize, Sample)>, EvalError> {
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_jsonl_lines(path, &text)
}

/// Parses JSONL text as if read from `path` (used for error messages).
pub fn parse_jsonl(path: &Path, text: &str) -> Result<Vec<Sample>, EvalError> {
    Ok(parse_jsonl_lines(path, text)?
        .into_iter()
        .map(|(_, s)| s)
        .collect())
}

fn parse_jsonl_lines(path: &Path, text: &str) -> Result<Vec<(usize, Sample)>, EvalError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let err = |expected: String| EvalError::Dataset {
            path: path.to_path_buf(),
            line: line_no,
            expected,
        };
        // Strict: a sample with `"target"` twice would otherwise be scored against the last copy.
        let value: Value =
            spi_json::parse_unique(trimmed).map_err(|e| err(format!("a JSON object ({e})")))?;
        let sample = sample_from_value(value).map_err(err)?;
        if !seen.insert(sample.id.clone()) {
            return Err(err(format!(
                "a unique id, but `{}` appears earlier",
                sample.id
            )));
        }
        out.push((line_no, sample));
    }
    Ok(out)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Validates one parsed line; the error string completes "expected ...".
fn sample_from_value(value: Value) -> Result<Sample, String> {
    let Value::Object(mut obj) = value else {
        return Err(format!("a JSON object, found {}", kind(&value)));
    };
    if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!(
            "only the fields {}, found `{unknown}`",
            FIELDS.join(", ")
        ));
    }
    let input = match obj.remove("input") {
        None => return Err("an `input` field".into()),
        Some(Value::String(s)) => Input::Text(s),
        Some(Value::Array(items)) => {
            let mut msgs = Vec::with_capacity(items.len());
            for (j, item) in items.into_iter().enumerate() {
                msgs.push(message_from_value(item).map_err(|e| format!("input[{j}] to be {e}"))?);
            }
            if msgs.is_empty() {
                return Err("`input` to be a non-empty list of messages".into());
            }
            Input::Messages(msgs)
        }
        Some(other) => {
            return Err(format!(
                "`input` to be a string or a list of messages, found {}",
                kind(&other)
            ));
        }
    };
    let target = match obj.remove("target") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(j, v)| match v {
                Value::String(s) => Ok(s),
                other => Err(format!(
                    "target[{j}] to be a string, found {}",
                    kind(&other)
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(format!(
                "`target` to be a string or a list of strings, found {}",
                kind(&other)
            ));
        }
    };
    let choices = match obj.remove("choices") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let cs: Vec<String> = items
                .into_iter()
                .enumerate()
                .map(|(j, v)| match v {
                    Value::String(s) => Ok(s),
                    other => Err(format!(
                        "choices[{j}] to be a string, found {}",
                        kind(&other)
                    )),
                })
                .collect::<Result<_, _>>()?;
            if cs.len() < 2 || cs.len() > 26 {
                return Err(format!(
                    "`choices` to have 2 to 26 options, found {}",
                    cs.len()
                ));
            }
            let mut seen = HashSet::new();
            if let Some(dup) = cs.iter().find(|c| !seen.insert(c.trim())) {
                return Err(format!(
                    "`choices` to be distinct, found the duplicate choice `{dup}`"
                ));
            }
            Some(cs)
        }
        Some(other) => {
            return Err(format!(
                "`choices` to be a list of strings, found {}",
                kind(&other)
            ));
        }
    };
    let metadata = match obj.remove("metadata") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(format!(
                "`metadata` to be an object, found {}",
                kind(&other)
            ));
        }
    };
    let opt_string = |obj: &mut Map<String, Value>, key: &str| -> Result<Option<String>, String> {
        match obj.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("`{key}` to be a string, found {}", kind(&other))),
        }
    };
    let failure_mode = opt_string(&mut obj, "failure_mode")?;
    let generator = opt_string(&mut obj, "generator")?;
    let seed = match obj.remove("seed") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
        Some(other) => {
            return Err(format!(
                "`seed` to be a non-negative integer, found {other}"
            ));
        }
    };
    let check = match obj.remove("check") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => {
            if !matches!(m.get("kind"), Some(Value::String(_))) {
                return Err("`check` to have a string field `kind`".into());
            }
            Some(Value::Object(m))
        }
        Some(other) => return Err(format!("`check` to be an object, found {}", kind(&other))),
    };
    if let Some(cs) = &choices {
        for t in &target {
            if target_choice_index(t, cs).is_none() {
                return Err(format!(
                    "each target of a multiple-choice sample to be a letter A..{} or one of the choices, found `{t}`",
                    (b'A' + cs.len() as u8 - 1) as char
                ));
            }
        }
    }
    let id = match obj.remove("id") {
        None | Some(Value::Null) => stable_id(&input),
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        Some(other) => {
            return Err(format!(
                "`id` to be a non-empty string or an integer, found {other}"
            ));
        }
    };
    Ok(Sample {
        id,
        input,
        target,
        choices,
        metadata,
        failure_mode,
        generator,
        seed,
        check,
    })
}

fn message_from_value(v: Value) -> Result<ChatMessage, String> {
    let Value::Object(m) = v else {
        return Err(format!(
            "an object with `role` and `content`, found {}",
            kind(&v)
        ));
    };
    let role = match m.get("role").and_then(Value::as_str) {
        Some("system") => Role::System,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        other => {
            return Err(format!(
                "a message whose role is system, user or assistant, found {}",
                describe_role(other)
            ));
        }
    };
    let content = m
        .get("content")
        .and_then(Value::as_str)
        .ok_or_else(|| "a message with a string `content`".to_string())?;
    Ok(ChatMessage {
        role,
        content: content.to_string(),
    })
}

/// The index of the choice a target names: a letter (`"B"`) or the choice's exact text.
pub fn target_choice_index(target: &str, choices: &[String]) -> Option<usize> {
    let t = target.trim();
    if t.len() == 1 {
        let c = t.as_bytes()[0].to_ascii_uppercase();
        if c.is_ascii_uppercase() && ((c - b'A') as usize) < choices.len() {
            return Some((c - b'A') as usize);
        }
    }
    choices.iter().position(|c| c == t)
}

/// `h` + 12 hex digits of SHA-256 over the input's canonical JSON.
pub fn stable_id(input: &Input) -> String {
    let canonical = serde_json::to_string(input).unwrap_or_default();
    let digest = Sha256::digest(canonical.as_bytes());
    let mut s = String::from("h");
    for b in &digest[..6] {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// A message's role as an error names it: the quoted role, or that there was none (Debug printed
/// `Some("god")`).
pub(crate) fn describe_role(role: Option<&str>) -> String {
    match role {
        Some(r) => format!("{r:?}"),
        None => "no role string".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Sample>, String> {
        parse_jsonl(Path::new("d.jsonl"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn errors_name_file_line_and_expectation() {
        let text = "{\"id\":\"a\",\"input\":\"x\"}\n\n{\"id\":\"b\",\"inptu\":\"y\"}\n";
        let e = parse(text).unwrap_err();
        assert!(e.starts_with("d.jsonl:3: expected only the fields"), "{e}");
        assert!(e.contains("`inptu`"), "{e}");
        let e = parse("{\"input\": 3}").unwrap_err();
        assert_eq!(
            e,
            "d.jsonl:1: expected `input` to be a string or a list of messages, found a number"
        );
        let e = parse("not json").unwrap_err();
        assert!(e.starts_with("d.jsonl:1: expected a JSON object ("), "{e}");
        let e =
            parse("{\"id\":\"a\",\"input\":\"x\"}\n{\"id\":\"a\",\"input\":\"y\"}").unwrap_err();
        assert_eq!(
            e,
            "d.jsonl:2: expected a unique id, but `a` appears earlier"
        );
        // A repeated member is refused rather than read as its last copy (the key would change).
        let e = parse("{\"input\":\"x\",\"target\":\"A\",\"target\":\"B\"}").unwrap_err();
        assert!(
            e.starts_with("d.jsonl:1: expected a JSON object (")
                && e.contains("\"target\" appears twice"),
            "{e}"
        );
        let e = parse("{\"input\":\"x\",\"choices\":[\"p\",\"q\"],\"target\":\"C\"}").unwrap_err();
        assert!(e.contains("letter A..B"), "{e}");
    }

    #[test]
    fn stable_ids_do_not_depend_on_position() {
        let a = parse("{\"input\":\"x\"}\n{\"input\":\"y\"}").unwrap();
        let b = parse("{\"input\":\"y\"}\n{\"input\":\"x\"}").unwrap();
        assert_eq!(a[0].id, b[1].id);
        assert_eq!(a[1].id, b[0].id);
        assert_ne!(a[0].id, a[1].id);
        assert_eq!(a[0].id.len(), 13);
    }

    #[test]
    fn full_sample_round_trips() {
        let s = parse(
            r#"{"id":7,"input":[{"role":"user","content":"hi"}],"target":["A"],"choices":["a","b"],"metadata":{"category":"c"},"failure_mode":"fm","generator":"g","seed":3,"check":{"kind":"arithmetic","op":"add","operands":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(s[0].id, "7");
        assert_eq!(s[0].category().as_deref(), Some("c"));
        assert_eq!(s[0].seed, Some(3));
        assert_eq!(
            target_choice_index("b", s[0].choices.as_ref().unwrap()),
            Some(1)
        );
    }
}
