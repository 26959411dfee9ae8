//! Tests against the real SmolLM2-135M-Instruct GGUF, gated behind `SPI_LIVE_LOCAL_MODEL=1`
//! because they need the 98 MB file (`spi model fetch smollm2` puts it in the cache; CI fetches
//! it first). The file is found at `$SPI_LOCAL_MODEL_PATH`, else in the cache directory the CLI
//! uses (`$SPI_CACHE_DIR`, `$XDG_CACHE_HOME/safepareto`, `~/.cache/safepareto`).
//! With the variable unset each test says it was skipped on stderr and passes.

use std::path::PathBuf;

use serde::Deserialize;
use spi_local::{
    BatchOptions, ChatMessage, Completion, GenerationParams, GgufTokenizer, LocalError, LocalModel,
    ModelServer, candle_threads, resolve_model,
};

fn live_model_path(test: &str) -> Option<PathBuf> {
    if std::env::var("SPI_LIVE_LOCAL_MODEL").as_deref() != Ok("1") {
        eprintln!("{test}: skipped (set SPI_LIVE_LOCAL_MODEL=1 after `spi model fetch smollm2`)");
        return None;
    }
    if let Some(p) = std::env::var_os("SPI_LOCAL_MODEL_PATH") {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("SPI_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("safepareto")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/safepareto")))
        .expect("no cache directory: set SPI_CACHE_DIR or SPI_LOCAL_MODEL_PATH");
    Some(
        resolve_model("smollm2", &cache)
            .expect("SPI_LIVE_LOCAL_MODEL=1 but the model is not cached"),
    )
}

fn user(text: &str) -> Vec<ChatMessage> {
    vec![ChatMessage {
        role: "user".to_owned(),
        content: text.to_owned(),
    }]
}

fn greedy(max_tokens: u32) -> GenerationParams {
    GenerationParams {
        max_tokens,
        temperature: 0.0,
        seed: 0,
        stop: vec![],
    }
}

#[derive(Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    text: String,
    ids: Vec<u32>,
}

/// Golden ids from llama.cpp (`test_data/smollm2_token_ids.json` names the command that wrote
/// them): the GGUF-built tokenizer must agree exactly, including no leading space on the first
/// word (`add_space_prefix = false`) and control tokens parsed as single ids.
#[test]
fn smollm2_token_ids_match_llama_cpp() {
    let Some(path) = live_model_path("smollm2_token_ids_match_llama_cpp") else {
        return;
    };
    let tok = GgufTokenizer::from_file(&path).unwrap();
    let golden: Golden =
        serde_json::from_str(include_str!("../test_data/smollm2_token_ids.json")).unwrap();
    assert!(golden.cases.len() >= 5);
    for case in &golden.cases {
        let ids = tok.encode(&case.text).unwrap();
        assert_eq!(
            ids, case.ids,
            "token ids differ from llama.cpp for {:?}",
            case.text
        );
        if !case.text.contains("<|") {
            assert_eq!(
                tok.decode(&ids).unwrap(),
                case.text,
                "round trip of {:?}",
                case.text
            );
        }
    }
}

#[derive(Deserialize)]
struct GreedyGolden {
    cases: Vec<GreedyCase>,
}

#[derive(Deserialize)]
struct GreedyCase {
    user: String,
    max_tokens: u32,
    text: String,
}

/// Greedy replies equal llama.cpp's on the same file (`test_data/smollm2_greedy_llama_cpp.json`
/// names the command that wrote them), and repeat exactly: the KV cache is reset per call. The
/// 135M model's answers are often wrong (it names "L'Étoile" as France's capital); matching the
/// reference implementation, not being right, is what this checks.
#[test]
fn smollm2_greedy_chat_matches_llama_cpp() {
    let Some(path) = live_model_path("smollm2_greedy_chat_matches_llama_cpp") else {
        return;
    };
    let mut model = LocalModel::load(&path, None).unwrap();
    let golden: GreedyGolden =
        serde_json::from_str(include_str!("../test_data/smollm2_greedy_llama_cpp.json")).unwrap();
    for case in &golden.cases {
        let msgs = user(&case.user);
        let a = model.chat(&msgs, &greedy(case.max_tokens)).unwrap();
        assert_eq!(a.text, case.text, "greedy reply to {:?}", case.user);
        assert_eq!(a.completion_tokens, case.max_tokens);
        assert_eq!(a.finish_reason, "length");
        let b = model.chat(&msgs, &greedy(case.max_tokens)).unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn smollm2_max_tokens_and_stop_strings() {
    let Some(path) = live_model_path("smollm2_max_tokens_and_stop_strings") else {
        return;
    };
    let mut model = LocalModel::load(&path, None).unwrap();
    let msgs = user("Write a short poem about the sea.");
    let short = model.chat(&msgs, &greedy(3)).unwrap();
    assert_eq!(short.completion_tokens, 3);
    assert_eq!(short.finish_reason, "length");

    let long = model.chat(&msgs, &greedy(24)).unwrap();
    // Stop at the third word of the greedy reply: the stopped text is exactly the prefix before it.
    let word = long
        .text
        .split_whitespace()
        .nth(2)
        .expect("at least three words");
    let cut = long.text.find(word).unwrap();
    let mut params = greedy(24);
    params.stop = vec![word.to_owned()];
    let stopped = model.chat(&msgs, &params).unwrap();
    assert_eq!(stopped.finish_reason, "stop");
    assert_eq!(stopped.text, long.text[..cut]);
}

#[test]
fn smollm2_seeded_sampling_repeats_per_seed() {
    let Some(path) = live_model_path("smollm2_seeded_sampling_repeats_per_seed") else {
        return;
    };
    let mut model = LocalModel::load(&path, None).unwrap();
    let msgs = user("Tell me a fact about cats.");
    let sample = |model: &mut LocalModel, seed| {
        let params = GenerationParams {
            max_tokens: 12,
            temperature: 1.0,
            seed,
            stop: vec![],
        };
        model.chat(&msgs, &params).unwrap().text
    };
    let first: Vec<String> = (0..4).map(|s| sample(&mut model, s)).collect();
    let again: Vec<String> = (0..4).map(|s| sample(&mut model, s)).collect();
    assert_eq!(first, again);
    let distinct: std::collections::BTreeSet<_> = first.iter().collect();
    assert!(
        distinct.len() >= 2,
        "four seeds at temperature 1 gave {distinct:?}"
    );
}

#[test]
fn smollm2_rejects_a_thread_count_the_pool_cannot_give() {
    let Some(path) = live_model_path("smollm2_rejects_a_thread_count_the_pool_cannot_give") else {
        return;
    };
    let active = candle_threads();
    match LocalModel::load(&path, Some(active + 1)) {
        Err(LocalError::Threads {
            requested,
            active: a,
        }) => {
            assert_eq!((requested, a), (active + 1, active));
        }
        Err(other) => panic!("expected a Threads error, got {other}"),
        Ok(_) => panic!("expected a Threads error, the load succeeded"),
    }
    assert_eq!(
        LocalModel::load(&path, Some(active)).unwrap().threads(),
        active
    );
}

/// Continuous batching changes no token: prompts of different lengths with different token
/// budgets, run batched (all in one batch, and with a limit of three sequences so later prompts
/// join while earlier ones decode and leave), give exactly the token ids each gets alone.
#[test]
fn smollm2_batched_greedy_equals_one_at_a_time() {
    let Some(path) = live_model_path("smollm2_batched_greedy_equals_one_at_a_time") else {
        return;
    };
    let mut model = LocalModel::load(&path, None).unwrap();
    let prompts = [
        "Hi.",
        "Name a prime number.",
        "What is the capital of France?",
        "Write a short poem about the sea.",
        "Two players can fight or split a prize. Explain in one sentence why splitting can be better for both.",
        "List three colours.",
        "In the one-shot Prisoner's Dilemma with payoffs T > R > P > S, which action strictly dominates for each player? A) Cooperate B) Defect C) Neither D) Randomise. Answer with a letter.",
        "Count from one to five.",
    ];
    let requests: Vec<(Vec<u32>, GenerationParams)> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ids = model.chat_prompt_ids(&user(p)).unwrap();
            (ids, greedy(8 + 5 * i as u32))
        })
        .collect();
    let lengths: std::collections::BTreeSet<usize> = requests.iter().map(|r| r.0.len()).collect();
    assert!(
        lengths.len() >= 6,
        "prompt lengths should differ: {lengths:?}"
    );
    let alone: Vec<Completion> = requests
        .iter()
        .map(|(ids, g)| model.generate(ids, g).unwrap())
        .collect();
    for options in [
        BatchOptions::default(),
        BatchOptions {
            max_sequences: 3,
            step_tokens: 64,
        },
    ] {
        let batched = model.generate_batch(requests.clone(), options);
        for (i, (b, a)) in batched.into_iter().zip(&alone).enumerate() {
            let b = b.unwrap();
            assert_eq!(
                b.token_ids, a.token_ids,
                "prompt {i} ({:?}) under {options:?}",
                prompts[i]
            );
            assert_eq!(&b, a);
        }
    }
}

/// The same through [`ModelServer`] with concurrent callers: each thread's reply equals the
/// lone one.
#[test]
fn smollm2_server_concurrent_callers_match_lone_replies() {
    let Some(path) = live_model_path("smollm2_server_concurrent_callers_match_lone_replies") else {
        return;
    };
    let mut model = LocalModel::load(&path, None).unwrap();
    let prompts = [
        "Name a prime number.",
        "List three colours.",
        "What is 2 + 2?",
        "Say hello.",
    ];
    let alone: Vec<Completion> = prompts
        .iter()
        .map(|p| model.chat(&user(p), &greedy(16)).unwrap())
        .collect();
    let server = std::sync::Arc::new(ModelServer::start(model, BatchOptions::default()).unwrap());
    let handles: Vec<_> = prompts
        .iter()
        .map(|p| {
            let server = server.clone();
            let msgs = user(p);
            std::thread::spawn(move || server.chat(&msgs, &greedy(16)).unwrap())
        })
        .collect();
    for (h, a) in handles.into_iter().zip(&alone) {
        assert_eq!(&h.join().unwrap(), a);
    }
}
