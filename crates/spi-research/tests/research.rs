//! The benchmark's story: the engine answering as a model solves every checkable task in every
//! mode; near-miss and hostile answers fail; the release regenerates byte for byte; the human
//! mode replays a script; the hand-written classes load and grade.

use std::sync::Arc;

use serde_json::Value;
use spi_eval::dataset::{Sample, parse_jsonl};
use spi_eval::runner::{RunOptions, RunServices, run_suite};
use spi_eval::store::Store;
use spi_eval::suite::Suite;
use spi_research::classes::CLASSES;
use spi_research::classes::isomorphic::{self, IsoClaim, NearMiss};
use spi_research::classes::{independence, mismatch};
use spi_research::modes::{LineOverseer, Mode};
use spi_research::reference::ReferenceProvider;
use spi_research::release::{self, RELEASE_SEED};
use spi_research::{ClassTask, handwritten, report, suite};

fn small_release(per_tier: usize) -> Vec<(&'static dyn ClassTask, Vec<Value>)> {
    CLASSES
        .iter()
        .map(|c| (*c, release::generate(*c, per_tier, RELEASE_SEED)))
        .collect()
}

/// Runs every class (`per_tier` tasks per tier) in `mode` against `provider`; returns the records.
fn run_mode(
    mode: Mode,
    per_tier: usize,
    overseer_script: &str,
) -> Vec<spi_eval::store::SampleRecord> {
    run_mode_with_info(mode, per_tier, overseer_script).1
}

/// [`run_mode`], with the run's header for the report.
fn run_mode_with_info(
    mode: Mode,
    per_tier: usize,
    overseer_script: &str,
) -> (spi_eval::store::RunInfo, Vec<spi_eval::store::SampleRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let mut datasets = Vec::new();
    let mut samples: Vec<Sample> = Vec::new();
    for (c, tasks) in small_release(per_tier) {
        let path = dir.path().join(format!("{}.jsonl", c.class().slug()));
        let text = release::jsonl(&tasks);
        std::fs::write(&path, &text).unwrap();
        samples.extend(parse_jsonl(&path, &text).unwrap());
        datasets.push((c.class().slug().to_string(), path));
    }
    let refs: Vec<(String, &std::path::Path)> = datasets
        .iter()
        .map(|(n, p)| (n.clone(), p.as_path()))
        .collect();
    let suite_path = dir.path().join("suite.toml");
    std::fs::write(&suite_path, suite::suite_toml(&refs, mode, 3, 256, &[])).unwrap();
    let s = Arc::new(Suite::load(&suite_path).unwrap());
    let overseer: Arc<dyn spi_research::modes::Overseer> = Arc::new(LineOverseer::new(
        Box::new(std::io::Cursor::new(overseer_script.as_bytes().to_vec())),
        Box::new(std::io::sink()),
    ));
    let services = RunServices {
        checks: suite::checks(),
        tools: Default::default(),
        env: Default::default(),
        solvers: suite::solvers(Some(overseer)),
    };
    let store = Store::open(&dir.path().join("logs")).unwrap();
    let opts = RunOptions {
        progress: false,
        max_connections: 2,
        ..Default::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sum = rt
        .block_on(run_suite(
            s,
            Arc::new(ReferenceProvider::new(&samples)),
            &store,
            &opts,
            &services,
        ))
        .unwrap();
    assert_eq!(sum.errors, 0, "{sum:?}");
    let run = store.runs().unwrap().pop().unwrap();
    let recs = store.samples(&run.run_id).unwrap();
    (run, recs)
}

#[test]
fn reference_solver_scores_100_percent_in_every_mode() {
    for mode in Mode::ALL {
        let recs = run_mode(mode, 2, "");
        let families: usize = CLASSES.iter().map(|c| c.families().len()).sum();
        assert_eq!(recs.len(), families * 3 * 2);
        for r in &recs {
            let s = &r.scores["check"];
            assert_eq!(s.value, 1.0, "{mode:?} {}: {:?}", r.key, s.explanation);
            let d = s.metadata.as_ref().unwrap();
            assert_eq!(d["first_failing_step"], Value::Null, "{}", r.key);
        }
    }
}

#[test]
fn human_mode_records_the_overseers_corrections() {
    // The overseer corrects the first step of the first task it sees and accepts the rest.
    let recs = run_mode(Mode::Human, 1, "c NOT-THE-ANSWER\n");
    let corrected: Vec<_> = recs
        .iter()
        .filter(|r| {
            r.state.as_ref().unwrap().messages.iter().any(|m| {
                m.content
                    .contains("corrected by the overseer: NOT-THE-ANSWER")
            })
        })
        .collect();
    assert_eq!(corrected.len(), 1);
    let accepted = recs
        .iter()
        .filter(|r| {
            r.state
                .as_ref()
                .unwrap()
                .messages
                .iter()
                .any(|m| m.content.contains("accepted by the overseer"))
        })
        .count();
    assert!(accepted >= recs.len() - 1);
}

#[test]
fn generation_is_deterministic_and_every_task_validates() {
    for c in CLASSES {
        let a = release::jsonl(&release::generate(*c, 3, RELEASE_SEED));
        let b = release::jsonl(&release::generate(*c, 3, RELEASE_SEED));
        assert_eq!(a, b, "{}", c.class().slug());
        let other = release::jsonl(&release::generate(*c, 3, RELEASE_SEED + 1));
        assert_ne!(a, other, "{}: the seed must matter", c.class().slug());
        for t in release::generate(*c, 3, RELEASE_SEED) {
            c.validate(&t["check"]).unwrap();
            assert!(
                t["metadata"]["canary"]
                    .as_str()
                    .unwrap()
                    .starts_with("SAFEPARETO-CANARY")
            );
            assert!(
                c.chance(t["metadata"]["tier"].as_u64().unwrap() as u8) < 0.01,
                "{}",
                c.class().slug()
            );
        }
    }
}

#[test]
fn the_committed_release_regenerates_byte_for_byte() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../research");
    for c in CLASSES {
        let path = root.join(c.class().slug()).join("tasks.jsonl");
        let committed =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let fresh = release::jsonl(&release::generate(*c, release::PER_TIER, RELEASE_SEED));
        assert!(
            committed == fresh,
            "{} differs from its regeneration: run `spi research generate`",
            path.display()
        );
    }
}

fn tasks_of(slug: &str, per_tier: usize) -> (&'static dyn ClassTask, Vec<Value>) {
    let c = CLASSES.iter().find(|c| c.class().slug() == slug).unwrap();
    (*c, release::generate(*c, per_tier, RELEASE_SEED))
}

fn bump_last_number(text: &str, delta: &str) -> String {
    // Replaces the last number in `text` with itself plus `delta` (exactly).
    let re = regex_lite(text);
    let (start, end) = re;
    let x: spi_games::Rational = text[start..end].parse().unwrap();
    let d: spi_games::Rational = delta.parse().unwrap();
    format!("{}{}{}", &text[..start], x + d, &text[end..])
}

/// The byte span of the last number (`-3`, `7/2`) in `text`.
fn regex_lite(text: &str) -> (usize, usize) {
    let b = text.as_bytes();
    let mut end = b.len();
    while end > 0 && !b[end - 1].is_ascii_digit() {
        end -= 1;
    }
    let mut start = end;
    while start > 0
        && (b[start - 1].is_ascii_digit() || b[start - 1] == b'/' || b[start - 1] == b'-')
    {
        start -= 1;
    }
    (start, end)
}

#[test]
fn a_rational_off_by_one_thousandth_is_rejected() {
    for slug in ["exact-computation", "verify-refute"] {
        let (c, tasks) = tasks_of(slug, 5);
        for t in &tasks {
            let spec = &t["check"];
            let r = c.reference(spec).unwrap();
            // Exact computation: the first part's first number; verify-refute: the loss or the gain.
            let near = if slug == "exact-computation" {
                let first = r.split(" | ").next().unwrap();
                let (a, _) = first.split_once(',').unwrap();
                let x: spi_games::Rational = a.trim().parse().unwrap();
                let d: spi_games::Rational = "1/1000".parse().unwrap();
                r.replacen(first, &first.replacen(a, &(x + d).to_string(), 1), 1)
            } else {
                bump_last_number(&r, "1/1000")
            };
            assert_ne!(near, r);
            let g = c.grade(spec, &near).unwrap();
            assert!(!g.correct, "{slug}: {near} accepted (reference {r})");
        }
    }
}

#[test]
fn an_action_map_off_by_one_action_is_rejected_unless_the_verifier_accepts_it() {
    let (c, tasks) = tasks_of("search", 10);
    let (mut tried, mut rejected) = (0, 0);
    for t in &tasks {
        let spec = &t["check"];
        let r = c.reference(spec).unwrap();
        if r.starts_with("NONE") {
            // Off by one action in the survivor list.
            let near = r.replacen("R", "R1", 1);
            assert!(!c.grade(spec, &near).unwrap().correct, "{near}");
            continue;
        }
        // Shift the first image to the next action name (R2 -> R3, wrapping to R1).
        let (head, rest) = r.split_once("->").unwrap();
        let img: String = rest
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric())
            .collect();
        let n: usize = img[1..].parse().unwrap();
        let m = spi_research::classes::common::game_at(spec, "game")
            .unwrap()
            .num_actions(0);
        let shifted = format!("R{}", n % m + 1);
        let near = format!("{head}->{shifted}{}", &rest[img.len()..]);
        tried += 1;
        let g = c.grade(spec, &near).unwrap();
        if g.correct {
            // Then it must be a genuine SPI: the grader is the verifier, so check it says so.
            assert!(
                g.explanation.contains("verifier accepts"),
                "{near}: {}",
                g.explanation
            );
        } else {
            rejected += 1;
        }
    }
    assert!(
        tried > 0 && rejected * 10 >= tried * 8,
        "{rejected}/{tried} near-miss maps rejected"
    );
}

#[test]
fn graders_are_total_on_hostile_answers() {
    let hostile = [
        "",
        " ",
        "NONE",
        "NONE |",
        "NONE | ;",
        "VALID",
        "VALID |",
        "| | | |",
        "->;->",
        "R1->",
        ";;;;",
        "(R1, C1) | Row | 1/0",
        "(R99, C1) | Row | 1",
        "ANSWER: ANSWER:",
        "é→ü; ⊥",
        "1e99999, 3",
        "C, D | S1, S2 | ",
        "\u{0}\u{7f}",
        "R1->R1, R1->R2; C1->C1",
    ];
    let long = "R1->R2, ".repeat(5000);
    for (c, tasks) in small_release(2) {
        for t in &tasks {
            let spec = &t["check"];
            for h in hostile.iter().copied().chain([long.as_str()]) {
                let g = c.grade(spec, h).unwrap();
                assert!(!g.correct, "{}: `{h}` accepted", c.class().slug());
            }
            let steps = c.steps(spec).unwrap();
            for i in 0..steps.len() {
                for h in hostile {
                    let _ = c.grade_step(spec, i, h).unwrap();
                }
            }
        }
    }
}

#[test]
fn a_malformed_spec_is_an_error_not_a_panic() {
    let bad = [
        serde_json::json!({}),
        serde_json::json!({"kind": "research", "class": "search", "tier": 9}),
        serde_json::json!({"kind": "research", "class": "search", "tier": 1, "game": 3}),
        serde_json::json!({"kind": "research", "class": "verify-refute", "tier": 1, "game": {"players": []}}),
        serde_json::json!({"kind": "research", "class": "exact-computation", "tier": 1, "parts": [{"kind": "nope"}]}),
    ];
    for c in CLASSES {
        for b in &bad {
            assert!(c.validate(b).is_err());
            assert!(c.grade(b, "x").is_err());
        }
    }
}

#[test]
fn handwritten_classes_load_and_the_critique_grader_agrees_with_itself() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../research");
    let text = std::fs::read_to_string(root.join("critique/items.jsonl")).unwrap();
    let items = handwritten::parse_critiques("critique/items.jsonl", &text).unwrap();
    assert!(items.len() >= 30);
    let text = std::fs::read_to_string(root.join("open-questions/items.jsonl")).unwrap();
    let qs = handwritten::parse_open_questions("open-questions/items.jsonl", &text).unwrap();
    assert!(qs.len() >= 30);
    use spi_eval::check::{CheckInput, EngineCheck};
    let check = handwritten::CritiqueCheck;
    for it in &items {
        let v = handwritten::critique_sample(it);
        let sample: Sample = serde_json::from_value(v.clone()).unwrap();
        let spec = &v["check"];
        let grade = |out: &str| {
            check
                .check(
                    spec,
                    &CheckInput {
                        output: out,
                        sample: &sample,
                        messages: &[],
                    },
                )
                .unwrap()
        };
        let best = check.reference_answer(spec).unwrap();
        assert_eq!(grade(&best).value, 1.0, "{}", it.id);
        assert_eq!(grade("ANSWER: nothing").value, 0.0);
        // Reversed ratings: agreement no better than chance.
        let reversed: Vec<String> = it
            .critiques
            .iter()
            .map(|c| format!("{}={}", c.id, 6 - c.rating))
            .collect();
        assert!(grade(&format!("ANSWER: {}", reversed.join(", "))).value <= 0.5);
    }
    assert_eq!(
        handwritten::spearman(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]),
        1.0
    );
    assert_eq!(
        handwritten::spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]),
        -1.0
    );
    let bad = "{\"id\": \"x\", \"version\": \"1-0\"}\n";
    let e = handwritten::parse_critiques("f.jsonl", bad).unwrap_err();
    assert!(e.to_string().starts_with("f.jsonl:1: canary"), "{e}");
}

#[test]
fn every_formalise_claim_is_balanced_on_its_games() {
    // Each claim template, at some parameter, is true on at least a tenth and at most nine tenths
    // of the generated games, so no constant predicate can pass.
    let (c, tasks) = tasks_of("formalise", 10);
    let mut seen = std::collections::BTreeSet::new();
    for t in &tasks {
        c.validate(&t["check"]).unwrap();
        seen.insert(
            t["check"]["claim"]
                .as_str()
                .unwrap()
                .split(' ')
                .take(4)
                .collect::<Vec<_>>()
                .join(" "),
        );
        for constant in ["0 = 0", "0 = 1"] {
            assert!(!c.grade(&t["check"], constant).unwrap().correct);
        }
    }
    assert!(seen.len() >= 8, "{seen:?}");
}

#[test]
fn formalise_accepts_an_equivalent_predicate_written_differently() {
    let (c, tasks) = tasks_of("formalise", 10);
    let prefix = "exists r in rows: forall c in cols: u1(r, c) >= ";
    let t = tasks
        .iter()
        .find(|t| {
            t["check"]["reference"]
                .as_str()
                .unwrap()
                .starts_with(prefix)
        })
        .unwrap();
    let spec = &t["check"];
    let k = &spec["reference"].as_str().unwrap()[prefix.len()..];
    let same = format!("not (forall x in rows: exists y in cols: {k} - u1(x, y) > 0)");
    assert!(c.grade(spec, &same).unwrap().correct, "{same}");
    let off = format!("exists r in rows: forall c in cols: u1(r, c) > {k}");
    let g = c.grade(spec, &off).unwrap();
    assert!(
        !g.correct && g.feedback.contains("your predicate is false"),
        "{}",
        g.feedback
    );
    let deep = format!("{}0 = 0{}", "(".repeat(500), ")".repeat(500));
    assert!(c.grade(spec, &deep).unwrap().answer.is_none());
}

#[test]
fn program_design_runs_the_answer_in_the_sandbox() {
    let (c, tasks) = tasks_of("program-design", 4);
    for t in &tasks {
        let spec = &t["check"];
        let out = format!(
            "Here it is.\nANSWER:\n```spl\n{}\n```",
            c.reference(spec).unwrap()
        );
        assert!(c.grade(spec, &c.answer_text(&out)).unwrap().correct);
        for bad in [
            "name \"D\";\nmain {\n  return \"D\";\n}\n",
            "name \"C\";\nmain {\n  return \"C\";\n}\n",
            "fn f(x) { return f(x); } main { return f(1); }",
            "main { return sim(them, them); }",
        ] {
            let g = c.grade(spec, bad).unwrap();
            assert!(!g.correct, "{bad}");
        }
    }
}

#[test]
fn the_release_lints_clean_and_the_linter_names_lines() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../research");
    for c in CLASSES {
        let text =
            std::fs::read_to_string(root.join(c.class().slug()).join("tasks.jsonl")).unwrap();
        assert_eq!(release::lint(&text), vec![], "{}", c.class().slug());
    }
    let mut t = release::sample(CLASSES[0], 1, 0, RELEASE_SEED);
    t["metadata"]["version"] = "0-9".into();
    t["check"]["tier"] = 7.into();
    let bad = format!(
        "{}\n{{\"id\": \"x\", \"canary\": 1}}\n",
        serde_json::to_string(&t).unwrap()
    );
    let f = release::lint(&bad);
    assert_eq!(f.len(), 3, "{f:?}");
    assert!(
        f[0].message.starts_with("metadata.version")
            && f[1].message.contains("tier")
            && f[2].line == 2,
        "{f:?}"
    );
}

/// The isomorphism claims of class 2, with each claim read back from its spec.
fn isomorphism_tasks(per_tier: usize) -> Vec<(Value, IsoClaim)> {
    let (_, tasks) = tasks_of("verify-refute", per_tier);
    tasks
        .into_iter()
        .filter(|t| t["metadata"]["family"] == isomorphic::FAMILY)
        .map(|t| {
            let c = IsoClaim::from_spec(&t["check"]).unwrap();
            (t["check"].clone(), c)
        })
        .collect()
}

#[test]
fn oc2022_isomorphism_claims_agree_with_spi_theory_and_mix_valid_and_near_miss() {
    // Every released claim: the definition checked profile by profile and the engine's
    // isomorphism search give the same verdict, and the release mixes the two.
    let tasks = isomorphism_tasks(release::PER_TIER);
    assert_eq!(tasks.len(), 3 * release::PER_TIER);
    let mut valid = 0;
    for (_, c) in &tasks {
        let ok = c.violations().is_empty();
        assert_eq!(c.engine_accepts(), Some(ok), "{}", c.text());
        valid += usize::from(ok);
    }
    assert!(
        (20..=45).contains(&valid),
        "{valid} of {} claims valid",
        tasks.len()
    );
}

#[test]
fn isomorphism_near_misses_and_scrambled_answers_are_rejected() {
    let c = CLASSES
        .iter()
        .find(|c| c.class().slug() == "verify-refute")
        .unwrap();
    let (mut refuted, mut confirmed) = (0, 0);
    for (spec, claim) in isomorphism_tasks(10) {
        let r = c.reference(&spec).unwrap();
        assert!(c.grade(&spec, &r).unwrap().correct, "{r}");
        let parts: Vec<&str> = r.split(" | ").collect();
        let (x, y) = parts[2].split_once(", ").unwrap();
        // The two values swapped, and the answer of the other verdict, always fail.
        let swapped = format!("{} | {} | {y}, {x}", parts[0], parts[1]);
        assert!(
            !c.grade(&spec, &swapped).unwrap().correct || x == y,
            "{swapped}"
        );
        let violations = claim.violations();
        if violations.is_empty() {
            confirmed += 1;
            // A valid claim has no counterexample: the true values at any profile are equal.
            for a in claim.game.profiles() {
                for i in 0..2 {
                    let u = claim.game.payoff(&a, i);
                    let guess = format!(
                        "({}, {}) | {} | {u}, {u}",
                        claim.game.actions(0)[a[0]],
                        claim.game.actions(1)[a[1]],
                        claim.game.players()[i]
                    );
                    assert!(!c.grade(&spec, &guess).unwrap().correct, "{guess}");
                }
            }
            // The image of another profile than the probe fails.
            let other = [
                (claim.probe[0] + 1) % claim.game.num_actions(0),
                claim.probe[1],
            ];
            let b = claim.image(other);
            let u = claim.other.payoffs(&b);
            let near = format!(
                "VALID | ({}, {}) | {}, {}",
                claim.other.actions(0)[b[0]],
                claim.other.actions(1)[b[1]],
                u[0],
                u[1]
            );
            assert!(!c.grade(&spec, &near).unwrap().correct, "{near}");
        } else {
            refuted += 1;
            // Every true counterexample passes, not only the reference's.
            for (a, i) in &violations {
                let ans = format!(
                    "({}, {}) | {} | {}, {}",
                    claim.game.actions(0)[a[0]],
                    claim.game.actions(1)[a[1]],
                    claim.game.players()[*i],
                    claim.game.payoff(a, *i),
                    claim.claimed(*a, *i)
                );
                assert!(c.grade(&spec, &ans).unwrap().correct, "{ans}");
            }
            // VALID with the probe's true image and payoffs still fails on a refuted claim.
            let b = claim.image(claim.probe);
            let u = claim.other.payoffs(&b);
            let bare = format!(
                "VALID | ({}, {}) | {}, {}",
                claim.other.actions(0)[b[0]],
                claim.other.actions(1)[b[1]],
                u[0],
                u[1]
            );
            assert!(!c.grade(&spec, &bare).unwrap().correct, "{bare}");
            // The right profile with the other player fails unless that player is refuted there too.
            let (a, i) = violations[0];
            if !violations.contains(&(a, 1 - i)) {
                let wrong = format!(
                    "({}, {}) | {} | {}, {}",
                    claim.game.actions(0)[a[0]],
                    claim.game.actions(1)[a[1]],
                    claim.game.players()[1 - i],
                    claim.game.payoff(&a, i),
                    claim.claimed(a, i)
                );
                assert!(!c.grade(&spec, &wrong).unwrap().correct, "{wrong}");
            }
        }
    }
    assert!(
        refuted > 0 && confirmed > 0,
        "{refuted} refuted, {confirmed} confirmed"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// Each kind of isomorphism claim, drawn from any seed at any tier, is valid exactly when it
    /// is the true isomorphism; the engine agrees; and the reference answer grades as right.
    #[test]
    fn every_kind_of_isomorphism_claim_is_what_it_says(seed: u64, tier in 1u8..=3, k in 0usize..5) {
        use rand_chacha::rand_core::SeedableRng;
        let kind = [NearMiss::None, NearMiss::Swap, NearMiss::Scale, NearMiss::Shift, NearMiss::Cell][k];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut spec = loop {
            if let Some(s) = isomorphic::draw(&mut rng, tier, kind) {
                break s;
            }
        };
        spec["tier"] = tier.into();
        let claim = IsoClaim::from_spec(&spec).unwrap();
        let violations = claim.violations();
        proptest::prop_assert_eq!(violations.is_empty(), kind == NearMiss::None);
        proptest::prop_assert_eq!(claim.engine_accepts(), Some(violations.is_empty()));
        if kind == NearMiss::Cell {
            // One payoff of H changed: exactly one profile and player refute the claim.
            proptest::prop_assert_eq!(violations.len(), 1);
        }
        let r = isomorphic::reference(&spec).unwrap();
        proptest::prop_assert!(isomorphic::grade(&spec, &r).unwrap().correct, "{}", r);
    }
}

/// The tasks of one family of a class, with their specs.
fn family_tasks(slug: &str, family: &str, per_tier: usize) -> (&'static dyn ClassTask, Vec<Value>) {
    let (c, tasks) = tasks_of(slug, per_tier);
    let specs = tasks
        .into_iter()
        .filter(|t| t["metadata"]["family"] == family)
        .map(|t| t["check"].clone())
        .collect();
    (c, specs)
}

/// PI-not-FI by the definitions, computed here from the spec's demands without the engine: every
/// p_i keeps its demand under f and equals p^P_i; p^F_i differs exactly for the agent.
fn pi_not_fi_by_definition(task: &independence::Task, choices: &[independence::Choice]) -> bool {
    task.menus
        .iter()
        .zip(choices)
        .enumerate()
        .all(|(i, (m, c))| {
            let p = &m.programs[c[0]];
            let d = |q: &str| -> spi_games::Rational {
                m.demands[q].as_str().unwrap().parse().unwrap()
            };
            let f = m.transformation[p].as_str().unwrap();
            d(p) == d(f) && c[1] == c[0] && ((c[2] != c[0]) == (i == task.agent))
        })
}

#[test]
fn agenda_b2_pi_not_fi_grader_agrees_with_the_definitions_on_every_answer() {
    // Every answer to a tier-1 task (three programs per player among four, two players): the
    // engine-graded verdict equals the definitions', and more than the witness passes.
    let (c, specs) = family_tasks("counterexample", independence::FAMILY, 3);
    let mut checked = 0;
    for spec in specs.iter().filter(|s| s["tier"] == 1) {
        let task = independence::Task::from_spec(spec).unwrap();
        let n = task.menus[0].programs.len();
        let all: Vec<independence::Choice> = (0..n * n * n)
            .map(|x| [x / (n * n), (x / n) % n, x % n])
            .collect();
        let mut right = 0;
        for a in &all {
            for b in &all {
                let choices = [*a, *b];
                let g = c.grade(spec, &task.text(&choices)).unwrap();
                assert_eq!(
                    g.correct,
                    pi_not_fi_by_definition(&task, &choices),
                    "{}: {}",
                    task.text(&choices),
                    g.explanation
                );
                right += usize::from(g.correct);
            }
        }
        // The agent's p^F has n - 1 choices, so at least that many answers pass.
        assert!(right >= n - 1, "{right} right answers");
        assert!(
            (right as f64) / ((all.len() * all.len()) as f64) <= independence::chance(1) + 1e-12
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn pi_not_fi_near_misses_are_rejected() {
    let (c, specs) = family_tasks("counterexample", independence::FAMILY, 10);
    assert_eq!(specs.len(), 30);
    for spec in &specs {
        let task = independence::Task::from_spec(spec).unwrap();
        let w = task.parse(&c.reference(spec).unwrap()).unwrap();
        assert!(c.grade(spec, &task.text(&w)).unwrap().correct);
        let n = task.menus[0].programs.len();
        let a = task.agent;
        let other = (a + 1) % task.menus.len();
        let dp = task.demand_preserving().unwrap();
        let not_dp = (0..n).find(|q| !dp[a].contains(q)).unwrap();
        let mut misses: Vec<(&str, Vec<independence::Choice>)> = Vec::new();
        // The agent decides the same knowing in advance: FI holds.
        let mut m = w.clone();
        m[a][2] = m[a][0];
        misses.push(("FI", m));
        // The agent would have chosen otherwise had the others not participated: not PI.
        let mut m = w.clone();
        m[a][1] = m[a][2];
        misses.push(("not PI", m));
        // A second player's foreknowledge choice differs too.
        let mut m = w.clone();
        m[other][2] = (m[other][0] + 1) % n;
        misses.push(("two agents", m));
        // The agent's program is one f changes the demand of: not demand-preserving.
        let mut m = w.clone();
        m[a] = [not_dp, not_dp, (not_dp + 1) % n];
        misses.push(("not DP", m));
        for (why, m) in misses {
            let g = c.grade(spec, &task.text(&m)).unwrap();
            assert!(!g.correct, "{why}: {} accepted", task.text(&m));
        }
        // Scrambled: players swapped or a replacement program named.
        let text = task.text(&w);
        let swapped = text.replacen(&task.menus[a].player, "Z", 1);
        assert!(
            c.grade(spec, &swapped).unwrap().answer.is_none(),
            "{swapped}"
        );
        let primed = format!("{}'", text);
        assert!(c.grade(spec, &primed).unwrap().answer.is_none(), "{primed}");
    }
}

#[test]
fn dcm2024_renegotiation_mismatch_grader_agrees_with_algorithm_1_on_every_answer() {
    // Every pair of proposals on tier-1 tasks: the interpreter-run grader accepts exactly the
    // pairs of two different profiles that each Pareto-improve the defaults' outcome with a
    // different payoff pair.
    let (c, specs) = family_tasks("counterexample", mismatch::FAMILY, 2);
    let mut checked = 0;
    for spec in specs.iter().filter(|s| s["tier"] == 1) {
        let task = mismatch::Task::from_spec(spec).unwrap();
        let improvements = task.improvements();
        let profiles: Vec<[usize; 2]> = task.game.profiles().map(|p| [p[0], p[1]]).collect();
        for a in &profiles {
            for b in &profiles {
                let want = a != b && improvements.contains(a) && improvements.contains(b);
                let answer = task.text([*a, *b]);
                let g = c.grade(spec, &answer).unwrap();
                assert_eq!(g.correct, want, "{answer}: {}", g.explanation);
            }
        }
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn renegotiation_mismatch_near_misses_are_rejected() {
    let (c, specs) = family_tasks("counterexample", mismatch::FAMILY, 10);
    assert_eq!(specs.len(), 30);
    for spec in &specs {
        let task = mismatch::Task::from_spec(spec).unwrap();
        let [p, q] = task.parse(&c.reference(spec).unwrap()).unwrap();
        // Swapped proposals are still a right answer: any valid pair passes.
        assert!(c.grade(spec, &task.text([q, p])).unwrap().correct);
        // Matching proposals renegotiate; a proposal that is a_def itself keeps a_def.
        let a_def = task.default_outcome();
        for near in [[p, p], [q, q], [a_def, q], [p, a_def]] {
            let g = c.grade(spec, &task.text(near)).unwrap();
            assert!(!g.correct, "{} accepted", task.text(near));
        }
        // An action off by one in a proposal fails unless it lands on another improvement.
        let k = task.game.num_actions(0);
        let off = [(p[0] + 1) % k, p[1]];
        let g = c.grade(spec, &task.text([off, q])).unwrap();
        assert_eq!(
            g.correct,
            off != q && task.improvements().contains(&off),
            "{}",
            task.text([off, q])
        );
        assert!(c.grade(spec, "(R1, C1)").unwrap().answer.is_none());
    }
}

#[test]
fn the_report_splits_classes_with_several_families() {
    // The engine solves one task per family and tier; then every isomorphism attempt is marked
    // wrong, so the split shows what the class row averages away.
    let (run, mut recs) = run_mode_with_info(Mode::EndToEnd, 1, "");
    for r in recs.iter_mut().filter(|r| {
        r.sample.metadata.get("family").and_then(Value::as_str) == Some(isomorphic::FAMILY)
    }) {
        r.scores.get_mut("check").unwrap().value = 0.0;
    }
    let runs = vec![(run, recs)];
    let (rows, families) = (report::rows(&runs), report::family_rows(&runs));
    let expected: Vec<(String, String, u64)> = CLASSES
        .iter()
        .filter(|c| c.families().len() > 1)
        .flat_map(|c| {
            c.families().iter().flat_map(move |f| {
                let name = if f.is_empty() {
                    c.first_family_name()
                } else {
                    f
                };
                (1..=3).map(move |t| (c.class().slug().to_string(), name.to_string(), t))
            })
        })
        .collect();
    let got: Vec<(String, String, u64)> = families
        .iter()
        .map(|r| (r.class.clone(), r.family.clone().unwrap(), r.tier))
        .collect();
    assert_eq!(got, expected);
    for f in &families {
        let want = if f.family.as_deref() == Some(isomorphic::FAMILY) {
            0
        } else {
            1
        };
        assert_eq!((f.tasks, f.solved), (1, want), "{f:?}");
    }
    // Class rows carry no family, and a class's family rows add up to its class rows.
    assert!(rows.iter().all(|r| r.family.is_none()));
    for r in rows
        .iter()
        .filter(|r| expected.iter().any(|e| e.0 == r.class))
    {
        let parts: Vec<&report::Row> = families
            .iter()
            .filter(|f| f.class == r.class && f.tier == r.tier)
            .collect();
        assert_eq!(parts.iter().map(|f| f.attempts).sum::<usize>(), r.attempts);
        assert_eq!(parts.iter().map(|f| f.solved).sum::<usize>(), r.solved);
    }
    let vr = rows
        .iter()
        .find(|r| r.class == "verify-refute" && r.tier == 2)
        .unwrap();
    assert_eq!(vr.solved, 1);
    let md = report::markdown(&rows, &families);
    let line = format!(
        "| {} | {} | verify-refute | isomorphism | 2 | 1 | 0/1 | 0.000 [",
        vr.model, vr.mode
    );
    assert!(md.contains("## Per family") && md.contains(&line), "{md}");
    let doc = report::document(&rows, &families);
    assert!(doc["rows"][0].get("family").is_none());
    assert_eq!(doc["families"][0]["family"], "action-map");
}
