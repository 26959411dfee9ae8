//! `spi serve`: an OpenAI-compatible endpoint over any provider (mock, local, or a remote API).
//!
//! Providers are built from `super::model::provider_env`, shared with `spi eval`; neither of
//! the two commands imports the other.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::Args;
use spi_eval::provider::{ModelSpec, build_provider};

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

/// Runs `spi serve` until Ctrl-C.
pub fn run(a: ServeArgs) -> Result<()> {
    let spec = ModelSpec::parse(&a.model)?;
    let env = super::model::provider_env(a.base_url.clone(), std::time::Duration::from_secs(600));
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
