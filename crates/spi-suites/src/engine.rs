//! The harness side: every task kind as a `spi_eval::check::EngineCheck` (validate, check,
//! reference_answer), the engine as agent tools (`spi_search`, `spi_verify`, `game_analyze`), and
//! [`register`], which the CLI calls where `spi eval run` builds its registries.
//!
//! Tools take model-written JSON: every input is validated, games are capped at
//! [`MAX_TOOL_ACTIONS`] actions per player so a call stays fast, and errors go back to the model
//! as `TOOL ERROR` text.

use std::sync::Arc;

use serde_json::{Value, json};
use spi_eval::check::{CheckError, CheckInput, CheckRegistry, CheckVerdict, EngineCheck};
use spi_eval::tools::{Tool, ToolContext, ToolError, ToolRegistry};
use spi_games::Game;
use spi_games::dominance::iesds;
use spi_games::equilibrium::pure_nash;
use spi_games::format::json::game_from_value;
use spi_games::pareto::pmm;
use spi_games::threat::threat_point;
use spi_theory::{SpiQuery, search};

use crate::tasks::{INTERACTIVE, TASKS, Task, task};

/// Largest action count per player a tool accepts.
pub const MAX_TOOL_ACTIONS: usize = 12;

/// A task kind as an engine check.
pub struct TaskCheck(&'static dyn Task);

impl TaskCheck {
    /// The check of a task kind.
    pub fn new(kind: &str) -> Option<TaskCheck> {
        task(kind).map(TaskCheck)
    }
}

fn cerr(kind: &str, message: String) -> CheckError {
    CheckError {
        kind: kind.to_string(),
        message,
    }
}

impl EngineCheck for TaskCheck {
    fn kind(&self) -> &str {
        self.0.kind()
    }
    fn validate(&self, spec: &Value) -> Result<(), CheckError> {
        self.0.validate(spec).map_err(|m| cerr(self.0.kind(), m))
    }
    fn check(&self, spec: &Value, input: &CheckInput<'_>) -> Result<CheckVerdict, CheckError> {
        let answer = self.0.extract(input.output);
        let g = self
            .0
            .grade(spec, &answer)
            .map_err(|m| cerr(self.0.kind(), m))?;
        Ok(CheckVerdict {
            value: if g.correct { 1.0 } else { 0.0 },
            answer: g.answer,
            explanation: g.explanation,
            detail: None,
        })
    }
    fn reference_answer(&self, spec: &Value) -> Result<String, CheckError> {
        self.0
            .reference(spec)
            .map(|r| self.0.render_answer(&r))
            .map_err(|m| cerr(self.0.kind(), m))
    }
}

fn tool_game(args: &Value) -> Result<Game, ToolError> {
    let g = args
        .get("game")
        .ok_or_else(|| ToolError("expected {\"game\": {players, actions, payoffs}}".into()))?;
    let game = game_from_value(g).map_err(|e| ToolError(format!("game: {e}")))?;
    if game.num_players() != 2 || game.shape().iter().any(|&k| k > MAX_TOOL_ACTIONS) {
        return Err(ToolError(format!(
            "the tools take two-player games with at most {MAX_TOOL_ACTIONS} actions each"
        )));
    }
    Ok(game)
}

/// The game a tool call is about: the `game` argument, else the sample's own `check.game`.
fn game_for(args: &Value, ctx: &ToolContext<'_>) -> Result<Game, ToolError> {
    if args.get("game").is_some() {
        return tool_game(args);
    }
    match ctx.sample.check.as_ref().and_then(|c| c.get("game")) {
        Some(g) => tool_game(&json!({"game": g})),
        None => Err(ToolError(
            "give the game as {\"game\": {players, actions, payoffs}}".into(),
        )),
    }
}

/// `spi_search`: the first non-trivial omnilateral SPI of a game, or none.
#[derive(Debug, Default)]
pub struct SpiSearchTool;

impl Tool for SpiSearchTool {
    fn name(&self) -> &str {
        "spi_search"
    }
    fn description(&self) -> &str {
        "Searches a two-player game for a non-trivial safe Pareto improvement (OC's omnilateral SPI): \
returns the IESDS survivors and an action map from them to the game's actions, or says none exists. \
Without a game argument it works on the current item's game."
    }
    fn parameters(&self) -> Value {
        json!({"game": "optional {players: [..], actions: [[..], [..]], payoffs: nested [row][col][u1, u2]}", "strict": "optional boolean"})
    }
    fn call(&self, arguments: Value, ctx: &ToolContext<'_>) -> Result<String, ToolError> {
        let g = game_for(&arguments, ctx)?;
        let q = SpiQuery {
            strict: arguments
                .get("strict")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..SpiQuery::omnilateral()
        };
        let s = search(&g, &q).map_err(|e| ToolError(e.to_string()))?;
        let surv: Vec<Vec<&str>> = (0..2)
            .map(|i| {
                s.reduction.surviving[i]
                    .iter()
                    .map(|&a| g.actions(i)[a].as_str())
                    .collect()
            })
            .collect();
        let out = match s.witnesses.first() {
            None => json!({"survivors": surv, "spi": null}),
            Some(w) => {
                let maps: Vec<Value> = (0..2)
                    .map(|i| {
                        let m: serde_json::Map<String, Value> = s.reduction.surviving[i]
                            .iter()
                            .zip(&w.images[i])
                            .map(|(&a, &b)| (g.actions(i)[a].clone(), json!(g.actions(i)[b])))
                            .collect();
                        Value::Object(m)
                    })
                    .collect();
                json!({"survivors": surv, "spi": maps})
            }
        };
        Ok(out.to_string())
    }
}

/// `spi_verify`: checks a claimed action map (the spi_search answer format) with the verifier.
#[derive(Debug, Default)]
pub struct SpiVerifyTool;

impl Tool for SpiVerifyTool {
    fn name(&self) -> &str {
        "spi_verify"
    }
    fn description(&self) -> &str {
        "Verifies a claimed SPI of a two-player game with the independent verifier: give the map as \
text `R1->R4, R2->R3; C1->C2, C3->C1` (each player's IESDS survivors mapped to actions). Returns \
whether it is an SPI, or the profile, player and amount that refute it."
    }
    fn parameters(&self) -> Value {
        json!({"game": "optional game (else the current item's)", "map": "text: Row's map; Column's map"})
    }
    fn call(&self, arguments: Value, ctx: &ToolContext<'_>) -> Result<String, ToolError> {
        let g = game_for(&arguments, ctx)?;
        let map = arguments
            .get("map")
            .and_then(Value::as_str)
            .ok_or_else(|| ToolError("expected a `map` string".into()))?;
        let spec =
            json!({"kind": "spi_search", "game": spi_games::format::json::game_to_value(&g)});
        let t =
            task("spi_search").ok_or_else(|| ToolError("spi_search is not available".into()))?;
        let grade = t.grade(&spec, map).map_err(ToolError)?;
        Ok(json!({"spi": grade.correct, "explanation": grade.explanation}).to_string())
    }
}

/// `game_analyze`: IESDS, pure equilibria, PMM and threat point of a game.
#[derive(Debug, Default)]
pub struct GameAnalyzeTool;

impl Tool for GameAnalyzeTool {
    fn name(&self) -> &str {
        "game_analyze"
    }
    fn description(&self) -> &str {
        "Analyses a two-player game exactly: the actions surviving IESDS, the pure Nash equilibria, the \
Pareto meet minimum and the minimax threat point."
    }
    fn parameters(&self) -> Value {
        json!({"game": "optional game (else the current item's)"})
    }
    fn call(&self, arguments: Value, ctx: &ToolContext<'_>) -> Result<String, ToolError> {
        let g = game_for(&arguments, ctx)?;
        let r = iesds(&g);
        let name = |i: usize, a: usize| g.actions(i)[a].clone();
        let surv: Vec<Vec<String>> = (0..2)
            .map(|i| r.surviving[i].iter().map(|&a| name(i, a)).collect())
            .collect();
        let eq: Vec<Vec<String>> = pure_nash(&g)
            .iter()
            .map(|p| vec![name(0, p[0]), name(1, p[1])])
            .collect();
        let text = |v: &[spi_games::Rational]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        Ok(json!({
            "iesds_survivors": surv,
            "pure_equilibria": eq,
            "pmm": text(&pmm(&g)),
            "threat_point": text(&threat_point(&g).values),
        })
        .to_string())
    }
}

/// Registers every task kind's check and the three engine tools.
pub fn register(checks: &mut CheckRegistry, tools: &mut ToolRegistry) {
    for t in TASKS.iter().chain(INTERACTIVE) {
        checks.register(Arc::new(TaskCheck(*t)));
    }
    tools.register(Arc::new(SpiSearchTool));
    tools.register(Arc::new(SpiVerifyTool));
    tools.register(Arc::new(GameAnalyzeTool));
}
