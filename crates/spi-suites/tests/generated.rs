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
