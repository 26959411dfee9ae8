//! All extreme Nash equilibria of a bimatrix game: reverse search over the vertices of one
//! best-response polytope, each vertex paired with the vertices of the other polytope that carry
//! every label it misses.
//!
//! With payoffs made positive, P = {x ≥ 0 : Bᵀx ≤ 1} and Q = {y ≥ 0 : Ay ≤ 1}; the extreme
//! equilibria are the completely labelled vertex pairs (x, y) ≠ (0, 0), normalised (see
//! `vertex_enum`). A vertex x with support S (its positive coordinates) and tight columns
//! T = {j : (Bᵀx)_j = 1} misses the labels i ∈ S and m + j, j ∉ T, so its partners are the vertices
//! of the face F(x) = {y ∈ Q : y_j = 0 for j ∉ T, (Ay)_i = 1 for i ∈ S}. When x is a nondegenerate
//! vertex |S| = |T|, and if A[S, T] is nonsingular, F(x) is at most the one point A[S, T]⁻¹·1: one
//! small exact solve instead of enumerating Q. Otherwise (ties: x degenerate, or A[S, T] singular)
//! a few simplex pivots first decide whether F(x) is empty (it usually is), and if not its
//! vertices are found by a second reverse search, over the face {y ∈ Q : y_j = 0, j ∉ T} of Q,
//! keeping the vertices tight on the rows S. A degenerate x is met once per basis; a bounded cache
//! of (S, T) keeps it from being paired again. Neither search remembers the vertices it has seen,
//! so memory is the dictionaries on the current path, that cache, and the equilibria found.
//!
//! The polytope walked is the one of lower dimension (P when m ≤ n): it has fewer vertices.
//!
//! # Complexity
//! O(V · (d · rows · d + k³)) arithmetic operations for V lexicographic bases of the walked
//! polytope (dimension d, `rows` constraints) and partner systems of size k ≤ d, plus, at each
//! degenerate vertex, a reverse search over a face of the other polytope. Memory
//! O(levels · rows · d) plus the equilibria.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::ops::ControlFlow;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use super::reverse_search::{Dictionary, SavedLevels, search};
use super::tableau::{Int, Overflow};

/// The extreme equilibria found: each as the primitive integer vectors of x and y (nonnegative,
/// entries with gcd 1), which normalise to the probability vectors.
pub type EquilibriumSet = BTreeSet<(Vec<BigInt>, Vec<BigInt>)>;

/// Why the enumeration stopped before the end (arithmetic overflow aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The equilibria found and the saved dictionaries would pass the budget, in bytes.
    Memory(usize),
}

/// The extreme equilibria of the positive integer bimatrix (A, B), both `m × n`, within
/// `max_bytes` of working memory; `saved` caps the dictionary copies kept along the search path.
/// `on_found(x, y)` sees each equilibrium the moment the search first meets it (a search on a
/// large game runs for minutes, and a user should see what it has found so far).
pub fn extreme_equilibria<T: Int>(
    a: &[Vec<BigInt>],
    b: &[Vec<BigInt>],
    max_bytes: usize,
    saved: SavedLevels,
    on_found: &mut dyn FnMut(&[BigInt], &[BigInt]),
) -> Result<Result<EquilibriumSet, Limit>, Overflow> {
    let (m, n) = (a.len(), a[0].len());
    let bt: Vec<Vec<BigInt>> = (0..n)
        .map(|j| (0..m).map(|i| b[i][j].clone()).collect())
        .collect();
    // Walk P (x ∈ ℝᵐ, constraints Bᵀx ≤ 1) and pair in Q (matrix A), or the other way round.
    let walk_p = m <= n;
    let (walked, partner): (&[Vec<BigInt>], &[Vec<BigInt>]) =
        if walk_p { (&bt, a) } else { (a, &bt) };
    let mut oriented = |u: &[BigInt], v: &[BigInt]| {
        if walk_p {
            on_found(u, v)
        } else {
            on_found(v, u)
        }
    };
    let found = walk_and_pair::<T>(walked, partner, max_bytes, saved, &mut oriented)?;
    Ok(found.map(|set| {
        if walk_p {
            set
        } else {
            set.into_iter().map(|(y, x)| (x, y)).collect()
        }
    }))
}

/// What the equilibria found take, roughly: each holds m + n integers in a tree node.
fn set_bytes(count: usize, coords: usize, limbs: usize) -> usize {
    count.saturating_mul(96 + coords * 32 + limbs * 8)
}

/// Reverse search over {u ≥ 0 : E u ≤ 1} (`walked`, r × d), pairing each vertex with the vertices
/// v of {v ≥ 0 : F v ≤ 1} (`partner`, d × r) whose labels complete it. Returns (u, v) pairs.
fn walk_and_pair<T: Int>(
    walked: &[Vec<BigInt>],
    partner: &[Vec<BigInt>],
    max_bytes: usize,
    saved: SavedLevels,
    on_found: &mut dyn FnMut(&[BigInt], &[BigInt]),
) -> Result<Result<EquilibriumSet, Limit>, Overflow> {
    let (r, d) = (walked.len(), walked[0].len());
    let root = Dictionary::<T>::new(walked).ok_or(Overflow)?;
    let dictionary_bytes = (r + 1) * (d + 1) * std::mem::size_of::<T>().max(16) + 4 * (r + d) * 8;
    // Copies along the path may take a quarter of the budget; the equilibria take the rest.
    let levels = SavedLevels(saved.0.min(max_bytes / 4 / dictionary_bytes.max(1)));
    let partner_t: Vec<Vec<T>> = partner
        .iter()
        .map(|row| row.iter().map(T::from_big).collect::<Option<Vec<T>>>())
        .collect::<Option<_>>()
        .ok_or(Overflow)?;
    let mut found = EquilibriumSet::new();
    let mut limbs = 0usize;
    let budget = max_bytes.saturating_sub(levels.0 * dictionary_bytes);
    let (mut support, mut tight, mut scratch, mut found_here) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut seen = DegenerateVertices::default();
    let flow = search::<T, Limit>(root, levels, |dict| {
        support.clear();
        support.extend((0..d).filter(|&i| !dict.is_zero(i)));
        if support.is_empty() {
            return Ok(ControlFlow::Continue(())); // the origin pairs with nothing
        }
        tight.clear();
        tight.extend((0..r).filter(|&j| dict.is_zero(d + j)));
        partners::<T>(
            partner,
            &partner_t,
            &support,
            &tight,
            levels,
            &mut scratch,
            &mut seen,
            &mut found_here,
        )?;
        if found_here.is_empty() {
            return Ok(ControlFlow::Continue(())); // most vertices: no partner
        }
        let u = primitive((0..d).map(|i| dict.value(i).to_big()).collect());
        for v in found_here.drain(..) {
            limbs += u
                .iter()
                .chain(&v)
                .map(|x| x.bits() as usize / 64)
                .sum::<usize>();
            let pair = (u.clone(), v);
            if !found.contains(&pair) {
                on_found(&pair.0, &pair.1);
                found.insert(pair);
            }
            let used = set_bytes(found.len(), r + d, limbs);
            if used > budget {
                return Ok(ControlFlow::Break(Limit::Memory(used)));
            }
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(match flow {
        ControlFlow::Break(limit) => Err(limit),
        ControlFlow::Continue(()) => Ok(found),
    })
}

/// The vertices v of {v ≥ 0 : F v ≤ 1} with v_j = 0 for j ∉ `tight` and (F v)_i = 1 for i ∈
/// `support`, as primitive integer vectors, appended to `out` (possibly repeated).
fn partners<T: Int>(
    f: &[Vec<BigInt>],
    f_t: &[Vec<T>],
    support: &[usize],
    tight: &[usize],
    levels: SavedLevels,
    scratch: &mut Vec<T>,
    seen: &mut DegenerateVertices,
    out: &mut Vec<Vec<BigInt>>,
) -> Result<(), Overflow> {
    let cols = f[0].len();
    if support.len() == tight.len() {
        match solve_nonnegative::<T>(f_t, support, tight, scratch)? {
            Solve::Negative => return Ok(()),
            Solve::Solution(z, det) => {
                // The face is this one point: a partner if the other rows hold, (F v)_i ≤ 1.
                let one = T::divisor(&T::one());
                for (i, row) in f_t.iter().enumerate() {
                    if support.binary_search(&i).is_ok() {
                        continue;
                    }
                    let lhs =
                        T::dot_div(tight.iter().map(|&j| &row[j]).zip(&z), &one).ok_or(Overflow)?;
                    if T::cmp_products(&lhs, &T::one(), &det, &T::one()).is_gt() {
                        return Ok(());
                    }
                }
                let mut v = vec![<BigInt as Zero>::zero(); cols];
                for (&j, x) in tight.iter().zip(&z) {
                    v[j] = x.to_big();
                }
                out.push(primitive(v));
                return Ok(());
            }
            Solve::Singular => {}
        }
    }
    // Degenerate: walk the face {v ≥ 0 : F v ≤ 1, v_j = 0 for j ∉ tight}, a polytope in the
    // coordinates `tight`, and keep its vertices on which every row of `support` is tight. A
    // degenerate vertex is met once per basis, and its support and tight set (which determine it)
    // are the same each time: the walk is done once per vertex while the cache remembers it.
    if !seen.insert(support, tight, f.len()) {
        return Ok(());
    }
    let face: Vec<Vec<BigInt>> = f
        .iter()
        .map(|row| tight.iter().map(|&j| row[j].clone()).collect())
        .collect();
    let k = tight.len();
    let root = Dictionary::<T>::new(&face).ok_or(Overflow)?;
    // Most degenerate vertices have no partner: a few simplex pivots show the face is empty
    // before a walk of the whole polytope would.
    if !root.clone().can_tighten(support)? {
        return Ok(());
    }
    let ControlFlow::Continue(()) = search::<T, Infallible>(root, levels, |dict| {
        if support.iter().all(|&i| dict.is_zero(k + i)) {
            let mut v = vec![<BigInt as Zero>::zero(); cols];
            for (c, &j) in tight.iter().enumerate() {
                v[j] = dict.value(c).to_big();
            }
            out.push(primitive(v));
        }
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(())
}

/// The degenerate vertices whose partners were already walked, by their support and tight set
/// (one bit each: d + r ≤ 128). Bounded: past [`DegenerateVertices::CAPACITY`] the oldest are
/// forgotten, which costs a repeated walk, never an answer, and keeps memory fixed.
#[derive(Default)]
struct DegenerateVertices {
    set: std::collections::HashSet<u128>,
    order: std::collections::VecDeque<u128>,
}

impl DegenerateVertices {
    /// 2¹⁶ keys: a couple of MiB at most.
    const CAPACITY: usize = 1 << 16;

    /// Records the vertex with this support (indices below `d`) and tight set; false if it was
    /// already there. d plus the number of tight candidates is m + n ≤ 128, so one bit each fits.
    fn insert(&mut self, support: &[usize], tight: &[usize], d: usize) -> bool {
        let key = support.iter().fold(0u128, |k, &i| k | 1 << i)
            | tight.iter().fold(0u128, |k, &j| k | 1 << (d + j));
        if !self.set.insert(key) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > Self::CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// The outcome of [`solve_nonnegative`].
#[derive(Debug, PartialEq, Eq)]
enum Solve<T> {
    /// The matrix is singular.
    Singular,
    /// The unique solution has a negative coordinate.
    Negative,
    /// The unique solution, nonnegative: numerators and their positive common denominator.
    Solution(Vec<T>, T),
}

/// Solves F[rows, cols] · v = 1 (square) by fraction-free elimination (Bareiss) and back
/// substitution, stopping at the first negative coordinate: at a random vertex the partner system
/// usually has one, and the back substitution finds the last coordinates first. `m` is scratch.
fn solve_nonnegative<T: Int>(
    f: &[Vec<T>],
    rows: &[usize],
    cols: &[usize],
    m: &mut Vec<T>,
) -> Result<Solve<T>, Overflow> {
    let k = rows.len();
    let w = k + 1;
    m.clear();
    for &i in rows {
        m.extend(cols.iter().map(|&j| f[i][j].clone()));
        m.push(T::one());
    }
    let mut prev = T::divisor(&T::one());
    for c in 0..k {
        let Some(p) = (c..k).find(|&r| m[r * w + c].sign() != 0) else {
            return Ok(Solve::Singular);
        };
        if p != c {
            for j in c..w {
                m.swap(c * w + j, p * w + j);
            }
        }
        // A negative pivot is made positive by negating its equation, so every divisor is
        // positive; Bareiss's exact divisions are those of the system with that row negated.
        if m[c * w + c].sign() < 0 {
            for j in c..w {
                m[c * w + j] = T::neg(&m[c * w + j]).ok_or(Overflow)?;
            }
        }
        let (top, below) = m.split_at_mut((c + 1) * w);
        let prow = &top[c * w..];
        let piv = &prow[c];
        for row in below.chunks_mut(w) {
            let g = row[c].clone();
            if g.sign() == 0 {
                for x in &mut row[c + 1..] {
                    if x.sign() != 0 {
                        *x = T::mul_div(x, piv, &prev).ok_or(Overflow)?;
                    }
                }
            } else {
                for (x, q) in row[c + 1..].iter_mut().zip(&prow[c + 1..]) {
                    *x = T::mul_sub_div(x, piv, &g, q, &prev).ok_or(Overflow)?;
                }
            }
            row[c] = T::zero();
        }
        prev = T::divisor(piv);
    }
    // Row c of the triangle now reads U_cc·v_c + Σ_{j>c} U_cj·v_j = b_c with U_{k-1,k-1} = det,
    // so the numerators z = det·v are integers (Cramer) and z_c = (det·b_c − Σ U_cj·z_j) / U_cc.
    let det = m[(k - 1) * w + k - 1].clone();
    let mut minus_z: Vec<T> = vec![T::zero(); k];
    for c in (0..k).rev() {
        let z = if c == k - 1 {
            m[c * w + k].clone()
        } else {
            let terms = std::iter::once((&det, &m[c * w + k]))
                .chain((c + 1..k).map(|j| (&m[c * w + j], &minus_z[j])));
            T::dot_div(terms, &T::divisor(&m[c * w + c])).ok_or(Overflow)?
        };
        if z.sign() < 0 {
            return Ok(Solve::Negative);
        }
        minus_z[c] = T::neg(&z).ok_or(Overflow)?;
    }
    let z = minus_z
        .iter()
        .map(|x| T::neg(x).ok_or(Overflow))
        .collect::<Result<Vec<T>, Overflow>>()?;
    Ok(Solve::Solution(z, det))
}

/// The vector divided by the gcd of its entries (nonnegative entries, not all zero).
fn primitive(v: Vec<BigInt>) -> Vec<BigInt> {
    let g = v.iter().fold(<BigInt as Zero>::zero(), |g, x| g.gcd(x));
    if g.is_zero() || g == BigInt::from(1) {
        return v;
    }
    debug_assert!(v.iter().all(|x| !x.is_negative()));
    v.into_iter().map(|x| x / &g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(m: &[&[i64]]) -> Vec<Vec<BigInt>> {
        m.iter()
            .map(|r| r.iter().map(|&x| BigInt::from(x)).collect())
            .collect()
    }

    #[test]
    fn solve_nonnegative_handles_negative_pivots_and_singular_systems() {
        let f: Vec<Vec<i128>> = vec![vec![0, 2, 1], vec![3, 1, 0], vec![1, 1, 2]];
        let all = [0, 1, 2];
        let Solve::Solution(v, det) =
            solve_nonnegative::<i128>(&f, &all, &all, &mut Vec::new()).unwrap()
        else {
            panic!("F·v = 1 has a nonnegative solution")
        };
        assert!(det > 0);
        for row in &f {
            let lhs: i128 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, det);
        }
        // v = (−1, 1).
        let g: Vec<Vec<i128>> = vec![vec![1, 2], vec![2, 3]];
        assert_eq!(
            solve_nonnegative::<i128>(&g, &[0, 1], &[0, 1], &mut Vec::new()).unwrap(),
            Solve::Negative
        );
        let singular: Vec<Vec<i128>> = vec![vec![1, 2], vec![2, 4]];
        assert_eq!(
            solve_nonnegative::<i128>(&singular, &[0, 1], &[0, 1], &mut Vec::new()).unwrap(),
            Solve::Singular
        );
    }

    #[test]
    fn matching_pennies_has_one_extreme_equilibrium() {
        // Shifted to positive payoffs: A = [[3, 1], [1, 3]], B = [[1, 3], [3, 1]].
        let a = ints(&[&[3, 1], &[1, 3]]);
        let b = ints(&[&[1, 3], &[3, 1]]);
        let set =
            extreme_equilibria::<i128>(&a, &b, usize::MAX, SavedLevels::DEFAULT, &mut |_, _| {})
                .unwrap()
                .unwrap();
        let one = || vec![BigInt::from(1), BigInt::from(1)];
        assert_eq!(set, BTreeSet::from([(one(), one())]));
    }
}
