//! `spi-plot`: pictures of exact results. [`payoff_space`] computes, with `spi-games`, everything
//! a reader wants to see in the payoff space of a two-player game — the pure outcomes, the
//! feasible set C(Γ) (their convex hull), its Pareto frontier, the threat point, the PMM, the
//! disagreement point, the Nash and Kalai–Smorodinsky bargaining solutions and the payoffs of every
//! extreme Nash equilibrium — and [`render_svg`] draws it with plotters.
//!
//! Key design decision: the computation is exact and the picture is not. [`PayoffSpace`] keeps
//! each point's exact value as text (it is what the labels print) beside the `f64` it is drawn at;
//! floats appear only here, for drawing. The module does no I/O: it returns the SVG as a string.
//!
//! ```
//! let g = spi_games::examples::prisoners_dilemma();
//! let space = spi_plot::payoff_space(&g, None, 256).unwrap();
//! let svg = spi_plot::render_svg(&space).unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("threat point"));
//! ```
//!
//! The interval chart ([`render_intervals`]) needs no engine: with default features off
//! (`default-features = false`), the crate is plotters and this chart only, so the eval harness
//! draws its accuracy charts without depending on the game crates. The `engine` feature (on by
//! default) adds the payoff space, the SPI arrows and the tournament heatmap.

#![deny(missing_docs)]

mod intervals;
pub use intervals::{IntervalRow, render_intervals};

#[cfg(feature = "engine")]
mod engine;
#[cfg(feature = "engine")]
pub use engine::*;

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlotError {
    /// The payoff space is drawn in the plane: two players.
    #[error("a payoff-space plot needs a two-player game; this one has {0} players")]
    NotTwoPlayer(usize),
    /// The disagreement point does not have one payoff per player.
    #[error("the disagreement point has {0} coordinates; the game has 2 players")]
    Disagreement(usize),
    /// plotters could not lay out or write the chart.
    #[error("drawing the chart: {0}")]
    Draw(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Draw(e.to_string())
}
