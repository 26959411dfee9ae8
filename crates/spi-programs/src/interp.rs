//! The tree-walking interpreter: fuel per statement, expression and call; a depth bound on calls,
//! simulations and const evaluations; a memory bound on allocation; seeded randomness.
//!
//! Nothing here panics on a program's behalf: type errors and bad actions are [`Fault`]s, running out
//! is an [`Exhaustion`], and both travel up as values to the match, which reports them.

use std::rc::Rc;
use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use spi_games::{Profile, Rational};

use crate::program::{Limits, Program, ProgramGame};
use crate::region::{PayoffGeometry, Point, Region, Selection};
use crate::syntax::{BinOp, Block, Expr, ExprKind, FnDef, Name, Span, StmtKind};
use crate::value::Value;

/// Which bound a program ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exhaustion {
    /// [`Limits::fuel`] steps were used up.
    Fuel,
    /// [`Limits::max_depth`] nested calls/simulations were exceeded.
    Depth,
    /// [`Limits::max_memory`] cells were allocated.
    Memory,
}

impl Exhaustion {
    /// `fuel`, `depth` or `memory`.
    pub fn as_str(self) -> &'static str {
        match self {
            Exhaustion::Fuel => "fuel",
            Exhaustion::Depth => "depth",
            Exhaustion::Memory => "memory",
        }
    }
}

/// A runtime error in a program (a type error, an unknown action, division by zero, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The program whose code faulted.
    pub program: String,
    /// Where in that program.
    pub span: Span,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}: {}", self.program, self.span, self.message)
    }
}

/// Why an evaluation stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A bound was reached.
    Exhausted(Exhaustion),
    /// The program faulted.
    Fault(Fault),
}

/// What a program decided to play, resolved against the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// One action (index into the player's actions).
    Pure(usize),
    /// An independent mixture over the player's actions.
    Mixed(Vec<(usize, Rational)>),
    /// "My part of" a correlated lottery over profiles, resolved by the public correlation device.
    Joint(Vec<(Profile, Rational)>),
}

impl Decision {
    /// This player's marginal distribution over its own actions.
    pub fn marginal(&self, seat: usize) -> Vec<(usize, Rational)> {
        match self {
            Decision::Pure(a) => vec![(*a, Rational::from(1))],
            Decision::Mixed(m) => m.clone(),
            Decision::Joint(j) => {
                let mut out: Vec<(usize, Rational)> = Vec::new();
                for (p, w) in j {
                    match out.iter_mut().find(|(a, _)| *a == p[seat]) {
                        Some(e) => e.1 = &e.1 + w,
                        None => out.push((p[seat], w.clone())),
                    }
                }
                out
            }
        }
    }
}

type R<T> = Result<T, Stop>;

/// Who is running: the program, its counterpart, and the seat (player index) it plays in.
#[derive(Clone)]
struct Ctx {
    me: Arc<Program>,
    them: Arc<Program>,
    seat: usize,
}

enum Flow {
    Normal,
    Return(Value),
}

/// Largest exact number a program may build, in bits of numerator plus denominator.
const MAX_NUMBER_BITS: u64 = 4096;

/// One player's evaluation: the budget counters and the shared random stream.
pub struct Machine<'a> {
    pg: &'a ProgramGame,
    limits: &'a Limits,
    rng: &'a mut ChaCha8Rng,
    /// Steps used.
    pub steps: u64,
    /// Cells allocated.
    pub memory: u64,
    depth: u32,
    sim_depth: u32,
    /// Deepest simulation nesting reached.
    pub max_sim_depth: u32,
    /// What the top-level program marked with `renegotiated(x)`, if anything.
    pub renegotiated: Option<Value>,
}

fn gcd(a: i64, b: i64) -> i64 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The least common denominator of some probabilities, if it fits an `i64`.
/// Extra fuel for one arithmetic step on big operands. One step used to be one step whatever the
/// operands: a 200-byte program dividing 4,096-bit rationals 100,000 times took ~20 s for one match
/// at the default fuel. Multiplying and normalising (a gcd) costs about the square of the size in
/// machine words, so that is what is charged; numbers that fit in a machine word cost nothing
/// extra, and a typical match is unchanged.
fn arithmetic_cost(p: &Rational, q: &Rational) -> u64 {
    let words = |r: &Rational| -> u64 {
        if r.as_small().is_some() {
            0
        } else {
            (r.numer().bits() + r.denom().bits()).div_ceil(64)
        }
    };
    let w = words(p) + words(q);
    w * w / 4
}

fn common_denominator<'q>(ws: impl Iterator<Item = &'q Rational>) -> Option<i64> {
    let mut l: i64 = 1;
    for w in ws {
        let (_, d) = w.as_small()?;
        l = (l / gcd(l, d)).checked_mul(d)?;
    }
    Some(l)
}

/// Index of the entry whose cumulative weight first exceeds `u` (u in [0, 1)).
fn pick<T>(items: &[(T, Rational)], u: &Rational) -> usize {
    let mut cum = Rational::from(0);
    for (k, (_, w)) in items.iter().enumerate() {
        cum = &cum + w;
        if cum > *u {
            return k;
        }
    }
    items.len().saturating_sub(1)
}

impl<'a> Machine<'a> {
    /// A fresh evaluation with zeroed counters.
    pub fn new(pg: &'a ProgramGame, limits: &'a Limits, rng: &'a mut ChaCha8Rng) -> Machine<'a> {
        Machine {
            pg,
            limits,
            rng,
            steps: 0,
            memory: 0,
            depth: 0,
            sim_depth: 0,
            max_sim_depth: 0,
            renegotiated: None,
        }
    }

    fn tick(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.limits.fuel {
            Err(Stop::Exhausted(Exhaustion::Fuel))
        } else {
            Ok(())
        }
    }

    fn charge(&mut self, steps: u64) -> R<()> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.limits.fuel {
            Err(Stop::Exhausted(Exhaustion::Fuel))
        } else {
            Ok(())
        }
    }

    fn alloc(&mut self, cells: u64) -> R<()> {
        // Refuse before committing, so the reported use never exceeds the bound.
        let next = self.memory.saturating_add(cells);
        if next > self.limits.max_memory {
            return Err(Stop::Exhausted(Exhaustion::Memory));
        }
        self.memory = next;
        Ok(())
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            Err(Stop::Exhausted(Exhaustion::Depth))
        } else {
            Ok(())
        }
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn fault(ctx: &Ctx, span: Span, message: impl Into<String>) -> Stop {
        Stop::Fault(Fault {
            program: ctx.me.name().to_string(),
            span,
            message: message.into(),
        })
    }

    /// Uniform draw in [0, 1) on the grid 1/d, exactly.
    fn uniform(&mut self, d: i64) -> Rational {
        let r = self.rng.random_range(0..d.max(1));
        Rational::new(r, d.max(1)).unwrap_or_default()
    }

    /// Runs `me`'s `main` in `seat` against `them`.
    pub fn run_main(&mut self, me: &Arc<Program>, them: &Arc<Program>, seat: usize) -> R<Decision> {
        let ctx = Ctx {
            me: me.clone(),
            them: them.clone(),
            seat,
        };
        self.enter()?;
        self.tick()?;
        let mut locals = Vec::new();
        let flow = self.block(&ctx, &ctx.me.ast.main, &mut locals)?;
        self.leave();
        match flow {
            Flow::Return(v) => self.decision(&ctx, v, Span { line: 1, col: 1 }),
            Flow::Normal => Err(Self::fault(
                &ctx,
                Span { line: 1, col: 1 },
                "`main` ended without `return`",
            )),
        }
    }

    fn action_index(&self, ctx: &Ctx, seat: usize, a: &str, span: Span) -> R<usize> {
        self.pg.game.action_index(seat, a).ok_or_else(|| {
            Self::fault(
                ctx,
                span,
                format!(
                    "{a:?} is not an action of player {} (actions: {})",
                    seat + 1,
                    self.pg.game.actions(seat).join(", ")
                ),
            )
        })
    }

    fn decision(&self, ctx: &Ctx, v: Value, span: Span) -> R<Decision> {
        match v {
            Value::Str(a) => Ok(Decision::Pure(self.action_index(ctx, ctx.seat, &a, span)?)),
            Value::List(ref xs) if xs.len() == 2 => {
                let prof = self.profile(ctx, &v, span)?;
                Ok(Decision::Pure(prof[ctx.seat]))
            }
            Value::Mix(m) => {
                let mut out = Vec::new();
                for (a, w) in m.iter() {
                    out.push((self.action_index(ctx, ctx.seat, a, span)?, w.clone()));
                }
                Ok(Decision::Mixed(out))
            }
            Value::Joint(j) => Ok(Decision::Joint(j.as_ref().clone())),
            other => Err(Self::fault(
                ctx,
                span,
                format!(
                    "`main` returned a {}; expected an action, a profile, a mix or a joint lottery",
                    other.type_name()
                ),
            )),
        }
    }

    /// Draws the played profile for two decisions (in seat order) with one public device draw.
    pub fn sample_pair(&mut self, d: [&Decision; 2]) -> R<Profile> {
        let joint_ws = d.iter().filter_map(|x| {
            if let Decision::Joint(j) = x {
                Some(j)
            } else {
                None
            }
        });
        let device_den = common_denominator(joint_ws.flat_map(|j| j.iter().map(|(_, w)| w)));
        let Some(device_den) = device_den else {
            return Err(Stop::Exhausted(Exhaustion::Memory));
        };
        let u = self.uniform(device_den);
        let mut prof = vec![0, 0];
        for seat in 0..2 {
            prof[seat] = match d[seat] {
                Decision::Pure(a) => *a,
                Decision::Joint(j) => j[pick(j, &u)].0[seat],
                Decision::Mixed(m) => {
                    let Some(den) = common_denominator(m.iter().map(|(_, w)| w)) else {
                        return Err(Stop::Exhausted(Exhaustion::Memory));
                    };
                    let v = self.uniform(den);
                    m[pick(m, &v)].0
                }
            };
        }
        Ok(prof)
    }

    fn block(&mut self, ctx: &Ctx, b: &Block, locals: &mut Vec<(Name, Value)>) -> R<Flow> {
        let mark = locals.len();
        for s in b {
            self.tick()?;
            let flow = match &s.kind {
                StmtKind::Let(n, e) => {
                    let v = self.eval(ctx, e, locals)?;
                    locals.push((n.clone(), v));
                    Flow::Normal
                }
                StmtKind::Assign(n, e) => {
                    let v = self.eval(ctx, e, locals)?;
                    match locals.iter_mut().rev().find(|(m, _)| m == n) {
                        Some(slot) => slot.1 = v,
                        None => {
                            return Err(Self::fault(ctx, s.span, format!("`{n}` is not a local")));
                        }
                    }
                    Flow::Normal
                }
                StmtKind::If(c, t, e) => {
                    let cond = self.eval(ctx, c, locals)?;
                    let Value::Bool(cond) = cond else {
                        return Err(Self::fault(
                            ctx,
                            c.span,
                            format!("`if` needs a bool, got a {}", cond.type_name()),
                        ));
                    };
                    if cond {
                        self.block(ctx, t, locals)?
                    } else if let Some(e) = e {
                        self.block(ctx, e, locals)?
                    } else {
                        Flow::Normal
                    }
                }
                StmtKind::For(n, e, body) => {
                    let xs = self.eval(ctx, e, locals)?;
                    let Value::List(xs) = xs else {
                        return Err(Self::fault(
                            ctx,
                            e.span,
                            format!("`for` needs a list, got a {}", xs.type_name()),
                        ));
                    };
                    let mut out = Flow::Normal;
                    for x in xs.iter() {
                        self.tick()?;
                        locals.push((n.clone(), x.clone()));
                        let f = self.block(ctx, body, locals)?;
                        locals.pop();
                        if let Flow::Return(v) = f {
                            out = Flow::Return(v);
                            break;
                        }
                    }
                    out
                }
                StmtKind::Return(e) => Flow::Return(self.eval(ctx, e, locals)?),
                StmtKind::Expr(e) => {
                    self.eval(ctx, e, locals)?;
                    Flow::Normal
                }
            };
            if let Flow::Return(v) = flow {
                locals.truncate(mark);
                return Ok(Flow::Return(v));
            }
        }
        locals.truncate(mark);
        Ok(Flow::Normal)
    }

    fn call_fn(&mut self, ctx: &Ctx, def: &FnDef, args: Vec<Value>) -> R<Value> {
        self.enter()?;
        self.tick()?;
        let mut locals: Vec<(Name, Value)> = def.params.iter().cloned().zip(args).collect();
        let flow = self.block(ctx, &def.body, &mut locals)?;
        self.leave();
        Ok(match flow {
            Flow::Return(v) => v,
            Flow::Normal => Value::None,
        })
    }

    /// A const or nested program of `ctx.me`, by name.
    fn global(&mut self, ctx: &Ctx, name: &str, span: Span) -> R<Option<Value>> {
        if let Some(c) = ctx.me.ast.consts.iter().find(|c| &*c.name == name) {
            self.enter()?;
            let v = self.eval(ctx, &c.value, &mut Vec::new())?;
            self.leave();
            return Ok(Some(v));
        }
        if let Some(p) = ctx.me.subprogram(name) {
            self.alloc(1)?;
            return Ok(Some(Value::Program(Arc::new(p))));
        }
        let _ = span;
        Ok(None)
    }

    fn check_number(&self, ctx: &Ctx, q: Rational, span: Span) -> R<Value> {
        if q.as_small().is_none() && q.numer().bits() + q.denom().bits() > MAX_NUMBER_BITS {
            return Err(Self::fault(
                ctx,
                span,
                format!("number larger than {MAX_NUMBER_BITS} bits"),
            ));
        }
        Ok(Value::Num(q))
    }

    fn eval(&mut self, ctx: &Ctx, e: &Expr, locals: &mut Vec<(Name, Value)>) -> R<Value> {
        self.tick()?;
        match &e.kind {
            ExprKind::Num(q) => Ok(Value::Num(q.clone())),
            ExprKind::Str(s) => Ok(Value::Str(s.clone())),
            ExprKind::Bool(b) => Ok(Value::Bool(*b)),
            ExprKind::None => Ok(Value::None),
            ExprKind::Var(n) => {
                if let Some((_, v)) = locals.iter().rev().find(|(m, _)| m == n) {
                    return Ok(v.clone());
                }
                match &**n {
                    "me" => return Ok(Value::Program(ctx.me.clone())),
                    "them" => return Ok(Value::Program(ctx.them.clone())),
                    "player" => return Ok(Value::Num(Rational::from(ctx.seat as i64))),
                    "other" => return Ok(Value::Num(Rational::from(1 - ctx.seat as i64))),
                    _ => {}
                }
                match self.global(ctx, n, e.span)? {
                    Some(v) => Ok(v),
                    None => Err(Self::fault(ctx, e.span, format!("unknown name `{n}`"))),
                }
            }
            ExprKind::List(xs) => {
                self.alloc(xs.len() as u64 + 1)?;
                let mut out = Vec::with_capacity(xs.len());
                for x in xs {
                    out.push(self.eval(ctx, x, locals)?);
                }
                Ok(Value::List(Rc::new(out)))
            }
            ExprKind::Call(f, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(ctx, a, locals)?);
                }
                if let Some(def) = ctx.me.ast.fns.iter().find(|d| d.name == *f) {
                    if def.params.len() != vals.len() {
                        return Err(Self::fault(
                            ctx,
                            e.span,
                            format!("`{f}` takes {} arguments", def.params.len()),
                        ));
                    }
                    self.call_fn(ctx, def, vals)
                } else {
                    self.builtin(ctx, f, vals, e.span)
                }
            }
            ExprKind::Method(p, f, args) => {
                let pv = self.eval(ctx, p, locals)?;
                let Value::Program(prog) = pv else {
                    return Err(Self::fault(
                        ctx,
                        e.span,
                        format!("`.{f}(...)` needs a program, got a {}", pv.type_name()),
                    ));
                };
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(ctx, a, locals)?);
                }
                let Some(def) = prog.ast.fns.iter().find(|d| d.name == *f) else {
                    return Err(Self::fault(
                        ctx,
                        e.span,
                        format!("program {} has no function `{f}`", prog.name()),
                    ));
                };
                if def.params.len() != vals.len() {
                    return Err(Self::fault(
                        ctx,
                        e.span,
                        format!(
                            "`{}.{f}` takes {} arguments, given {}",
                            prog.name(),
                            def.params.len(),
                            vals.len()
                        ),
                    ));
                }
                let inner = Ctx {
                    me: prog.clone(),
                    them: ctx.me.clone(),
                    seat: 1 - ctx.seat,
                };
                self.call_fn(&inner, def, vals)
            }
            ExprKind::Field(p, f) => {
                let pv = self.eval(ctx, p, locals)?;
                let Value::Program(prog) = pv else {
                    return Err(Self::fault(
                        ctx,
                        e.span,
                        format!("`.{f}` needs a program, got a {}", pv.type_name()),
                    ));
                };
                let inner = Ctx {
                    me: prog.clone(),
                    them: ctx.me.clone(),
                    seat: 1 - ctx.seat,
                };
                match self.global(&inner, f, e.span)? {
                    Some(v) => Ok(v),
                    None => Err(Self::fault(
                        ctx,
                        e.span,
                        format!("program {} has no const or program `{f}`", prog.name()),
                    )),
                }
            }
            ExprKind::Index(a, i) => {
                let xs = self.eval(ctx, a, locals)?;
                let iv = self.eval(ctx, i, locals)?;
                let Value::List(xs) = xs else {
                    return Err(Self::fault(
                        ctx,
                        e.span,
                        format!("indexing needs a list, got a {}", xs.type_name()),
                    ));
                };
                let k = self.small_index(ctx, &iv, e.span)?;
                xs.get(k).cloned().ok_or_else(|| {
                    Self::fault(
                        ctx,
                        e.span,
                        format!("index {k} out of range for a list of {}", xs.len()),
                    )
                })
            }
            ExprKind::Neg(a) => match self.eval(ctx, a, locals)? {
                Value::Num(q) => Ok(Value::Num(-q)),
                v => Err(Self::fault(
                    ctx,
                    e.span,
                    format!("`-` needs a number, got a {}", v.type_name()),
                )),
            },
            ExprKind::Not(a) => match self.eval(ctx, a, locals)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                v => Err(Self::fault(
                    ctx,
                    e.span,
                    format!("`not` needs a bool, got a {}", v.type_name()),
                )),
            },
            ExprKind::Binary(op, a, b) => self.binary(ctx, *op, a, b, locals, e.span),
        }
    }

    fn small_index(&self, ctx: &Ctx, v: &Value, span: Span) -> R<usize> {
        match v {
            Value::Num(q) => match q.as_small() {
                Some((n, 1)) if n >= 0 => Ok(n as usize),
                _ => Err(Self::fault(
                    ctx,
                    span,
                    format!("expected a non-negative whole number, got {q}"),
                )),
            },
            v => Err(Self::fault(
                ctx,
                span,
                format!("expected a number, got a {}", v.type_name()),
            )),
        }
    }

    fn binary(
        &mut self,
        ctx: &Ctx,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        locals: &mut Vec<(Name, Value)>,
        span: Span,
    ) -> R<Value> {
        if matches!(op, BinOp::And | BinOp::Or) {
            let x = self.eval(ctx, a, locals)?;
            let Value::Bool(x) = x else {
                return Err(Self::fault(
                    ctx,
                    span,
                    format!("`and`/`or` need bools, got a {}", x.type_name()),
                ));
            };
            if (op == BinOp::And && !x) || (op == BinOp::Or && x) {
                return Ok(Value::Bool(x));
            }
            let y = self.eval(ctx, b, locals)?;
            return match y {
                Value::Bool(y) => Ok(Value::Bool(y)),
                y => Err(Self::fault(
                    ctx,
                    span,
                    format!("`and`/`or` need bools, got a {}", y.type_name()),
                )),
            };
        }
        let x = self.eval(ctx, a, locals)?;
        let y = self.eval(ctx, b, locals)?;
        if let (Value::Num(p), Value::Num(q)) = (&x, &y) {
            self.charge(arithmetic_cost(p, q))?;
        }
        match (op, &x, &y) {
            (BinOp::Eq, _, _) => Ok(Value::Bool(x == y)),
            (BinOp::Ne, _, _) => Ok(Value::Bool(x != y)),
            (BinOp::Add, Value::Num(p), Value::Num(q)) => self.check_number(ctx, p + q, span),
            (BinOp::Sub, Value::Num(p), Value::Num(q)) => self.check_number(ctx, p - q, span),
            (BinOp::Mul, Value::Num(p), Value::Num(q)) => self.check_number(ctx, p * q, span),
            (BinOp::Div, Value::Num(p), Value::Num(q)) => match p.checked_div(q) {
                Some(r) => self.check_number(ctx, r, span),
                None => Err(Self::fault(ctx, span, "division by zero")),
            },
            (BinOp::Add, Value::Str(p), Value::Str(q)) => {
                self.alloc((p.len() + q.len()) as u64 / 8 + 1)?;
                Ok(Value::Str(Arc::from(format!("{p}{q}").as_str())))
            }
            (BinOp::Add, Value::List(p), Value::List(q)) => {
                self.alloc((p.len() + q.len()) as u64 + 1)?;
                let mut v = p.as_ref().clone();
                v.extend(q.iter().cloned());
                Ok(Value::List(Rc::new(v)))
            }
            (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge, Value::Num(p), Value::Num(q)) => {
                Ok(Value::Bool(match op {
                    BinOp::Lt => p < q,
                    BinOp::Le => p <= q,
                    BinOp::Gt => p > q,
                    _ => p >= q,
                }))
            }
            _ => Err(Self::fault(
                ctx,
                span,
                format!(
                    "operator {op:?} does not apply to a {} and a {}",
                    x.type_name(),
                    y.type_name()
                ),
            )),
        }
    }

    fn program_arg(ctx: &Ctx, v: &Value, span: Span, f: &str) -> R<Arc<Program>> {
        match v {
            Value::Program(p) => Ok(p.clone()),
            v => Err(Self::fault(
                ctx,
                span,
                format!("`{f}` needs a program, got a {}", v.type_name()),
            )),
        }
    }

    fn str_arg<'v>(ctx: &Ctx, v: &'v Value, span: Span, f: &str) -> R<&'v str> {
        match v {
            Value::Str(s) => Ok(s),
            v => Err(Self::fault(
                ctx,
                span,
                format!("`{f}` needs a string, got a {}", v.type_name()),
            )),
        }
    }

    fn num_arg(ctx: &Ctx, v: &Value, span: Span, f: &str) -> R<Rational> {
        match v {
            Value::Num(q) => Ok(q.clone()),
            v => Err(Self::fault(
                ctx,
                span,
                format!("`{f}` needs a number, got a {}", v.type_name()),
            )),
        }
    }

    fn seat_arg(&self, ctx: &Ctx, v: &Value, span: Span) -> R<usize> {
        let k = self.small_index(ctx, v, span)?;
        if k > 1 {
            return Err(Self::fault(
                ctx,
                span,
                format!("player index {k}: players are 0 and 1"),
            ));
        }
        Ok(k)
    }

    /// A profile value (list of two action names) as action indices.
    fn profile(&self, ctx: &Ctx, v: &Value, span: Span) -> R<Profile> {
        let Value::List(xs) = v else {
            return Err(Self::fault(
                ctx,
                span,
                format!(
                    "expected a profile (list of 2 actions), got a {}",
                    v.type_name()
                ),
            ));
        };
        if xs.len() != 2 {
            return Err(Self::fault(
                ctx,
                span,
                format!("a profile has 2 actions, this list has {}", xs.len()),
            ));
        }
        let mut out = Vec::with_capacity(2);
        for (seat, x) in xs.iter().enumerate() {
            let a = Self::str_arg(ctx, x, span, "profile")?;
            out.push(self.action_index(ctx, seat, a, span)?);
        }
        Ok(out)
    }

    fn profile_value(&mut self, p: &Profile) -> R<Value> {
        self.alloc(3)?;
        let g = &self.pg.game;
        Ok(Value::List(Rc::new(
            p.iter()
                .enumerate()
                .map(|(i, &a)| Value::Str(Arc::from(g.actions(i)[a].as_str())))
                .collect(),
        )))
    }

    /// A payoff point from a profile, a joint lottery (its expectation) or a list of two numbers.
    fn point(&self, ctx: &Ctx, v: &Value, span: Span) -> R<Point> {
        let g = &self.pg.game;
        match v {
            Value::Joint(j) => {
                let mut e = [Rational::from(0), Rational::from(0)];
                for (p, w) in j.iter() {
                    for k in 0..2 {
                        e[k] = &e[k] + &(w * g.payoff(p, k));
                    }
                }
                Ok(e)
            }
            Value::List(xs) if xs.len() == 2 && matches!(xs[0], Value::Num(_)) => Ok([
                Self::num_arg(ctx, &xs[0], span, "point")?,
                Self::num_arg(ctx, &xs[1], span, "point")?,
            ]),
            _ => {
                let p = self.profile(ctx, v, span)?;
                Ok([g.payoff(&p, 0).clone(), g.payoff(&p, 1).clone()])
            }
        }
    }

    fn region_arg(ctx: &Ctx, v: &Value, span: Span, f: &str) -> R<Rc<Region>> {
        match v {
            Value::Region(r) => Ok(r.clone()),
            v => Err(Self::fault(
                ctx,
                span,
                format!("`{f}` needs a region, got a {}", v.type_name()),
            )),
        }
    }

    fn region_value(&mut self, r: Region) -> R<Value> {
        self.alloc(r.pieces.len() as u64 * 4 + 1)?;
        Ok(Value::Region(Rc::new(r)))
    }

    /// A list of `[item, probability]` pairs, checked to be a probability distribution.
    fn weighted<'v>(
        &self,
        ctx: &Ctx,
        v: &'v Value,
        span: Span,
        f: &str,
    ) -> R<Vec<(&'v Value, Rational)>> {
        let Value::List(xs) = v else {
            return Err(Self::fault(
                ctx,
                span,
                format!("`{f}` needs a list of [item, probability] pairs"),
            ));
        };
        let mut out = Vec::new();
        let mut total = Rational::from(0);
        for x in xs.iter() {
            match x {
                Value::List(pair) if pair.len() == 2 => {
                    let w = Self::num_arg(ctx, &pair[1], span, f)?;
                    if w.is_negative() {
                        return Err(Self::fault(
                            ctx,
                            span,
                            format!("`{f}`: negative probability {w}"),
                        ));
                    }
                    total = &total + &w;
                    if !w.is_zero() {
                        out.push((&pair[0], w));
                    }
                }
                _ => {
                    return Err(Self::fault(
                        ctx,
                        span,
                        format!("`{f}` needs a list of [item, probability] pairs"),
                    ));
                }
            }
        }
        if total != Rational::from(1) {
            return Err(Self::fault(
                ctx,
                span,
                format!("`{f}`: probabilities sum to {total}, not 1"),
            ));
        }
        Ok(out)
    }

    fn builtin(&mut self, ctx: &Ctx, f: &str, args: Vec<Value>, span: Span) -> R<Value> {
        self.tick()?;
        let g = &self.pg.game;
        match f {
            "len" => match &args[0] {
                Value::List(xs) => Ok(Value::Num(Rational::from(xs.len() as i64))),
                Value::Str(s) => Ok(Value::Num(Rational::from(s.chars().count() as i64))),
                v => Err(Self::fault(
                    ctx,
                    span,
                    format!("`len` needs a list or string, got a {}", v.type_name()),
                )),
            },
            "range" => {
                let n = self.small_index(ctx, &args[0], span)?;
                self.alloc(n as u64 + 1)?;
                Ok(Value::List(Rc::new(
                    (0..n)
                        .map(|k| Value::Num(Rational::from(k as i64)))
                        .collect(),
                )))
            }
            "append" => match &args[0] {
                Value::List(xs) => {
                    self.alloc(xs.len() as u64 + 2)?;
                    let mut v = xs.as_ref().clone();
                    v.push(args[1].clone());
                    Ok(Value::List(Rc::new(v)))
                }
                v => Err(Self::fault(
                    ctx,
                    span,
                    format!("`append` needs a list, got a {}", v.type_name()),
                )),
            },
            "contains" => match &args[0] {
                Value::List(xs) => {
                    self.charge(xs.len() as u64)?;
                    Ok(Value::Bool(xs.contains(&args[1])))
                }
                v => Err(Self::fault(
                    ctx,
                    span,
                    format!("`contains` needs a list, got a {}", v.type_name()),
                )),
            },
            "min" | "max" => {
                let a = Self::num_arg(ctx, &args[0], span, f)?;
                let b = Self::num_arg(ctx, &args[1], span, f)?;
                Ok(Value::Num(if f == "min" {
                    Rational::min_of(&a, &b)
                } else {
                    Rational::max_of(&a, &b)
                }))
            }
            "replace" => {
                let s = Self::str_arg(ctx, &args[0], span, f)?;
                let from = Self::str_arg(ctx, &args[1], span, f)?;
                let to = Self::str_arg(ctx, &args[2], span, f)?;
                if from.is_empty() {
                    return Err(Self::fault(ctx, span, "`replace`: empty pattern"));
                }
                // Bound the result before building it: each match can grow the string by `to`.
                let grow = s.matches(from).count() * to.len();
                self.alloc((s.len() + grow) as u64 / 8 + 1)?;
                Ok(Value::Str(Arc::from(s.replace(from, to).as_str())))
            }
            "abs" => Ok(Value::Num(Self::num_arg(ctx, &args[0], span, f)?.abs())),
            "actions" => {
                let seat = self.seat_arg(ctx, &args[0], span)?;
                let names: Vec<Value> = g
                    .actions(seat)
                    .iter()
                    .map(|a| Value::Str(Arc::from(a.as_str())))
                    .collect();
                self.alloc(names.len() as u64 + 1)?;
                Ok(Value::List(Rc::new(names)))
            }
            "payoff" => {
                let p = self.profile(ctx, &args[0], span)?;
                let seat = self.seat_arg(ctx, &args[1], span)?;
                Ok(Value::Num(g.payoff(&p, seat).clone()))
            }
            "utility" => {
                let y = self.point(ctx, &args[0], span)?;
                self.alloc(3)?;
                Ok(Value::List(Rc::new(
                    y.into_iter().map(Value::Num).collect(),
                )))
            }
            "profiles" => {
                let all: Vec<Profile> = g.profiles().collect();
                self.alloc(all.len() as u64 * 4 + 1)?;
                let mut out = Vec::with_capacity(all.len());
                for p in &all {
                    out.push(self.profile_value(p)?);
                }
                Ok(Value::List(Rc::new(out)))
            }
            "sim" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                let q = Self::program_arg(ctx, &args[1], span, f)?;
                let seat = 1 - ctx.seat;
                let d = self.simulate(&p, &q, seat)?;
                let prof = if seat == 0 {
                    self.sample_pair([&d, &Decision::Pure(0)])?
                } else {
                    self.sample_pair([&Decision::Pure(0), &d])?
                };
                let g = &self.pg.game;
                Ok(Value::Str(Arc::from(g.actions(seat)[prof[seat]].as_str())))
            }
            "outcome" => {
                let x = Self::program_arg(ctx, &args[0], span, f)?;
                let y = Self::program_arg(ctx, &args[1], span, f)?;
                let dx = self.simulate(&x, &y, ctx.seat)?;
                let dy = self.simulate(&y, &x, 1 - ctx.seat)?;
                let prof = if ctx.seat == 0 {
                    self.sample_pair([&dx, &dy])?
                } else {
                    self.sample_pair([&dy, &dx])?
                };
                self.profile_value(&prof)
            }
            "act" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                let q = Self::program_arg(ctx, &args[1], span, f)?;
                let d = self.simulate(&p, &q, ctx.seat)?;
                let prof = if ctx.seat == 0 {
                    self.sample_pair([&d, &Decision::Pure(0)])?
                } else {
                    self.sample_pair([&Decision::Pure(0), &d])?
                };
                let g = &self.pg.game;
                Ok(Value::Str(Arc::from(
                    g.actions(ctx.seat)[prof[ctx.seat]].as_str(),
                )))
            }
            "punish" => {
                let j = self.seat_arg(ctx, &args[0], span)?;
                let punisher = 1 - j;
                // The exact minimax strategy from spi-games' threat point (OC Algorithm 2).
                let mix = &self.pg.punishment[j];
                if let [(a, _)] = mix.as_slice() {
                    return Ok(Value::Str(Arc::from(g.actions(punisher)[*a].as_str())));
                }
                self.alloc(mix.len() as u64 + 1)?;
                Ok(Value::Mix(Rc::new(
                    mix.iter()
                        .map(|(a, w)| (Arc::from(g.actions(punisher)[*a].as_str()), w.clone()))
                        .collect(),
                )))
            }
            "bernoulli" => {
                let q = Self::num_arg(ctx, &args[0], span, f)?;
                // Clamping hid a program's bug: bernoulli(3/2) is no probability.
                if q.signum() < 0 || q > Rational::from(1) {
                    return Err(Self::fault(
                        ctx,
                        span,
                        format!("`bernoulli`: expected a probability in [0, 1], found {q}"),
                    ));
                }
                if q.signum() == 0 {
                    return Ok(Value::Bool(false));
                }
                if q == Rational::from(1) {
                    return Ok(Value::Bool(true));
                }
                let Some((n, d)) = q.as_small() else {
                    return Err(Self::fault(
                        ctx,
                        span,
                        "`bernoulli`: probability denominator too large",
                    ));
                };
                let r = self.rng.random_range(0..d);
                Ok(Value::Bool(r < n))
            }
            "mix" => {
                let ws = self.weighted(ctx, &args[0], span, f)?;
                let mut out = Vec::new();
                for (a, w) in ws {
                    out.push((Arc::from(Self::str_arg(ctx, a, span, f)?), w));
                }
                self.alloc(out.len() as u64 + 1)?;
                Ok(Value::Mix(Rc::new(out)))
            }
            "joint" => {
                let ws = self.weighted(ctx, &args[0], span, f)?;
                let mut out = Vec::new();
                for (p, w) in ws {
                    out.push((self.profile(ctx, p, span)?, w));
                }
                self.alloc(out.len() as u64 * 3 + 1)?;
                Ok(Value::Joint(Rc::new(out)))
            }
            "agent" => {
                let name = Self::str_arg(ctx, &args[0], span, f)?;
                match crate::library::agent(name) {
                    Some(p) => Ok(Value::Program(p)),
                    None => Err(Self::fault(
                        ctx,
                        span,
                        format!("no library agent named {name:?}"),
                    )),
                }
            }
            "name" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                Ok(Value::Str(Arc::from(p.name())))
            }
            "source" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                self.alloc(p.source().len() as u64 / 8 + 1)?;
                Ok(Value::Str(Arc::from(p.source())))
            }
            "tagged" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                let t = Self::str_arg(ctx, &args[1], span, f)?;
                Ok(Value::Bool(p.tags().iter().any(|x| x == t)))
            }
            "has" => {
                let p = Self::program_arg(ctx, &args[0], span, f)?;
                let n = Self::str_arg(ctx, &args[1], span, f)?;
                let a = &p.ast;
                Ok(Value::Bool(
                    a.fns.iter().any(|d| &*d.name == n)
                        || a.consts.iter().any(|c| &*c.name == n)
                        || a.programs.iter().any(|(m, _)| &**m == n),
                ))
            }
            "feasible" => self.region_value(Region::feasible()),
            "improvements" => {
                let y = self.point(ctx, &args[0], span)?;
                self.region_value(PayoffGeometry::improvements(&y))
            }
            "at_least" => {
                let seat = self.seat_arg(ctx, &args[0], span)?;
                let v = Self::num_arg(ctx, &args[1], span, f)?;
                self.region_value(Region::at_least(seat, v))
            }
            "pmp" => {
                let seat = self.seat_arg(ctx, &args[0], span)?;
                let y = self.point(ctx, &args[1], span)?;
                let r = self.pg.geometry.pmp(seat, &y);
                self.region_value(r)
            }
            "pmm" => {
                self.alloc(3)?;
                Ok(Value::List(Rc::new(
                    self.pg
                        .geometry
                        .pmm
                        .iter()
                        .cloned()
                        .map(Value::Num)
                        .collect(),
                )))
            }
            "meet" | "join" => {
                let a = Self::region_arg(ctx, &args[0], span, f)?;
                let b = Self::region_arg(ctx, &args[1], span, f)?;
                self.charge((a.pieces.len() * b.pieces.len()) as u64)?;
                let r = if f == "meet" { a.meet(&b) } else { a.join(&b) };
                self.region_value(r)
            }
            "is_empty" => {
                let a = Self::region_arg(ctx, &args[0], span, f)?;
                self.charge(a.pieces.len() as u64 * (self.pg.geometry.hull.len() as u64 + 1))?;
                Ok(Value::Bool(self.pg.geometry.is_empty(&a)))
            }
            "select" => {
                let a = Self::region_arg(ctx, &args[0], span, f)?;
                let rule_name = Self::str_arg(ctx, &args[1], span, f)?;
                let Some(rule) = Selection::from_name(rule_name) else {
                    return Err(Self::fault(
                        ctx,
                        span,
                        format!("unknown selection rule {rule_name:?} (utilitarian, lex1, lex2)"),
                    ));
                };
                self.charge(a.pieces.len() as u64 * (self.pg.geometry.hull.len() as u64 + 1))?;
                match self.pg.geometry.select(&a, rule) {
                    None => Ok(Value::None),
                    Some(y) => match self.pg.geometry.lottery(&y) {
                        Some(lot) => {
                            self.alloc(lot.len() as u64 * 3 + 1)?;
                            Ok(Value::Joint(Rc::new(lot)))
                        }
                        None => Err(Self::fault(ctx, span, "selected point is not feasible")),
                    },
                }
            }
            "renegotiated" => {
                if self.sim_depth == 0 {
                    self.renegotiated = Some(args[0].clone());
                }
                Ok(args[0].clone())
            }
            _ => Err(Self::fault(ctx, span, format!("unknown function `{f}`"))),
        }
    }

    fn simulate(&mut self, p: &Arc<Program>, q: &Arc<Program>, seat: usize) -> R<Decision> {
        self.sim_depth += 1;
        self.max_sim_depth = self.max_sim_depth.max(self.sim_depth);
        let d = self.run_main(p, q, seat);
        self.sim_depth -= 1;
        d
    }
}
