//! Modal agents: fully modalised formulas over "the counterpart cooperates against X", evaluated
//! exactly by the GL world-by-world method (docs/reference/definitions.md §7.2).
//!
//! Syntax (one agent per line, `//` comments):
//! ```text
//! agent FairBot = box C(me);
//! agent PrudentBot = box C(me) and box[1] not C(DefectBot);
//! ```
//! `C(X)` is "the counterpart cooperates against X" (X an agent name, `me` or `them`); `C(X, Y)` is
//! "X cooperates against Y"; `box f` is provability in PA, `box[k] f` provability in PA+k, i.e.
//! □(¬□^k⊥ → f); also `true`, `false`, `not`, `and`, `or`, `->` and parentheses. Every atom must lie
//! under a box (fully modalised), so each world's values depend only on earlier worlds.
//!
//! # Method and complexity
//! A match introduces one variable per (agent, opponent) pair reachable through references. At world
//! n, □φ holds iff φ held at every world m < n; □^k⊥ holds iff n < k. Each boxed subformula's value
//! can only fall from true to false, and the valuation at a world is a function of those values, so
//! once no box value changes between two worlds the valuation is fixed forever. Once also n ≥ the largest k, the
//! transition no longer depends on n. Hence at most B + K + 1 worlds for B boxed subformula instances
//! and largest k = K; each world costs O(total formula size).

use std::collections::HashMap;

use crate::error::ProgramError;
use crate::syntax::Span;

/// A modal formula over named agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    /// ⊤
    True,
    /// ⊥
    False,
    /// "`who` cooperates against `against`" (names resolved at instantiation; `me`, `them` allowed).
    Coop {
        /// Whose action.
        who: String,
        /// Against whom.
        against: String,
    },
    /// ¬
    Not(Box<Formula>),
    /// ∧
    And(Box<Formula>, Box<Formula>),
    /// ∨
    Or(Box<Formula>, Box<Formula>),
    /// →
    Implies(Box<Formula>, Box<Formula>),
    /// □ in PA+k (k = 0 is PA).
    Box(u32, Box<Formula>),
}

/// A set of named modal agents that may refer to one another.
#[derive(Debug, Clone, Default)]
pub struct ModalSystem {
    /// Agents in definition order: display name and formula.
    agents: Vec<(String, Formula)>,
}

/// The result of a modal match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModalOutcome {
    /// Whether the first agent cooperates.
    pub first_cooperates: bool,
    /// Whether the second agent cooperates.
    pub second_cooperates: bool,
    /// Worlds evaluated until the valuation was stable.
    pub worlds: usize,
    /// Variables (agent, opponent pairs) introduced.
    pub variables: usize,
}

/// The library's standard modal agents (`agents/modal_library.modal`).
pub const LIBRARY_SOURCE: &str = include_str!("../agents/modal_library.modal");

/// The agents [`LIBRARY_SOURCE`] defines (a user file may not give these names other formulas).
pub const LIBRARY_NAMES: [&str; 4] = ["CooperateBot", "DefectBot", "FairBot", "PrudentBot"];

/// Bounds on modal input, so hostile formulas cannot exhaust memory or stack.
pub const MAX_FORMULA_NESTING: u32 = 64;
/// The longest agent name a modal file may define: the same bound as a game's names, since agent
/// names label the same tables.
pub const MAX_AGENT_NAME: usize = spi_games::game::MAX_NAME_CHARS;

/// The largest number of (agent, opponent) variables one match may introduce.
pub const MAX_VARIABLES: usize = 10_000;
/// The most `and`/`or` operators a formula may stack (a flat chain builds a left-deep tree, one
/// level per operator, that evaluation walks recursively).
pub const MAX_FORMULA_OPERATORS: u32 = 512;
/// Formula evaluations one modal match may spend (its fuel); an agent that needs more is refused
/// with an error rather than left running.
pub const MAX_MODAL_STEPS: u64 = 50_000_000;

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
    col: u32,
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Word(String),
    Num(u32),
    P(&'static str),
    End,
}

/// Tokens as a reader would name them in "expected …, found …" (Debug printed `P("=")`).
impl std::fmt::Display for T {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            T::Word(w) => write!(f, "`{w}`"),
            T::Num(n) => write!(f, "the number {n}"),
            T::P(p) => write!(f, "`{p}`"),
            T::End => f.write_str("the end of the file"),
        }
    }
}

impl<'a> Lexer<'a> {
    fn span(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
        }
    }
    fn bump_char(&mut self) {
        if let Some(c) = self.src[self.pos..].chars().next() {
            self.pos += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
    }
    fn skip(&mut self) {
        loop {
            let rest = &self.src[self.pos..];
            if rest.starts_with("//") {
                while self.pos < self.src.len() && !self.src[self.pos..].starts_with('\n') {
                    self.bump_char();
                }
            } else if rest.chars().next().is_some_and(char::is_whitespace) {
                self.bump_char();
            } else {
                break;
            }
        }
    }
    fn next(&mut self) -> Result<(T, Span), ProgramError> {
        self.skip();
        let span = self.span();
        let rest = &self.src[self.pos..];
        let Some(c) = rest.chars().next() else {
            return Ok((T::End, span));
        };
        if c.is_ascii_alphabetic() || c == '_' {
            let start = self.pos;
            while self.src[self.pos..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.bump_char();
            }
            return Ok((T::Word(self.src[start..self.pos].to_string()), span));
        }
        if c.is_ascii_digit() {
            let start = self.pos;
            while self.src[self.pos..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
            {
                self.bump_char();
            }
            let n = self.src[start..self.pos]
                .parse()
                .map_err(|_| ProgramError::Syntax {
                    span,
                    message: "number too large".into(),
                })?;
            return Ok((T::Num(n), span));
        }
        for p in ["->", "(", ")", "[", "]", ",", ";", "="] {
            if rest.starts_with(p) {
                for _ in 0..p.len() {
                    self.bump_char();
                }
                return Ok((T::P(p), span));
            }
        }
        Err(ProgramError::Syntax {
            span,
            message: format!("unexpected character {c:?}"),
        })
    }
}

struct ModalParser<'a> {
    lx: Lexer<'a>,
    tok: T,
    span: Span,
    depth: u32,
    /// `and`/`or` operators on the current path from the root ([`MAX_FORMULA_OPERATORS`]).
    operators: u32,
}

impl<'a> ModalParser<'a> {
    fn advance(&mut self) -> Result<(), ProgramError> {
        let (t, s) = self.lx.next()?;
        self.tok = t;
        self.span = s;
        Ok(())
    }
    fn err(&self, expected: &str) -> ProgramError {
        ProgramError::Syntax {
            span: self.span,
            message: format!("expected {expected}, found {}", self.tok),
        }
    }
    fn expect(&mut self, p: &'static str) -> Result<(), ProgramError> {
        if self.tok == T::P(p) {
            self.advance()
        } else {
            Err(self.err(&format!("`{p}`")))
        }
    }
    fn word(&mut self) -> Result<String, ProgramError> {
        match &self.tok {
            T::Word(w) => {
                let w = w.clone();
                self.advance()?;
                Ok(w)
            }
            _ => Err(self.err("a name")),
        }
    }
    fn enter(&mut self) -> Result<(), ProgramError> {
        self.depth += 1;
        if self.depth > MAX_FORMULA_NESTING {
            return Err(ProgramError::TooDeep {
                span: self.span,
                limit: MAX_FORMULA_NESTING,
            });
        }
        Ok(())
    }
    fn formula(&mut self) -> Result<Formula, ProgramError> {
        self.enter()?;
        let lhs = self.or()?;
        let f = if self.tok == T::P("->") {
            self.advance()?;
            let rhs = self.formula()?;
            Formula::Implies(Box::new(lhs), Box::new(rhs))
        } else {
            lhs
        };
        self.depth -= 1;
        Ok(f)
    }
    /// Counts one more `and`/`or` on the current path from the root.
    fn push_operator(&mut self) -> Result<(), ProgramError> {
        self.operators += 1;
        if self.operators > MAX_FORMULA_OPERATORS {
            return Err(ProgramError::TooManyOperators {
                span: self.span,
                limit: MAX_FORMULA_OPERATORS,
            });
        }
        Ok(())
    }
    fn or(&mut self) -> Result<Formula, ProgramError> {
        let outer = self.operators;
        let mut f = self.and()?;
        while self.tok == T::Word("or".into()) {
            self.push_operator()?;
            self.advance()?;
            f = Formula::Or(Box::new(f), Box::new(self.and()?));
        }
        self.operators = outer;
        Ok(f)
    }
    fn and(&mut self) -> Result<Formula, ProgramError> {
        let outer = self.operators;
        let mut f = self.unary()?;
        while self.tok == T::Word("and".into()) {
            self.push_operator()?;
            self.advance()?;
            f = Formula::And(Box::new(f), Box::new(self.unary()?));
        }
        self.operators = outer;
        Ok(f)
    }
    fn unary(&mut self) -> Result<Formula, ProgramError> {
        self.enter()?;
        let f = match self.tok.clone() {
            T::Word(w) if w == "not" => {
                self.advance()?;
                Formula::Not(Box::new(self.unary()?))
            }
            T::Word(w) if w == "box" => {
                self.advance()?;
                let mut k = 0;
                if self.tok == T::P("[") {
                    self.advance()?;
                    k = match self.tok {
                        T::Num(n) => n,
                        _ => return Err(self.err("a number k (provability in PA+k)")),
                    };
                    self.advance()?;
                    self.expect("]")?;
                }
                Formula::Box(k, Box::new(self.unary()?))
            }
            T::Word(w) if w == "true" => {
                self.advance()?;
                Formula::True
            }
            T::Word(w) if w == "false" => {
                self.advance()?;
                Formula::False
            }
            T::Word(w) if w == "C" => {
                self.advance()?;
                self.expect("(")?;
                let a = self.word()?;
                let f = if self.tok == T::P(",") {
                    self.advance()?;
                    let b = self.word()?;
                    Formula::Coop { who: a, against: b }
                } else {
                    Formula::Coop {
                        who: "them".into(),
                        against: a,
                    }
                };
                self.expect(")")?;
                f
            }
            T::P("(") => {
                self.advance()?;
                let f = self.formula()?;
                self.expect(")")?;
                f
            }
            _ => return Err(self.err("a formula (`box`, `not`, `C(...)`, `true`, `false`, `(`)")),
        };
        self.depth -= 1;
        Ok(f)
    }
}

fn fully_modalised(f: &Formula, under_box: bool) -> bool {
    match f {
        Formula::True | Formula::False => true,
        Formula::Coop { .. } => under_box,
        Formula::Not(a) => fully_modalised(a, under_box),
        Formula::And(a, b) | Formula::Or(a, b) | Formula::Implies(a, b) => {
            fully_modalised(a, under_box) && fully_modalised(b, under_box)
        }
        Formula::Box(_, a) => fully_modalised(a, true),
    }
}

fn names_in<'f>(f: &'f Formula, out: &mut Vec<&'f str>) {
    match f {
        Formula::True | Formula::False => {}
        Formula::Coop { who, against } => {
            out.push(who);
            out.push(against);
        }
        Formula::Not(a) | Formula::Box(_, a) => names_in(a, out),
        Formula::And(a, b) | Formula::Or(a, b) | Formula::Implies(a, b) => {
            names_in(a, out);
            names_in(b, out);
        }
    }
}

/// An instantiated formula node: atoms are variable indices, boxes index the box table.
#[derive(Debug, Clone)]
enum Node {
    Const(bool),
    Var(usize),
    Not(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Implies(Box<Node>, Box<Node>),
    Box(usize),
}

fn eval(n: &Node, vars: &[bool], boxes: &[bool]) -> bool {
    match n {
        Node::Const(b) => *b,
        Node::Var(v) => vars[*v],
        Node::Not(a) => !eval(a, vars, boxes),
        Node::And(a, b) => eval(a, vars, boxes) && eval(b, vars, boxes),
        Node::Or(a, b) => eval(a, vars, boxes) || eval(b, vars, boxes),
        Node::Implies(a, b) => !eval(a, vars, boxes) || eval(b, vars, boxes),
        Node::Box(i) => boxes[*i],
    }
}

impl ModalSystem {
    /// The standard agents: CooperateBot, DefectBot, FairBot, PrudentBot.
    pub fn library() -> ModalSystem {
        let mut s = ModalSystem::default();
        // The library text is ours and covered by `formal2019_modal_results`; it always parses.
        if let Err(e) = s.add_source(LIBRARY_SOURCE) {
            debug_assert!(false, "modal library does not parse: {e}");
        }
        s
    }

    /// Adds the agents defined in `src`. A name already present (a library agent, or one from an
    /// earlier file) may only be defined again with the same formula, as when one file is named
    /// twice: a user's `FairBot` that is not FairBot would silently change what every match and
    /// transcript calling it FairBot means. Checks full modalisation and that every reference
    /// resolves.
    pub fn add_source(&mut self, src: &str) -> Result<Vec<String>, ProgramError> {
        let mut p = ModalParser {
            lx: Lexer {
                src,
                pos: 0,
                line: 1,
                col: 1,
            },
            tok: T::End,
            span: Span::default(),
            depth: 0,
            operators: 0,
        };
        p.advance()?;
        let mut added = Vec::new();
        let mut pending = Vec::new();
        while p.tok != T::End {
            let span = p.span;
            if p.tok != T::Word("agent".into()) {
                return Err(p.err("`agent NAME = formula;`"));
            }
            p.advance()?;
            let name = p.word()?;
            // Names are labels in tables and transcripts; a 70,000-character one overflowed the
            // tournament printer's width.
            if name.chars().count() > MAX_AGENT_NAME {
                return Err(ProgramError::Check {
                    span,
                    message: format!(
                        "expected an agent name of at most {MAX_AGENT_NAME} characters, found one of {}",
                        name.chars().count()
                    ),
                });
            }
            // Within one file a second definition is a mistake, not an override: the first
            // would silently lose.
            if pending
                .iter()
                .any(|(_, n, _): &(Span, String, Formula)| n.eq_ignore_ascii_case(&name))
            {
                return Err(ProgramError::Check {
                    span,
                    message: format!("agent {name} is defined twice in this file"),
                });
            }
            p.expect("=")?;
            let f = p.formula()?;
            p.expect(";")?;
            if !fully_modalised(&f, false) {
                return Err(ProgramError::Check {
                    span,
                    message: format!(
                        "agent {name}: every C(...) must be under a `box` (fully modalised)"
                    ),
                });
            }
            if let Some(i) = self.find(&name) {
                let (known, existing) = &self.agents[i];
                if *existing != f {
                    return Err(ProgramError::Check {
                        span,
                        message: format!(
                            "agent {name}: {known} is already defined{}, with another formula; give yours another name",
                            if LIBRARY_NAMES.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                                " (a library agent)"
                            } else {
                                ""
                            }
                        ),
                    });
                }
            }
            pending.push((span, name.clone(), f.clone()));
            self.insert(name.clone(), f);
            added.push(name);
        }
        for (span, name, f) in &pending {
            let mut refs = Vec::new();
            names_in(f, &mut refs);
            for r in refs {
                if r != "me" && r != "them" && self.find(r).is_none() {
                    return Err(ProgramError::Check {
                        span: *span,
                        message: format!("agent {name}: unknown agent `{r}`"),
                    });
                }
            }
        }
        Ok(added)
    }

    fn insert(&mut self, name: String, f: Formula) {
        match self
            .agents
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(slot) => *slot = (name, f),
            None => self.agents.push((name, f)),
        }
    }

    /// The index of an agent by name (case-insensitive).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.agents
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Agent names in definition order.
    pub fn names(&self) -> Vec<&str> {
        self.agents.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// Plays agent `a` against agent `b`: does each cooperate?
    pub fn play(&self, a: &str, b: &str) -> Result<ModalOutcome, ProgramError> {
        let unknown = |n: &str| ProgramError::UnknownAgent {
            name: n.to_string(),
            known: self.names().join(", "),
        };
        let ia = self.find(a).ok_or_else(|| unknown(a))?;
        let ib = self.find(b).ok_or_else(|| unknown(b))?;
        let mut index: HashMap<(usize, usize), usize> = HashMap::new();
        let mut order: Vec<(usize, usize)> = Vec::new();
        let mut formulas: Vec<Node> = Vec::new();
        let mut box_args: Vec<(u32, Node)> = Vec::new();
        index.insert((ia, ib), 0);
        order.push((ia, ib));
        index.entry((ib, ia)).or_insert_with(|| {
            order.push((ib, ia));
            order.len() - 1
        });
        let mut done = 0;
        while done < order.len() {
            let (x, y) = order[done];
            done += 1;
            let f = self.agents[x].1.clone();
            let node =
                self.instantiate(&f, x, y, &mut index, &mut order, &mut box_args, &unknown)?;
            formulas.push(node);
            if order.len() > MAX_VARIABLES {
                return Err(ProgramError::Check {
                    span: Span::default(),
                    message: format!("more than {MAX_VARIABLES} (agent, opponent) variables"),
                });
            }
        }
        let max_k = box_args
            .iter()
            .map(|(k, _)| u64::from(*k))
            .max()
            .unwrap_or(0);
        // The step from world n to n + 1 depends on n only through the tests `n < k`. Boxes only
        // ever turn from true to false, so once a step changes nothing, every world up to the next
        // threshold k is the same: jump there instead of walking (`box[4294967295]` would otherwise
        // take billions of steps). Between thresholds at most one step per box changes something,
        // so the loop runs at most (boxes + 1) × (distinct k + 1) times; the budget below bounds
        // even that, so no modal file can keep a match busy.
        let mut thresholds: Vec<u64> = box_args.iter().map(|(k, _)| u64::from(*k)).collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        let mut boxes = vec![true; box_args.len()];
        let mut n: u64 = 0;
        let mut budget = MAX_MODAL_STEPS;
        loop {
            let work = (formulas.len() + box_args.len()) as u64;
            budget = match budget.checked_sub(work.max(1)) {
                Some(b) => b,
                None => {
                    return Err(ProgramError::Check {
                        span: Span::default(),
                        message: format!(
                            "modal evaluation of {a} against {b} exceeded its budget of \
                             {MAX_MODAL_STEPS} formula evaluations"
                        ),
                    });
                }
            };
            let vars: Vec<bool> = formulas.iter().map(|f| eval(f, &[], &boxes)).collect();
            let next: Vec<bool> = box_args
                .iter()
                .zip(&boxes)
                .map(|((k, arg), &b)| b && ((n < u64::from(*k)) || eval(arg, &vars, &boxes)))
                .collect();
            if next == boxes {
                // Before world max k the PA+k terms still change with n, so the state is not yet
                // closed: skip to the next threshold, where the step function changes.
                if n >= max_k {
                    let v0 = vars[0];
                    let v1 = vars[index[&(ib, ia)]];
                    return Ok(ModalOutcome {
                        first_cooperates: v0,
                        second_cooperates: v1,
                        // World indices start at 0, so world n is the (n + 1)-th.
                        worlds: usize::try_from(n + 1).unwrap_or(usize::MAX),
                        variables: order.len(),
                    });
                }
                n = thresholds.iter().copied().find(|&k| k > n).unwrap_or(max_k);
                continue;
            }
            boxes = next;
            n += 1;
        }
    }

    #[allow(clippy::only_used_in_recursion)]
    fn instantiate(
        &self,
        f: &Formula,
        me: usize,
        them: usize,
        index: &mut HashMap<(usize, usize), usize>,
        order: &mut Vec<(usize, usize)>,
        box_args: &mut Vec<(u32, Node)>,
        unknown: &dyn Fn(&str) -> ProgramError,
    ) -> Result<Node, ProgramError> {
        let resolve = |n: &str| -> Result<usize, ProgramError> {
            match n {
                "me" => Ok(me),
                "them" => Ok(them),
                _ => self.find(n).ok_or_else(|| unknown(n)),
            }
        };
        let go = |g: &Formula,
                  index: &mut HashMap<(usize, usize), usize>,
                  order: &mut Vec<(usize, usize)>,
                  box_args: &mut Vec<(u32, Node)>| {
            self.instantiate(g, me, them, index, order, box_args, unknown)
        };
        Ok(match f {
            Formula::True => Node::Const(true),
            Formula::False => Node::Const(false),
            Formula::Coop { who, against } => {
                let key = (resolve(who)?, resolve(against)?);
                let v = *index.entry(key).or_insert_with(|| {
                    order.push(key);
                    order.len() - 1
                });
                Node::Var(v)
            }
            Formula::Not(a) => Node::Not(Box::new(go(a, index, order, box_args)?)),
            Formula::And(a, b) => Node::And(
                Box::new(go(a, index, order, box_args)?),
                Box::new(go(b, index, order, box_args)?),
            ),
            Formula::Or(a, b) => Node::Or(
                Box::new(go(a, index, order, box_args)?),
                Box::new(go(b, index, order, box_args)?),
            ),
            Formula::Implies(a, b) => Node::Implies(
                Box::new(go(a, index, order, box_args)?),
                Box::new(go(b, index, order, box_args)?),
            ),
            Formula::Box(k, a) => {
                let arg = go(a, index, order, box_args)?;
                box_args.push((*k, arg));
                Node::Box(box_args.len() - 1)
            }
        })
    }
}

/// The naive reference: instantiates the same variables, then evaluates `worlds` worlds of the GL
/// chain directly from the definition (□φ at n iff φ at every m < n), keeping every world's values.
/// Used by the differential tests; [`ModalSystem::play`] is the fast path.
///
/// # Complexity
/// O(worlds² · formula size).
pub fn naive_play(
    system: &ModalSystem,
    a: &str,
    b: &str,
    worlds: usize,
) -> Result<(bool, bool), ProgramError> {
    let unknown = |n: &str| ProgramError::UnknownAgent {
        name: n.to_string(),
        known: system.names().join(", "),
    };
    let ia = system.find(a).ok_or_else(|| unknown(a))?;
    let ib = system.find(b).ok_or_else(|| unknown(b))?;
    let mut index: HashMap<(usize, usize), usize> = HashMap::new();
    let mut order = vec![(ia, ib)];
    index.insert((ia, ib), 0);
    index.entry((ib, ia)).or_insert_with(|| {
        order.push((ib, ia));
        1
    });
    let mut formulas = Vec::new();
    let mut box_args = Vec::new();
    let mut done = 0;
    while done < order.len() {
        let (x, y) = order[done];
        done += 1;
        let f = system.agents[x].1.clone();
        formulas.push(system.instantiate(
            &f,
            x,
            y,
            &mut index,
            &mut order,
            &mut box_args,
            &unknown,
        )?);
    }
    // history[n][v]: value of variable v at world n; box b at world n is "arg holds at all m < n".
    let mut history: Vec<Vec<bool>> = Vec::new();
    let mut arg_history: Vec<Vec<bool>> = Vec::new();
    for n in 0..worlds {
        let boxes: Vec<bool> = (0..box_args.len())
            .map(|b| (0..n).all(|m| arg_history[m][b]))
            .collect();
        let vars: Vec<bool> = formulas.iter().map(|f| eval(f, &[], &boxes)).collect();
        let args: Vec<bool> = box_args
            .iter()
            .map(|(k, arg)| (n as u64) < u64::from(*k) || eval(arg, &vars, &boxes))
            .collect();
        history.push(vars);
        arg_history.push(args);
    }
    let last = history.last().cloned().unwrap_or_default();
    Ok((
        last.first().copied().unwrap_or(false),
        last.get(index[&(ib, ia)]).copied().unwrap_or(false),
    ))
}
