//! Generated items: determinism, an engine oracle scoring 100%, scrambled answers near chance.

use spi_suites::generate::{generate, item};
use spi_suites::tasks::{TASKS, task, verify_generated};

fn items(seed: u64, n: usize) -> Vec<serde_json::Value> {
    generate(seed, n).expect("generation succeeds")
}

#[test]
fn generation_is_deterministic_and_prefix_stable() {
    let a = serde_json::to_string(&items(7, 48)).unwrap();
    let b = serde_json::to_string(&items(7, 48)).unwrap();
    assert_eq!(a, b);
    let longer = items(7, 60);
    assert_eq!(serde_json::to_string(&longer[..48]).unwrap(), a);
    let other = serde_json::to_string(&items(8, 48)).unwrap();
    assert_ne!(a, other);
}

#[test]
fn every_kind_and_tier_is_generated_and_reverifies() {
    let all = items(11, TASKS.len() * 3 * 2);
    for it in &all {
        let check = &it["check"];
        verify_generated(check, it["target"].as_str())
            .unwrap_or_else(|e| panic!("{}: {e}", it["id"]));
    }
    for t in TASKS {
        for tier in 1..=3u64 {
            assert!(
                all.iter()
                    .any(|i| i["check"]["kind"] == t.kind() && i["metadata"]["tier"] == tier),
                "{} tier {tier}",
                t.kind()
            );
        }
    }
}

#[test]
fn oracle_scores_100_and_scrambled_answers_score_near_chance() {
    let all = items(3, TASKS.len() * 3 * 4);
    let mut right = 0;
    let mut scrambled_right = 0;
    let n = all.len();
    for (k, it) in all.iter().enumerate() {
        let kind = it["check"]["kind"].as_str().unwrap();
        let t = task(kind).unwrap();
        let reference = t.reference(&it["check"]).unwrap();
        if t.grade(&it["check"], &reference).unwrap().correct {
            right += 1;
        }
        // Scramble: answer with the reference of another item of the same kind.
        let other = all
            .iter()
            .cycle()
            .skip(k + 1)
            .find(|o| o["check"]["kind"] == kind)
            .unwrap();
        let wrong = t.reference(&other["check"]).unwrap();
        if t.grade(&it["check"], &wrong).unwrap().correct {
            scrambled_right += 1;
        }
    }
    assert_eq!(right, n, "the oracle must score 100%");
    let rate = scrambled_right as f64 / n as f64;
    assert!(rate < 0.3, "scrambled answers scored {rate}");
}

#[test]
fn single_items_are_independent_of_the_run_length() {
    let a = item(5, 17).unwrap();
    let b = &items(5, 18)[17];
    assert_eq!(&a, b);
}

fn release_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/spi-capability/items.jsonl")
}

/// The frozen release is what the generator writes for its seed (regenerate with
/// `spi suite generate --seed 20260101 --count 1296 --out suites/spi-capability/items.jsonl`).
#[test]
fn the_frozen_release_regenerates_byte_for_byte() {
    use spi_suites::generate::{RELEASE_COUNT, RELEASE_SEED};
    let frozen = std::fs::read_to_string(release_path()).unwrap();
    let fresh = spi_suites::render::to_jsonl(&items(RELEASE_SEED, RELEASE_COUNT));
    assert!(
        frozen == fresh,
        "suites/spi-capability/items.jsonl is stale: regenerate it"
    );
    const { assert!(RELEASE_COUNT >= 1200) };
}

/// Through the harness's interface: every frozen item's registered check grades its own
/// reference answer 1 and another item's reference answer (mostly) 0.
#[test]
fn harness_checks_accept_the_oracle_and_reject_scrambled_answers() {
    use spi_eval::check::{CheckInput, CheckRegistry};
    use spi_eval::tools::ToolRegistry;
    let mut checks = CheckRegistry::default();
    let mut tools = ToolRegistry::new();
    spi_suites::engine::register(&mut checks, &mut tools);
    for name in ["spi_search", "spi_verify", "game_analyze"] {
        assert!(tools.get(name).is_some(), "{name}");
    }
    let samples = spi_eval::dataset::load_jsonl(&release_path()).unwrap();
    assert!(samples.len() >= 1200);
    let grade = |spec: &serde_json::Value, s: &spi_eval::dataset::Sample, output: &str| {
        let kind = spec["kind"].as_str().unwrap();
        let c = checks.get(kind).unwrap();
        c.check(
            spec,
            &CheckInput {
                output,
                sample: s,
                messages: &[],
            },
        )
        .unwrap()
        .value
    };
    let (mut oracle, mut scrambled) = (0.0, 0.0);
    for (k, s) in samples.iter().enumerate() {
        let spec = s.check.as_ref().unwrap();
        checks.validate(spec).unwrap();
        let c = checks.get(spec["kind"].as_str().unwrap()).unwrap();
        let reference = c.reference_answer(spec).unwrap();
        oracle += grade(spec, s, &format!("Working...\n{reference}"));
        // The next item of the same kind (the kinds cycle).
        let other = &samples[(k + TASKS.len()) % samples.len()];
        let wrong = c.reference_answer(other.check.as_ref().unwrap()).unwrap();
        scrambled += grade(spec, s, &wrong);
    }
    let n = samples.len() as f64;
    eprintln!("oracle {oracle}/{n}; scrambled {scrambled}/{n}");
    assert_eq!(oracle, n, "the oracle scores 100%");
    assert!(
        scrambled / n < 0.25,
        "scrambled answers scored {}",
        scrambled / n
    );
    // Malformed and hostile outputs are graded 0, never an error or a panic.
    let s = &samples[0];
    for out in [
        "",
        "ANSWER:",
        "ANSWER: R1->",
        "ANSWER: ;;;;",
        "\u{1F600} ANSWER: ✓",
        &"(".repeat(10_000),
    ] {
        assert_eq!(grade(s.check.as_ref().unwrap(), s, out), 0.0, "{out:?}");
    }
}

#[test]
fn tools_answer_on_the_items_game_and_refuse_bad_input() {
    use spi_eval::tools::{ToolContext, ToolRegistry};
    let mut checks = spi_eval::check::CheckRegistry::default();
    let mut tools = ToolRegistry::new();
    spi_suites::engine::register(&mut checks, &mut tools);
    let samples = spi_eval::dataset::load_jsonl(&release_path()).unwrap();
    let s = samples
        .iter()
        .find(|s| s.check.as_ref().unwrap()["kind"] == "spi_search")
        .unwrap();
    let ctx = ToolContext {
        sample: s,
        messages: &[],
    };
    let out = tools
        .get("spi_search")
        .unwrap()
        .call(serde_json::json!({}), &ctx)
        .unwrap();
    assert!(out.contains("survivors"), "{out}");
    let out = tools
        .get("game_analyze")
        .unwrap()
        .call(serde_json::json!({}), &ctx)
        .unwrap();
    assert!(out.contains("pmm"), "{out}");
    let reference = task("spi_search")
        .unwrap()
        .reference(s.check.as_ref().unwrap())
        .unwrap();
    if reference != "NONE" {
        let out = tools
            .get("spi_verify")
            .unwrap()
            .call(serde_json::json!({"map": reference}), &ctx)
            .unwrap();
        assert!(out.contains("\"spi\":true"), "{out}");
    }
    let bad = tools
        .get("spi_search")
        .unwrap()
        .call(serde_json::json!({"game": {"players": ["a"]}}), &ctx);
    assert!(bad.is_err());
}

/// Part III's near misses: a rational off by 1/1000 and an action map with one image moved are
/// rejected.
#[test]
fn near_miss_answers_are_rejected() {
    let all = items(21, TASKS.len() * 3 * 6);
    let (mut maps, mut maps_rejected) = (0, 0);
    for it in &all {
        let spec = &it["check"];
        let kind = spec["kind"].as_str().unwrap();
        let t = task(kind).unwrap();
        let reference = t.reference(spec).unwrap();
        match kind {
            "pmm" | "threat_point" => {
                let [x, y] = spi_suites::tasks::parse_pair(&reference).unwrap();
                let eps = spi_games::Rational::new(1, 1000).unwrap();
                for near in [format!("{}, {y}", &x + &eps), format!("{x}, {}", &y - &eps)] {
                    assert!(
                        !t.grade(spec, &near).unwrap().correct,
                        "{kind} accepted {near} for {reference}"
                    );
                }
            }
            "spi_search" if reference != "NONE" => {
                // Move the first image to another action of the same player.
                let (first, rest) = reference.split_once(", ").unwrap_or((&reference, ""));
                let (from, to) = first.split_once("->").unwrap();
                let n: usize = to[1..].parse().unwrap();
                let moved = format!("{from}->{}{}", &to[..1], n % 4 + 1);
                let near = if rest.is_empty() {
                    moved
                } else {
                    format!("{moved}, {rest}")
                };
                maps += 1;
                if !t.grade(spec, &near).unwrap().correct {
                    maps_rejected += 1;
                }
            }
            "surrogate"
            | "renegotiation_outcome"
            | "modal_match"
            | "full_strategy"
            | "spi_transformations" => {
                assert!(
                    !t.grade(spec, &format!("{reference} extra"))
                        .unwrap()
                        .correct,
                    "{kind}"
                );
            }
            _ => {}
        }
    }
    assert!(
        maps >= 10 && maps_rejected * 10 >= maps * 9,
        "{maps_rejected}/{maps} near-miss maps rejected"
    );
}

/// Interactive items: the engine's reference program passes through the harness check, and wrong,
/// non-compiling and hostile programs are graded 0 without an error.
#[test]
fn program_design_items_run_the_model_program_in_the_sandbox() {
    use spi_eval::check::{CheckInput, CheckRegistry};
    use spi_suites::generate::{INTERACTIVE_COUNT, RELEASE_SEED, generate_interactive};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../suites/spi-interactive/items.jsonl");
    let frozen = std::fs::read_to_string(&path).unwrap();
    let fresh = spi_suites::render::to_jsonl(
        &generate_interactive(RELEASE_SEED, INTERACTIVE_COUNT).unwrap(),
    );
    assert!(
        frozen == fresh,
        "suites/spi-interactive/items.jsonl is stale: regenerate it"
    );
    const { assert!(INTERACTIVE_COUNT >= 40) };
    let mut checks = CheckRegistry::default();
    spi_suites::engine::register(&mut checks, &mut spi_eval::tools::ToolRegistry::new());
    let samples = spi_eval::dataset::load_jsonl(&path).unwrap();
    let c = checks.get("program_design").unwrap();
    let grade = |s: &spi_eval::dataset::Sample, out: &str| {
        c.check(
            s.check.as_ref().unwrap(),
            &CheckInput {
                output: out,
                sample: s,
                messages: &[],
            },
        )
        .unwrap()
    };
    for s in &samples {
        let spec = s.check.as_ref().unwrap();
        let reference = c.reference_answer(spec).unwrap();
        assert_eq!(
            grade(s, &format!("Here is my program.\n{reference}\nDone.")).value,
            1.0,
            "{}",
            s.id
        );
        let default = spec["default"].as_str().unwrap();
        // The default itself never does better: not an improvement.
        let plain = format!("```\nname \"Plain\";\nmain {{\n  return \"{default}\";\n}}\n```");
        let v = grade(s, &plain);
        assert_eq!(v.value, 0.0, "{}: {}", s.id, v.explanation);
        // Not a program; an endless recursion (runs out of fuel or depth in the sandbox).
        assert_eq!(grade(s, "I would renegotiate.").value, 0.0);
        let looping = "```\nfn f(x) { return f(x); }\nmain { return f(1); }\n```";
        assert_eq!(grade(s, looping).value, 0.0);
    }
}
