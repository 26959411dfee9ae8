//! TOML text to a `serde_json::Value`, and typed field access that names the key path on failure.
//!
//! The documents are TOML for the people who write them; the engine's readers take JSON values,
//! so we convert once and address every field by a path such as `witness.payoffs[0][1]`.

use serde_json::{Map, Value};

use crate::error::LockoutError;

/// Parses TOML, turning a syntax error into one line with its position.
pub(crate) fn parse_toml(text: &str) -> Result<Value, LockoutError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        LockoutError::Syntax {
            line,
            column,
            message: e.message().replace('\n', " "),
        }
    })?;
    serde_json::to_value(table)
        .map_err(|e| LockoutError::invalid("$", "a TOML table", e.to_string()))
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A short description of a value for error messages (never the whole value).
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                format!("the string {short:?}…")
            } else {
                format!("the string {short:?}")
            }
        }
        Value::Array(a) => format!("an array of {} entries", a.len()),
        Value::Object(_) => "a table".into(),
    }
}

/// Joins a key onto a path.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() || path == "$" {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn table<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, LockoutError> {
    v.as_object()
        .ok_or_else(|| LockoutError::invalid(path, "a table", describe(v)))
}

pub(crate) fn required<'a>(
    obj: &'a Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<&'a Value, LockoutError> {
    obj.get(key).ok_or_else(|| {
        LockoutError::invalid(
            &join(path, key),
            "a value (the field is required)",
            "nothing",
        )
    })
}

pub(crate) fn string(v: &Value, path: &str) -> Result<String, LockoutError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| LockoutError::invalid(path, "a string", describe(v)))
}

pub(crate) fn nonempty_string(
    obj: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<String, LockoutError> {
    let p = join(path, key);
    let s = string(required(obj, path, key)?, &p)?;
    if s.trim().is_empty() {
        return Err(LockoutError::invalid(
            &p,
            "a non-empty string",
            "an empty string",
        ));
    }
    Ok(s)
}

pub(crate) fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>, LockoutError> {
    v.as_array()
        .ok_or_else(|| LockoutError::invalid(path, "an array", describe(v)))
}

pub(crate) fn strings(v: &Value, path: &str) -> Result<Vec<String>, LockoutError> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(k, x)| string(x, &format!("{path}[{k}]")))
        .collect()
}

/// Refuses keys the format does not define: a misspelt key would otherwise be silently ignored.
pub(crate) fn only_keys(
    obj: &Map<String, Value>,
    path: &str,
    allowed: &[&str],
) -> Result<(), LockoutError> {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(LockoutError::invalid(
                &join(path, key),
                &format!("one of the keys {}", allowed.join(", ")),
                format!("the unknown key {key:?}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_are_one_line_with_position() {
        let e = parse_toml("a = 1\nb = [1,\n").unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(msg.starts_with("line "), "{msg}");
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d", 6), (2, 3));
        assert_eq!(line_column("x", 99), (1, 2));
    }
}
