//! `render`: families → Inspect-compatible JSONL items, byte for byte deterministic.
//!
//! Each variant gives [`ORDERS`] items under the main model and as many under the control: order 0
//! shows the options in a seeded permutation (seeded by the SHA-256 of `family/variant/arm`, so it
//! never depends on the order files are read in), order 1 rotates order 0 by one place, so the key
//! always moves between the two. Ids are `FAMILY--VARIANT--main|control--oN`.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::SuiteError;
use crate::family::{CANARY, Family};

/// Option orders rendered per variant and arm.
pub const ORDERS: usize = 2;

/// The 64-bit seed of a text (first 8 bytes of its SHA-256, little-endian).
pub fn text_seed(s: &str) -> u64 {
    let d = Sha256::digest(s.as_bytes());
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// The option order (indices into `family.options`) of one item.
pub fn option_order(family: &str, variant: &str, arm: &str, n: usize, order: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(text_seed(&format!("{family}/{variant}/{arm}")));
    idx.shuffle(&mut rng);
    if n > 0 {
        idx.rotate_left(order % n);
    }
    idx
}

fn letter(k: usize) -> String {
    ((b'A' + k as u8) as char).to_string()
}

/// The items of one family, in a fixed order (variant, main then control, order).
///
/// # Errors
/// [`SuiteError::Model`] when the family has no unique key under a model (the linter says more).
pub fn render_family(f: &Family) -> Result<Vec<Value>, SuiteError> {
    let (main_key, control_key) = f.keys()?;
    let version = f.version.clone().unwrap_or_default();
    let failure_mode = f.failure_mode.clone().unwrap_or_default();
    let mut out = Vec::new();
    for v in &f.variants {
        for (arm, key) in [("main", main_key), ("control", control_key)] {
            for order in 0..ORDERS {
                let perm = option_order(&f.id, &v.id, arm, f.options.len(), order);
                let choices: Vec<Value> = perm
                    .iter()
                    .map(|&k| Value::String(f.option_text(v, &f.options[k]).to_string()))
                    .collect();
                let target = perm.iter().position(|&k| k == key).unwrap_or(0);
                let kind = match arm {
                    "control" => "control".to_string(),
                    _ => f.kind.clone().unwrap_or_default(),
                };
                let mut meta = Map::new();
                meta.insert("canary".into(), json!(CANARY));
                meta.insert("version".into(), json!(version));
                meta.insert("family".into(), json!(f.id));
                meta.insert("suite".into(), json!(f.suite.clone().unwrap_or_default()));
                meta.insert("failure_mode".into(), json!(failure_mode));
                meta.insert("kind".into(), json!(kind));
                meta.insert("domain".into(), json!(v.domain));
                meta.insert("variant".into(), json!(v.id));
                meta.insert("arm".into(), json!(arm));
                meta.insert("order".into(), json!(order));
                meta.insert("key".into(), json!(f.options[key].id));
                meta.insert(
                    "option_ids".into(),
                    Value::Array(perm.iter().map(|&k| json!(f.options[k].id)).collect()),
                );
                meta.insert("chance".into(), json!(1.0 / f.options.len() as f64));
                meta.insert("agenda".into(), json!(f.agenda.clone().unwrap_or_default()));
                let text = if arm == "main" {
                    &v.text
                } else {
                    &v.control_text
                };
                out.push(json!({
                    "id": format!("{}--{}--{arm}--o{order}", f.id, v.id),
                    "input": text.trim(),
                    "target": letter(target),
                    "choices": choices,
                    "failure_mode": failure_mode,
                    "metadata": Value::Object(meta),
                }));
            }
        }
    }
    Ok(out)
}

/// JSONL text of items: one compact JSON object per line, each line ending in `\n`.
pub fn to_jsonl(items: &[Value]) -> String {
    let mut s = String::new();
    for it in items {
        s.push_str(&serde_json::to_string(it).unwrap_or_default());
        s.push('\n');
    }
    s
}

/// Renders families (sorted by id first, so file order does not matter) to JSONL.
///
/// # Errors
/// The first family without unique keys.
pub fn render_families(families: &[&Family]) -> Result<String, SuiteError> {
    let mut fs: Vec<&&Family> = families.iter().collect();
    fs.sort_by(|a, b| a.id.cmp(&b.id));
    let mut items = Vec::new();
    for f in fs {
        items.extend(render_family(f)?);
    }
    Ok(to_jsonl(&items))
}

/// What [`render_library`] did: the `spi-suite-render/1` document (per suite, its families, items
/// and file) and the files whose committed text differs from the render (only under `check`).
#[derive(Debug, Clone)]
pub struct LibraryRender {
    /// `spi-suite-render/1`.
    pub document: Value,
    /// Files that are not up to date (empty unless `check`).
    pub stale: Vec<String>,
}

/// Renders the families of every suite (or only those named in `only`) to the suite's
/// `items.jsonl`; with `check`, writes nothing and reports which files a render would change.
pub fn render_library(
    lib: &crate::library::Library,
    only: &[String],
    check: bool,
) -> Result<LibraryRender, SuiteError> {
    let mut stale = Vec::new();
    let mut summary = Vec::new();
    for s in &lib.suites {
        if s.family_files.is_empty() || (!only.is_empty() && !only.contains(&s.name)) {
            continue;
        }
        let families = lib
            .families(s)
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Result<Vec<_>, _>>()?;
        let refs: Vec<&Family> = families.iter().collect();
        let text = render_families(&refs)?;
        let path = s.dir.join("items.jsonl");
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            crate::library::write_atomically(&path, &text)?;
        }
        summary.push(json!({"suite": s.name, "families": families.len(),
            "items": text.lines().count(), "file": path.display().to_string()}));
    }
    Ok(LibraryRender {
        document: json!({"schema": "spi-suite-render/1", "rendered": summary, "stale": stale}),
        stale,
    })
}
