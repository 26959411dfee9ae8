//! A recursive-descent parser with a nesting limit checked on every descent.
//!
//! # Complexity
//! Linear in the number of tokens. Recursion depth is bounded by `max_nesting`, and the depth of
//! the tree a flat operator chain builds (`1+1+…+1` is left-deep: one level per operator) by
//! [`MAX_OPERATOR_DEPTH`], so neither this parser nor the passes that walk the tree later (the
//! checker, the interpreter, even dropping it) can overflow the stack on any input.

use std::sync::Arc;

use super::Span;
use super::ast::*;
use super::lexer::{Tok, Token, lex};
use crate::error::ProgramError;

const KEYWORDS: &[&str] = &[
    "tag", "const", "fn", "program", "main", "let", "if", "else", "for", "in", "return", "true",
    "false", "none", "and", "or", "not",
];

/// The most binary operators an expression tree may stack, counted along the deepest path through
/// every chain and every nesting level: generous for written programs (the library's longest chain
/// has a handful), far below what overflows a stack.
pub const MAX_OPERATOR_DEPTH: u32 = 512;

/// Parses a whole program file, rejecting nesting deeper than `max_nesting` and operator chains
/// deeper than [`MAX_OPERATOR_DEPTH`].
pub fn parse(src: &str, max_nesting: u32) -> Result<ProgramAst, ProgramError> {
    let toks = lex(src)?;
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
        max: max_nesting,
        op_depth: 0,
    };
    let prog = p.program(0, src.len())?;
    let t = p.peek();
    if t.tok != Tok::Eof {
        return Err(p.err_here("an item (`name`, `tag`, `const`, `fn`, `program` or `main`)"));
    }
    Ok(prog)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: u32,
    max: u32,
    /// Binary operators on the current path from the root (see [`MAX_OPERATOR_DEPTH`]).
    op_depth: u32,
}

type R<T> = Result<T, ProgramError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek2(&self) -> &Token {
        &self.toks[(self.pos + 1).min(self.toks.len() - 1)]
    }
    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn describe(t: &Tok) -> String {
        match t {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Num(q) => format!("number {q}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Punct(p) => format!("`{p}`"),
            Tok::Eof => "end of input".into(),
        }
    }
    fn err_here(&self, expected: &str) -> ProgramError {
        let t = self.peek();
        ProgramError::Syntax {
            span: t.span,
            message: format!("expected {expected}, found {}", Self::describe(&t.tok)),
        }
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }
    fn is_kw(&self, k: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == k)
    }
    fn expect_punct(&mut self, p: &str) -> R<Token> {
        if self.is_punct(p) {
            Ok(self.bump())
        } else {
            Err(self.err_here(&format!("`{p}`")))
        }
    }
    fn expect_kw(&mut self, k: &str) -> R<Token> {
        if self.is_kw(k) {
            Ok(self.bump())
        } else {
            Err(self.err_here(&format!("`{k}`")))
        }
    }
    fn ident(&mut self) -> R<(Name, Span)> {
        match &self.peek().tok {
            Tok::Ident(s) if !KEYWORDS.contains(&s.as_str()) => {
                let t = self.bump();
                match t.tok {
                    Tok::Ident(s) => Ok((Arc::from(s.as_str()), t.span)),
                    _ => Err(self.err_here("a name")),
                }
            }
            _ => Err(self.err_here("a name")),
        }
    }
    fn string(&mut self) -> R<String> {
        match &self.peek().tok {
            Tok::Str(_) => match self.bump().tok {
                Tok::Str(s) => Ok(s),
                _ => Err(self.err_here("a string")),
            },
            _ => Err(self.err_here("a string")),
        }
    }
    /// Enters one nesting level; every recursive descent goes through here.
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.max {
            return Err(ProgramError::TooDeep {
                span: self.peek().span,
                limit: self.max,
            });
        }
        Ok(())
    }
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Items up to `}` or end of input; `start..end` is the byte range whose text is the source.
    fn program(&mut self, start: usize, end_hint: usize) -> R<ProgramAst> {
        self.enter()?;
        let first_span = self.peek().span;
        let mut prog = ProgramAst {
            name: None,
            tags: Vec::new(),
            consts: Vec::new(),
            fns: Vec::new(),
            programs: Vec::new(),
            main: Vec::new(),
            source: Arc::from(""),
        };
        let mut has_main = false;
        loop {
            let t = self.peek().clone();
            match &t.tok {
                Tok::Eof => break,
                Tok::Punct("}") => break,
                Tok::Ident(k) if k == "name" => {
                    self.bump();
                    let s = self.string()?;
                    self.expect_punct(";")?;
                    if prog.name.is_some() {
                        return Err(ProgramError::Check {
                            span: t.span,
                            message: "a second `name` item".into(),
                        });
                    }
                    // The name labels tournament tables and transcripts: bounded and printable.
                    let max = spi_games::game::MAX_NAME_CHARS;
                    if s.chars().count() > max || s.chars().any(char::is_control) {
                        return Err(ProgramError::Check {
                            span: t.span,
                            message: format!(
                                "expected a `name` of at most {max} characters without control characters"
                            ),
                        });
                    }
                    prog.name = Some(s);
                }
                Tok::Ident(k) if k == "tag" => {
                    self.bump();
                    let s = self.string()?;
                    self.expect_punct(";")?;
                    prog.tags.push(s);
                }
                Tok::Ident(k) if k == "const" => {
                    self.bump();
                    let (name, span) = self.ident()?;
                    self.expect_punct("=")?;
                    let value = self.expr()?;
                    self.expect_punct(";")?;
                    prog.consts.push(ConstDef { name, value, span });
                }
                Tok::Ident(k) if k == "fn" => {
                    self.bump();
                    let (name, span) = self.ident()?;
                    self.expect_punct("(")?;
                    let mut params = Vec::new();
                    while !self.is_punct(")") {
                        params.push(self.ident()?.0);
                        if !self.is_punct(")") {
                            self.expect_punct(",")?;
                        }
                    }
                    self.expect_punct(")")?;
                    let body = self.block()?;
                    prog.fns.push(FnDef {
                        name,
                        params,
                        body,
                        span,
                    });
                }
                Tok::Ident(k) if k == "program" => {
                    self.bump();
                    let (name, _) = self.ident()?;
                    let open = self.expect_punct("{")?;
                    let inner = self.program(open.end, 0)?;
                    self.expect_punct("}")?;
                    prog.programs.push((name, Arc::new(inner)));
                }
                Tok::Ident(k) if k == "main" => {
                    self.bump();
                    if has_main {
                        return Err(ProgramError::Check {
                            span: t.span,
                            message: "a second `main` block".into(),
                        });
                    }
                    prog.main = self.block()?;
                    has_main = true;
                }
                _ => {
                    return Err(self
                        .err_here("an item (`name`, `tag`, `const`, `fn`, `program` or `main`)"));
                }
            }
        }
        if !has_main {
            return Err(ProgramError::Check {
                span: first_span,
                message: "a program needs a `main { ... }` block".into(),
            });
        }
        // A nested program's text ends where its closing brace starts.
        let end = if end_hint > 0 {
            end_hint
        } else {
            self.peek().start
        };
        prog.source = Arc::from(self.src[start..end].trim());
        self.leave();
        Ok(prog)
    }

    fn block(&mut self) -> R<Block> {
        self.enter()?;
        self.expect_punct("{")?;
        let mut out = Vec::new();
        while !self.is_punct("}") {
            if self.peek().tok == Tok::Eof {
                return Err(self.err_here("`}`"));
            }
            out.push(self.stmt()?);
        }
        self.bump();
        self.leave();
        Ok(out)
    }

    fn stmt(&mut self) -> R<Stmt> {
        let span = self.peek().span;
        let kind = if self.is_kw("let") {
            self.bump();
            let (name, _) = self.ident()?;
            self.expect_punct("=")?;
            let e = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Let(name, e)
        } else if self.is_kw("if") {
            return self.if_stmt();
        } else if self.is_kw("for") {
            self.bump();
            let (name, _) = self.ident()?;
            self.expect_kw("in")?;
            let e = self.expr()?;
            let body = self.block()?;
            StmtKind::For(name, e, body)
        } else if self.is_kw("return") {
            self.bump();
            let e = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Return(e)
        } else if matches!(self.peek().tok, Tok::Ident(_))
            && matches!(self.peek2().tok, Tok::Punct("="))
        {
            let (name, _) = self.ident()?;
            self.bump();
            let e = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Assign(name, e)
        } else {
            let e = self.expr()?;
            self.expect_punct(";")?;
            StmtKind::Expr(e)
        };
        Ok(Stmt { kind, span })
    }

    fn if_stmt(&mut self) -> R<Stmt> {
        self.enter()?;
        let span = self.expect_kw("if")?.span;
        let cond = self.expr()?;
        let then = self.block()?;
        let els = if self.is_kw("else") {
            self.bump();
            if self.is_kw("if") {
                Some(vec![self.if_stmt()?])
            } else {
                Some(self.block()?)
            }
        } else {
            None
        };
        self.leave();
        Ok(Stmt {
            kind: StmtKind::If(cond, then, els),
            span,
        })
    }

    fn expr(&mut self) -> R<Expr> {
        self.enter()?;
        let e = self.or_expr();
        self.leave();
        e
    }

    fn binary_chain(&mut self, ops: &[(&str, BinOp)], next: fn(&mut Self) -> R<Expr>) -> R<Expr> {
        let outer = self.op_depth;
        let e = self.binary_chain_inner(ops, next);
        self.op_depth = outer;
        e
    }
    fn binary_chain_inner(
        &mut self,
        ops: &[(&str, BinOp)],
        next: fn(&mut Self) -> R<Expr>,
    ) -> R<Expr> {
        let mut lhs = next(self)?;
        loop {
            let found = ops.iter().find(|(s, _)| match &self.peek().tok {
                Tok::Punct(p) => p == s,
                Tok::Ident(k) => k == s,
                _ => false,
            });
            let Some(&(_, op)) = found else { break };
            // Each operator of a chain adds a level to the left-deep tree built below.
            self.op_depth += 1;
            if self.op_depth > MAX_OPERATOR_DEPTH {
                return Err(ProgramError::TooManyOperators {
                    span: self.peek().span,
                    limit: MAX_OPERATOR_DEPTH,
                });
            }
            let span = self.bump().span;
            let rhs = next(self)?;
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            };
        }
        Ok(lhs)
    }

    fn or_expr(&mut self) -> R<Expr> {
        self.binary_chain(&[("or", BinOp::Or)], Self::and_expr)
    }
    fn and_expr(&mut self) -> R<Expr> {
        self.binary_chain(&[("and", BinOp::And)], Self::not_expr)
    }
    fn not_expr(&mut self) -> R<Expr> {
        if self.is_kw("not") {
            self.enter()?;
            let span = self.bump().span;
            let e = self.not_expr()?;
            self.leave();
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(e)),
                span,
            });
        }
        self.cmp_expr()
    }
    fn cmp_expr(&mut self) -> R<Expr> {
        let lhs = self.add_expr()?;
        let ops = [
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
            ("<=", BinOp::Le),
            (">=", BinOp::Ge),
            ("<", BinOp::Lt),
            (">", BinOp::Gt),
        ];
        if let Tok::Punct(p) = self.peek().tok
            && let Some(&(_, op)) = ops.iter().find(|(s, _)| *s == p)
        {
            let span = self.bump().span;
            let rhs = self.add_expr()?;
            if let Tok::Punct(q) = self.peek().tok
                && ops.iter().any(|(s, _)| *s == q)
            {
                return Err(ProgramError::Syntax {
                    span: self.peek().span,
                    message: "comparisons do not chain; use `and`".into(),
                });
            }
            return Ok(Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            });
        }
        Ok(lhs)
    }
    fn add_expr(&mut self) -> R<Expr> {
        self.binary_chain(&[("+", BinOp::Add), ("-", BinOp::Sub)], Self::mul_expr)
    }
    fn mul_expr(&mut self) -> R<Expr> {
        self.binary_chain(&[("*", BinOp::Mul), ("/", BinOp::Div)], Self::unary)
    }
    fn unary(&mut self) -> R<Expr> {
        if self.is_punct("-") {
            self.enter()?;
            let span = self.bump().span;
            let e = self.unary()?;
            self.leave();
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(e)),
                span,
            });
        }
        self.postfix()
    }
    fn args(&mut self, close: &str) -> R<Vec<Expr>> {
        let mut out = Vec::new();
        while !self.is_punct(close) {
            out.push(self.expr()?);
            if !self.is_punct(close) {
                self.expect_punct(",")?;
            }
        }
        self.bump();
        Ok(out)
    }
    fn postfix(&mut self) -> R<Expr> {
        let mut e = self.primary()?;
        let mut levels = 0;
        loop {
            if self.is_punct("[") {
                self.enter()?;
                levels += 1;
                let span = self.bump().span;
                let i = self.expr()?;
                self.expect_punct("]")?;
                e = Expr {
                    kind: ExprKind::Index(Box::new(e), Box::new(i)),
                    span,
                };
            } else if self.is_punct(".") {
                self.enter()?;
                levels += 1;
                let span = self.bump().span;
                let (name, _) = self.ident()?;
                if self.is_punct("(") {
                    self.bump();
                    let args = self.args(")")?;
                    e = Expr {
                        kind: ExprKind::Method(Box::new(e), name, args),
                        span,
                    };
                } else {
                    e = Expr {
                        kind: ExprKind::Field(Box::new(e), name),
                        span,
                    };
                }
            } else {
                break;
            }
        }
        for _ in 0..levels {
            self.leave();
        }
        Ok(e)
    }
    fn primary(&mut self) -> R<Expr> {
        let t = self.peek().clone();
        let span = t.span;
        let kind = match t.tok {
            Tok::Num(q) => {
                self.bump();
                ExprKind::Num(q)
            }
            Tok::Str(s) => {
                self.bump();
                ExprKind::Str(Arc::from(s.as_str()))
            }
            Tok::Punct("(") => {
                self.bump();
                let e = self.expr()?;
                self.expect_punct(")")?;
                return Ok(e);
            }
            Tok::Punct("[") => {
                self.enter()?;
                self.bump();
                let items = self.args("]")?;
                self.leave();
                ExprKind::List(items)
            }
            Tok::Ident(ref k) if k == "true" => {
                self.bump();
                ExprKind::Bool(true)
            }
            Tok::Ident(ref k) if k == "false" => {
                self.bump();
                ExprKind::Bool(false)
            }
            Tok::Ident(ref k) if k == "none" => {
                self.bump();
                ExprKind::None
            }
            Tok::Ident(_) => {
                let (name, _) = self.ident()?;
                if self.is_punct("(") {
                    self.enter()?;
                    self.bump();
                    let args = self.args(")")?;
                    self.leave();
                    ExprKind::Call(name, args)
                } else {
                    ExprKind::Var(name)
                }
            }
            _ => return Err(self.err_here("an expression")),
        };
        Ok(Expr { kind, span })
    }
}
