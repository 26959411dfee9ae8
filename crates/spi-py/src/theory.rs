//! Safe Pareto improvements from Python: the search (every witness re-verified into a
//! certificate, as `spi spi search` does), the independent verifier, perfect coordination, OC
//! Algorithm 2's program-equilibrium check and game isomorphism (`spi-theory`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use spi_games::{Game, Rational};
use spi_theory::coordination;
use spi_theory::json::{certificate_to_value, claims_from_document, search_to_value};
use spi_theory::{PlayerId, SpiCertificate, SpiKind, SpiQuery, isomorphism, verify};

use crate::convert::{fraction, fractions, items, json_to_py, py_to_json, rational};
use crate::errors::{GameError, InternalError, engine, lift};
use crate::game::{PyGame, parse_profile, player_index, profile_names};

/// Adds the classes of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySpiSearch>()?;
    m.add_class::<PySpiCertificate>()?;
    m.add_class::<PyVerification>()?;
    m.add_function(wrap_pyfunction!(verify_certificates, m)?)?;
    m.add_function(wrap_pyfunction!(spi_search, m)?)?;
    m.add_function(wrap_pyfunction!(perfect_coordination, m)?)?;
    m.add_function(wrap_pyfunction!(program_equilibrium, m)?)?;
    m.add_function(wrap_pyfunction!(isomorphism_of, m)?)?;
    Ok(())
}

/// The answer of an SPI search: verified certificates and the search's statistics.
#[pyclass(name = "SpiSearchResult", module = "safepareto._core", frozen)]
pub struct PySpiSearch {
    game: Game,
    certs: Vec<SpiCertificate>,
    /// Assignments the solver tried.
    #[pyo3(get)]
    nodes: u64,
    /// Witnesses accepted before removing relabellings.
    #[pyo3(get)]
    raw_count: usize,
    /// Whether the search stopped at `limit`.
    #[pyo3(get)]
    truncated: bool,
    /// The IESDS survivors of the game, per player.
    #[pyo3(get)]
    surviving: Vec<Vec<String>>,
}

#[pymethods]
impl PySpiSearch {
    /// Whether a non-trivial SPI of the kind asked for exists.
    #[getter]
    fn exists(&self) -> bool {
        !self.certs.is_empty()
    }

    /// The verified certificates, one per SPI found (up to relabelling with `all=True`).
    #[getter]
    fn certificates(&self) -> Vec<PySpiCertificate> {
        self.certs
            .iter()
            .map(|c| PySpiCertificate {
                game: self.game.clone(),
                cert: c.clone(),
            })
            .collect()
    }

    /// The `spi-search/1` document, exactly as `spi spi search --json` prints it (parsed).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &search_to_value(&self.game, &self.certs))
    }

    /// The `spi-search/1` document as JSON text (what `spi spi verify --certificate` reads).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&search_to_value(&self.game, &self.certs))
            .map_err(|e| InternalError::new_err(e.to_string()))
    }

    fn __len__(&self) -> usize {
        self.certs.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "SpiSearchResult(exists={}, certificates={}, nodes={})",
            !self.certs.is_empty(),
            self.certs.len(),
            self.nodes
        )
    }
}

/// A verified SPI: only the verifier builds one, so everything here has been re-derived from the
/// game (IESDS, the isomorphism, the composite outcome correspondence).
#[pyclass(name = "SpiCertificate", module = "safepareto._core", frozen)]
#[derive(Clone)]
pub struct PySpiCertificate {
    game: Game,
    cert: SpiCertificate,
}

#[pymethods]
impl PySpiCertificate {
    /// "omnilateral" or "unilateral".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.cert.kind() {
            SpiKind::Omnilateral => "omnilateral",
            SpiKind::Unilateral(_) => "unilateral",
        }
    }

    /// The player of a unilateral SPI, else None.
    #[getter]
    fn player(&self) -> Option<String> {
        match self.cert.kind() {
            SpiKind::Omnilateral => None,
            SpiKind::Unilateral(PlayerId(i)) => Some(self.game.players()[i].clone()),
        }
    }

    /// Whether some reduced profile strictly improves for some player.
    #[getter]
    fn strict(&self) -> bool {
        self.cert.is_strict()
    }

    /// Φ per player: reduced action -> substitute action.
    #[getter]
    fn action_map(&self) -> Vec<Vec<(String, String)>> {
        self.cert.action_map().to_vec()
    }

    /// The substitute game Γ^s the representatives play.
    #[getter]
    fn substitute(&self) -> PyGame {
        PyGame::wrap(self.cert.substitute().clone())
    }

    /// Per reduced profile: dicts with from, to (names), payoffs_from, payoffs_to (Fractions, in
    /// the original game's utilities).
    #[getter]
    fn improvements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for imp in self.cert.improvements() {
            let d = PyDict::new(py);
            d.set_item("from", imp.from.clone())?;
            d.set_item("to", imp.to.clone())?;
            d.set_item("payoffs_from", fractions(py, &imp.payoffs_from)?)?;
            d.set_item("payoffs_to", fractions(py, &imp.payoffs_to)?)?;
            out.append(d)?;
        }
        Ok(out)
    }

    /// (λ, c) with u_i(a) = λ_i·u^s_i(Φ(a)) + c_i on the reduced games.
    #[getter]
    fn affine<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let (s, c) = self.cert.affine();
        Ok((fractions(py, s)?, fractions(py, c)?))
    }

    /// This certificate as an entry of `spis` in `spi-search/1` (parsed JSON).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_py(py, &certificate_to_value(&self.game, &self.cert))
    }

    fn __repr__(&self) -> String {
        let maps: Vec<String> = self
            .cert
            .action_map()
            .iter()
            .map(|m| {
                m.iter()
                    .map(|(a, b)| format!("{a}->{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        format!(
            "SpiCertificate({}, {}, {})",
            self.kind(),
            if self.cert.is_strict() {
                "strict"
            } else {
                "weak"
            },
            maps.join("; ")
        )
    }
}

/// The verifier's answer on one claimed SPI: valid, or the reason naming profile, player, amount.
#[pyclass(name = "Verification", module = "safepareto._core", frozen)]
pub struct PyVerification {
    /// 0-based position of the claim in the document.
    #[pyo3(get)]
    index: usize,
    /// Whether the claim is a non-trivial SPI of the game.
    #[pyo3(get)]
    valid: bool,
    /// For a valid claim, whether it is strict; else None.
    #[pyo3(get)]
    strict: Option<bool>,
    /// For a rejected claim, why (the message `spi spi verify` prints); else None.
    #[pyo3(get)]
    reason: Option<String>,
}

#[pymethods]
impl PyVerification {
    fn __bool__(&self) -> bool {
        self.valid
    }
    fn __repr__(&self) -> String {
        match &self.reason {
            None => format!("Verification(index={}, valid=True)", self.index),
            Some(r) => format!(
                "Verification(index={}, valid=False, reason={r:?})",
                self.index
            ),
        }
    }
}

/// spi_search(game, *, unilateral=None, strict=False, all=False, limit=10000)
///
/// Searches for non-trivial SPIs (OC Sec. 4) and re-checks every witness with the independent
/// verifier; the result holds only certificates.
///
/// >>> import safepareto as sp
/// >>> g = sp.Game.example("demand-game")
/// >>> found = sp.spi_search(g, all=True)
/// >>> found.exists, found.certificates[0].action_map[0]
/// (True, [('DM', 'DL'), ('RM', 'RL')])
/// >>> [v.valid for v in sp.verify(g, found.to_json())]
/// [True]
#[pyfunction]
#[pyo3(signature = (game, *, unilateral=None, strict=false, all=false, limit=10_000))]
pub fn spi_search(
    py: Python<'_>,
    game: &PyGame,
    unilateral: Option<&Bound<'_, PyAny>>,
    strict: bool,
    all: bool,
    limit: usize,
) -> PyResult<PySpiSearch> {
    let g = game.game.clone();
    let kind = match unilateral {
        None => SpiKind::Omnilateral,
        Some(p) => SpiKind::Unilateral(PlayerId(player_index(&g, p)?)),
    };
    let query = SpiQuery {
        kind,
        strict,
        all,
        limit,
    };
    let gg = g.clone();
    // The same search-then-verify as `spi spi search`: a disagreement is a bug, as there.
    let certified = engine(py, move || {
        spi_theory::certified::search_certified(&gg, &query)
    })?;
    let certified = match certified {
        Ok(c) => c,
        Err(spi_theory::certified::CertifiedSearchError::Search(e)) => return lift(Err(e)),
        Err(e) => return Err(InternalError::new_err(format!("internal error: {e}"))),
    };
    let (found, certs) = (certified.search, certified.certificates);
    Ok(PySpiSearch {
        surviving: found
            .reduction
            .surviving
            .iter()
            .enumerate()
            .map(|(i, acts)| acts.iter().map(|&a| g.actions(i)[a].clone()).collect())
            .collect(),
        game: g,
        certs,
        nodes: found.nodes,
        raw_count: found.raw.len(),
        truncated: found.truncated,
    })
}

/// verify(game, certificate)
///
/// Re-checks claimed SPIs from scratch, without the search code: `certificate` is a
/// `SpiCertificate`, a `SpiSearchResult`, or a `spi-search/1` document or single entry (JSON text
/// or parsed). Returns one `Verification` per claim; a refusal is a value, not an exception.
///
/// >>> import json, safepareto as sp
/// >>> g = sp.Game.example("demand-game")
/// >>> doc = sp.spi_search(g).to_dict()
/// >>> doc["spis"][0]["improvements"][0]["payoffs_to"] = ["2", "1"]
/// >>> sp.verify(g, doc)[0].reason
/// 'improvements[0]: payoffs_to of (DM, DM) is (1, 1) in the game, not (2, 1)'
#[pyfunction(name = "verify")]
pub fn verify_certificates(
    py: Python<'_>,
    game: &PyGame,
    certificate: &Bound<'_, PyAny>,
) -> PyResult<Vec<PyVerification>> {
    let g = game.game.clone();
    let doc = if let Ok(c) = certificate.cast::<PySpiCertificate>() {
        certificate_to_value(&g, &c.get().cert)
    } else if let Ok(s) = certificate.cast::<PySpiSearch>() {
        search_to_value(&g, &s.get().certs)
    } else {
        py_to_json(certificate)?
    };
    let results = engine(py, move || -> Result<Vec<_>, spi_theory::TheoryError> {
        let claims = claims_from_document(&g, &doc)?;
        Ok(claims.iter().map(|c| verify(&g, c)).collect::<Vec<_>>())
    })?;
    Ok(lift(results)?
        .into_iter()
        .enumerate()
        .map(|(index, r)| match r {
            Ok(c) => PyVerification {
                index,
                valid: true,
                strict: Some(c.is_strict()),
                reason: None,
            },
            Err(e) => PyVerification {
                index,
                valid: false,
                strict: None,
                reason: Some(e.to_string()),
            },
        })
        .collect())
}

fn point_list<'py>(py: Python<'py>, ps: &[Vec<Rational>]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        ps.iter()
            .map(|p| fractions(py, p))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

/// perfect_coordination(game, support=None)
///
/// Perfect-coordination SPIs (OC Sec. 5): which outcomes of the default play's support
/// (profiles; default: every IESDS survivor) can be Pareto-improved, and for two players the
/// safely achievable region. Returns a dict with exists, floor, safe_region and support (one dict
/// per outcome: profile, payoffs, improvement or None, region).
///
/// >>> import safepareto as sp
/// >>> pc = sp.perfect_coordination(sp.Game.example("prisoners-dilemma"))
/// >>> pc["exists"], [[str(x) for x in p] for p in pc["safe_region"]]
/// (True, [['2', '2'], ['7/2', '2'], ['3', '3'], ['2', '7/2']])
#[pyfunction]
#[pyo3(signature = (game, support=None))]
pub fn perfect_coordination<'py>(
    py: Python<'py>,
    game: &PyGame,
    support: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let g = game.game.clone();
    let support = match support {
        None => None,
        Some(s) => Some(
            items(s, "support")?
                .iter()
                .map(|p| parse_profile(&g, p))
                .collect::<PyResult<Vec<_>>>()?,
        ),
    };
    let gg = g.clone();
    let pc = engine(py, move || {
        let support = support.unwrap_or_else(|| coordination::default_support(&gg));
        coordination::perfect_coordination(&gg, &support)
    })?;
    let out = PyDict::new(py);
    out.set_item("exists", pc.exists)?;
    out.set_item("floor", fractions(py, &pc.floor)?)?;
    out.set_item(
        "safe_region",
        pc.safe_region
            .as_ref()
            .map(|r| point_list(py, r))
            .transpose()?,
    )?;
    let support = PyList::empty(py);
    for o in &pc.support {
        let d = PyDict::new(py);
        d.set_item("profile", profile_names(&g, &o.profile))?;
        d.set_item("payoffs", fractions(py, &o.payoffs)?)?;
        let imp = match &o.improvement {
            None => None,
            Some(i) => {
                let id = PyDict::new(py);
                id.set_item("point", fractions(py, &i.point)?)?;
                let dist = PyList::empty(py);
                for (p, w) in &i.distribution {
                    dist.append((profile_names(&g, p), fraction(py, w)?))?;
                }
                id.set_item("distribution", dist)?;
                id.set_item("total_gain", fraction(py, &i.total_gain)?)?;
                Some(id)
            }
        };
        d.set_item("improvement", imp)?;
        d.set_item(
            "region",
            o.region.as_ref().map(|r| point_list(py, r)).transpose()?,
        )?;
        support.append(d)?;
    }
    out.set_item("support", support)?;
    Ok(out)
}

/// program_equilibrium(game, planned)
///
/// OC Algorithm 2: is "play the planned outcome, punish deviators down to their threat point" a
/// program equilibrium? `planned` is a profile (names or indices) or a payoff vector given as
/// numbers (`payoffs=True`). Returns a dict with equilibrium, planned, threat_point and
/// shortfalls (player, by).
///
/// >>> import safepareto as sp
/// >>> pe = sp.program_equilibrium(sp.Game.example("demand-game"), ["DL", "DL"])
/// >>> pe["equilibrium"], pe["threat_point"]
/// (True, [Fraction(0, 1), Fraction(0, 1)])
#[pyfunction]
#[pyo3(signature = (game, planned, *, payoffs=false))]
pub fn program_equilibrium<'py>(
    py: Python<'py>,
    game: &PyGame,
    planned: &Bound<'py, PyAny>,
    payoffs: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let g = game.game.clone();
    let u: Vec<Rational> = if payoffs {
        let v = items(planned, "planned")?
            .iter()
            .enumerate()
            .map(|(k, x)| rational(x, &format!("planned[{k}]")))
            .collect::<PyResult<Vec<_>>>()?;
        if v.len() != g.num_players() {
            return Err(GameError::new_err(format!(
                "planned: expected {} numbers, one per player",
                g.num_players()
            )));
        }
        v
    } else {
        g.payoffs(&parse_profile(&g, planned)?).to_vec()
    };
    let gg = g.clone();
    let pe = engine(py, move || coordination::program_equilibrium(&gg, &u))?;
    let out = PyDict::new(py);
    out.set_item("equilibrium", pe.is_equilibrium())?;
    out.set_item("planned", fractions(py, &pe.planned)?)?;
    out.set_item("threat_point", fractions(py, &pe.threat.values)?)?;
    let short = PyList::empty(py);
    for (i, d) in &pe.shortfalls {
        short.append((g.players()[*i].clone(), fraction(py, d)?))?;
    }
    out.set_item("shortfalls", short)?;
    Ok(out)
}

/// isomorphism(game, other)
///
/// OC's affine game isomorphism: None, or a dict with action_map (per player, action ->
/// action), scale (λ > 0) and shift (c), with u_i(a) = λ_i·u'_i(Φ(a)) + c_i.
#[pyfunction(name = "isomorphism")]
pub fn isomorphism_of<'py>(
    py: Python<'py>,
    game: &PyGame,
    other: &PyGame,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let (g, h) = (game.game.clone(), other.game.clone());
    let (gg, hh) = (g.clone(), h.clone());
    let iso = engine(py, move || isomorphism::find_isomorphism(&gg, &hh))?;
    iso.map(|m| {
        let d = PyDict::new(py);
        let maps = PyList::empty(py);
        for (i, mi) in m.maps.iter().enumerate() {
            let md = PyDict::new(py);
            for (a, &b) in mi.iter().enumerate() {
                md.set_item(&g.actions(i)[a], &h.actions(i)[b])?;
            }
            maps.append(md)?;
        }
        d.set_item("action_map", maps)?;
        d.set_item("scale", fractions(py, &m.scale)?)?;
        d.set_item("shift", fractions(py, &m.shift)?)?;
        Ok(d)
    })
    .transpose()
}
