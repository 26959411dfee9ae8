//! Appendix B's finite models from Python (`spi-theory`): a program-space transformation (B.1),
//! a full strategy (B.2) or a threat game with surrogate targets (B.3), checked as
//! `spi strategy check` and `spi threat analyze` check them.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use spi_games::{Game, Rational};
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{Witness, check_full_strategy};
use spi_theory::program_space::check_transformation;
use spi_theory::surrogate::{ThreatChoice, analyze};

use crate::convert::{fraction, fractions, py_to_json};
use crate::errors::{engine, lift};
use crate::game::profile_names;

/// Adds the function of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check_model, m)?)?;
    Ok(())
}

/// What a check found, computed without the GIL and converted after (the surrogate analysis is
/// boxed: it is large beside the other verdicts).
enum Verdict {
    Transformation(Game, spi_theory::program_space::TransformationCheck),
    FullStrategy(spi_theory::full_strategy::FullStrategyCheck),
    Surrogate(Box<spi_theory::surrogate::SurrogateAnalysis>),
}

fn witness<'py>(py: Python<'py>, w: &Witness) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("player", &w.player)?;
    for (key, (program, demand)) in [("left", &w.left), ("right", &w.right)] {
        let side = PyDict::new(py);
        side.set_item("program", program)?;
        side.set_item("demand", fraction(py, demand)?)?;
        d.set_item(key, side)?;
    }
    Ok(d)
}

fn witnesses<'py>(py: Python<'py>, ws: &[Witness]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        ws.iter()
            .map(|w| witness(py, w))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

fn choice<'py>(py: Python<'py>, c: &ThreatChoice) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(
        "demand",
        c.demand.as_ref().map(|q| fraction(py, q)).transpose()?,
    )?;
    d.set_item("target", c.target.clone())?;
    d.set_item("concession", fraction(py, &c.concession)?)?;
    d.set_item("payoffs", fractions(py, &c.payoffs)?)?;
    Ok(d)
}

fn pair<'py>(py: Python<'py>, p: &[Rational; 2]) -> PyResult<Bound<'py, PyList>> {
    fractions(py, p)
}

/// check_model(document)
///
/// Checks an Appendix B model document (JSON text or parsed; formats in
/// test_data/theory/README.md) and returns the fields of the `spi` JSON it corresponds to, with
/// exact numbers as Fractions: `transformation-check/1` (B.1: is the transformation an SPI on the
/// program space, with counterexamples), `full-strategy-check/1` (B.2: demand preservation,
/// participation and foreknowledge independence, with witnesses) or `surrogate-analysis/1` (B.3).
///
/// >>> import safepareto as sp
/// >>> r = sp.check_model(open(sp.BUILD_SUITES_DIR + "/../test_data/theory/b2-pi-not-fi.json").read())
/// >>> r["schema"], r["participation_independent"], r["foreknowledge_independent"]
/// ('full-strategy-check/1', True, False)
/// >>> r["witnesses"]["foreknowledge_independent"][0]["right"]
/// {'program': 'demand50', 'demand': Fraction(1, 2)}
#[pyfunction]
fn check_model<'py>(py: Python<'py>, document: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let doc = py_to_json(document)?;
    let verdict = lift(engine(py, move || {
        read_model(&doc).map(|m| match m {
            ModelDocument::Transformation(t) => {
                let c = check_transformation(&t);
                Verdict::Transformation(t.game, c)
            }
            ModelDocument::FullStrategy(s) => Verdict::FullStrategy(check_full_strategy(&s)),
            ModelDocument::ThreatGame(g) => Verdict::Surrogate(Box::new(analyze(&g))),
        })
    })?)?;
    let d = PyDict::new(py);
    match verdict {
        Verdict::Transformation(g, c) => {
            d.set_item("schema", "transformation-check/1")?;
            d.set_item("spi", c.is_spi())?;
            d.set_item("strict", c.is_strict_spi())?;
            d.set_item("space_size", c.space_size)?;
            let ces = PyList::empty(py);
            for x in &c.counterexamples {
                let e = PyDict::new(py);
                e.set_item("from", profile_names(&g, &x.from))?;
                e.set_item("to", profile_names(&g, &x.to))?;
                e.set_item("player", &g.players()[x.player])?;
                e.set_item("payoff_from", fraction(py, &x.payoff_from)?)?;
                e.set_item("payoff_to", fraction(py, &x.payoff_to)?)?;
                ces.append(e)?;
            }
            d.set_item("counterexamples", ces)?;
            d.set_item(
                "strict_gains",
                c.strict_gains
                    .iter()
                    .map(|p| profile_names(&g, p))
                    .collect::<Vec<_>>(),
            )?;
        }
        Verdict::FullStrategy(c) => {
            d.set_item("schema", "full-strategy-check/1")?;
            d.set_item("demand_preserving", c.is_demand_preserving())?;
            d.set_item(
                "participation_independent",
                c.is_participation_independent(),
            )?;
            d.set_item(
                "foreknowledge_independent",
                c.is_foreknowledge_independent(),
            )?;
            let w = PyDict::new(py);
            w.set_item("demand_preserving", witnesses(py, &c.demand_preserving)?)?;
            w.set_item(
                "participation_independent",
                witnesses(py, &c.participation)?,
            )?;
            w.set_item(
                "foreknowledge_independent",
                witnesses(py, &c.foreknowledge)?,
            )?;
            d.set_item("witnesses", w)?;
        }
        Verdict::Surrogate(r) => {
            d.set_item("schema", "surrogate-analysis/1")?;
            d.set_item("concession_equivalent", r.is_concession_equivalent())?;
            let breaches = PyList::empty(py);
            for b in &r.breaches {
                let e = PyDict::new(py);
                e.set_item("demand", fraction(py, &b.demand)?)?;
                e.set_item("targets", vec![b.targets.0.clone(), b.targets.1.clone()])?;
                e.set_item(
                    "probabilities",
                    vec![
                        fraction(py, &b.probabilities.0)?,
                        fraction(py, &b.probabilities.1)?,
                    ],
                )?;
                breaches.append(e)?;
            }
            d.set_item("breaches", breaches)?;
            d.set_item("before", choice(py, &r.before)?)?;
            d.set_item("after", choice(py, &r.after)?)?;
            d.set_item("spi", r.is_spi())?;
            d.set_item("spi_for_every_demand", r.is_spi_for_every_demand())?;
            d.set_item("gains", pair(py, &r.gains())?)?;
            d.set_item(
                "demand_change",
                r.demand_change().map(|q| fraction(py, &q)).transpose()?,
            )?;
            let per = PyList::empty(py);
            for x in &r.per_demand {
                let e = PyDict::new(py);
                e.set_item("demand", fraction(py, &x.demand)?)?;
                e.set_item("original", pair(py, &x.original)?)?;
                e.set_item("chosen_target", &x.chosen.0)?;
                e.set_item("chosen", pair(py, &x.chosen.1)?)?;
                e.set_item("improves", x.improves)?;
                per.append(e)?;
            }
            d.set_item("per_demand", per)?;
        }
    }
    Ok(d)
}
