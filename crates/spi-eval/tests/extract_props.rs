//! Property tests: every answer extractor and text scorer is total over arbitrary UTF-8 and
//! over long outputs (issue 9: a reply starting `Hé là là` panicked `extract_answer`), scores
//! stay in [0, 1], and the numeric scorer's rationals are exact.

use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;
use spi_eval::check::{CheckInput, CheckRegistry};
use spi_eval::dataset::{Input, Sample};
use spi_eval::extract::{extract_answer, extract_letter, last_number, parse_rational};
use spi_eval::scorer::score_text;
use spi_eval::solver::TaskState;
use spi_eval::suite::ScorerConfig;

/// Text built to hit the extractors' edges: answer markers in several spellings next to
/// multi-byte characters, digits of other scripts, emphasis, brackets and line breaks.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("ANSWER:".to_string()),
        Just("answer".to_string()),
        Just("Answé".to_string()),
        Just("**Answer:**".to_string()),
        Just("ANSWER：".to_string()),
        Just("\n".to_string()),
        Just("(".to_string()),
        Just("-".to_string()),
        Just("/".to_string()),
        Just("e-".to_string()),
        Just("٣".to_string()),
        Just("Hé là là".to_string()),
        "[0-9.,/e-]{0,12}",
        "[A-Za-z]{0,3}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn sample(choices: Option<Vec<String>>, target: Vec<String>) -> Sample {
    Sample {
        id: "s".into(),
        input: Input::Text("q".into()),
        target,
        choices,
        metadata: Default::default(),
        failure_mode: None,
        generator: None,
        seed: None,
        check: Some(serde_json::json!({"kind": "arithmetic", "op": "add", "operands": [2, 2]})),
    }
}

fn scorers() -> Vec<ScorerConfig> {
    vec![
        ScorerConfig::Exact {
            case_sensitive: false,
        },
        ScorerConfig::Exact {
            case_sensitive: true,
        },
        ScorerConfig::Choice,
        ScorerConfig::Regex {
            pattern: r"ANSWER:\s*(\S+)".into(),
        },
        ScorerConfig::Numeric { tolerance: 0.0 },
        ScorerConfig::Numeric { tolerance: 0.5 },
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn extractors_and_scorers_are_total(out in hostile_text(), n in 0usize..30) {
        let a = extract_answer(&out);
        prop_assert!(out.contains(a.as_str()) || a.is_empty());
        if let Some(c) = extract_letter(&out, n) {
            prop_assert!(c.is_ascii_uppercase() && ((c as u8 - b'A') as usize) < n);
        }
        if let Some(num) = last_number(&out) {
            prop_assert!(num.chars().count() <= spi_eval::extract::MAX_NUMBER_CHARS);
        }
        let _ = parse_rational(&out);
        let state = TaskState {
            output: out.clone(),
            choices: Some(vec!["x".into(), "y".into(), "z".into()]),
            choice_order: Some(vec![2, 0, 1]),
            ..Default::default()
        };
        let s = sample(Some(vec!["x".into(), "y".into(), "z".into()]), vec!["A".into(), "4".into()]);
        for cfg in scorers() {
            let score = score_text(&cfg, &s, &state).unwrap();
            prop_assert!((0.0..=1.0).contains(&score.value), "{cfg:?}: {}", score.value);
        }
        let reg = CheckRegistry::with_builtins();
        let spec = s.check.clone().unwrap();
        let check = reg.get("arithmetic").unwrap();
        let v = check.check(&spec, &CheckInput { output: &out, sample: &s, messages: &[] }).unwrap();
        prop_assert!((0.0..=1.0).contains(&v.value));
    }

    #[test]
    fn long_outputs_are_fine(unit in "\\PC{1,4}", reps in 1usize..20_000) {
        let out = unit.repeat(reps);
        let _ = extract_answer(&out);
        let _ = extract_letter(&out, 4);
        let _ = last_number(&out);
    }

    #[test]
    fn fractions_and_decimals_are_exact(p in -10_000i64..10_000, q in 1i64..10_000, k in 0u32..6) {
        let want = BigRational::new(BigInt::from(p), BigInt::from(q));
        prop_assert_eq!(parse_rational(&format!("{p}/{q}")), Some(want.clone()));
        prop_assert_eq!(parse_rational(&format!("{p}/-{q}")), Some(-want));
        // p / 10^k written as a decimal.
        let scale = 10i64.pow(k);
        let (int, frac) = (p.abs() / scale, p.abs() % scale);
        let text = if k == 0 {
            format!("{}{int}", if p < 0 { "-" } else { "" })
        } else {
            format!("{}{int}.{frac:0width$}", if p < 0 { "-" } else { "" }, width = k as usize)
        };
        prop_assert_eq!(
            parse_rational(&text),
            Some(BigRational::new(BigInt::from(p), BigInt::from(scale))),
            "{}", text
        );
    }
}

#[test]
fn numeric_scorer_compares_rationals_exactly() {
    let s = sample(None, vec!["3/4".into()]);
    let grade = |out: &str, tolerance: f64| {
        let state = TaskState {
            output: out.into(),
            ..Default::default()
        };
        score_text(&ScorerConfig::Numeric { tolerance }, &s, &state)
            .unwrap()
            .value
    };
    assert_eq!(grade("ANSWER: 0.75", 0.0), 1.0);
    assert_eq!(grade("ANSWER: 75e-2", 0.0), 1.0);
    assert_eq!(grade("ANSWER: 6/8", 0.0), 1.0);
    assert_eq!(grade("ANSWER: 0.7500000001", 0.0), 0.0);
    assert_eq!(grade("ANSWER: 0.7500000001", 1e-6), 1.0);
    assert_eq!(grade("ANSWER: -3/4", 0.0), 0.0);
}
