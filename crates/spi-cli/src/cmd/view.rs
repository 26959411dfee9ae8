//! `spi view`: the local web viewer over run stores (`spi_eval::view`), on 127.0.0.1 only.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

/// Browse runs in a local web page.
#[derive(Args)]
pub struct ViewArgs {
    /// Log directories holding run stores (`spi eval run --log-dir`).
    #[arg(default_value = "logs")]
    pub log_dirs: Vec<PathBuf>,
    /// Port on 127.0.0.1; 0 picks a free one (the address is printed on start).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
}

/// Runs `spi view` until Ctrl-C.
pub fn run(a: ViewArgs) -> Result<()> {
    for dir in &a.log_dirs {
        // Refuse a directory with no store now, rather than serve a page that says so.
        spi_eval::store::Store::open_existing(dir).with_context(|| {
            format!(
                "{}: expected a log directory with a run store",
                dir.display()
            )
        })?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", a.port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{}", a.port))?;
        let local = listener.local_addr().context("reading the bound address")?;
        println!(
            "viewing {} log director{} at http://{local}/",
            a.log_dirs.len(),
            if a.log_dirs.len() == 1 { "y" } else { "ies" }
        );
        tokio::select! {
            r = spi_eval::view::serve(listener, a.log_dirs) => r.context("serving"),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
