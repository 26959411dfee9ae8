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
