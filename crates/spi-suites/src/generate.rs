//! `spi suite generate --seed S --count N`: seeded engine-generated capability items.
//!
//! Item k uses task kind `TASKS[k mod K]` and tier `1 + (k div K) mod 3` (K kinds), and its own RNG seeded
//! with the SHA-256 of `S/k`, so the first N items of a larger run are the same bytes as a run of
//! N, and a secret seed gives a fresh private split whose items follow the same distribution.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::family::CANARY;
use crate::render::text_seed;
use crate::tasks::{INTERACTIVE, TASKS};

/// The seed of the frozen release (`suites/spi-capability/items.jsonl`).
pub const RELEASE_SEED: u64 = 20_260_101;
/// Items in the frozen interactive release (`suites/spi-interactive/items.jsonl`, same seed).
pub const INTERACTIVE_COUNT: usize = 48;
/// Items in the frozen release.
pub const RELEASE_COUNT: usize = 1_296;
/// The data version of generated items.
pub const VERSION: &str = "1-0";

/// The kind and tier of item k among `kinds` kinds.
pub fn slot(k: usize, kinds: usize) -> (usize, u8) {
    (k % kinds, 1 + ((k / kinds) % 3) as u8)
}

/// Generates item k of the run seeded `seed`.
///
/// # Errors
/// When the engine cannot compute the reference answer of the generated item (a generator bug;
/// the message names the item).
pub fn item(seed: u64, k: usize) -> Result<Value, String> {
    item_of(TASKS, "spi_reasoning", seed, k)
}

/// Item k of a run over the given task kinds (the capability kinds or the interactive ones).
///
/// # Errors
/// As [`item`].
pub fn item_of(
    tasks: &[&dyn crate::tasks::Task],
    failure_mode: &str,
    seed: u64,
    k: usize,
) -> Result<Value, String> {
    let (t, tier) = slot(k, tasks.len());
    let task = tasks[t];
    let item_seed = text_seed(&format!("{seed}/{k}"));
    let mut rng = ChaCha8Rng::seed_from_u64(item_seed);
    let g = task.generate(&mut rng, tier);
    let reference = task
        .reference(&g.check)
        .map_err(|e| format!("item {k} ({}): {e}", task.kind()))?;
    debug_assert_eq!(task.extract(&task.render_answer(&reference)), reference);
    Ok(json!({
        "id": format!("gen-{}-t{tier}-{seed}-{k}", task.kind().replace('_', "-")),
        "input": g.input,
        "target": reference,
        "failure_mode": failure_mode,
        "generator": format!("spi-suites/{}", task.kind()),
        "seed": item_seed,
        "check": g.check,
        "metadata": {
            "canary": CANARY,
            "version": VERSION,
            "category": task.kind(),
            "task": task.kind(),
            "tier": tier,
            "run_seed": seed,
            "index": k,
            "chance": task.chance(),
        },
    }))
}

/// Generates items 0..count of the run seeded `seed`.
///
/// # Errors
/// As [`item`].
pub fn generate(seed: u64, count: usize) -> Result<Vec<Value>, String> {
    (0..count).map(|k| item(seed, k)).collect()
}

/// Generates items 0..count of the interactive kinds (program design) seeded `seed`.
///
/// # Errors
/// As [`item`].
pub fn generate_interactive(seed: u64, count: usize) -> Result<Vec<Value>, String> {
    // Writing a program that keeps an available SPI is the constructive side of "missed SPIs".
    (0..count)
        .map(|k| item_of(INTERACTIVE, "missed_spi", seed, k))
        .collect()
}

/// `spi-suite-generate/1`: the seed, the item count, and the count per check kind and tier of a
/// generated set.
pub fn summary_document(seed: u64, items: &[Value]) -> Value {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for it in items {
        let key = format!(
            "{}/t{}",
            it["check"]["kind"].as_str().unwrap_or(""),
            it["metadata"]["tier"]
        );
        *counts.entry(key).or_default() += 1;
    }
    serde_json::json!({"schema": "spi-suite-generate/1", "seed": seed, "count": items.len(), "by_kind_and_tier": counts})
}
