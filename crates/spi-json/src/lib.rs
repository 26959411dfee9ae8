//! `spi-json`: strict JSON reading for every file a user hands safepareto (games, certificates,
//! model documents, eval datasets). serde_json keeps the last of an object's repeated members
//! silently, so `{"payoffs": A, "payoffs": B}` reads as B and reordering a document changes the
//! answer; [`parse_unique`] refuses the document instead. It is its own crate because both the
//! engine (`spi-games`) and the harness (`spi-eval`, which depends on no engine crate) read user
//! JSON, and the rule must be the same in both.
//!
//! Readers that deserialize a document directly instead of through a [`Value`] tree (the game
//! reader does, so that a 60 MB payoff table does not become gigabytes of `Value`s) keep the same
//! rule with [`repeated_member`] for the objects they walk themselves and [`Skip`] for the values
//! they do not keep.

use std::collections::HashSet;

use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses JSON text, refusing an object with the same member twice. serde_json keeps the last of
/// duplicate members silently, so `{"payoffs": A, "payoffs": B}` was read as B and reordering a
/// document changed the answer; the error names the member, with serde_json's line and column.
pub fn parse_unique(text: &str) -> Result<Value, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let v = UniqueKeys.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The error for an object that shows the member `key` a second time: raised right after reading
/// the key, so that serde_json's position points at it, in every reader.
pub fn repeated_member<E: serde::de::Error>(key: &str) -> E {
    E::custom(format!("the member {key:?} appears twice in one object"))
}

/// A [`Value`] seed whose maps refuse repeated keys, recursively.
struct UniqueKeys;

impl<'de> serde::de::DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number out of range"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(UniqueKeys)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(UniqueKeys)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(repeated_member(&k));
            }
            let v = map.next_value_seed(UniqueKeys)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

/// A seed that reads any JSON value and keeps nothing, refusing an object with a repeated member
/// at any depth: for the parts of a document a streaming reader does not need (an unknown key's
/// value, a payoff array's surplus entries), which must still be checked as [`parse_unique`] would.
pub struct Skip;

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<(), E> {
        // As `UniqueKeys`, so that both readers refuse the same documents.
        match serde_json::Number::from_f64(x) {
            Some(_) => Ok(()),
            None => Err(E::custom("a number out of range")),
        }
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if seen.contains(&k) {
                return Err(repeated_member(&k));
            }
            map.next_value_seed(Skip)?;
            seen.insert(k);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_repeated_member_is_refused_at_any_depth_with_its_position() {
        let e = parse_unique(r#"{"a": 1, "b": [{"c": 2, "c": 3}]}"#).unwrap_err();
        assert!(e.to_string().contains("\"c\" appears twice"), "{e}");
        assert_eq!(e.line(), 1);
        assert!(
            parse_unique(r#"{"a": 1} x"#).is_err(),
            "trailing text is refused"
        );
    }

    /// `Skip` refuses what `parse_unique` refuses, at the same place, and accepts the rest.
    #[test]
    fn skip_refuses_as_parse_unique_does() {
        use serde::de::DeserializeSeed;
        let skip = |text: &str| {
            let mut de = serde_json::Deserializer::from_str(text);
            Skip.deserialize(&mut de).and_then(|()| de.end())
        };
        for text in [
            r#"{"a": 1, "b": [{"c": 2, "c": 3}]}"#,
            r#"[1, {"x": {"y": null, "y": 1}}]"#,
            r#"{"a": 1, "a": 1}"#,
            r#"{"a": [1, 2.5, "s", true, null, {}]}"#,
            r#"{"a": 1} x"#,
        ] {
            let strict = parse_unique(text).map(drop).map_err(|e| e.to_string());
            assert_eq!(skip(text).map_err(|e| e.to_string()), strict, "on {text}");
        }
    }

    proptest! {
        /// On documents without repeats, the strict reader agrees with serde_json.
        #[test]
        fn agrees_with_serde_json_without_repeats(keys in proptest::collection::btree_set("[a-z]{1,3}", 0..6),
                                                  n in any::<i64>(), s in "\\PC{0,8}") {
            let mut m = Map::new();
            for (i, k) in keys.iter().enumerate() {
                let v = if i % 2 == 0 { Value::from(n) } else { Value::from(s.clone()) };
                m.insert(k.clone(), serde_json::json!([v, {"k": null, "b": true}]));
            }
            let text = Value::Object(m).to_string();
            let strict = parse_unique(&text).unwrap();
            let lax: Value = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(strict, lax);
        }
    }
}
