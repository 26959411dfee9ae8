//! Decode-speed measurement for `bench/local-model/run.sh`: loads a GGUF, renders a fixed chat
//! prompt, runs it and then a fixed number of greedy decode steps, several times, and prints one
//! JSON line per run (the script compares it with llama.cpp on the same file and prompt).
//!
//! `cargo run --release -p spi-local --example local_bench -- MODEL.gguf [STEPS] [RUNS] [as-stored|q8]`
//! Threads come from `CANDLE_NUM_THREADS` (candle sizes its pool once per process).

use std::path::PathBuf;
use std::time::Instant;

use spi_local::{ChatMessage, LoadOptions, LocalModel, WeightFormat};

/// The benchmark prompt; `bench/local-model/llama_cpp_bench.py` uses the same text.
const PROMPT: &str = "Explain, step by step, how two players could agree to replace a costly fight with a cheaper contest that leaves both at least as well off.";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = PathBuf::from(
        args.first()
            .ok_or("usage: local_bench MODEL.gguf [STEPS] [RUNS] [as-stored|q8]")?,
    );
    let steps: usize = args.get(1).map_or(Ok(128), |s| s.parse())?;
    let runs: usize = args.get(2).map_or(Ok(3), |s| s.parse())?;
    let weights = match args.get(3).map(String::as_str) {
        None | Some("as-stored") => WeightFormat::AsStored,
        Some("q8") => WeightFormat::Q8_0,
        Some(other) => return Err(format!("unknown weight format {other}").into()),
    };
    let t = Instant::now();
    let mut model = LocalModel::load_with(
        &path,
        &LoadOptions {
            threads: None,
            weights,
        },
    )?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let prompt = model.render_chat(&[ChatMessage {
        role: "user".into(),
        content: PROMPT.into(),
    }])?;
    let ids = model.tokenize(&prompt)?;
    for run in 0..runs {
        let s = model.timed_greedy_run(&ids, steps)?;
        println!(
            "{{\"impl\":\"spi-local\",\"weights\":\"{}\",\"threads\":{},\"run\":{run},\"load_ms\":{load_ms:.1},\"prompt_tokens\":{},\"prefill_ms\":{:.2},\"decode_tokens\":{},\"decode_ms\":{:.2},\"tokens_per_second\":{:.2}}}",
            match weights {
                WeightFormat::AsStored => "as-stored",
                WeightFormat::Q8_0 => "q8_0",
            },
            model.threads(),
            s.prompt_tokens,
            s.prefill.as_secs_f64() * 1e3,
            s.decode_tokens,
            s.decode.as_secs_f64() * 1e3,
            s.decode_tokens_per_second(),
        );
    }
    Ok(())
}
