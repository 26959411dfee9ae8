//! Conversions at the Python edge: exact numbers both ways, JSON values both ways.
//!
//! Python numbers become [`Rational`] exactly: `int` (of any size), `fractions.Fraction` and
//! anything with integer `numerator`/`denominator` (NumPy integers included), `str` in the game
//! format's syntax (`"3/4"`, `"0.25"`), and `float` by its exact binary value (0.1 is
//! 3602879701896397/36028797018963968, as `Fraction(0.1)` is: rounding would break the weak Pareto
//! comparisons SPIs rest on). NumPy scalars that are none of these are read through `.item()`.
//! Rationals go back as `fractions.Fraction`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use serde_json::Value;
use spi_games::Rational;

use crate::errors::SafeparetoError;

/// `q` as a `fractions.Fraction`.
pub fn fraction<'py>(py: Python<'py>, q: &Rational) -> PyResult<Bound<'py, PyAny>> {
    let class = py.import("fractions")?.getattr("Fraction")?;
    match q.as_small() {
        Some((n, d)) => class.call1((n, d)),
        // Beyond i64: Fraction parses "p/q" of any size.
        None => class.call1((q.to_string(),)),
    }
}

/// A list of Fractions.
pub fn fractions<'py>(py: Python<'py>, qs: &[Rational]) -> PyResult<Bound<'py, PyList>> {
    let items = qs
        .iter()
        .map(|q| fraction(py, q))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

/// Reads one exact number; `at` names the place for the error message (`A[1][2]`).
pub fn rational(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Rational> {
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Rational::from_int(i64::from(b.is_true())));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        return Rational::from_f64_exact(x).ok_or_else(|| {
            SafeparetoError::new_err(format!("{at}: expected a finite number, found {x}"))
        });
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Rational::from_int(i));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let text = s.to_cow()?;
        return text
            .parse::<Rational>()
            .map_err(|e| SafeparetoError::new_err(format!("{at}: {e}")));
    }
    if obj.hasattr("numerator")? && obj.hasattr("denominator")? {
        let n = obj.getattr("numerator")?.str()?.to_string();
        let d = obj.getattr("denominator")?.str()?.to_string();
        return format!("{n}/{d}")
            .parse::<Rational>()
            .map_err(|e| SafeparetoError::new_err(format!("{at}: {e}")));
    }
    if obj.hasattr("item")? {
        let inner = obj.call_method0("item")?;
        // `.item()` of a NumPy scalar is a Python scalar; guard against objects returning themselves.
        if !inner.is(obj) {
            return rational(&inner, at);
        }
    }
    Err(PyTypeError::new_err(format!(
        "{at}: expected a number (int, Fraction, float or a string like \"3/4\"), found {}",
        obj.get_type().name()?
    )))
}

/// A Python sequence as a list of items: lists, tuples and NumPy arrays (through `.tolist()`).
pub fn items<'py>(obj: &Bound<'py, PyAny>, at: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let obj = if obj.hasattr("tolist")? && !obj.is_instance_of::<PyString>() {
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    if obj.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{at}: expected a sequence, found a string"
        )));
    }
    obj.try_iter()
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{at}: expected a sequence, found {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?
        .collect()
}

/// A JSON value (from `json` text the engine wrote) as Python objects, through `json.loads`.
pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((v.to_string(),))
}

/// A Python object as a JSON value: strings are parsed as JSON documents, anything else goes
/// through `json.dumps`, with exact numbers (Fraction) written as "p/q" strings, the format's
/// exact number syntax.
pub fn py_to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let text: String = if let Ok(s) = obj.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else {
        let kwargs = PyDict::new(py);
        kwargs.set_item("default", py.import("builtins")?.getattr("str")?)?;
        py.import("json")?
            .getattr("dumps")?
            .call((obj,), Some(&kwargs))?
            .extract()?
    };
    serde_json::from_str(&text).map_err(|e| {
        crate::errors::FormatError::new_err(format!(
            "line {}, column {}: invalid JSON: {e}",
            e.line(),
            e.column()
        ))
    })
}
