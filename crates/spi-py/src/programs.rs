//! Program games from Python (`spi-programs`): parse and run sandboxed programs and modal agents,
//! tournaments that return the induced program game, commitment races.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use spi_games::Rational;
use spi_programs::modal::ModalSystem;
use spi_programs::race::{RaceConfig, Racer};
use spi_programs::tournament::{self, Tournament};
use spi_programs::{Limits, MatchReport, Outcome, Program, ProgramGame, library};

use crate::convert::{fraction, fractions, items, rational};
use crate::errors::{ProgramError, engine, lift};
use crate::game::{PyGame, profile_names};

/// Adds the classes and functions of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyProgram>()?;
    m.add_class::<PyLimits>()?;
    m.add_class::<PyTournament>()?;
    m.add_function(wrap_pyfunction!(play, m)?)?;
    m.add_function(wrap_pyfunction!(play_modal, m)?)?;
    m.add_function(wrap_pyfunction!(tournament_of, m)?)?;
    m.add_function(wrap_pyfunction!(agent_names, m)?)?;
    m.add_function(wrap_pyfunction!(race, m)?)?;
    Ok(())
}

/// Bounds on parsing and running untrusted programs: fuel (steps per evaluation), depth (nested
/// calls and simulations), memory (cells). Checked as `spi program run --fuel/--depth/--memory`
/// checks them.
///
/// >>> import safepareto as sp
/// >>> sp.Limits(depth=10**6)
/// Traceback (most recent call last):
/// ...
/// safepareto.ProgramError: a depth limit of 1000000 is above the most allowed, 1000
#[pyclass(name = "Limits", module = "safepareto._core", frozen)]
#[derive(Clone)]
pub struct PyLimits {
    limits: Limits,
}

#[pymethods]
impl PyLimits {
    #[new]
    #[pyo3(signature = (fuel=None, depth=None, memory=None))]
    fn new(fuel: Option<u64>, depth: Option<u32>, memory: Option<u64>) -> PyResult<PyLimits> {
        let d = Limits::default();
        let limits = lift(
            Limits {
                fuel: fuel.unwrap_or(d.fuel),
                max_memory: memory.unwrap_or(d.max_memory),
                ..d.clone()
            }
            .with_depth(depth.unwrap_or(d.max_depth)),
        )?;
        lift(limits.validate())?;
        Ok(PyLimits { limits })
    }

    /// Steps one player's evaluation may take.
    #[getter]
    fn fuel(&self) -> u64 {
        self.limits.fuel
    }
    /// Nested calls, simulations and const evaluations at once.
    #[getter]
    fn depth(&self) -> u32 {
        self.limits.max_depth
    }
    /// Cells one evaluation may allocate.
    #[getter]
    fn memory(&self) -> u64 {
        self.limits.max_memory
    }
    fn __repr__(&self) -> String {
        format!(
            "Limits(fuel={}, depth={}, memory={})",
            self.limits.fuel, self.limits.max_depth, self.limits.max_memory
        )
    }
}

fn limits_of(l: Option<&PyLimits>) -> Limits {
    l.map_or_else(Limits::default, |l| l.limits.clone())
}

/// A parsed and checked bargaining program (the sandboxed language of docs/programs/).
///
/// >>> import safepareto as sp
/// >>> p = sp.Program('name "mine"; main { return "C"; }')
/// >>> p.name
/// 'mine'
/// >>> sp.Program("main { return ; }")
/// Traceback (most recent call last):
/// ...
/// safepareto.ProgramError: 1:15: syntax error: expected an expression, found `;`
#[pyclass(name = "Program", module = "safepareto._core", frozen)]
#[derive(Clone)]
pub struct PyProgram {
    label: String,
    program: Arc<Program>,
}

#[pymethods]
impl PyProgram {
    /// Parses and checks source text; errors give line:column as `spi program check` does.
    #[new]
    #[pyo3(signature = (source, limits=None))]
    fn new(source: &str, limits: Option<&PyLimits>) -> PyResult<PyProgram> {
        let p = lift(Program::parse(source, &limits_of(limits)))?;
        Ok(PyProgram {
            label: p.name().to_string(),
            program: Arc::new(p),
        })
    }

    /// A built-in agent by name (see `agent_names()`).
    #[staticmethod]
    fn agent(name: &str) -> PyResult<PyProgram> {
        let p = lift(library::agent_or_err(name))?;
        Ok(PyProgram {
            label: name.to_string(),
            program: p,
        })
    }

    /// The declared name (or "anonymous").
    #[getter]
    fn name(&self) -> String {
        self.program.name().to_string()
    }
    /// The exact source text.
    #[getter]
    fn source(&self) -> String {
        self.program.source().to_string()
    }
    /// The declared tags.
    #[getter]
    fn tags(&self) -> Vec<String> {
        self.program.tags().to_vec()
    }
    fn __repr__(&self) -> String {
        format!("Program({:?})", self.label)
    }
}

fn as_program(obj: &Bound<'_, PyAny>) -> PyResult<PyProgram> {
    if let Ok(p) = obj.cast::<PyProgram>() {
        return Ok(p.get().clone());
    }
    PyProgram::agent(&obj.extract::<String>()?)
}

fn prepared(game: &PyGame) -> PyResult<ProgramGame> {
    lift(ProgramGame::new(game.game.clone()))
}

fn report_dict<'py>(
    py: Python<'py>,
    pg: &ProgramGame,
    labels: [&str; 2],
    r: &MatchReport,
) -> PyResult<Bound<'py, PyDict>> {
    // The fields of `spi program run --json` (`match/1`), with exact numbers as Fractions.
    let g = &pg.game;
    let d = PyDict::new(py);
    d.set_item("method", "program")?;
    d.set_item("game", g.name())?;
    d.set_item("agents", labels.to_vec())?;
    d.set_item(
        "programs",
        vec![r.players[0].program.clone(), r.players[1].program.clone()],
    )?;
    d.set_item("seed", r.seed)?;
    d.set_item("payoffs", fractions(py, &r.scored_payoffs(pg))?)?;
    d.set_item("steps", vec![r.players[0].steps, r.players[1].steps])?;
    d.set_item(
        "simulation_depth",
        vec![r.players[0].sim_depth, r.players[1].sim_depth],
    )?;
    let reneg: Option<Vec<Option<String>>> = if r.players.iter().any(|p| p.renegotiated.is_some()) {
        Some(r.players.iter().map(|p| p.renegotiated.clone()).collect())
    } else {
        None
    };
    d.set_item("renegotiated", reneg)?;
    d.set_item("actions", py.None())?;
    d.set_item("distribution", py.None())?;
    match &r.outcome {
        Outcome::Played {
            distribution,
            realized,
            ..
        } => {
            d.set_item("outcome", "played")?;
            d.set_item("actions", profile_names(g, realized))?;
            let dist = PyList::empty(py);
            for (p, w) in distribution {
                dist.append((profile_names(g, p), fraction(py, w)?))?;
            }
            d.set_item("distribution", dist)?;
        }
        Outcome::Exhausted { player, resource } => {
            d.set_item("outcome", "exhausted")?;
            let e = PyDict::new(py);
            e.set_item("player", &g.players()[*player])?;
            e.set_item("resource", resource.as_str())?;
            d.set_item("exhausted", e)?;
        }
        Outcome::Faulted { player, fault } => {
            d.set_item("outcome", "fault")?;
            let e = PyDict::new(py);
            e.set_item("player", &g.players()[*player])?;
            e.set_item("program", &fault.program)?;
            e.set_item("at", fault.span.to_string())?;
            e.set_item("message", &fault.message)?;
            d.set_item("fault", e)?;
        }
    }
    Ok(d)
}

/// play(game, a, b, *, seed=0, limits=None)
///
/// Plays program `a` (player 1) against `b` (player 2) on a two-player game. Programs are
/// `Program`s or built-in agent names. Running out of fuel, depth or memory and faults are
/// outcomes, never exceptions. Returns the fields of `spi program run --json` as a dict.
///
/// >>> import safepareto as sp
/// >>> r = sp.play(sp.Game.example("program-pd"), "cliquebot", "cliquebot")
/// >>> r["outcome"], r["actions"], r["payoffs"]
/// ('played', ['C', 'C'], [Fraction(2, 1), Fraction(2, 1)])
/// >>> loop = sp.Program("fn f(x) { return f(x); } main { return f(1); }")
/// >>> sp.play(sp.Game.example("program-pd"), loop, "defectbot")["exhausted"]
/// {'player': 'A', 'resource': 'depth'}
#[pyfunction]
#[pyo3(signature = (game, a, b, *, seed=0, limits=None))]
fn play<'py>(
    py: Python<'py>,
    game: &PyGame,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    seed: u64,
    limits: Option<&PyLimits>,
) -> PyResult<Bound<'py, PyDict>> {
    let pg = prepared(game)?;
    let (pa, pb) = (as_program(a)?, as_program(b)?);
    let limits = limits_of(limits);
    let (pg2, p1, p2) = (pg.clone(), pa.program.clone(), pb.program.clone());
    let report = engine(py, move || {
        spi_programs::play(&pg2, &p1, &p2, &limits, seed)
    })?;
    report_dict(py, &pg, [&pa.label, &pb.label], &report)
}

fn modal_system(source: Option<&str>) -> PyResult<ModalSystem> {
    let mut sys = ModalSystem::library();
    if let Some(src) = source {
        lift(sys.add_source(src))?;
    }
    Ok(sys)
}

/// play_modal(game, a, b, *, source=None)
///
/// Plays two modal agents (FairBot, PrudentBot, …, or agents defined in `source`, text in the
/// `.modal` format) exactly on the GL chain, mapping cooperate/defect onto the game's C/D.
///
/// >>> import safepareto as sp
/// >>> sp.play_modal(sp.Game.example("program-pd"), "prudentbot", "cooperatebot")["actions"]
/// ['D', 'C']
#[pyfunction]
#[pyo3(signature = (game, a, b, *, source=None))]
fn play_modal<'py>(
    py: Python<'py>,
    game: &PyGame,
    a: &str,
    b: &str,
    source: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let sys = modal_system(source)?;
    let g = game.game.clone();
    let (c0, d0) = lift(tournament::cooperate_defect(&g, 0))?;
    let (c1, d1) = lift(tournament::cooperate_defect(&g, 1))?;
    let (sa, sb) = (a.to_string(), b.to_string());
    let o = lift(engine(py, move || sys.play(&sa, &sb))?)?;
    let p = vec![
        if o.first_cooperates { c0 } else { d0 },
        if o.second_cooperates { c1 } else { d1 },
    ];
    let d = PyDict::new(py);
    d.set_item("method", "modal")?;
    d.set_item("game", g.name())?;
    d.set_item("agents", vec![a, b])?;
    d.set_item("outcome", "played")?;
    d.set_item("actions", profile_names(&g, &p))?;
    d.set_item("payoffs", fractions(py, g.payoffs(&p))?)?;
    d.set_item("worlds", o.worlds)?;
    d.set_item("variables", o.variables)?;
    Ok(d)
}

/// The result of a tournament, with the induced program game.
#[pyclass(name = "Tournament", module = "safepareto._core", frozen)]
pub struct PyTournament {
    /// Entrant names in order (rows: player 1's seat, columns: player 2's).
    #[pyo3(get)]
    agents: Vec<String>,
    /// payoffs[i][j]: the scored payoffs (Fractions) of i in seat 1 against j in seat 2.
    #[pyo3(get)]
    payoffs: Py<PyAny>,
    /// outcomes[i][j]: how that match ended ("played", "player 1 out of fuel", …).
    #[pyo3(get)]
    outcomes: Vec<Vec<String>>,
    /// Pure equilibria of the induced program game, as pairs of entrant names.
    #[pyo3(get)]
    pure_equilibria: Vec<Vec<String>>,
    /// Steps used over all matches (0 for modal tournaments).
    #[pyo3(get)]
    steps: u64,
    induced: spi_games::Game,
}

#[pymethods]
impl PyTournament {
    /// The induced program game: each player's actions are the entrants (`spi program tournament
    /// --export` writes the same game).
    fn induced_game(&self) -> PyGame {
        PyGame::wrap(self.induced.clone())
    }
    fn __repr__(&self) -> String {
        format!("Tournament(agents={:?})", self.agents)
    }
}

/// tournament(game, agents, *, seed=0, limits=None, modal_source=None)
///
/// Plays every ordered pair of agents (Programs or built-in names; or all modal agents, from the
/// library or defined in `modal_source`) and returns the payoff matrix, the induced program game
/// and its pure equilibria, as `spi program tournament` does.
///
/// >>> import safepareto as sp
/// >>> t = sp.tournament(sp.Game.example("program-pd"), ["cooperatebot", "defectbot", "cliquebot"])
/// >>> t.pure_equilibria
/// [['defectbot', 'defectbot'], ['cliquebot', 'cliquebot']]
/// >>> t.induced_game().shape
/// [3, 3]
#[pyfunction(name = "tournament")]
#[pyo3(signature = (game, agents, *, seed=0, limits=None, modal_source=None))]
fn tournament_of(
    py: Python<'_>,
    game: &PyGame,
    agents: &Bound<'_, PyAny>,
    seed: u64,
    limits: Option<&PyLimits>,
    modal_source: Option<&str>,
) -> PyResult<PyTournament> {
    let pg = prepared(game)?;
    let limits = limits_of(limits);
    let sys = modal_system(modal_source)?;
    let list = items(agents, "agents")?;
    if list.is_empty() {
        return Err(ProgramError::new_err(
            "agents: a tournament needs at least one agent",
        ));
    }
    // As `spi program tournament`: an entrant that exists both as a program and as a modal agent
    // (CooperateBot, DefectBot) joins either kind of tournament.
    let mut programs: Vec<Option<(String, Arc<Program>)>> = Vec::new();
    let mut modal: Vec<Option<String>> = Vec::new();
    for a in &list {
        if let Ok(p) = a.cast::<PyProgram>() {
            let p = p.get();
            programs.push(Some((p.label.clone(), p.program.clone())));
            modal.push(None);
            continue;
        }
        let name: String = a.extract()?;
        let prog = library::agent(&name).map(|p| (name.clone(), p));
        let m = sys.find(&name).map(|_| name.clone());
        if prog.is_none() && m.is_none() {
            let mut known: Vec<String> =
                library::AGENTS.iter().map(|a| a.key.to_string()).collect();
            for n in sys.names() {
                let n = n.to_lowercase();
                if !known.contains(&n) {
                    known.push(n);
                }
            }
            return Err(ProgramError::new_err(format!(
                "{name}: not a built-in agent (one of: {})",
                known.join(", ")
            )));
        }
        programs.push(prog);
        modal.push(m);
    }
    let t: Tournament = if programs.iter().all(Option::is_some) {
        let entrants: Vec<(String, Arc<Program>)> = programs.into_iter().flatten().collect();
        let pg2 = pg.clone();
        engine(py, move || {
            tournament::run_programs(&pg2, &entrants, &limits, seed, &|_, _| {})
        })?
    } else if modal.iter().all(Option::is_some) {
        let names: Vec<String> = modal.into_iter().flatten().collect();
        let pg2 = pg.clone();
        lift(engine(py, move || {
            tournament::run_modal(&pg2, &sys, &names, &|_, _| {})
        })?)?
    } else {
        return Err(ProgramError::new_err(
            "a tournament is either all programs or all modal agents; this list mixes them",
        ));
    };
    let induced = lift(t.induced_game(&pg.game))?;
    let eq = spi_games::equilibrium::pure_nash(&induced);
    let payoffs = PyList::empty(py);
    for row in &t.payoffs {
        let r = PyList::empty(py);
        for u in row {
            r.append(fractions(py, u)?)?;
        }
        payoffs.append(r)?;
    }
    Ok(PyTournament {
        pure_equilibria: eq
            .iter()
            .map(|p| vec![t.names[p[0]].clone(), t.names[p[1]].clone()])
            .collect(),
        agents: t.names,
        payoffs: payoffs.into_any().unbind(),
        outcomes: t.outcomes,
        steps: t.total_steps,
        induced,
    })
}

/// The built-in agents: (name, "program" or "modal", what it is).
#[pyfunction]
fn agent_names() -> Vec<(String, &'static str, String)> {
    let mut out: Vec<(String, &'static str, String)> = library::AGENTS
        .iter()
        .map(|a| (a.key.to_string(), "program", a.about.to_string()))
        .collect();
    for n in ModalSystem::library().names() {
        out.push((
            n.to_lowercase(),
            "modal",
            "standard modal agent (formal.md §4)".to_string(),
        ));
    }
    out
}

fn pair(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<[Rational; 2]> {
    let v = items(obj, at)?;
    if v.len() != 2 {
        return Err(ProgramError::new_err(format!(
            "{at}: expected two numbers, found {}",
            v.len()
        )));
    }
    Ok([
        rational(&v[0], &format!("{at}[0]"))?,
        rational(&v[1], &format!("{at}[1]"))?,
    ])
}

/// race(*, delay="1/10", demands=("3/5", "3/5"), conflict=(-1, -1), fallback=(0, 0), runs=10000, seed=0)
///
/// Commitment races (DCM 2024): conflict rates and mean payoffs without renegotiation, with
/// player 1's clause only, and with both, over seeded runs, as `spi program race` prints them.
/// Returns one dict per configuration (label, runs, conflicts, renegotiated, conflict_ci,
/// mean_payoffs as Fractions, payoff_ci).
#[pyfunction]
#[pyo3(signature = (*, delay=None, demands=None, conflict=None, fallback=None, runs=10_000, seed=0))]
fn race<'py>(
    py: Python<'py>,
    delay: Option<&Bound<'py, PyAny>>,
    demands: Option<&Bound<'py, PyAny>>,
    conflict: Option<&Bound<'py, PyAny>>,
    fallback: Option<&Bound<'py, PyAny>>,
    runs: u64,
    seed: u64,
) -> PyResult<Bound<'py, PyList>> {
    let q = |n: i64, d: i64| Rational::new(n, d).unwrap_or_default();
    let delay = delay.map_or(Ok(q(1, 10)), |d| rational(d, "delay"))?;
    let demands = demands.map_or(Ok([q(3, 5), q(3, 5)]), |d| pair(d, "demands"))?;
    let conflict = conflict.map_or(Ok([q(-1, 1), q(-1, 1)]), |d| pair(d, "conflict"))?;
    let fallback = fallback.map_or(Ok([q(0, 1), q(0, 1)]), |d| pair(d, "fallback"))?;
    let configs: Vec<(&str, [bool; 2])> = vec![
        ("no renegotiation", [false, false]),
        ("player 1 only", [true, false]),
        ("both renegotiate", [true, true]),
    ];
    let mut cfgs = Vec::new();
    for (label, r) in &configs {
        cfgs.push((
            *label,
            RaceConfig {
                racers: [
                    Racer {
                        hawk_demand: demands[0].clone(),
                        renegotiates: r[0],
                    },
                    Racer {
                        hawk_demand: demands[1].clone(),
                        renegotiates: r[1],
                    },
                ],
                delay: delay.clone(),
                conflict: conflict.clone(),
                fallback: fallback.clone(),
                runs,
                seed,
            },
        ));
    }
    let summaries = engine(py, move || {
        cfgs.iter()
            .map(|(l, c)| (*l, spi_programs::race::simulate(c)))
            .collect::<Vec<_>>()
    })?;
    let out = PyList::empty(py);
    for (label, s) in summaries {
        let d = PyDict::new(py);
        d.set_item("label", label)?;
        d.set_item("runs", s.runs)?;
        d.set_item("conflicts", s.conflicts)?;
        d.set_item("renegotiated", s.renegotiated)?;
        d.set_item("conflict_ci", s.conflict_ci)?;
        d.set_item("mean_payoffs", fractions(py, &s.mean_payoffs)?)?;
        d.set_item("payoff_ci", s.payoff_ci.to_vec())?;
        out.append(d)?;
    }
    Ok(out)
}
