//! The frozen release: every checkable task of a class, generated from a seed derived from the
//! class, tier and index, written as Inspect-compatible JSONL the harness loads unchanged.
//! Regenerating gives the same bytes (`spi research generate --check` compares them).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::task::{Class, ClassTask, TIERS};

/// The canary every data file carries.
pub const CANARY: &str = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596";
/// The release version (`X-Y`: X bumps when scores stop being comparable, Y when only the
/// interface changed): that of the hand-written classes, the suite, and every checkable class
/// [`class_version`] does not name.
pub const VERSION: &str = "1-0";

/// The version of a class's tasks. A class's first number bumps on its own when its scores stop
/// being comparable with the previous release's, so a changed class does not make every other
/// class's scores look incomparable too.
pub fn class_version(class: Class) -> &'static str {
    match class {
        // 2-0: isomorphism claims added beside the action-map claims (the 90 earlier tasks are
        // unchanged, but a class score now averages over 180).
        Class::VerifyRefute => "2-0",
        // 2-0: full strategies that are PI but not FI, and renegotiation pairs whose proposals
        // fail to match, added beside the action-permutation games (the 90 earlier tasks are
        // unchanged, but a class score now averages over 270).
        Class::Counterexample => "2-0",
        _ => VERSION,
    }
}
/// The base seed of the release.
pub const RELEASE_SEED: u64 = 20_261_201;
/// Tasks per class and tier in the release.
pub const PER_TIER: usize = 30;

/// The seed of task `index` of a class and tier: SHA-256 of (base, slug, tier, index).
pub fn task_seed(base: u64, class: Class, tier: u8, index: usize) -> u64 {
    family_seed(base, class, "", tier, index)
}

/// The seed of task `index` of a family of a class and tier: SHA-256 of (base, slug, tier,
/// index) for the first family `""`, of (base, `slug/family`, tier, index) for the others.
pub fn family_seed(base: u64, class: Class, family: &str, tier: u8, index: usize) -> u64 {
    let mut h = Sha256::new();
    h.update(base.to_le_bytes());
    h.update(class.slug().as_bytes());
    if !family.is_empty() {
        h.update(b"/");
        h.update(family.as_bytes());
    }
    h.update([tier]);
    h.update((index as u64).to_le_bytes());
    let d = h.finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// One task of the class's first family as a sample (a JSON object with only the harness's
/// top-level fields).
pub fn sample(class: &dyn ClassTask, tier: u8, index: usize, base: u64) -> Value {
    family_sample(class, "", tier, index, base)
}

/// One task of a family as a sample; ids of families other than the first name the family
/// (`verify-refute-isomorphism-t1-000`).
pub fn family_sample(
    class: &dyn ClassTask,
    family: &str,
    tier: u8,
    index: usize,
    base: u64,
) -> Value {
    let c = class.class();
    let seed = family_seed(base, c, family, tier, index);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let g = class.generate_family(family, &mut rng, tier);
    let mut meta = Map::new();
    meta.insert("canary".into(), json!(CANARY));
    meta.insert("version".into(), json!(class_version(c)));
    meta.insert("class".into(), json!(c.slug()));
    meta.insert("class_number".into(), json!(c.number()));
    if !family.is_empty() {
        meta.insert("family".into(), json!(family));
    }
    meta.insert("tier".into(), json!(tier));
    meta.insert("category".into(), json!(format!("{}/t{tier}", c.slug())));
    meta.insert("chance".into(), json!(class.chance(tier)));
    let stem = if family.is_empty() {
        c.slug().to_string()
    } else {
        format!("{}-{family}", c.slug())
    };
    json!({
        "id": format!("{stem}-t{tier}-{index:03}"),
        "input": g.input,
        "target": [],
        "metadata": meta,
        "generator": format!("spi-research/{}", c.slug()),
        "seed": seed,
        "check": g.spec,
    })
}

/// The release of a class: `per_tier` tasks of each family and tier, in family, tier and index
/// order (so a family added later goes after every earlier task).
pub fn generate(class: &dyn ClassTask, per_tier: usize, base: u64) -> Vec<Value> {
    class
        .families()
        .iter()
        .flat_map(|&f| {
            TIERS
                .iter()
                .flat_map(move |&t| (0..per_tier).map(move |i| (f, t, i)))
        })
        .map(|(f, t, i)| family_sample(class, f, t, i, base))
        .collect()
}

/// The samples as JSONL text (one compact object per line, trailing newline).
pub fn jsonl(samples: &[Value]) -> String {
    let mut s = String::new();
    for v in samples {
        s.push_str(&serde_json::to_string(v).unwrap_or_default());
        s.push('\n');
    }
    s
}

/// One problem a line of a release file has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// 1-based line.
    pub line: usize,
    /// The task id, when the line has one.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Lints a release file's text the way the harness and the engine will read it: every line is a
/// sample the harness accepts, carries the canary and version, has a `check` its class validates,
/// and the engine's reference answer grades as right through the research check.
pub fn lint(text: &str) -> Vec<Finding> {
    use spi_eval::check::{CheckInput, EngineCheck};
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let line = i + 1;
        if l.trim().is_empty() {
            continue;
        }
        let mut find =
            |id: Option<String>, message: String| out.push(Finding { line, id, message });
        let sample: spi_eval::dataset::Sample = match serde_json::from_str::<Value>(l)
            .map_err(|e| e.to_string())
            .and_then(|v| {
                let extra: Vec<String> = v
                    .as_object()
                    .map(|o| {
                        o.keys()
                            .filter(|k| {
                                ![
                                    "id",
                                    "input",
                                    "target",
                                    "choices",
                                    "metadata",
                                    "failure_mode",
                                    "generator",
                                    "seed",
                                    "check",
                                ]
                                .contains(&k.as_str())
                            })
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                if !extra.is_empty() {
                    return Err(format!(
                        "unknown top-level fields {extra:?} (the harness refuses them)"
                    ));
                }
                serde_json::from_value(v).map_err(|e| e.to_string())
            }) {
            Ok(s) => s,
            Err(e) => {
                find(None, e);
                continue;
            }
        };
        let id = Some(sample.id.clone());
        if sample.metadata.get("canary").and_then(Value::as_str) != Some(CANARY) {
            find(
                id.clone(),
                "metadata.canary: expected the benchmark canary".into(),
            );
        }
        let want = sample
            .check
            .as_ref()
            .and_then(|s| s.get("class"))
            .and_then(Value::as_str)
            .and_then(|slug| Class::parse(slug).ok())
            .map_or(VERSION, class_version);
        if sample.metadata.get("version").and_then(Value::as_str) != Some(want) {
            find(id.clone(), format!("metadata.version: expected \"{want}\""));
        }
        let Some(spec) = &sample.check else {
            find(id, "check: missing".into());
            continue;
        };
        let check = crate::check::ResearchCheck;
        if let Err(e) = check.validate(spec) {
            find(id, e.to_string());
            continue;
        }
        let verdict = check.reference_answer(spec).and_then(|r| {
            check.check(
                spec,
                &CheckInput {
                    output: &r,
                    sample: &sample,
                    messages: &[],
                },
            )
        });
        match verdict {
            Ok(v) if v.value >= 1.0 => {}
            Ok(v) => find(
                id,
                format!(
                    "the reference answer does not grade as right: {}",
                    v.explanation
                ),
            ),
            Err(e) => find(id, e.to_string()),
        }
    }
    out
}
