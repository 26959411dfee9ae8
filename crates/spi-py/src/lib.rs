//! `spi-py`: the `safepareto._core` Python extension, PyO3 bindings over the engine crates.
//!
//! Main types exposed to Python: `Game` (over [`spi_games::Game`]), `Equilibrium`, `Reduction`,
//! `ThreatPoint`, `SpiSearchResult` / `SpiCertificate` / `Verification` (over `spi_theory`),
//! `Program`, `Limits`, `MatchReport`, `Tournament` (over `spi_programs`) and the suite loader and
//! scorers of `spi_eval` / `spi_suites`. The pure-Python package `safepareto` (in `python/`)
//! re-exports them and adds the Inspect tasks.
//!
//! Key design decision: no algorithm lives here. Every function converts its Python arguments into
//! the engine's types, calls one library function with the GIL released (so a notebook's other
//! threads run while an equilibrium enumeration does), and converts the answer back: exact numbers
//! become `fractions.Fraction`, names stay names. Library errors become Python exceptions whose
//! message is the library's own `Display`, which is what `spi` prints after its file-name prefix;
//! a panic (a bug) becomes `InternalError`, never a crash of the interpreter.
//!
//! ```python
//! >>> import safepareto as sp
//! >>> sp.Game.example("demand-game").iesds().surviving
//! [['DM', 'RM'], ['DM', 'RM']]
//! ```

mod convert;
mod errors;
#[cfg(feature = "eval")]
mod eval;
mod game;
mod models;
mod programs;
mod theory;

use pyo3::prelude::*;

/// The extension module `safepareto._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    game::register(m)?;
    theory::register(m)?;
    models::register(m)?;
    programs::register(m)?;
    #[cfg(feature = "eval")]
    eval::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // The checkout the extension was built from: its `suites/` is where the Inspect tasks find
    // their data unless SAFEPARETO_SUITES says otherwise (the package is built from source where
    // it runs, like `spi`).
    m.add(
        "BUILD_SUITES_DIR",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../suites"),
    )?;
    // Likewise the Part III benchmark's `research/` (SAFEPARETO_RESEARCH overrides it).
    m.add(
        "BUILD_RESEARCH_DIR",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../research"),
    )?;
    Ok(())
}
