//! The syntax tree of a bargaining program (grammar in `docs/programs/reference.md`).

use std::sync::Arc;

use spi_games::Rational;

use super::Span;

/// A name in the tree; shared so that binding a local does not allocate.
pub type Name = Arc<str>;

/// A parsed program: its items, and the exact text it was parsed from (programs compare by source).
#[derive(Debug, Clone)]
pub struct ProgramAst {
    /// `name "...";` if given.
    pub name: Option<String>,
    /// `tag "...";` declarations, e.g. `renegotiation` or `csr`.
    pub tags: Vec<String>,
    /// `const NAME = expr;` items, evaluated on each use in the program's own context.
    pub consts: Vec<ConstDef>,
    /// `fn NAME(params) { ... }` items, callable here and by counterparts as `p.NAME(...)`.
    pub fns: Vec<FnDef>,
    /// `program NAME { ... }` items: nested programs, available as values.
    pub programs: Vec<(Name, Arc<ProgramAst>)>,
    /// The `main { ... }` block: what the program plays.
    pub main: Block,
    /// The exact source text of this program (for a nested program, the text between its braces).
    pub source: Arc<str>,
}

/// `const NAME = expr;`
#[derive(Debug, Clone)]
pub struct ConstDef {
    /// The name.
    pub name: Name,
    /// The defining expression.
    pub value: Expr,
    /// Where it is defined.
    pub span: Span,
}

/// `fn NAME(params) body`
#[derive(Debug, Clone)]
pub struct FnDef {
    /// The name.
    pub name: Name,
    /// Parameter names.
    pub params: Vec<Name>,
    /// The body.
    pub body: Block,
    /// Where it is defined.
    pub span: Span,
}

/// A `{ ... }` sequence of statements.
pub type Block = Vec<Stmt>;

/// A statement.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// What kind.
    pub kind: StmtKind,
    /// Where it starts.
    pub span: Span,
}

/// The statement forms.
#[derive(Debug, Clone)]
pub enum StmtKind {
    /// `let x = e;` introduces a local for the rest of the block.
    Let(Name, Expr),
    /// `x = e;` rebinds an existing local.
    Assign(Name, Expr),
    /// `if c { } else { }` (an `else if` is an `else` holding one `if`).
    If(Expr, Block, Option<Block>),
    /// `for x in list { }` — bounded by the list's length; there is no unbounded loop.
    For(Name, Expr, Block),
    /// `return e;`
    Return(Expr),
    /// `e;`
    Expr(Expr),
}

/// An expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What kind.
    pub kind: ExprKind,
    /// Where it starts.
    pub span: Span,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+` (numbers; strings and lists concatenate)
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (exact; dividing by zero is a runtime fault)
    Div,
    /// `==` (programs compare by source text)
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and` (short-circuit)
    And,
    /// `or` (short-circuit)
    Or,
}

/// The expression forms.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// An exact number: `3`, `0.25`.
    Num(Rational),
    /// A string (action names are strings): `"C"`.
    Str(Arc<str>),
    /// `true` / `false`.
    Bool(bool),
    /// `none`.
    None,
    /// A name: a local, a parameter, a const, a nested program or a context name (`me`, `them`, …).
    Var(Name),
    /// `[a, b, c]`
    List(Vec<Expr>),
    /// `f(args)`: a function of this program or a built-in.
    Call(Name, Vec<Expr>),
    /// `p.f(args)`: a function of program `p`, run in `p`'s context.
    Method(Box<Expr>, Name, Vec<Expr>),
    /// `p.name`: a const or nested program of program `p`.
    Field(Box<Expr>, Name),
    /// `xs[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `-e`
    Neg(Box<Expr>),
    /// `not e`
    Not(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
}
