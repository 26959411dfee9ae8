//! TOML content files as `serde_json::Value`s that remember where each key was written, so every
//! error and lint finding can name the file, the key path and the line.
//!
//! Paths are written as in the format documentation: `model.outcome[3].payoffs`, with keys that are
//! not bare TOML keys quoted (`model.transformation."lab A"`). The engine readers report JSON paths
//! (`$.game.payoffs[0]`); `model.rs` maps those back to the model table's paths.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};

use crate::error::{Location, SuiteError};

/// A parsed TOML file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its contents as JSON (integers stay integers, floats keep their decimal value, datetimes
    /// become strings).
    pub value: Value,
    /// 1-based line of every key path.
    lines: BTreeMap<String, usize>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Appends a key to a path, quoting keys that are not bare TOML keys.
pub fn join_key(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let k = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if path.is_empty() {
        k
    } else {
        format!("{path}.{k}")
    }
}

struct Converter<'t> {
    text: &'t str,
    lines: BTreeMap<String, usize>,
}

impl Converter<'_> {
    fn table(&mut self, t: &DeTable<'_>, path: &str) -> Value {
        let mut m = Map::new();
        for (k, v) in t.iter() {
            let p = join_key(path, k.get_ref());
            self.lines
                .insert(p.clone(), line_of(self.text, k.span().start));
            let line = line_of(self.text, v.span().start);
            let value = self.value(v.get_ref(), &p, line);
            m.insert(k.get_ref().to_string(), value);
        }
        Value::Object(m)
    }

    fn value(&mut self, v: &DeValue<'_>, path: &str, line: usize) -> Value {
        self.lines.entry(path.to_string()).or_insert(line);
        match v {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map(|n| Value::Number(n.into()))
                .unwrap_or_else(|_| Value::String(i.as_str().to_string())),
            DeValue::Float(f) => {
                let text = f.as_str().replace('_', "");
                text.parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::String(text))
            }
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::String(d.to_string()),
            DeValue::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let p = format!("{path}[{k}]");
                        let l = line_of(self.text, x.span().start);
                        self.value(x.get_ref(), &p, l)
                    })
                    .collect(),
            ),
            DeValue::Table(t) => self.table(t, path),
        }
    }
}

impl Document {
    /// Parses TOML text read from `file`.
    ///
    /// # Errors
    /// [`SuiteError::Syntax`] with the line of the first syntax error.
    pub fn parse(file: &Path, text: &str) -> Result<Document, SuiteError> {
        let parsed = DeTable::parse(text).map_err(|e| SuiteError::Syntax {
            at: Location {
                file: file.to_path_buf(),
                path: String::new(),
                line: e.span().map(|s| line_of(text, s.start)),
            },
            message: e.message().to_string(),
        })?;
        let mut c = Converter {
            text,
            lines: BTreeMap::new(),
        };
        let value = c.table(parsed.get_ref(), "");
        Ok(Document {
            file: file.to_path_buf(),
            value,
            lines: c.lines,
        })
    }

    /// The line of `path`, or of its longest prefix that has one.
    pub fn line(&self, path: &str) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some(&l) = self.lines.get(p) {
                return Some(l);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// A location in this file.
    pub fn at(&self, path: &str) -> Location {
        Location {
            file: self.file.clone(),
            path: path.to_string(),
            line: self.line(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_keys_in_arrays_of_tables() {
        let text = "a = 1\n[[option]]\nid = \"x\"\n[[option]]\nid = \"y\"\nclaim = \"spi\"\n[model.transformation]\n\"lab A\" = { p = \"q\" }\n";
        let d = Document::parse(Path::new("f.toml"), text).unwrap();
        assert_eq!(d.line("a"), Some(1));
        assert_eq!(d.line("option[1].claim"), Some(6));
        assert_eq!(d.line("option[1].claim[3]"), Some(6));
        assert_eq!(d.line("model.transformation.\"lab A\".p"), Some(8));
        assert_eq!(d.value["option"][1]["id"], "y");
    }

    #[test]
    fn syntax_errors_carry_the_line() {
        let e = Document::parse(Path::new("f.toml"), "a = 1\nb = [\n").unwrap_err();
        let SuiteError::Syntax { at, .. } = e else {
            panic!("{e}")
        };
        assert!(at.line.is_some());
    }
}
