//! Python exceptions, one per engine error enum, and the guard that runs engine code without the
//! GIL and turns a panic into `InternalError`.
//!
//! Every exception derives from `SafeparetoError` (itself a `ValueError`, since bad input is the
//! usual cause; the classes live in module `safepareto`, where the package re-exports them) and carries the library error's `Display` text: the same words, JSON paths and
//! line:column positions that `spi` prints after `error: FILE: `.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    safepareto,
    SafeparetoError,
    PyValueError,
    "Base class of every error the engine reports."
);
create_exception!(
    safepareto,
    FormatError,
    SafeparetoError,
    "A game file (JSON or Gambit .nfg) could not be read; the message names the JSON path or line:column."
);
create_exception!(
    safepareto,
    GameError,
    SafeparetoError,
    "A payoff table of the wrong shape, duplicate names, or an unknown player or action."
);
create_exception!(
    safepareto,
    EquilibriumError,
    SafeparetoError,
    "Equilibria could not be computed by the method asked for (e.g. not a two-player game)."
);
create_exception!(
    safepareto,
    BargainingError,
    SafeparetoError,
    "A bargaining problem without a solution (wrong disagreement point, not individually rational)."
);
create_exception!(
    safepareto,
    TheoryError,
    SafeparetoError,
    "An SPI request that could not start: a bad certificate document, an unknown player."
);
create_exception!(
    safepareto,
    ProgramError,
    SafeparetoError,
    "A program that does not parse or check, an unknown agent, or limits the sandbox cannot honour."
);
create_exception!(
    safepareto,
    EvalError,
    SafeparetoError,
    "A suite, dataset line, scorer or engine check spec that the harness refuses."
);
create_exception!(
    safepareto,
    InternalError,
    SafeparetoError,
    "A bug in safepareto (a Rust panic, caught): please report it with the call that raised it."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SafeparetoError", py.get_type::<SafeparetoError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("GameError", py.get_type::<GameError>())?;
    m.add("EquilibriumError", py.get_type::<EquilibriumError>())?;
    m.add("BargainingError", py.get_type::<BargainingError>())?;
    m.add("TheoryError", py.get_type::<TheoryError>())?;
    m.add("ProgramError", py.get_type::<ProgramError>())?;
    m.add("EvalError", py.get_type::<EvalError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

/// The Python exception for an engine error: the exception class follows the error type.
pub trait IntoPyErr {
    /// Converts, keeping the message.
    fn py_err(self) -> PyErr;
}

impl IntoPyErr for spi_games::format::FormatError {
    fn py_err(self) -> PyErr {
        FormatError::new_err(self.to_string())
    }
}
impl IntoPyErr for spi_games::GameError {
    fn py_err(self) -> PyErr {
        GameError::new_err(self.to_string())
    }
}
impl IntoPyErr for spi_games::equilibrium::EquilibriumError {
    fn py_err(self) -> PyErr {
        EquilibriumError::new_err(self.to_string())
    }
}
impl IntoPyErr for spi_games::bargaining::BargainingError {
    fn py_err(self) -> PyErr {
        BargainingError::new_err(self.to_string())
    }
}
impl IntoPyErr for spi_theory::TheoryError {
    fn py_err(self) -> PyErr {
        TheoryError::new_err(self.to_string())
    }
}
impl IntoPyErr for spi_programs::ProgramError {
    fn py_err(self) -> PyErr {
        ProgramError::new_err(self.to_string())
    }
}
#[cfg(feature = "eval")]
impl IntoPyErr for spi_eval::error::EvalError {
    fn py_err(self) -> PyErr {
        EvalError::new_err(self.to_string())
    }
}
#[cfg(feature = "eval")]
impl IntoPyErr for spi_eval::check::CheckError {
    fn py_err(self) -> PyErr {
        EvalError::new_err(self.to_string())
    }
}

/// Maps a library result's error into its Python exception.
pub fn lift<T, E: IntoPyErr>(r: Result<T, E>) -> PyResult<T> {
    r.map_err(IntoPyErr::py_err)
}

/// Runs engine code with the GIL released and any panic caught.
///
/// Engine calls can take seconds (vertex enumeration, SPI search, tournaments); releasing the GIL
/// lets other Python threads run meanwhile. A panic is a bug in the engine, and unwinding into
/// Python would abort the interpreter's frame with PyO3's `PanicException` (a `BaseException`
/// that `except Exception` does not catch), so it is reported as `InternalError` instead, with the
/// panic's message, as `spi` reports it with exit code 3.
pub fn engine<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    py.detach(|| catch_unwind(AssertUnwindSafe(f)))
        .map_err(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            InternalError::new_err(format!(
                "internal error in safepareto (a bug, please report it with the call): {what}"
            ))
        })
}
