//! `spi serve`: an OpenAI-compatible endpoint over any provider (mock, local, or a remote API).

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Args;
use spi_eval::provider::{LocalFactory, ModelSpec, build_provider};

/// Serve a model at /v1/chat/completions.
#[derive(Args)]
pub struct ServeArgs {
    /// Model as provider:model (local:smollm2, mock:echo, openai:..., anthropic:...).
    #[arg(long)]
    pub model: String,
    /// Address to bind; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Base URL when the served model is itself remote.
    #[arg(long)]
    pub base_url: Option<String>,
}

/// The in-process model factory: models come from the cache `spi model fetch` fills
/// (`$SPI_CACHE_DIR`, else `$XDG_CACHE_HOME/safepareto`, else `~/.cache/safepareto`).
pub fn local_factory() -> Option<std::sync::Arc<dyn LocalFactory>> {
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

/// Runs `spi serve` until Ctrl-C.
pub fn run(a: ServeArgs) -> Result<()> {
    let spec = ModelSpec::parse(&a.model)?;
    let env = super::eval::provider_env(a.base_url.clone(), 600.0);
    let provider = build_provider(&spec, &env)?;
    let addr: SocketAddr = a
        .addr
        .parse()
        .with_context(|| format!("--addr `{}`: expected HOST:PORT", a.addr))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let local = listener.local_addr().context("reading the bound address")?;
        println!("serving {} at http://{local}/v1", spec);
        spi_eval::serve::serve(provider, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
    })
}
