//! Programs (parsed and checked source), the [`Limits`] that bound running them, and the static checker.

use std::collections::HashSet;
use std::sync::Arc;

use spi_games::Game;

use crate::error::ProgramError;
use crate::region::PayoffGeometry;
use crate::syntax::{self, Block, Expr, ExprKind, ProgramAst, Span, Stmt, StmtKind};

/// Bounds on parsing and running untrusted programs; every one is enforced, none is advisory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Steps one player's evaluation may take (one per statement, expression and call, including
    /// everything done inside simulations it runs).
    pub fuel: u64,
    /// Nested calls, simulations and const evaluations at once.
    pub max_depth: u32,
    /// Cells one evaluation may allocate (a list of n items costs n + 1; a string of b bytes b/8 + 1).
    pub max_memory: u64,
    /// Syntactic nesting the parser accepts.
    pub max_nesting: u32,
    /// Longest accepted source text.
    pub max_source_bytes: usize,
    /// Stack given to the thread that runs a match; with `max_depth` × `max_nesting` it bounds recursion.
    pub stack_bytes: usize,
}

impl Default for Limits {
    /// Generous enough for every library agent (ε-grounded FairBot with ε = 1/10 reaches depth 200 with
    /// probability below 10⁻⁹), small enough that a hostile program stops in well under a second.
    fn default() -> Limits {
        Limits {
            fuel: 1_000_000,
            max_depth: 400,
            max_memory: 1_000_000,
            max_nesting: 64,
            max_source_bytes: 256 * 1024,
            stack_bytes: 512 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// The deepest `max_depth` a caller may ask for. The match thread's stack grows with it (see
    /// [`Limits::with_depth`]); beyond this even that stack would be a gamble.
    pub const MAX_DEPTH: u32 = 1_000;
    /// The most cells a caller may let one evaluation allocate (about a gigabyte of values): a
    /// user-set `max_memory` is a budget, never permission to exhaust the machine.
    pub const MAX_MEMORY: u64 = 20_000_000;
    /// The largest fuel a caller may grant (minutes of work, not hours).
    pub const MAX_FUEL: u64 = 10_000_000_000;

    /// These limits with `max_depth` set to `depth`, and a match-thread stack grown in proportion
    /// when `depth` exceeds the default, so that any accepted depth ends as "exhausted depth" and
    /// never as a stack overflow. Refuses a depth above [`Limits::MAX_DEPTH`].
    pub fn with_depth(mut self, depth: u32) -> Result<Limits, ProgramError> {
        let default = Limits::default();
        if depth > Limits::MAX_DEPTH {
            return Err(ProgramError::LimitTooLarge {
                what: "depth",
                value: u64::from(depth),
                max: u64::from(Limits::MAX_DEPTH),
            });
        }
        self.max_depth = depth;
        if depth > default.max_depth {
            let scale = depth.div_ceil(default.max_depth) as usize;
            self.stack_bytes = self.stack_bytes.max(default.stack_bytes * scale);
        }
        Ok(self)
    }

    /// Refuses limits no caller should set: memory above [`Limits::MAX_MEMORY`], fuel above
    /// [`Limits::MAX_FUEL`], depth above [`Limits::MAX_DEPTH`].
    pub fn validate(&self) -> Result<(), ProgramError> {
        let checks = [
            (
                "depth",
                u64::from(self.max_depth),
                u64::from(Limits::MAX_DEPTH),
            ),
            ("memory", self.max_memory, Limits::MAX_MEMORY),
            ("fuel", self.fuel, Limits::MAX_FUEL),
        ];
        for (what, value, max) in checks {
            if value > max {
                return Err(ProgramError::LimitTooLarge { what, value, max });
            }
        }
        Ok(())
    }
}

/// A parsed, checked program. Two programs are equal when their source texts are equal.
#[derive(Debug)]
pub struct Program {
    pub(crate) ast: Arc<ProgramAst>,
}

impl PartialEq for Program {
    fn eq(&self, other: &Program) -> bool {
        self.source() == other.source()
    }
}

impl Program {
    /// Parses and checks source text under `limits`.
    pub fn parse(src: &str, limits: &Limits) -> Result<Program, ProgramError> {
        if src.len() > limits.max_source_bytes {
            return Err(ProgramError::TooLong {
                len: src.len(),
                limit: limits.max_source_bytes,
            });
        }
        let ast = syntax::parse(src, limits.max_nesting)?;
        check(&ast)?;
        Ok(Program { ast: Arc::new(ast) })
    }

    pub(crate) fn from_ast(ast: Arc<ProgramAst>) -> Program {
        Program { ast }
    }

    /// The declared name, or `anonymous`.
    pub fn name(&self) -> &str {
        self.ast.name.as_deref().unwrap_or("anonymous")
    }

    /// The exact source text (for a nested program, the text between its braces).
    pub fn source(&self) -> &str {
        &self.ast.source
    }

    /// The declared tags.
    pub fn tags(&self) -> &[String] {
        &self.ast.tags
    }

    /// The nested program called `name`, if any.
    pub fn subprogram(&self, name: &str) -> Option<Program> {
        self.ast
            .programs
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, a)| Program::from_ast(a.clone()))
    }
}

/// A two-player game prepared for program matches: the game and its payoff geometry.
#[derive(Debug, Clone)]
pub struct ProgramGame {
    /// The base game.
    pub game: Game,
    /// C(Γ), PMM and pure payoff vectors, computed once.
    pub geometry: PayoffGeometry,
    /// `punishment[j]`: the punisher's exact minimax mixed strategy holding player j to its threat
    /// value (spi-games' threat point), as (action of seat 1 − j, probability).
    pub punishment: [Vec<(usize, spi_games::Rational)>; 2],
}

impl ProgramGame {
    /// Prepares a game; program games need exactly two players.
    pub fn new(game: Game) -> Result<ProgramGame, ProgramError> {
        match PayoffGeometry::new(&game) {
            Some(geometry) => {
                let tp = spi_games::threat::threat_point(&game);
                let mut punishment = [Vec::new(), Vec::new()];
                for p in tp.punishments {
                    if p.target < 2 {
                        punishment[p.target] = p
                            .distribution
                            .into_iter()
                            .filter_map(|(prof, w)| Some((*prof.first()?, w)))
                            .collect();
                    }
                }
                Ok(ProgramGame {
                    game,
                    geometry,
                    punishment,
                })
            }
            None => Err(ProgramError::Game {
                game: game.name().to_string(),
                message: format!(
                    "program games need 2 players, this game has {}",
                    game.num_players()
                ),
            }),
        }
    }
}

/// The game with some actions renamed to the roles the library's agents use: `("C", "Cooperate")`
/// lets CooperateBot, FairBot and the rest, which speak of `C` and `D`, play a game whose actions
/// are called `Cooperate` and `Defect`. Every seat that has an action of that name gets the role's
/// name; a role naming no action of the game, or a renaming that makes two actions of one player
/// share a name, is an error.
pub fn with_roles(game: &Game, roles: &[(String, String)]) -> Result<Game, ProgramError> {
    let bad = |message: String| ProgramError::Game {
        game: game.name().to_string(),
        message,
    };
    let mut actions: Vec<Vec<String>> = (0..game.num_players())
        .map(|i| game.actions(i).to_vec())
        .collect();
    for (role, action) in roles {
        let mut found = false;
        for (i, acts) in actions.iter_mut().enumerate() {
            if let Some(k) = game.action_index(i, action) {
                acts[k] = role.clone();
                found = true;
            }
        }
        if !found {
            return Err(bad(format!(
                "role {role}={action}: no player has an action {action:?}"
            )));
        }
    }
    Game::from_fn(game.name(), game.players().to_vec(), actions, |p| {
        game.payoffs(p).to_vec()
    })
    .map_err(|e| bad(format!("after renaming to roles: {e}")))
}

/// Names every evaluation can read.
pub const CONTEXT_NAMES: &[&str] = &["me", "them", "player", "other"];

/// Built-in functions with their arities (min, max).
pub const BUILTINS: &[(&str, usize, usize)] = &[
    ("len", 1, 1),
    ("range", 1, 1),
    ("append", 2, 2),
    ("contains", 2, 2),
    ("min", 2, 2),
    ("max", 2, 2),
    ("abs", 1, 1),
    ("replace", 3, 3),
    ("actions", 1, 1),
    ("payoff", 2, 2),
    ("utility", 1, 1),
    ("profiles", 0, 0),
    ("sim", 2, 2),
    ("outcome", 2, 2),
    ("act", 2, 2),
    ("punish", 1, 1),
    ("bernoulli", 1, 1),
    ("mix", 1, 1),
    ("joint", 1, 1),
    ("agent", 1, 1),
    ("name", 1, 1),
    ("source", 1, 1),
    ("tagged", 2, 2),
    ("has", 2, 2),
    ("feasible", 0, 0),
    ("improvements", 1, 1),
    ("at_least", 2, 2),
    ("pmp", 2, 2),
    ("pmm", 0, 0),
    ("meet", 2, 2),
    ("join", 2, 2),
    ("is_empty", 1, 1),
    ("select", 2, 2),
    ("renegotiated", 1, 1),
];

fn check_err(span: Span, message: String) -> ProgramError {
    ProgramError::Check { span, message }
}

/// The static checker: unique item names, every name bound before use, arities of calls, no
/// assignment to undeclared locals. Nested programs are checked in their own namespace.
pub fn check(ast: &ProgramAst) -> Result<(), ProgramError> {
    let mut globals: HashSet<&str> = HashSet::new();
    let item = |name: &str, span: Span| -> Result<(), ProgramError> {
        if CONTEXT_NAMES.contains(&name) || BUILTINS.iter().any(|b| b.0 == name) {
            return Err(check_err(
                span,
                format!("`{name}` is a built-in name and cannot be redefined"),
            ));
        }
        Ok(())
    };
    for c in &ast.consts {
        item(&c.name, c.span)?;
        if !globals.insert(&c.name) {
            return Err(check_err(c.span, format!("`{}` is defined twice", c.name)));
        }
    }
    for f in &ast.fns {
        item(&f.name, f.span)?;
        if !globals.insert(&f.name) {
            return Err(check_err(f.span, format!("`{}` is defined twice", f.name)));
        }
        let mut seen = HashSet::new();
        for p in &f.params {
            if !seen.insert(p) {
                return Err(check_err(
                    f.span,
                    format!("parameter `{p}` of `{}` appears twice", f.name),
                ));
            }
        }
    }
    for (n, _) in &ast.programs {
        if !globals.insert(n) {
            return Err(check_err(
                Span::default(),
                format!("`{n}` is defined twice"),
            ));
        }
    }
    let cx = Checker { ast };
    for c in &ast.consts {
        cx.expr(&c.value, &mut Vec::new())?;
    }
    for f in &ast.fns {
        let mut scope: Vec<&str> = f.params.iter().map(|p| &**p).collect();
        cx.block(&f.body, &mut scope)?;
    }
    cx.block(&ast.main, &mut Vec::new())?;
    for (_, p) in &ast.programs {
        check(p)?;
    }
    Ok(())
}

struct Checker<'a> {
    ast: &'a ProgramAst,
}

impl<'a> Checker<'a> {
    fn is_global(&self, name: &str) -> bool {
        CONTEXT_NAMES.contains(&name)
            || self.ast.consts.iter().any(|c| &*c.name == name)
            || self.ast.programs.iter().any(|(n, _)| &**n == name)
    }

    fn block(&self, b: &'a Block, scope: &mut Vec<&'a str>) -> Result<(), ProgramError> {
        let mark = scope.len();
        for s in b {
            self.stmt(s, scope)?;
        }
        scope.truncate(mark);
        Ok(())
    }

    fn stmt(&self, s: &'a Stmt, scope: &mut Vec<&'a str>) -> Result<(), ProgramError> {
        match &s.kind {
            StmtKind::Let(n, e) => {
                self.expr(e, scope)?;
                scope.push(n);
            }
            StmtKind::Assign(n, e) => {
                self.expr(e, scope)?;
                if !scope.contains(&&**n) {
                    return Err(check_err(
                        s.span,
                        format!("assignment to `{n}`, which is not a local (use `let`)"),
                    ));
                }
            }
            StmtKind::If(c, t, e) => {
                self.expr(c, scope)?;
                self.block(t, scope)?;
                if let Some(e) = e {
                    self.block(e, scope)?;
                }
            }
            StmtKind::For(n, e, body) => {
                self.expr(e, scope)?;
                scope.push(n);
                self.block(body, scope)?;
                scope.pop();
            }
            StmtKind::Return(e) | StmtKind::Expr(e) => self.expr(e, scope)?,
        }
        Ok(())
    }

    fn expr(&self, e: &'a Expr, scope: &mut Vec<&'a str>) -> Result<(), ProgramError> {
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::None => {}
            ExprKind::Var(n) => {
                if !scope.contains(&&**n) && !self.is_global(n) {
                    let hint = if self.ast.fns.iter().any(|f| f.name == *n)
                        || BUILTINS.iter().any(|b| b.0 == &**n)
                    {
                        " (it is a function; call it with parentheses)"
                    } else {
                        ""
                    };
                    return Err(check_err(e.span, format!("unknown name `{n}`{hint}")));
                }
            }
            ExprKind::List(xs) => {
                for x in xs {
                    self.expr(x, scope)?;
                }
            }
            ExprKind::Call(f, args) => {
                for x in args {
                    self.expr(x, scope)?;
                }
                if let Some(def) = self.ast.fns.iter().find(|d| d.name == *f) {
                    if def.params.len() != args.len() {
                        return Err(check_err(
                            e.span,
                            format!(
                                "`{f}` takes {} arguments, given {}",
                                def.params.len(),
                                args.len()
                            ),
                        ));
                    }
                } else if let Some(&(_, lo, hi)) = BUILTINS.iter().find(|b| b.0 == &**f) {
                    if args.len() < lo || args.len() > hi {
                        return Err(check_err(
                            e.span,
                            format!("built-in `{f}` takes {lo} arguments, given {}", args.len()),
                        ));
                    }
                } else {
                    return Err(check_err(e.span, format!("unknown function `{f}`")));
                }
            }
            ExprKind::Method(p, _, args) => {
                self.expr(p, scope)?;
                for x in args {
                    self.expr(x, scope)?;
                }
            }
            ExprKind::Field(p, _) => self.expr(p, scope)?,
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                self.expr(a, scope)?;
                self.expr(b, scope)?;
            }
            ExprKind::Neg(a) | ExprKind::Not(a) => self.expr(a, scope)?,
        }
        Ok(())
    }
}
