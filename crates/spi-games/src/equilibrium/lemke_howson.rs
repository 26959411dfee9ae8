//! One Nash equilibrium of a bimatrix game by exact Lemke–Howson.
//!
//! Complementary pivoting on the two integer tableaux of the best-response polytopes (see
//! `vertex_enum`), starting from the artificial equilibrium (0, 0) by dropping one label. The
//! lexicographic ratio test picks the leaving variable, so games with many tied best responses
//! (degenerate games, where a floating-point implementation can cycle forever) terminate; the
//! arithmetic is exact, so the final basis is an exact equilibrium.
//!
//! # Complexity
//! O(L · (m+n)²) arithmetic operations for a path of L pivots; L is exponential in the worst case
//! (Savani & von Stengel 2006) and short on random games.

use num_bigint::BigInt;

use super::tableau::{Int, Overflow, Tableau, with_slacks};

/// The unnormalised equilibrium coordinates found by a Lemke–Howson path, and its length.
pub struct LhResult {
    /// Player 1's coordinates x (numerators).
    pub x: Vec<BigInt>,
    /// Player 2's coordinates y (numerators).
    pub y: Vec<BigInt>,
    /// Number of pivots taken.
    pub pivots: usize,
}

/// Follows the Lemke–Howson path that drops `missing` (0..m is player 1's action, m..m+n player 2's).
pub fn lemke_howson_path<T: Int>(
    a: &[Vec<BigInt>],
    b: &[Vec<BigInt>],
    missing: usize,
) -> Result<LhResult, Overflow> {
    let m = a.len();
    let n = a[0].len();
    let ones_n = vec![BigInt::from(1); n];
    let ones_m = vec![BigInt::from(1); m];
    let bt: Vec<Vec<BigInt>> = (0..n)
        .map(|j| (0..m).map(|i| b[i][j].clone()).collect())
        .collect();
    // P tableau: variables x_0..x_{m-1} (labels 0..m), s_0..s_{n-1} (labels m..m+n).
    let mut tp: Tableau<T> = with_slacks(&bt, &ones_n).ok_or(Overflow)?;
    // Q tableau: variables y_0..y_{n-1} (labels m..m+n), r_0..r_{m-1} (labels 0..m).
    let mut tq: Tableau<T> = with_slacks(a, &ones_m).ok_or(Overflow)?;
    let p_var = |label: usize| label;
    let q_var = |label: usize| if label < m { n + label } else { label - m };
    let p_label = |v: usize| v;
    let q_label = |v: usize| if v < n { m + v } else { v - n };

    // Which polytope the entering variable belongs to alternates; start where `missing` lives as a
    // structural variable (x_k in P for player 1's actions, y_k in Q for player 2's).
    let mut in_p = missing < m;
    let mut entering_label = missing;
    let mut pivots = 0usize;
    loop {
        let (t, var) = if in_p {
            (&mut tp, p_var(entering_label))
        } else {
            (&mut tq, q_var(entering_label))
        };
        let row = t
            .lex_min_ratio_row(var)?
            .expect("best-response polytopes are bounded, so a ratio row exists");
        let leaving = t.basis[row];
        t.pivot(row, var)?;
        pivots += 1;
        let leaving_label = if in_p {
            p_label(leaving)
        } else {
            q_label(leaving)
        };
        if leaving_label == missing {
            break;
        }
        entering_label = leaving_label;
        in_p = !in_p;
    }
    let coords = |t: &Tableau<T>, k: usize| -> Vec<BigInt> {
        (0..k)
            .map(|v| {
                let r = t.row_of[v];
                if r == usize::MAX {
                    BigInt::from(0)
                } else {
                    t.rhs(r).to_big()
                }
            })
            .collect()
    };
    Ok(LhResult {
        x: coords(&tp, m),
        y: coords(&tq, n),
        pivots,
    })
}

/// The bases a floating-point Lemke–Howson path ended in: the basic variables of each tableau.
pub struct FinalBases {
    /// Basic variables of the P tableau (x_i = i, s_j = m + j).
    pub p_basis: Vec<usize>,
    /// Basic variables of the Q tableau (y_j = j, r_i = n + i).
    pub q_basis: Vec<usize>,
    /// Number of pivots taken.
    pub pivots: usize,
}

struct FloatTableau {
    rows: usize,
    vars: usize,
    a: Vec<f64>,
    basis: Vec<usize>,
    row_of: Vec<usize>,
    lex_cols: std::ops::Range<usize>,
}

impl FloatTableau {
    fn new(matrix: &[Vec<f64>]) -> FloatTableau {
        let rows = matrix.len();
        let cols = matrix[0].len();
        let vars = cols + rows;
        let mut a = vec![0.0; rows * (vars + 1)];
        for (r, row) in matrix.iter().enumerate() {
            let base = r * (vars + 1);
            a[base..base + cols].copy_from_slice(row);
            a[base + cols + r] = 1.0;
            a[base + vars] = 1.0;
        }
        let basis: Vec<usize> = (cols..vars).collect();
        let mut row_of = vec![usize::MAX; vars];
        for (r, &v) in basis.iter().enumerate() {
            row_of[v] = r;
        }
        FloatTableau {
            rows,
            vars,
            a,
            basis,
            row_of,
            lex_cols: cols..vars,
        }
    }

    fn at(&self, r: usize, c: usize) -> f64 {
        self.a[r * (self.vars + 1) + c]
    }

    /// Lexicographic minimum ratio with a relative tolerance for ties.
    fn lex_row(&self, c: usize) -> Option<usize> {
        const PIVOT_EPS: f64 = 1e-11;
        const TIE: f64 = 1e-9;
        let mut cands: Vec<usize> = (0..self.rows)
            .filter(|&r| self.at(r, c) > PIVOT_EPS)
            .collect();
        let cols = std::iter::once(self.vars).chain(self.lex_cols.clone());
        for col in cols {
            if cands.len() <= 1 {
                break;
            }
            let ratio = |r: usize| self.at(r, col) / self.at(r, c);
            let min = cands
                .iter()
                .map(|&r| ratio(r))
                .fold(f64::INFINITY, f64::min);
            let tol = TIE
                * min
                    .abs()
                    .max(1e-300)
                    .max(if col == self.vars { 1.0 } else { 1e-6 });
            cands.retain(|&r| ratio(r) <= min + tol);
        }
        cands.first().copied()
    }

    fn pivot(&mut self, r: usize, c: usize) {
        let w = self.vars + 1;
        let p = self.at(r, c);
        for x in &mut self.a[r * w..(r + 1) * w] {
            *x /= p;
        }
        let prow: Vec<f64> = self.a[r * w..(r + 1) * w].to_vec();
        for i in 0..self.rows {
            if i == r {
                continue;
            }
            let f = self.a[i * w + c];
            if f == 0.0 {
                continue;
            }
            for (x, y) in self.a[i * w..(i + 1) * w].iter_mut().zip(&prow) {
                *x -= f * y;
            }
            self.a[i * w + c] = 0.0;
        }
        self.row_of[self.basis[r]] = usize::MAX;
        self.basis[r] = c;
        self.row_of[c] = r;
    }
}

/// Follows the Lemke–Howson path in floating point and returns the bases it ends in, or `None` if
/// it stalls (no pivot row, or more than `max_pivots`). The caller must re-derive and verify the
/// equilibrium exactly from these bases; floating point only chooses the path.
pub fn float_path(
    a: &[Vec<f64>],
    b: &[Vec<f64>],
    missing: usize,
    max_pivots: usize,
) -> Option<FinalBases> {
    let m = a.len();
    let n = a[0].len();
    let bt: Vec<Vec<f64>> = (0..n).map(|j| (0..m).map(|i| b[i][j]).collect()).collect();
    let mut tp = FloatTableau::new(&bt);
    let mut tq = FloatTableau::new(a);
    let mut in_p = missing < m;
    let mut entering_label = missing;
    let mut pivots = 0usize;
    loop {
        let (t, var) = if in_p {
            (&mut tp, entering_label)
        } else {
            (
                &mut tq,
                if entering_label < m {
                    n + entering_label
                } else {
                    entering_label - m
                },
            )
        };
        let row = t.lex_row(var)?;
        let leaving = t.basis[row];
        t.pivot(row, var);
        pivots += 1;
        if pivots > max_pivots {
            return None;
        }
        let leaving_label = if in_p {
            leaving
        } else if leaving < n {
            m + leaving
        } else {
            leaving - n
        };
        if leaving_label == missing {
            break;
        }
        entering_label = leaving_label;
        in_p = !in_p;
    }
    Some(FinalBases {
        p_basis: tp.basis,
        q_basis: tq.basis,
        pivots,
    })
}
