//! The frozen release: every checkable task of a class, generated from a seed derived from the
//! class, tier and index, written as Inspect-compatible JSONL the harness loads unchanged.
//! Regenerating gives the same bytes (`spi research generate --check` compares them).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::task::{Class, ClassTask, TIERS};

/// The canary every data file carries.
pub const CANARY: &str = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596";
/// The release version (`X-Y`: X bumps when scores stop being comparable).
pub const VERSION: &str = "1-0";
/// The base seed of the release.
pub const RELEASE_SEED: u64 = 20_261_201;
/// Tasks per class and tier in the release.
pub const PER_TIER: usize = 30;

/// The seed of task `index` of a class and tier: SHA-256 of (base, slug, tier, index).
pub fn task_seed(base: u64, class: Class, tier: u8, index: usize) -> u64 {
    let mut h = Sha256::new();
    h.update(base.to_le_bytes());
    h.update(class.slug().as_bytes());
    h.update([tier]);
    h.update((index as u64).to_le_bytes());
    let d = h.finalize();
    u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// One task as a sample (a JSON object with only the harness's top-level fields).
pub fn sample(class: &dyn ClassTask, tier: u8, index: usize, base: u64) -> Value {
    let c = class.class();
    let seed = task_seed(base, c, tier, index);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let g = class.generate(&mut rng, tier);
    let mut meta = Map::new();
    meta.insert("canary".into(), json!(CANARY));
    meta.insert("version".into(), json!(VERSION));
    meta.insert("class".into(), json!(c.slug()));
    meta.insert("class_number".into(), json!(c.number()));
    meta.insert("tier".into(), json!(tier));
    meta.insert("category".into(), json!(format!("{}/t{tier}", c.slug())));
    meta.insert("chance".into(), json!(class.chance(tier)));
    json!({
        "id": format!("{}-t{tier}-{index:03}", c.slug()),
        "input": g.input,
        "target": [],
        "metadata": meta,
        "generator": format!("spi-research/{}", c.slug()),
        "seed": seed,
        "check": g.spec,
    })
}

/// The release of a class: `per_tier` tasks of each tier, in tier then index order.
pub fn generate(class: &dyn ClassTask, per_tier: usize, base: u64) -> Vec<Value> {
    TIERS
        .iter()
        .flat_map(|&t| (0..per_tier).map(move |i| (t, i)))
        .map(|(t, i)| sample(class, t, i, base))
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
