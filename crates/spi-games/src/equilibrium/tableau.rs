//! An integer tableau with fraction-free pivoting and the lexicographic minimum-ratio test.
//!
//! Integer (Edmonds/Bareiss) pivoting keeps every entry an integer: after each pivot the entries
//! are minors of the original matrix and the common denominator is the last pivot, so division is
//! exact. This is the same arithmetic lrs uses. Entries are generic over [`Int`]: the kernels first run
//! on `i128` entries whose products are formed in 256 bits ([`super::wide`]) and, when a quotient
//! leaves `i128`, start again on `BigInt`. Payoffs below 100 stay in machine integers up to 16×16
//! and beyond.
//!
//! The lexicographic ratio test breaks ties by the rows of the current basis inverse (the columns
//! of the initial slack basis), which simulates the perturbation b + (ε, ε², …): the leaving row is
//! always unique, so degenerate games neither cycle nor need special cases.

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::wide;

/// A checked integer ring element for the pivoting kernels.
///
/// The kernels only ever need `(a·b − c·d) / e` and `a·b / e` with an exact quotient (Bareiss) and
/// the sign of `a·b − c·d` (ratio tests), so those are the primitives: a fused operation can keep
/// its intermediate product wider than the stored entries (see [`super::wide`]).
pub trait Int: Clone + std::fmt::Debug {
    /// A pivot prepared for repeated exact division (for `i128`, its inverse modulo 2¹²⁸).
    type Divisor: Clone + std::fmt::Debug;
    /// Prepares a positive pivot for [`Int::mul_sub_div`] and [`Int::mul_div`].
    fn divisor(d: &Self) -> Self::Divisor;
    /// From an arbitrary-precision integer, or `None` if it does not fit.
    fn from_big(b: &BigInt) -> Option<Self>;
    /// To an arbitrary-precision integer.
    fn to_big(&self) -> BigInt;
    /// `(a·b − c·d) / e` where the division is known to be exact, or `None` on overflow.
    fn mul_sub_div(a: &Self, b: &Self, c: &Self, d: &Self, e: &Self::Divisor) -> Option<Self>;
    /// `a·b / e` where the division is known to be exact, or `None` on overflow.
    fn mul_div(a: &Self, b: &Self, e: &Self::Divisor) -> Option<Self>;
    /// `(Σ aᵢ·bᵢ) / e` where the division is known to be exact, or `None` on overflow.
    fn dot_div<'a>(
        terms: impl IntoIterator<Item = (&'a Self, &'a Self)>,
        e: &Self::Divisor,
    ) -> Option<Self>
    where
        Self: 'a;
    /// How `a·b` compares with `c·d` (never overflows).
    fn cmp_products(a: &Self, b: &Self, c: &Self, d: &Self) -> Ordering;
    /// `−a`, or `None` on overflow.
    fn neg(a: &Self) -> Option<Self>;
    /// Whether the value is small enough that [`Int::mul_sub_div_small`] on such values cannot
    /// overflow (for `i128`: below 2⁶² in magnitude). Never true for `BigInt`.
    fn is_small(&self) -> bool {
        false
    }
    /// [`Int::mul_sub_div`] for small operands, with no overflow checks.
    fn mul_sub_div_small(a: &Self, b: &Self, c: &Self, d: &Self, e: &Self::Divisor) -> Self {
        Self::mul_sub_div(a, b, c, d, e).expect("small operands cannot overflow")
    }
    /// [`Int::mul_div`] for small operands, with no overflow checks.
    fn mul_div_small(a: &Self, b: &Self, e: &Self::Divisor) -> Self {
        Self::mul_div(a, b, e).expect("small operands cannot overflow")
    }
    /// [`Int::cmp_products`] for small operands.
    fn cmp_products_small(a: &Self, b: &Self, c: &Self, d: &Self) -> Ordering {
        Self::cmp_products(a, b, c, d)
    }
    /// Sign: -1, 0, 1.
    fn sign(&self) -> i32;
    /// Zero.
    fn zero() -> Self;
    /// One.
    fn one() -> Self;
}

impl Int for i128 {
    type Divisor = wide::Divisor;
    fn divisor(d: &Self) -> wide::Divisor {
        wide::Divisor::new(*d)
    }
    fn from_big(b: &BigInt) -> Option<Self> {
        b.to_i128()
    }
    fn to_big(&self) -> BigInt {
        BigInt::from(*self)
    }
    #[inline(always)]
    fn mul_sub_div(a: &Self, b: &Self, c: &Self, d: &Self, e: &wide::Divisor) -> Option<Self> {
        wide::mul_sub_div(*a, *b, *c, *d, e)
    }
    #[inline(always)]
    fn mul_div(a: &Self, b: &Self, e: &wide::Divisor) -> Option<Self> {
        wide::mul_div(*a, *b, e)
    }
    #[inline(always)]
    fn dot_div<'a>(
        terms: impl IntoIterator<Item = (&'a Self, &'a Self)>,
        e: &wide::Divisor,
    ) -> Option<Self> {
        wide::dot_div(terms.into_iter().map(|(a, b)| (*a, *b)), e)
    }
    #[inline(always)]
    fn cmp_products(a: &Self, b: &Self, c: &Self, d: &Self) -> Ordering {
        wide::cmp_products(*a, *b, *c, *d)
    }
    #[inline(always)]
    fn neg(a: &Self) -> Option<Self> {
        a.checked_neg()
    }
    #[inline(always)]
    fn is_small(&self) -> bool {
        wide::is_small(*self)
    }
    #[inline(always)]
    fn mul_sub_div_small(a: &Self, b: &Self, c: &Self, d: &Self, e: &wide::Divisor) -> Self {
        wide::mul_sub_div_small(*a, *b, *c, *d, e)
    }
    #[inline(always)]
    fn mul_div_small(a: &Self, b: &Self, e: &wide::Divisor) -> Self {
        wide::mul_sub_div_small(*a, *b, 0, 0, e)
    }
    #[inline(always)]
    fn cmp_products_small(a: &Self, b: &Self, c: &Self, d: &Self) -> Ordering {
        wide::cmp_products_small(*a, *b, *c, *d)
    }
    #[inline(always)]
    fn sign(&self) -> i32 {
        self.signum() as i32
    }
    fn zero() -> Self {
        0
    }
    fn one() -> Self {
        1
    }
}

impl Int for BigInt {
    type Divisor = BigInt;
    fn divisor(d: &Self) -> BigInt {
        d.clone()
    }
    fn from_big(b: &BigInt) -> Option<Self> {
        Some(b.clone())
    }
    fn to_big(&self) -> BigInt {
        self.clone()
    }
    fn mul_sub_div(a: &Self, b: &Self, c: &Self, d: &Self, e: &BigInt) -> Option<Self> {
        Some((a * b - c * d) / e)
    }
    fn mul_div(a: &Self, b: &Self, e: &BigInt) -> Option<Self> {
        Some(a * b / e)
    }
    fn dot_div<'a>(
        terms: impl IntoIterator<Item = (&'a Self, &'a Self)>,
        e: &BigInt,
    ) -> Option<Self> {
        Some(terms.into_iter().map(|(a, b)| a * b).sum::<BigInt>() / e)
    }
    fn cmp_products(a: &Self, b: &Self, c: &Self, d: &Self) -> Ordering {
        (a * b).cmp(&(c * d))
    }
    fn neg(a: &Self) -> Option<Self> {
        Some(-a)
    }
    fn sign(&self) -> i32 {
        if self.is_positive() {
            1
        } else if self.is_zero() {
            0
        } else {
            -1
        }
    }
    fn zero() -> Self {
        <BigInt as Zero>::zero()
    }
    fn one() -> Self {
        BigInt::from(1)
    }
}

/// An arithmetic overflow of the machine-integer fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

/// A dictionary `M z = rhs` in integer form: `rows` equations over `vars` variables plus one RHS
/// column; `basis[r]` is the variable basic in row r. The value of basic variable `basis[r]` is
/// `rhs[r] / det`.
#[derive(Clone, Debug)]
pub struct Tableau<T> {
    /// Number of rows (equations).
    pub rows: usize,
    /// Number of variables (columns, excluding the RHS).
    pub vars: usize,
    /// Row-major entries, `vars + 1` per row, the RHS last.
    pub a: Vec<T>,
    /// The common denominator: the last pivot element (1 initially).
    pub det: T,
    /// The basic variable of each row.
    pub basis: Vec<usize>,
    /// The row of each basic variable, `usize::MAX` for non-basic ones.
    pub row_of: Vec<usize>,
    /// The columns of the initial (identity) basis, in the order used to break ratio ties.
    pub lex_cols: Vec<usize>,
}

impl<T: Int> Tableau<T> {
    /// Entry (r, c); `c == vars` is the RHS.
    #[inline]
    pub fn at(&self, r: usize, c: usize) -> &T {
        &self.a[r * (self.vars + 1) + c]
    }

    /// RHS of row r.
    #[inline]
    pub fn rhs(&self, r: usize) -> &T {
        self.at(r, self.vars)
    }

    /// Whether a variable is basic.
    pub fn is_basic(&self, v: usize) -> bool {
        self.row_of[v] != usize::MAX
    }

    /// Pivots variable `c` into the basis at row `r` (the pivot entry must be positive).
    pub fn pivot(&mut self, r: usize, c: usize) -> Result<(), Overflow> {
        let w = self.vars + 1;
        let p = self.at(r, c).clone();
        debug_assert!(p.sign() > 0);
        let det = T::divisor(&self.det);
        let (before, rest) = self.a.split_at_mut(r * w);
        let (prow, after) = rest.split_at_mut(w);
        for row in before.chunks_mut(w).chain(after.chunks_mut(w)) {
            let f = row[c].clone();
            if f.sign() == 0 {
                // Entries of rows with a zero in the pivot column scale by p/det.
                for x in row.iter_mut() {
                    if x.sign() != 0 {
                        *x = T::mul_div(x, &p, &det).ok_or(Overflow)?;
                    }
                }
                continue;
            }
            for j in 0..w {
                row[j] = T::mul_sub_div(&row[j], &p, &f, &prow[j], &det).ok_or(Overflow)?;
            }
        }
        self.det = p;
        let leaving = self.basis[r];
        self.row_of[leaving] = usize::MAX;
        self.basis[r] = c;
        self.row_of[c] = r;
        Ok(())
    }

    /// The row that leaves when `c` enters, by the lexicographic minimum-ratio test, or `None` if
    /// no entry of column c is positive (an unbounded direction).
    pub fn lex_min_ratio_row(&self, c: usize) -> Result<Option<usize>, Overflow> {
        let mut best: Option<usize> = None;
        for r in 0..self.rows {
            if self.at(r, c).sign() <= 0 {
                continue;
            }
            best = match best {
                None => Some(r),
                Some(b) => {
                    if self.lex_less(r, b, c)? == Ordering::Less {
                        Some(r)
                    } else {
                        Some(b)
                    }
                }
            };
        }
        Ok(best)
    }

    /// Compares row r's and row s's ratios (rhs, lex columns…) / column c.
    fn lex_less(&self, r: usize, s: usize, c: usize) -> Result<Ordering, Overflow> {
        let (pr, ps) = (self.at(r, c), self.at(s, c));
        let cols = std::iter::once(self.vars).chain(self.lex_cols.iter().copied());
        for col in cols {
            match T::cmp_products(self.at(r, col), ps, self.at(s, col), pr) {
                Ordering::Equal => {}
                unequal => return Ok(unequal),
            }
        }
        Ok(Ordering::Equal)
    }
}

/// Builds the tableau `[M | I] z = rhs` with slack variables `m_cols..m_cols+rows` basic.
pub fn with_slacks<T: Int>(matrix: &[Vec<BigInt>], rhs: &[BigInt]) -> Option<Tableau<T>> {
    let rows = matrix.len();
    let mcols = matrix.first().map_or(0, Vec::len);
    let vars = mcols + rows;
    let mut a = Vec::with_capacity(rows * (vars + 1));
    for (r, row) in matrix.iter().enumerate() {
        for x in row {
            a.push(T::from_big(x)?);
        }
        for s in 0..rows {
            a.push(if s == r { T::one() } else { T::zero() });
        }
        a.push(T::from_big(&rhs[r])?);
    }
    let basis: Vec<usize> = (mcols..vars).collect();
    let mut row_of = vec![usize::MAX; vars];
    for (r, &v) in basis.iter().enumerate() {
        row_of[v] = r;
    }
    Some(Tableau {
        rows,
        vars,
        a,
        det: T::one(),
        basis,
        row_of,
        lex_cols: (mcols..vars).collect(),
    })
}
