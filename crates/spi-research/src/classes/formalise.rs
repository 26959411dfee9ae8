//! Class 8, formalise: an informal claim about a two-player game becomes a predicate in a small
//! first-order language over payoffs, graded by agreement with the reference predicate on many
//! generated games (so any equivalent formula passes, however it is written).
//!
//! The language (`PRED`), parsed with a depth limit and evaluated under fuel:
//! ```text
//! pred := forall VAR in rows|cols: pred | exists VAR in rows|cols: pred
//!       | pred and pred | pred or pred | pred implies pred | not pred | ( pred )
//!       | term CMP term | VAR == VAR | VAR != VAR
//! term := INTEGER | u1(ROWVAR, COLVAR) | u2(ROWVAR, COLVAR) | term + term | term - term | ( term )
//! CMP  := <= | < | >= | > | = | !=
//! ```
//! `u1` is Row's payoff, `u2` Column's; `and` binds tighter than `or`, which binds tighter than
//! `implies`; a quantifier's body extends as far right as possible.
//!
//! # Complexity
//! Evaluation is O(|pred| · n^q) per game for q nested quantifiers over n actions; q is capped
//! at [`MAX_QUANTIFIERS`] and every evaluation step spends fuel.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::{Value, json};

use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, spec_tier};

/// The class.
pub struct FormaliseClass;

/// Nested quantifiers allowed in an answer.
pub const MAX_QUANTIFIERS: usize = 6;
/// Longest answer read, in bytes.
pub const MAX_ANSWER: usize = 4000;
/// Generated games each answer is compared on.
pub const INSTANCES: usize = 150;
const FUEL: u64 = 20_000_000;
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sort {
    Row,
    Col,
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Num(i64),
    U(usize, usize, usize), // player, row var slot, col var slot
    Add(Box<Term>, Box<Term>),
    Sub(Box<Term>, Box<Term>),
}

#[derive(Debug, Clone, PartialEq)]
enum Pred {
    Quant(bool, Sort, Box<Pred>), // forall?, sort; the bound variable is the newest slot
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    Cmp(Term, &'static str, Term),
    Same(bool, usize, usize),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Num(i64),
    Sym(&'static str),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let mut n: i64 = 0;
            while i < cs.len() && cs[i].is_ascii_digit() {
                n = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(cs[i] as i64 - '0' as i64))
                    .ok_or("number too large")?;
                i += 1;
            }
            out.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let st = i;
            while i < cs.len() && (cs[i].is_ascii_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(
                cs[st..i].iter().collect::<String>().to_ascii_lowercase(),
            ));
        } else {
            let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
            let sym = ["<=", ">=", "==", "!="].into_iter().find(|s| *s == two);
            if let Some(s) = sym {
                out.push(Tok::Sym(s));
                i += 2;
            } else {
                let s = match c {
                    '<' => "<",
                    '>' => ">",
                    '=' => "=",
                    '(' => "(",
                    ')' => ")",
                    ',' => ",",
                    ':' => ":",
                    '+' => "+",
                    '-' => "-",
                    _ => return Err(format!("unexpected character `{c}`")),
                };
                out.push(Tok::Sym(s));
                i += 1;
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    scope: Vec<(String, Sort)>,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }
    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x == w)
    }
    fn sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }
    fn expect_sym(&mut self, s: &str) -> Result<(), String> {
        if self.sym(s) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected `{s}` at token {}", self.at + 1))
        }
    }
    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err("nested too deeply".into())
        } else {
            Ok(())
        }
    }
    fn var(&mut self) -> Result<(usize, Sort), String> {
        match self.peek().cloned() {
            Some(Tok::Word(w)) => {
                self.at += 1;
                self.scope
                    .iter()
                    .rposition(|(n, _)| *n == w)
                    .map(|k| (k, self.scope[k].1))
                    .ok_or_else(|| format!("`{w}` is not a bound variable"))
            }
            _ => Err(format!("expected a variable at token {}", self.at + 1)),
        }
    }
    fn pred(&mut self) -> Result<Pred, String> {
        self.enter()?;
        let l = self.or()?;
        let r = if self.word("implies") {
            self.at += 1;
            let r = self.pred()?;
            Pred::Or(Box::new(Pred::Not(Box::new(l))), Box::new(r))
        } else {
            l
        };
        self.depth -= 1;
        Ok(r)
    }
    fn or(&mut self) -> Result<Pred, String> {
        let mut l = self.and()?;
        while self.word("or") {
            self.at += 1;
            l = Pred::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Pred, String> {
        let mut l = self.unary()?;
        while self.word("and") {
            self.at += 1;
            l = Pred::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Pred, String> {
        self.enter()?;
        let p = if self.word("not") {
            self.at += 1;
            Pred::Not(Box::new(self.unary()?))
        } else if self.word("forall") || self.word("exists") {
            let all = self.word("forall");
            self.at += 1;
            let Some(Tok::Word(name)) = self.peek().cloned() else {
                return Err("expected a variable name after the quantifier".into());
            };
            self.at += 1;
            if !self.word("in") {
                return Err("expected `in` after the quantified variable".into());
            }
            self.at += 1;
            let sort = if self.word("rows") {
                Sort::Row
            } else if self.word("cols") {
                Sort::Col
            } else {
                return Err("expected `rows` or `cols`".into());
            };
            self.at += 1;
            self.expect_sym(":")?;
            if self.scope.len() >= MAX_QUANTIFIERS {
                return Err(format!("more than {MAX_QUANTIFIERS} nested quantifiers"));
            }
            self.scope.push((name, sort));
            let body = self.pred()?;
            self.scope.pop();
            Pred::Quant(all, sort, Box::new(body))
        } else if self.sym("(") && self.paren_is_pred() {
            self.at += 1;
            let p = self.pred()?;
            self.expect_sym(")")?;
            p
        } else {
            self.atom()?
        };
        self.depth -= 1;
        Ok(p)
    }
    /// Whether the parenthesis at the cursor opens a predicate (it contains a comparison or a
    /// keyword before its matching close) rather than a term.
    fn paren_is_pred(&self) -> bool {
        let mut depth = 0usize;
        for t in &self.toks[self.at..] {
            match t {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth -= 1;
                    if depth == 0 {
                        return false;
                    }
                }
                Tok::Sym("<" | "<=" | ">" | ">=" | "=" | "==" | "!=") => return true,
                Tok::Word(w)
                    if ["and", "or", "not", "forall", "exists", "implies"]
                        .contains(&w.as_str()) =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }
    fn atom(&mut self) -> Result<Pred, String> {
        // `x == y` between variables, else a comparison of terms.
        if let (Some(Tok::Word(w)), Some(Tok::Sym(s))) =
            (self.toks.get(self.at), self.toks.get(self.at + 1))
            && (*s == "==" || *s == "!=")
            && w != "u1"
            && w != "u2"
        {
            let (a, sa) = self.var()?;
            let same = self.sym("==");
            self.at += 1;
            let (b, sb) = self.var()?;
            if sa != sb {
                return Err("`==` compares two variables of the same sort".into());
            }
            return Ok(Pred::Same(same, a, b));
        }
        let l = self.term()?;
        let op = match self.peek() {
            Some(Tok::Sym(s)) if ["<", "<=", ">", ">=", "=", "!=", "=="].contains(s) => *s,
            _ => return Err(format!("expected a comparison at token {}", self.at + 1)),
        };
        self.at += 1;
        let r = self.term()?;
        Ok(Pred::Cmp(l, if op == "==" { "=" } else { op }, r))
    }
    fn term(&mut self) -> Result<Term, String> {
        self.enter()?;
        let mut l = self.factor()?;
        loop {
            if self.sym("+") {
                self.at += 1;
                l = Term::Add(Box::new(l), Box::new(self.factor()?));
            } else if self.sym("-") {
                self.at += 1;
                l = Term::Sub(Box::new(l), Box::new(self.factor()?));
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(l)
    }
    fn factor(&mut self) -> Result<Term, String> {
        self.enter()?;
        let t = match self.peek().cloned() {
            Some(Tok::Num(n)) => {
                self.at += 1;
                Term::Num(n)
            }
            Some(Tok::Sym("-")) => {
                self.at += 1;
                Term::Sub(Box::new(Term::Num(0)), Box::new(self.factor()?))
            }
            Some(Tok::Sym("(")) => {
                self.at += 1;
                let t = self.term()?;
                self.expect_sym(")")?;
                t
            }
            Some(Tok::Word(w)) if w == "u1" || w == "u2" => {
                self.at += 1;
                self.expect_sym("(")?;
                let (r, sr) = self.var()?;
                self.expect_sym(",")?;
                let (c, sc) = self.var()?;
                self.expect_sym(")")?;
                if sr != Sort::Row || sc != Sort::Col {
                    return Err(format!(
                        "{w}(r, c) takes a row variable, then a column variable"
                    ));
                }
                Term::U(if w == "u1" { 0 } else { 1 }, r, c)
            }
            _ => return Err(format!("expected a term at token {}", self.at + 1)),
        };
        self.depth -= 1;
        Ok(t)
    }
}

fn parse(s: &str) -> Result<Pred, String> {
    if s.len() > MAX_ANSWER {
        return Err(format!("longer than {MAX_ANSWER} bytes"));
    }
    let mut p = Parser {
        toks: lex(s)?,
        at: 0,
        scope: Vec::new(),
        depth: 0,
    };
    let pred = p.pred()?;
    if p.at != p.toks.len() {
        return Err(format!("unexpected text at token {}", p.at + 1));
    }
    Ok(pred)
}

/// A game instance: payoffs `u[player][row][col]`.
#[derive(Debug, Clone)]
struct Inst {
    rows: usize,
    cols: usize,
    u: [Vec<Vec<i64>>; 2],
}

fn term(t: &Term, g: &Inst, env: &[usize], fuel: &mut u64) -> Option<i64> {
    *fuel = fuel.checked_sub(1)?;
    Some(match t {
        Term::Num(n) => *n,
        Term::U(p, r, c) => g.u[*p][*env.get(*r)?][*env.get(*c)?],
        Term::Add(a, b) => term(a, g, env, fuel)?.checked_add(term(b, g, env, fuel)?)?,
        Term::Sub(a, b) => term(a, g, env, fuel)?.checked_sub(term(b, g, env, fuel)?)?,
    })
}

/// Evaluates; `None` when out of fuel or on overflow.
fn eval(p: &Pred, g: &Inst, env: &mut Vec<usize>, fuel: &mut u64) -> Option<bool> {
    *fuel = fuel.checked_sub(1)?;
    Some(match p {
        Pred::Quant(all, sort, body) => {
            let n = if *sort == Sort::Row { g.rows } else { g.cols };
            let mut res = *all;
            for a in 0..n {
                env.push(a);
                let v = eval(body, g, env, fuel);
                env.pop();
                if v? != *all {
                    res = !*all;
                    break;
                }
            }
            res
        }
        Pred::And(a, b) => eval(a, g, env, fuel)? && eval(b, g, env, fuel)?,
        Pred::Or(a, b) => eval(a, g, env, fuel)? || eval(b, g, env, fuel)?,
        Pred::Not(a) => !eval(a, g, env, fuel)?,
        Pred::Same(eq, a, b) => (env.get(*a)? == env.get(*b)?) == *eq,
        Pred::Cmp(l, op, r) => {
            let (x, y) = (term(l, g, env, fuel)?, term(r, g, env, fuel)?);
            match *op {
                "<" => x < y,
                "<=" => x <= y,
                ">" => x > y,
                ">=" => x >= y,
                "=" => x == y,
                _ => x != y,
            }
        }
    })
}

fn instances(seed: u64) -> Vec<Inst> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..INSTANCES)
        .map(|_| {
            let (rows, cols) = (rng.random_range(2..=3), rng.random_range(2..=3));
            let hi = rng.random_range(2..=4);
            let mut cell = || {
                (0..rows)
                    .map(|_| (0..cols).map(|_| rng.random_range(0..=hi)).collect())
                    .collect()
            };
            let u0 = cell();
            let u1 = cell();
            Inst {
                rows,
                cols,
                u: [u0, u1],
            }
        })
        .collect()
}

fn inst_text(g: &Inst) -> String {
    (0..g.rows)
        .map(|r| {
            (0..g.cols)
                .map(|c| format!("({}, {})", g.u[0][r][c], g.u[1][r][c]))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// (tier, informal claim with `{k}` for the parameter, reference predicate with `{k}`).
const CLAIMS: &[(u8, &str, &str)] = &[
    (
        1,
        "Some outcome gives both players at least {k}.",
        "exists r in rows: exists c in cols: u1(r, c) >= {k} and u2(r, c) >= {k}",
    ),
    (
        1,
        "Every outcome gives Row at least as much as Column.",
        "forall r in rows: forall c in cols: u1(r, c) >= u2(r, c)",
    ),
    (
        1,
        "Row has an action that guarantees Row at least {k}, whatever Column does.",
        "exists r in rows: forall c in cols: u1(r, c) >= {k}",
    ),
    (
        1,
        "No outcome gives the two players more than {k} in total.",
        "forall r in rows: forall c in cols: u1(r, c) + u2(r, c) <= {k}",
    ),
    (
        1,
        "Whatever Row does, Column has a reply that gives Column at least {k}.",
        "forall r in rows: exists c in cols: u2(r, c) >= {k}",
    ),
    (
        2,
        "Row has an action that is strictly dominated by another of Row's actions.",
        "exists r in rows: exists s in rows: forall c in cols: u1(s, c) > u1(r, c)",
    ),
    (
        2,
        "Column has a strictly dominant action.",
        "exists c in cols: forall d in cols: d == c or (forall r in rows: u2(r, c) > u2(r, d))",
    ),
    (
        2,
        "Some outcome is at least as good for both players as every other outcome.",
        "exists r in rows: exists c in cols: forall s in rows: forall d in cols: u1(r, c) >= u1(s, d) and u2(r, c) >= u2(s, d)",
    ),
    (
        2,
        "The players' payoffs sum to the same total in every outcome.",
        "forall r in rows: forall c in cols: forall s in rows: forall d in cols: u1(r, c) + u2(r, c) = u1(s, d) + u2(s, d)",
    ),
    (
        2,
        "Some outcome is strictly better for both players than some other outcome.",
        "exists r in rows: exists c in cols: exists s in rows: exists d in cols: u1(r, c) > u1(s, d) and u2(r, c) > u2(s, d)",
    ),
    (
        3,
        "The game has a pure Nash equilibrium.",
        "exists r in rows: exists c in cols: (forall s in rows: u1(s, c) <= u1(r, c)) and (forall d in cols: u2(r, d) <= u2(r, c))",
    ),
    (
        3,
        "Some outcome is Pareto-efficient among pure outcomes and gives Row at least {k}.",
        "exists r in rows: exists c in cols: u1(r, c) >= {k} and not (exists s in rows: exists d in cols: u1(s, d) >= u1(r, c) and u2(s, d) >= u2(r, c) and (u1(s, d) > u1(r, c) or u2(s, d) > u2(r, c)))",
    ),
    (
        3,
        "Every pure Nash equilibrium gives Column at least {k}.",
        "forall r in rows: forall c in cols: ((forall s in rows: u1(s, c) <= u1(r, c)) and (forall d in cols: u2(r, d) <= u2(r, c))) implies u2(r, c) >= {k}",
    ),
    (
        3,
        "Each of Column's actions is a strict best reply to some action of Row.",
        "forall c in cols: exists r in rows: forall d in cols: d == c or u2(r, d) < u2(r, c)",
    ),
    (
        3,
        "There is a profile at which neither player can gain by deviating alone, and it is not the only outcome that maximises the sum of payoffs.",
        "exists r in rows: exists c in cols: (forall s in rows: u1(s, c) <= u1(r, c)) and (forall d in cols: u2(r, d) <= u2(r, c)) and (exists s in rows: exists d in cols: (s != r or d != c) and (forall t in rows: forall e in cols: u1(s, d) + u2(s, d) >= u1(t, e) + u2(t, e)))",
    ),
];

fn claim_of(spec: &Value) -> Result<(String, Pred, u64), ResearchError> {
    let reference = spec
        .get("reference")
        .and_then(Value::as_str)
        .ok_or_else(|| ResearchError::spec("reference", "expected a predicate"))?;
    let pred = parse(reference).map_err(|e| ResearchError::spec("reference", e))?;
    let seed = spec
        .get("instances_seed")
        .and_then(Value::as_u64)
        .ok_or_else(|| ResearchError::spec("instances_seed", "expected a seed"))?;
    Ok((reference.to_string(), pred, seed))
}

impl ClassTask for FormaliseClass {
    fn class(&self) -> Class {
        Class::Formalise
    }
    fn about(&self) -> &'static str {
        "write an informal claim about a game as a predicate in a small first-order language; graded by agreement on 150 generated games"
    }
    fn chance(&self, _tier: u8) -> f64 {
        // A predicate must agree on every one of 150 games, at least 15 of each truth value.
        0.001
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let pool: Vec<&(u8, &str, &str)> = CLAIMS.iter().filter(|c| c.0 == tier).collect();
        for _ in 0..10_000 {
            let (_, text, reference) = **pool.choose(rng).unwrap_or(&&CLAIMS[0]);
            let k = rng.random_range(1..=5);
            let (text, reference) = (
                text.replace("{k}", &k.to_string()),
                reference.replace("{k}", &k.to_string()),
            );
            let seed: u64 = rng.random();
            let spec = json!({"kind": "research", "class": "formalise", "tier": tier, "claim": text,
                "reference": reference, "instances_seed": seed});
            if self.validate(&spec).is_err() {
                continue;
            }
            let input = format!(
                "Write the following claim about a finite two-player game as a predicate in this language:\n\
pred := forall VAR in rows: pred | forall VAR in cols: pred | exists VAR in rows: pred | exists VAR in cols: pred\n\
      | pred and pred | pred or pred | pred implies pred | not pred | ( pred ) | term CMP term | VAR == VAR | VAR != VAR\n\
term := integer | u1(ROWVAR, COLVAR) | u2(ROWVAR, COLVAR) | term + term | term - term\n\
CMP  := <= | < | >= | > | = | !=\n\
Row chooses a row, Column a column; u1(r, c) is Row's payoff and u2(r, c) Column's at row r and column c. \
`and` binds tighter than `or`, `or` tighter than `implies`; a quantifier's body extends as far right as possible, \
so use parentheses. Variables bound over rows may only be used as the first argument of u1/u2, over cols only as the second.\n\n\
Claim: {text}\n\n\
Your predicate is checked against a reference on many games: it must be true exactly when the claim is.\n\
End with one line: ANSWER: your predicate (for example `ANSWER: forall r in rows: exists c in cols: u1(r, c) > u2(r, c)`)."
            );
            return Generated { input, spec };
        }
        unreachable!(
            "every tier has claims whose truth varies over generated games (checked by a test)"
        )
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        let (_, pred, seed) = claim_of(spec)?;
        let mut truths = 0usize;
        for g in instances(seed) {
            let mut fuel = FUEL;
            truths += eval(&pred, &g, &mut Vec::new(), &mut fuel)
                .ok_or_else(|| ResearchError::spec("reference", "out of fuel"))?
                as usize;
        }
        if !(INSTANCES / 10..=INSTANCES - INSTANCES / 10).contains(&truths) {
            return Err(ResearchError::spec(
                "instances_seed",
                format!(
                    "the reference is true on {truths} of {INSTANCES} games; expected both values at least a tenth of the time"
                ),
            ));
        }
        Ok(())
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        Ok(claim_of(spec)?.0)
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        let (_, reference, seed) = claim_of(spec)?;
        let pred = match parse(answer) {
            Ok(p) => p,
            Err(e) => {
                return Ok(Grade::invalid(format!(
                    "not a predicate of the language: {e}"
                )));
            }
        };
        let mut fuel = FUEL;
        for g in instances(seed) {
            let want =
                eval(&reference, &g, &mut Vec::new(), &mut u64::MAX.clone()).unwrap_or(false);
            let Some(got) = eval(&pred, &g, &mut Vec::new(), &mut fuel) else {
                return Ok(Grade::invalid("the predicate ran out of evaluation fuel"));
            };
            if got != want {
                return Ok(Grade::wrong(
                    Some(answer.trim().to_string()),
                    format!("disagrees with the reference on {}", inst_text(&g)),
                    format!(
                        "on the game with rows {} (cells are (u1, u2)), your predicate is {got} but the claim is {want}",
                        inst_text(&g)
                    ),
                ));
            }
        }
        Ok(Grade::right(
            answer.trim().to_string(),
            format!("agrees with the reference on all {INSTANCES} games"),
        ))
    }
}
