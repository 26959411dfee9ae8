//! `Game` and the game-theoretic analyses of `spi-games`: IESDS, equilibria, threat points,
//! the feasible set and Pareto frontier, PMM/PMP and bargaining solutions.

use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use spi_games::format::{self, GameFormat};
use spi_games::{Game, Rational, bargaining, dominance, equilibrium, examples, pareto, threat};

use crate::convert::{fraction, fractions, items, py_to_json, rational};
use crate::errors::{EquilibriumError, GameError, SafeparetoError, engine, lift};

/// Adds the classes of this module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGame>()?;
    m.add_class::<PyEquilibrium>()?;
    m.add_class::<PyReduction>()?;
    m.add_class::<PyThreatPoint>()?;
    m.add_class::<PyPmpSegment>()?;
    m.add_function(wrap_pyfunction!(example_names, m)?)?;
    Ok(())
}

/// A finite normal-form game with exact payoffs and named players and actions.
///
/// Build it from two payoff matrices, as in Nashpy (NumPy arrays or nested lists of ints,
/// Fractions, floats or strings such as "3/4"), or read one of the formats `spi` reads:
///
/// >>> from fractions import Fraction
/// >>> import safepareto as sp
/// >>> g = sp.Game([[3, 1], [4, 2]], [[3, 4], [1, 2]], actions=[["C", "D"], ["C", "D"]])
/// >>> g.shape
/// [2, 2]
/// >>> g.payoffs(["D", "C"])
/// [Fraction(4, 1), Fraction(1, 1)]
/// >>> sp.Game.from_json(g.to_json()) == g
/// True
/// >>> print(sp.Game.example("prisoners-dilemma").to_nfg().splitlines()[0])
/// NFG 1 R "prisoners-dilemma" { "A" "B" }
#[pyclass(name = "Game", module = "safepareto._core", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct PyGame {
    pub game: Game,
}

impl PyGame {
    /// Wraps an engine game.
    pub fn wrap(game: Game) -> PyGame {
        PyGame { game }
    }

    fn profile(&self, spec: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
        parse_profile(&self.game, spec)
    }

    fn names(&self, p: &[usize]) -> Vec<String> {
        profile_names(&self.game, p)
    }

    fn disagreement(
        &self,
        py: Python<'_>,
        d: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Rational>> {
        match d {
            None => {
                let g = self.game.clone();
                engine(py, move || threat::threat_point(&g).values)
            }
            Some(d) => items(d, "disagreement")?
                .iter()
                .enumerate()
                .map(|(k, x)| rational(x, &format!("disagreement[{k}]")))
                .collect(),
        }
    }
}

/// A profile given as action names or 0-based indices, one per player.
pub fn parse_profile(g: &Game, spec: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    let parts = items(spec, "profile")?;
    if parts.len() != g.num_players() {
        return Err(GameError::new_err(format!(
            "profile: expected {} actions (one per player), found {}",
            g.num_players(),
            parts.len()
        )));
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, a)| action_index(g, i, a))
        .collect()
}

/// One action of player `i`, by name or 0-based index.
pub fn action_index(g: &Game, i: usize, a: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(k) = a.extract::<usize>() {
        if k < g.num_actions(i) {
            return Ok(k);
        }
        return Err(GameError::new_err(format!(
            "player {} has {} actions; index {k} is out of range",
            g.players()[i],
            g.num_actions(i)
        )));
    }
    let name: String = a.extract()?;
    g.action_index(i, &name).ok_or_else(|| {
        GameError::new_err(format!(
            "player {} has no action {name:?} (actions: {})",
            g.players()[i],
            g.actions(i).join(", ")
        ))
    })
}

/// A player by name or 0-based index.
pub fn player_index(g: &Game, p: &Bound<'_, PyAny>) -> PyResult<usize> {
    if let Ok(k) = p.extract::<usize>() {
        if k < g.num_players() {
            return Ok(k);
        }
    } else if let Ok(name) = p.extract::<String>()
        && let Some(i) = g.player_index(&name)
    {
        return Ok(i);
    }
    Err(GameError::new_err(format!(
        "the game has no player {} (players: {})",
        p.repr()?,
        g.players().join(", ")
    )))
}

/// Action names of a profile.
pub fn profile_names(g: &Game, p: &[usize]) -> Vec<String> {
    p.iter()
        .enumerate()
        .map(|(i, &a)| g.actions(i)[a].clone())
        .collect()
}

fn matrix(obj: &Bound<'_, PyAny>, label: &str) -> PyResult<Vec<Vec<Rational>>> {
    let rows = items(obj, label)?;
    rows.iter()
        .enumerate()
        .map(|(r, row)| {
            items(row, &format!("{label}[{r}]"))?
                .iter()
                .enumerate()
                .map(|(c, x)| rational(x, &format!("{label}[{r}][{c}]")))
                .collect()
        })
        .collect()
}

fn strings(obj: &Bound<'_, PyAny>, at: &str) -> PyResult<Vec<String>> {
    items(obj, at)?.iter().map(|x| x.extract()).collect()
}

fn load_game(spec: &str) -> PyResult<Game> {
    // The same look-up and the same messages as `spi`'s `load_game`: a path, else an example name.
    let path = Path::new(spec);
    if !path.exists() {
        if let Some(g) = examples::example(spec) {
            return Ok(g);
        }
        let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.key).collect();
        return Err(SafeparetoError::new_err(format!(
            "{spec}: no such file, and not a built-in example (one of: {})",
            names.join(", ")
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| SafeparetoError::new_err(format!("{spec}: cannot read the file: {e}")))?;
    format::read_game(&text, GameFormat::from_path(spec))
        .map_err(|e| crate::errors::FormatError::new_err(format!("{spec}: {e}")))
}

#[pymethods]
impl PyGame {
    /// Game(A, B=None, *, players=None, actions=None, name="game")
    ///
    /// A two-player game from player 1's and player 2's payoff matrices (rows are player 1's
    /// actions). With B omitted the game is zero-sum (B = -A). Default names are players "1", "2"
    /// and actions "a1", "a2", … as for generated games.
    ///
    /// >>> import safepareto as sp
    /// >>> sp.Game([[1, -1], [-1, 1]]).payoffs([0, 1])
    /// [Fraction(-1, 1), Fraction(1, 1)]
    /// >>> sp.Game([[1, 2]], [[1]])
    /// Traceback (most recent call last):
    /// ...
    /// safepareto.GameError: B[0]: expected 2 entries (one per column of A), found 1
    #[new]
    #[pyo3(signature = (a, b=None, *, players=None, actions=None, name="game"))]
    fn new(
        a: &Bound<'_, PyAny>,
        b: Option<&Bound<'_, PyAny>>,
        players: Option<&Bound<'_, PyAny>>,
        actions: Option<&Bound<'_, PyAny>>,
        name: &str,
    ) -> PyResult<PyGame> {
        let ma = matrix(a, "A")?;
        let rows = ma.len();
        let cols = ma.first().map_or(0, Vec::len);
        if rows == 0 || cols == 0 {
            return Err(GameError::new_err(
                "A: expected a non-empty matrix (every player needs an action)",
            ));
        }
        for (r, row) in ma.iter().enumerate() {
            if row.len() != cols {
                return Err(GameError::new_err(format!(
                    "A[{r}]: expected {cols} entries (as in A[0]), found {}",
                    row.len()
                )));
            }
        }
        let mb = match b {
            Some(b) => matrix(b, "B")?,
            None => ma
                .iter()
                .map(|row| row.iter().map(|x| -x).collect())
                .collect(),
        };
        if mb.len() != rows {
            return Err(GameError::new_err(format!(
                "B: expected {rows} rows (as many as A), found {}",
                mb.len()
            )));
        }
        for (r, row) in mb.iter().enumerate() {
            if row.len() != cols {
                return Err(GameError::new_err(format!(
                    "B[{r}]: expected {cols} entries (one per column of A), found {}",
                    row.len()
                )));
            }
        }
        let (default_players, default_actions) = Game::default_names(&[rows, cols]);
        let players = match players {
            Some(p) => strings(p, "players")?,
            None => default_players,
        };
        let actions = match actions {
            Some(a) => items(a, "actions")?
                .iter()
                .enumerate()
                .map(|(i, x)| strings(x, &format!("actions[{i}]")))
                .collect::<PyResult<Vec<_>>>()?,
            None => default_actions,
        };
        let mut flat = Vec::with_capacity(rows * cols * 2);
        for r in 0..rows {
            for c in 0..cols {
                flat.push(ma[r][c].clone());
                flat.push(mb[r][c].clone());
            }
        }
        lift(Game::new(name, players, actions, flat)).map(PyGame::wrap)
    }

    /// A game of any number of players from a table in the JSON format's layout: `payoffs` nested
    /// one level per player (player 1's action outermost), each innermost entry the list of every
    /// player's payoff.
    ///
    /// >>> import safepareto as sp
    /// >>> g = sp.Game.from_table(["X", "Y", "Z"], [["a"], ["b"], ["c", "d"]],
    /// ...                        [[[[1, 2, 3], [0, 0, 0]]]])
    /// >>> g.shape, g.payoffs(["a", "b", "d"])
    /// ([1, 1, 2], [Fraction(0, 1), Fraction(0, 1), Fraction(0, 1)])
    #[staticmethod]
    #[pyo3(signature = (players, actions, payoffs, *, name="game"))]
    fn from_table(
        players: &Bound<'_, PyAny>,
        actions: &Bound<'_, PyAny>,
        payoffs: &Bound<'_, PyAny>,
        name: &str,
    ) -> PyResult<PyGame> {
        let py = players.py();
        let doc = PyDict::new(py);
        doc.set_item("name", name)?;
        doc.set_item("players", players)?;
        doc.set_item(
            "actions",
            PyList::new(
                py,
                items(actions, "actions")?
                    .iter()
                    .map(|a| items(a, "actions").and_then(|v| PyList::new(py, v)))
                    .collect::<PyResult<Vec<_>>>()?,
            )?,
        )?;
        doc.set_item("payoffs", nested_exact(payoffs)?)?;
        let v = py_to_json(doc.as_any())?;
        lift(format::json::game_from_value(&v)).map(PyGame::wrap)
    }

    /// Reads our JSON game format; errors name the JSON path, as `spi` does.
    ///
    /// >>> import safepareto as sp
    /// >>> sp.Game.from_json('{"players": ["A", "B"], "actions": [["x"], ["y"]], "payoffs": [[[1, 2, 3]]]}')
    /// Traceback (most recent call last):
    /// ...
    /// safepareto.FormatError: $.payoffs[0][0]: expected 2 payoffs (one per player), found 3 entries
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<PyGame> {
        lift(format::read_json(text)).map(PyGame::wrap)
    }

    /// Reads Gambit's strategic-form `.nfg` text (payoff or outcome version) exactly.
    #[staticmethod]
    fn from_nfg(text: &str) -> PyResult<PyGame> {
        lift(format::read_nfg(text)).map(PyGame::wrap)
    }

    /// Reads a game the way `spi` does: a `.json` or `.nfg` file, or the name of a built-in
    /// example; errors start with the file name, as `spi`'s do after `error: `.
    #[staticmethod]
    fn load(spec: &str) -> PyResult<PyGame> {
        load_game(spec).map(PyGame::wrap)
    }

    /// A built-in example game of the papers (see `safepareto.example_names()`).
    ///
    /// >>> import safepareto as sp
    /// >>> sp.Game.example("demand-game").actions[0]
    /// ['DM', 'RM', 'DL', 'RL']
    #[staticmethod]
    fn example(name: &str) -> PyResult<PyGame> {
        examples::example(name).map(PyGame::wrap).ok_or_else(|| {
            let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.key).collect();
            GameError::new_err(format!(
                "{name}: not a built-in example (one of: {})",
                names.join(", ")
            ))
        })
    }

    /// The game in our JSON format (what `spi game show --json` prints).
    fn to_json(&self) -> String {
        format::write_json(&self.game)
    }

    /// The game in Gambit's `.nfg` format (what `spi game show --nfg` prints).
    fn to_nfg(&self) -> String {
        format::write_nfg(&self.game)
    }

    /// The game's name.
    #[getter]
    fn name(&self) -> String {
        self.game.name().to_string()
    }

    /// Player names.
    #[getter]
    fn players(&self) -> Vec<String> {
        self.game.players().to_vec()
    }

    /// Action names, one list per player.
    #[getter]
    fn actions(&self) -> Vec<Vec<String>> {
        self.game.action_names().to_vec()
    }

    /// Number of actions of each player.
    #[getter]
    fn shape(&self) -> Vec<usize> {
        self.game.shape()
    }

    /// The payoff vector of a profile (names or indices), as Fractions.
    fn payoffs<'py>(
        &self,
        py: Python<'py>,
        profile: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let p = self.profile(profile)?;
        fractions(py, self.game.payoffs(&p))
    }

    /// The payoff matrices (A, B) of a two-player game: Fractions by default; with
    /// `exact=False`, floats (NumPy arrays when NumPy is installed, else nested lists).
    ///
    /// >>> import safepareto as sp
    /// >>> A, B = sp.Game.example("chicken").payoff_matrices()
    /// >>> A[1][0], B[1][0]
    /// (Fraction(4, 1), Fraction(1, 1))
    #[pyo3(signature = (exact=true))]
    fn payoff_matrices<'py>(&self, py: Python<'py>, exact: bool) -> PyResult<Bound<'py, PyTuple>> {
        let (a, b) = self.game.bimatrix().ok_or_else(|| {
            EquilibriumError::new_err(format!(
                "payoff matrices exist for two-player games; this one has {} players",
                self.game.num_players()
            ))
        })?;
        let conv = |m: &Vec<Vec<Rational>>| -> PyResult<Bound<'py, PyAny>> {
            if exact {
                let rows = m
                    .iter()
                    .map(|r| fractions(py, r))
                    .collect::<PyResult<Vec<_>>>()?;
                return Ok(PyList::new(py, rows)?.into_any());
            }
            let rows: Vec<Vec<f64>> = m
                .iter()
                .map(|r| r.iter().map(Rational::to_f64).collect())
                .collect();
            let list = PyList::new(py, rows)?.into_any();
            match py.import("numpy") {
                Ok(np) => np.getattr("array")?.call1((list,)),
                Err(_) => Ok(list),
            }
        };
        PyTuple::new(py, [conv(&a)?, conv(&b)?])
    }

    fn __repr__(&self) -> String {
        let shape: Vec<String> = self.game.shape().iter().map(|k| k.to_string()).collect();
        format!(
            "Game({:?}, players={:?}, shape={})",
            self.game.name(),
            self.game.players(),
            shape.join("x")
        )
    }

    /// Iterated elimination of strictly dominated actions (by pure actions), with its trace.
    ///
    /// >>> import safepareto as sp
    /// >>> r = sp.Game.example("demand-game").iesds()
    /// >>> r.surviving, r.trace[0]
    /// ([['DM', 'RM'], ['DM', 'RM']], {'round': 1, 'player': 'A', 'eliminated': 'DL', 'dominated_by': 'DM'})
    fn iesds(&self, py: Python<'_>) -> PyResult<PyReduction> {
        let g = self.game.clone();
        let r = engine(py, move || dominance::iesds(&g))?;
        PyReduction::new(py, &self.game, &r)
    }

    /// Nash equilibria. `method`: "enumerate" (all extreme equilibria of a two-player game, exactly,
    /// degenerate games included; the default for two players), "pure" (pure equilibria of any
    /// game; the default otherwise) or "lemke-howson" (one equilibrium; `label` is the dropped
    /// label, "PLAYER:ACTION" or a 0-based index, default: race labels as `spi` does).
    ///
    /// >>> import safepareto as sp
    /// >>> [e.payoffs for e in sp.Game.example("demand-game").equilibria()]
    /// [[Fraction(0, 1), Fraction(2, 1)], [Fraction(3, 4), Fraction(3, 4)], [Fraction(2, 1), Fraction(0, 1)]]
    /// >>> sp.Game.example("matching-pennies").equilibria(method="lemke-howson")[0].strategies
    /// [{'H': Fraction(1, 2), 'T': Fraction(1, 2)}, {'H': Fraction(1, 2), 'T': Fraction(1, 2)}]
    #[pyo3(signature = (method=None, label=None))]
    fn equilibria(
        &self,
        py: Python<'_>,
        method: Option<&str>,
        label: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<PyEquilibrium>> {
        let method = method.unwrap_or(if self.game.num_players() == 2 {
            "enumerate"
        } else {
            "pure"
        });
        let g = self.game.clone();
        let eqs = match method {
            "pure" => engine(py, move || equilibrium::pure_as_mixed(&g))?,
            "enumerate" => lift(engine(py, move || equilibrium::enumerate(&g))?)?,
            "lemke-howson" | "lemke_howson" => {
                let label = match label {
                    None => None,
                    Some(l) => Some(parse_label(&self.game, l)?),
                };
                let e = match label {
                    None => lift(engine(py, move || equilibrium::lemke_howson_any(&g))?)?.0,
                    Some(l) => lift(engine(py, move || equilibrium::lemke_howson(&g, l))?)?.0,
                };
                vec![e]
            }
            other => {
                return Err(SafeparetoError::new_err(format!(
                    "method {other:?}: expected \"enumerate\", \"pure\" or \"lemke-howson\""
                )));
            }
        };
        eqs.iter()
            .map(|e| PyEquilibrium::new(py, &self.game, e))
            .collect()
    }

    /// One equilibrium by exact Lemke–Howson (`equilibria(method="lemke-howson")`).
    #[pyo3(signature = (label=None))]
    fn lemke_howson(
        &self,
        py: Python<'_>,
        label: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEquilibrium> {
        let mut v = self.equilibria(py, Some("lemke-howson"), label)?;
        Ok(v.remove(0))
    }

    /// Whether a mixed profile (one probability list per player) is a Nash equilibrium, exactly.
    fn is_equilibrium(&self, py: Python<'_>, strategies: &Bound<'_, PyAny>) -> PyResult<bool> {
        let s: Vec<Vec<Rational>> = items(strategies, "strategies")?
            .iter()
            .enumerate()
            .map(|(i, row)| {
                items(row, &format!("strategies[{i}]"))?
                    .iter()
                    .enumerate()
                    .map(|(a, x)| rational(x, &format!("strategies[{i}][{a}]")))
                    .collect()
            })
            .collect::<PyResult<_>>()?;
        if s.len() != self.game.num_players()
            || s.iter()
                .enumerate()
                .any(|(i, v)| v.len() != self.game.num_actions(i))
        {
            return Err(GameError::new_err(format!(
                "strategies: expected one probability per action of each player (shape {:?})",
                self.game.shape()
            )));
        }
        let g = self.game.clone();
        Ok(engine(py, move || equilibrium::verify(&g, &s))?.is_ok())
    }

    /// The threat point (each player's minimax value) and the punishments that enforce it.
    ///
    /// >>> import safepareto as sp
    /// >>> t = sp.Game.example("demand-game").threat_point()
    /// >>> t.values, t.punishments[0]["punishment"]
    /// ([Fraction(0, 1), Fraction(0, 1)], [(['DM'], Fraction(1, 1))])
    fn threat_point(&self, py: Python<'_>) -> PyResult<PyThreatPoint> {
        let g = self.game.clone();
        let t = engine(py, move || threat::threat_point(&g))?;
        PyThreatPoint::new(py, &self.game, &t)
    }

    /// The Pareto meet minimum (PMM): per player, the least payoff over the Pareto-efficient outcomes.
    ///
    /// >>> import safepareto as sp
    /// >>> sp.Game.example("scheduling").pmm()
    /// [Fraction(1, 1), Fraction(1, 1)]
    fn pmm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let g = self.game.clone();
        let m = engine(py, move || pareto::pmm(&g))?;
        fractions(py, &m)
    }

    /// The Pareto-efficient pure outcomes, as action-name profiles.
    fn efficient_outcomes(&self, py: Python<'_>) -> PyResult<Vec<Vec<String>>> {
        let g = self.game.clone();
        let eff = engine(py, move || pareto::efficient_outcomes(&g))?;
        Ok(eff.iter().map(|p| self.names(p)).collect())
    }

    /// The feasible set C(Γ) of a two-player game: the vertices of the convex hull of the pure
    /// payoff vectors, counter-clockwise (`None` for other player counts).
    ///
    /// >>> import safepareto as sp
    /// >>> [[float(x) for x in p] for p in sp.Game.example("chicken").feasible_set()]
    /// [[0.0, 0.0], [4.0, 1.0], [3.0, 3.0], [1.0, 4.0]]
    fn feasible_set<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let g = self.game.clone();
        let hull = engine(py, move || pareto::hull_2d(&g))?;
        hull.map(|h| points(py, &h)).transpose()
    }

    /// The Pareto frontier of C(Γ) (two players), from the best point for player 1 on.
    fn pareto_frontier<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
        let g = self.game.clone();
        let f = engine(py, move || pareto::frontier_2d(&g))?;
        f.map(|h| points(py, &h)).transpose()
    }

    /// Whether a payoff vector is Pareto-optimal in C(Γ) (OC's Lemma 11 LP, exact).
    fn is_pareto_optimal(&self, py: Python<'_>, point: &Bound<'_, PyAny>) -> PyResult<bool> {
        let y = self.point(point)?;
        let g = self.game.clone();
        engine(py, move || pareto::is_pareto_optimal(&g, &y))
    }

    /// PMP_i from a default profile (names or indices) of a two-player game: the segment of
    /// outcomes with the other player's payoff fixed (`None` when empty).
    ///
    /// >>> import safepareto as sp
    /// >>> s = sp.Game.example("scheduling").pmp("A", ["Slot1", "Slot2"])
    /// >>> s.fixed_other, s.lo, s.hi
    /// (Fraction(1, 1), Fraction(1, 1), Fraction(3, 1))
    fn pmp(
        &self,
        py: Python<'_>,
        player: &Bound<'_, PyAny>,
        profile: &Bound<'_, PyAny>,
    ) -> PyResult<Option<PyPmpSegment>> {
        if self.game.num_players() != 2 {
            return Err(GameError::new_err(format!(
                "PMP sets are computed for two-player games; this one has {} players",
                self.game.num_players()
            )));
        }
        let i = player_index(&self.game, player)?;
        let p = self.profile(profile)?;
        let u = self.game.payoffs(&p).to_vec();
        let g = self.game.clone();
        let s = engine(py, move || pareto::pmp(&g, i, &u))?;
        s.map(|s| {
            Ok(PyPmpSegment {
                player: self.game.players()[s.player].clone(),
                fixed_other: fraction(py, &s.fixed)?.unbind(),
                lo: fraction(py, &s.lo)?.unbind(),
                hi: fraction(py, &s.hi)?.unbind(),
            })
        })
        .transpose()
    }

    /// The Nash bargaining solution over C(Γ) (two players); the disagreement point defaults to
    /// the threat point.
    ///
    /// >>> import safepareto as sp
    /// >>> sp.Game.example("chicken").nash_bargaining()
    /// [Fraction(3, 1), Fraction(3, 1)]
    #[pyo3(signature = (disagreement=None))]
    fn nash_bargaining<'py>(
        &self,
        py: Python<'py>,
        disagreement: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let d = self.disagreement(py, disagreement)?;
        let g = self.game.clone();
        let p = lift(engine(py, move || bargaining::nash_bargaining(&g, &d))?)?;
        fractions(py, &p)
    }

    /// The Kalai–Smorodinsky solution over C(Γ); the disagreement point defaults to the threat point.
    #[pyo3(signature = (disagreement=None))]
    fn kalai_smorodinsky<'py>(
        &self,
        py: Python<'py>,
        disagreement: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let d = self.disagreement(py, disagreement)?;
        let g = self.game.clone();
        let p = lift(engine(py, move || bargaining::kalai_smorodinsky(&g, &d))?)?;
        fractions(py, &p)
    }
    /// SPI search on this game (`safepareto.spi_search(game, ...)`).
    #[pyo3(signature = (*, unilateral=None, strict=false, all=false, limit=10_000))]
    fn spi_search(
        &self,
        py: Python<'_>,
        unilateral: Option<&Bound<'_, PyAny>>,
        strict: bool,
        all: bool,
        limit: usize,
    ) -> PyResult<crate::theory::PySpiSearch> {
        crate::theory::spi_search(py, self, unilateral, strict, all, limit)
    }

    /// Re-checks claimed SPIs of this game (`safepareto.verify(game, certificate)`).
    fn verify(
        &self,
        py: Python<'_>,
        certificate: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<crate::theory::PyVerification>> {
        crate::theory::verify_certificates(py, self, certificate)
    }
}

impl PyGame {
    fn point(&self, point: &Bound<'_, PyAny>) -> PyResult<Vec<Rational>> {
        let y: Vec<Rational> = items(point, "point")?
            .iter()
            .enumerate()
            .map(|(k, x)| rational(x, &format!("point[{k}]")))
            .collect::<PyResult<_>>()?;
        if y.len() != self.game.num_players() {
            return Err(GameError::new_err(format!(
                "point: expected {} coordinates (one per player), found {}",
                self.game.num_players(),
                y.len()
            )));
        }
        Ok(y)
    }
}

/// Nested Python payoffs with every number made exact and written as a "p/q" string, so the JSON
/// reader sees exact values (floats keep their binary value, as everywhere in the bindings).
fn nested_exact<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = obj.py();
    if let Ok(list) = items(obj, "payoffs") {
        let inner = list
            .iter()
            .map(nested_exact)
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, inner)?.into_any());
    }
    let q = rational(obj, "payoffs")?;
    Ok(pyo3::types::PyString::new(py, &q.to_string()).into_any())
}

fn points<'py>(py: Python<'py>, ps: &[Vec<Rational>]) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        ps.iter()
            .map(|p| fractions(py, p))
            .collect::<PyResult<Vec<_>>>()?,
    )
}

fn parse_label(g: &Game, l: &Bound<'_, PyAny>) -> PyResult<usize> {
    // The same label syntax as `spi game equilibria --label`: an index, or PLAYER:ACTION.
    if let Ok(k) = l.extract::<usize>() {
        return Ok(k);
    }
    let l: String = l.extract()?;
    if let Ok(k) = l.parse::<usize>() {
        return Ok(k);
    }
    let (player, action) = l.split_once(':').ok_or_else(|| {
        EquilibriumError::new_err(format!("label {l:?}: expected PLAYER:ACTION or an index"))
    })?;
    let i = g
        .player_index(player)
        .ok_or_else(|| EquilibriumError::new_err(format!("label {l:?}: no player {player:?}")))?;
    let a = g.action_index(i, action).ok_or_else(|| {
        EquilibriumError::new_err(format!(
            "label {l:?}: player {player} has no action {action:?}"
        ))
    })?;
    Ok(if i == 0 { a } else { g.num_actions(0) + a })
}

/// A mixed-strategy Nash equilibrium with its expected payoffs, exactly.
#[pyclass(name = "Equilibrium", module = "safepareto._core", frozen)]
pub struct PyEquilibrium {
    /// Per player, the support: action name -> probability (Fraction), zeros left out.
    #[pyo3(get)]
    strategies: Py<PyAny>,
    /// Per player, the probability of every action in order (Fractions).
    #[pyo3(get)]
    probabilities: Py<PyAny>,
    /// Expected payoff of each player (Fractions).
    #[pyo3(get)]
    payoffs: Py<PyAny>,
    floats: (Vec<Vec<f64>>, Vec<f64>),
}

impl PyEquilibrium {
    fn new(py: Python<'_>, g: &Game, e: &equilibrium::MixedEquilibrium) -> PyResult<PyEquilibrium> {
        let strategies = PyList::empty(py);
        for (i, s) in e.strategies.iter().enumerate() {
            let d = PyDict::new(py);
            for (a, p) in s.iter().enumerate() {
                if !p.is_zero() {
                    d.set_item(&g.actions(i)[a], fraction(py, p)?)?;
                }
            }
            strategies.append(d)?;
        }
        let probabilities = PyList::new(
            py,
            e.strategies
                .iter()
                .map(|s| fractions(py, s))
                .collect::<PyResult<Vec<_>>>()?,
        )?;
        Ok(PyEquilibrium {
            strategies: strategies.into_any().unbind(),
            probabilities: probabilities.into_any().unbind(),
            payoffs: fractions(py, &e.payoffs)?.into_any().unbind(),
            floats: (
                e.strategies
                    .iter()
                    .map(|s| s.iter().map(Rational::to_f64).collect())
                    .collect(),
                e.payoffs.iter().map(Rational::to_f64).collect(),
            ),
        })
    }
}

#[pymethods]
impl PyEquilibrium {
    /// The float view: (probabilities per player, payoffs), for plotting and comparison with
    /// floating-point solvers.
    fn as_float(&self) -> (Vec<Vec<f64>>, Vec<f64>) {
        self.floats.clone()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Equilibrium(strategies={}, payoffs={})",
            self.strategies.bind(py).repr()?,
            self.payoffs.bind(py).repr()?
        ))
    }
}

/// The result of IESDS: the surviving actions per player and the elimination trace.
#[pyclass(name = "Reduction", module = "safepareto._core", frozen)]
pub struct PyReduction {
    /// Surviving action names, per player.
    #[pyo3(get)]
    surviving: Vec<Vec<String>>,
    /// The trace: dicts with round, player, eliminated and dominated_by (names).
    #[pyo3(get)]
    trace: Py<PyAny>,
    reduced: Game,
}

impl PyReduction {
    fn new(py: Python<'_>, g: &Game, r: &dominance::Reduction) -> PyResult<PyReduction> {
        let trace = PyList::empty(py);
        for e in &r.trace {
            let d = PyDict::new(py);
            d.set_item("round", e.round)?;
            d.set_item("player", &g.players()[e.player])?;
            d.set_item("eliminated", &g.actions(e.player)[e.action])?;
            d.set_item("dominated_by", &g.actions(e.player)[e.dominated_by])?;
            trace.append(d)?;
        }
        Ok(PyReduction {
            surviving: r
                .surviving
                .iter()
                .enumerate()
                .map(|(i, acts)| acts.iter().map(|&a| g.actions(i)[a].clone()).collect())
                .collect(),
            trace: trace.into_any().unbind(),
            reduced: r.reduced_game(g),
        })
    }
}

#[pymethods]
impl PyReduction {
    /// The reduced game Γ' (the surviving actions only).
    fn reduced_game(&self) -> PyGame {
        PyGame::wrap(self.reduced.clone())
    }

    fn __repr__(&self) -> String {
        format!("Reduction(surviving={:?})", self.surviving)
    }
}

/// The threat point: each player's minimax value and the punishment holding it there.
#[pyclass(name = "ThreatPoint", module = "safepareto._core", frozen)]
pub struct PyThreatPoint {
    /// The minimax value of each player (Fractions).
    #[pyo3(get)]
    values: Py<PyAny>,
    /// Per player: dicts with target, punishment (a list of (the punishers' profile, probability)),
    /// best_response and pure_punishment (a pure profile of the punishers that holds the target
    /// to its value, or None).
    #[pyo3(get)]
    punishments: Py<PyAny>,
    /// Whether punishers may correlate (three or more players).
    #[pyo3(get)]
    correlated: bool,
}

impl PyThreatPoint {
    fn new(py: Python<'_>, g: &Game, t: &threat::ThreatPoint) -> PyResult<PyThreatPoint> {
        let punishments = PyList::empty(py);
        for p in &t.punishments {
            let dist = PyList::empty(py);
            for (sub, prob) in &p.distribution {
                let names: Vec<&str> = (0..g.num_players())
                    .filter(|&j| j != p.target)
                    .zip(sub)
                    .map(|(j, &a)| g.actions(j)[a].as_str())
                    .collect();
                dist.append((names, fraction(py, prob)?))?;
            }
            let d = PyDict::new(py);
            d.set_item("target", &g.players()[p.target])?;
            d.set_item("punishment", dist)?;
            d.set_item("best_response", &g.actions(p.target)[p.best_response])?;
            let pure: Option<Vec<&str>> = p.pure.as_ref().map(|sub| {
                (0..g.num_players())
                    .filter(|&j| j != p.target)
                    .zip(sub)
                    .map(|(j, &a)| g.actions(j)[a].as_str())
                    .collect()
            });
            d.set_item("pure_punishment", pure)?;
            punishments.append(d)?;
        }
        Ok(PyThreatPoint {
            values: fractions(py, &t.values)?.into_any().unbind(),
            punishments: punishments.into_any().unbind(),
            correlated: t.correlated,
        })
    }
}

#[pymethods]
impl PyThreatPoint {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "ThreatPoint(values={})",
            self.values.bind(py).repr()?
        ))
    }
}

/// PMP_i from a default outcome: u_other fixed, lo <= u_player <= hi.
#[pyclass(name = "PmpSegment", module = "safepareto._core", frozen)]
pub struct PyPmpSegment {
    /// The player whose payoff ranges.
    #[pyo3(get)]
    player: String,
    /// The other player's fixed payoff.
    #[pyo3(get)]
    fixed_other: Py<PyAny>,
    /// Lowest payoff of `player` in the set.
    #[pyo3(get)]
    lo: Py<PyAny>,
    /// Highest payoff of `player` in the set.
    #[pyo3(get)]
    hi: Py<PyAny>,
}

#[pymethods]
impl PyPmpSegment {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PmpSegment(player={:?}, fixed_other={}, lo={}, hi={})",
            self.player,
            self.fixed_other.bind(py).str()?,
            self.lo.bind(py).str()?,
            self.hi.bind(py).str()?
        ))
    }
}

/// The keys of the built-in example games, with their sources.
///
/// >>> import safepareto as sp
/// >>> sp.example_names()[0]
/// ('demand-game', 'Oesterheld & Conitzer 2022, Table 1 (the Demand Game)')
#[pyfunction]
fn example_names() -> Vec<(&'static str, &'static str)> {
    examples::EXAMPLES
        .iter()
        .map(|e| (e.key, e.source))
        .collect()
}
