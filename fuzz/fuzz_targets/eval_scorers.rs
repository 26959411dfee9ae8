//! Fuzz target: every answer extractor, text scorer and the built-in engine check is total over
//! arbitrary UTF-8 model output (issue 9: a multi-byte reply panicked `extract_answer` and the
//! sample vanished). No input may panic, and every score lies in [0, 1]. The first byte picks
//! the number of choices and whether they were shuffled; the rest is the output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spi_eval::check::{CheckInput, CheckRegistry};
use spi_eval::dataset::{Input, Sample};
use spi_eval::extract::{extract_answer, extract_letter, last_number, parse_rational};
use spi_eval::scorer::score_text;
use spi_eval::solver::TaskState;
use spi_eval::suite::ScorerConfig;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let out = String::from_utf8_lossy(rest);
    let n = (head % 27) as usize;
    let _ = extract_answer(&out);
    if let Some(c) = extract_letter(&out, n) {
        assert!(c.is_ascii_uppercase() && ((c as u8 - b'A') as usize) < n);
    }
    let _ = last_number(&out);
    let _ = parse_rational(&out);

    let k = 2 + (head as usize % 5);
    let choices: Vec<String> = (0..k).map(|i| format!("option {i}")).collect();
    let mut order: Vec<usize> = (0..k).collect();
    if head & 0x80 != 0 {
        order.reverse();
    }
    let sample = Sample {
        id: "f".into(),
        input: Input::Text("q".into()),
        target: vec!["B".into(), "3/4".into()],
        choices: Some(choices.clone()),
        metadata: Default::default(),
        failure_mode: None,
        generator: None,
        seed: None,
        check: Some(serde_json::json!({"kind": "arithmetic", "op": "mul", "operands": [3, 5]})),
    };
    let state = TaskState {
        output: out.to_string(),
        choices: Some(order.iter().map(|&i| choices[i].clone()).collect()),
        choice_order: Some(order),
        ..Default::default()
    };
    for cfg in [
        ScorerConfig::Exact { case_sensitive: false },
        ScorerConfig::Exact { case_sensitive: true },
        ScorerConfig::Choice,
        ScorerConfig::Regex { pattern: r"(?i)answer\s*[:：]\s*(\S+)".into() },
        ScorerConfig::Numeric { tolerance: 0.0 },
        ScorerConfig::Numeric { tolerance: 0.25 },
    ] {
        let s = score_text(&cfg, &sample, &state).expect("text scorers accept any output");
        assert!((0.0..=1.0).contains(&s.value), "{cfg:?} gave {}", s.value);
    }
    let reg = CheckRegistry::with_builtins();
    let spec = sample.check.clone().unwrap();
    let v = reg
        .get("arithmetic")
        .unwrap()
        .check(&spec, &CheckInput { output: &out, sample: &sample, messages: &[] })
        .expect("a valid spec grades any output");
    assert!((0.0..=1.0).contains(&v.value));
});
