//! All extreme Nash equilibria of a bimatrix game by exact vertex enumeration with a visited set:
//! the reference that [`super::enumerate`]'s reverse search (`extreme`) is tested against.
//!
//! With payoffs made positive, the best-response polytopes are P = {x ≥ 0 : Bᵀx ≤ 1} and
//! Q = {y ≥ 0 : Ay ≤ 1}. A label is an action: x_i = 0 or (Ay)_i = 1 carries label i (player 1's
//! action i), (Bᵀx)_j = 1 or y_j = 0 carries label m+j. The extreme equilibria are exactly the
//! completely labelled vertex pairs (x, y) ≠ (0, 0), normalised to probabilities — the same set Gambit's
//! `enummixed` reports, degenerate games included (Avis, Rosenberg, Savani & von Stengel 2010).
//!
//! Vertices are found by a breadth-first walk over lexicographically feasible bases starting at the
//! slack basis (the origin). The lexicographic ratio test makes the perturbed polytope simple, so each
//! perturbed vertex is visited once, every true vertex is the image of at least one of them, and
//! degeneracy costs only duplicates of a vertex, which are merged by their label set.
//!
//! This was `enumerate` until the reverse search replaced it: its queue and visited set grow with
//! the polytope (100–150 MB on random 14×14 games), and pairing every vertex of P with every vertex
//! of Q costs V_P · V_Q mask tests (1.4·10⁹ on one 14×14 game). It stays because it is simple
//! and independent of the reverse search, which makes disagreements between the two meaningful.
//!
//! # Complexity
//! O(V · m · rows · cols) arithmetic operations per polytope, V the number of perturbed vertices
//! (at most the upper-bound-theorem count), plus O(V_P · V_Q) label-mask comparisons.

use std::collections::{HashMap, HashSet, VecDeque};

use num_bigint::BigInt;

use num_traits::Zero;

use super::tableau::{Int, Overflow, Tableau, with_slacks};
use super::{EquilibriumError, MixedEquilibrium};
use crate::game::Game;

/// One vertex of a best-response polytope: the set of labels it carries and the numerators of its
/// structural coordinates (their common denominator is irrelevant once normalised).
#[derive(Clone, Debug)]
pub struct PolytopeVertex {
    /// Bit k set iff label k is present.
    pub labels: u128,
    /// Unnormalised coordinates (x or y), exact.
    pub coords: Vec<BigInt>,
}

/// Why an enumeration stopped before the end (arithmetic overflow aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// More than 128 tableau variables: the label masks cannot hold them.
    TooWide,
    /// The walk's working set (queued dictionaries, visited bases, vertices found) would pass the
    /// budget, in bytes.
    Memory(usize),
}

/// A rough size of what the walk holds: each queued dictionary is a full copy of the tableau.
/// Entries of the BigInt path own heap limbs; 64 bytes each is a floor, not an exact count.
fn working_set_bytes<T>(
    queued: usize,
    rows: usize,
    vars: usize,
    seen: usize,
    found: usize,
) -> usize {
    let entry =
        std::mem::size_of::<T>().max(16) + if std::mem::size_of::<T>() > 16 { 48 } else { 0 };
    let tableau = rows * (vars + 1) * entry + 3 * vars * std::mem::size_of::<usize>();
    queued
        .saturating_mul(tableau)
        .saturating_add(seen.saturating_mul(32))
        .saturating_add(found.saturating_mul(vars * 48))
}

/// Enumerates the vertices of {z ≥ 0 : M z ≤ 1} (M positive, `rows × cols`). `label_of(var)` maps a
/// tableau variable (structural 0..cols, then slacks) to its label. The walk keeps a visited set
/// and a queue that grow with the polytope; past `max_bytes` it stops with [`Limit::Memory`]
/// instead of exhausting the machine (a random 25×25 game grew by 350 MB/s).
pub fn polytope_vertices<T: Int>(
    matrix: &[Vec<BigInt>],
    label_of: &dyn Fn(usize) -> usize,
    max_bytes: usize,
) -> Result<Result<Vec<PolytopeVertex>, Limit>, Overflow> {
    let rows = matrix.len();
    let cols = matrix[0].len();
    let ones = vec![BigInt::from(1); rows];
    let Some(start) = with_slacks::<T>(matrix, &ones) else {
        return Err(Overflow);
    };
    let vars = start.vars;
    if vars > 128 {
        return Ok(Err(Limit::TooWide));
    }
    let basis_mask = |t: &Tableau<T>| t.basis.iter().fold(0u128, |m, &v| m | (1u128 << v));
    let mut seen: HashSet<u128> = HashSet::new();
    let mut vertices: HashMap<u128, Vec<BigInt>> = HashMap::new();
    let mut order: Vec<u128> = Vec::new();
    let mut queue = VecDeque::new();
    seen.insert(basis_mask(&start));
    queue.push_back(start);
    while let Some(t) = queue.pop_front() {
        let mut labels = 0u128;
        for v in 0..vars {
            let r = t.row_of[v];
            if r == usize::MAX || t.rhs(r).sign() == 0 {
                labels |= 1u128 << label_of(v);
            }
        }
        if let std::collections::hash_map::Entry::Vacant(e) = vertices.entry(labels) {
            let coords = (0..cols)
                .map(|v| {
                    let r = t.row_of[v];
                    if r == usize::MAX {
                        BigInt::from(0)
                    } else {
                        t.rhs(r).to_big()
                    }
                })
                .collect();
            e.insert(coords);
            order.push(labels);
        }
        let mask = basis_mask(&t);
        for c in 0..vars {
            if t.is_basic(c) {
                continue;
            }
            let Some(r) = t.lex_min_ratio_row(c)? else {
                continue;
            };
            let next_mask = (mask & !(1u128 << t.basis[r])) | (1u128 << c);
            if seen.insert(next_mask) {
                let used =
                    working_set_bytes::<T>(queue.len() + 1, rows, vars, seen.len(), vertices.len());
                if used > max_bytes {
                    return Ok(Err(Limit::Memory(used)));
                }
                let mut n = t.clone();
                n.pivot(r, c)?;
                queue.push_back(n);
            }
        }
    }
    Ok(Ok(order
        .into_iter()
        .map(|labels| PolytopeVertex {
            labels,
            coords: vertices.remove(&labels).unwrap_or_default(),
        })
        .collect()))
}

/// The vertices of P and of Q.
pub type VertexSets = (Vec<PolytopeVertex>, Vec<PolytopeVertex>);

/// The vertices of P and Q for positive integer matrices `a` (player 1) and `b` (player 2), `m × n`.
pub fn best_response_vertices<T: Int>(
    a: &[Vec<BigInt>],
    b: &[Vec<BigInt>],
    max_bytes: usize,
) -> Result<Result<VertexSets, Limit>, Overflow> {
    let m = a.len();
    let n = a[0].len();
    // P: Bᵀx + s = 1; x_i is label i, s_j is label m+j — the variable index is the label.
    let bt: Vec<Vec<BigInt>> = (0..n)
        .map(|j| (0..m).map(|i| b[i][j].clone()).collect())
        .collect();
    let p = match polytope_vertices::<T>(&bt, &|v| v, max_bytes)? {
        Ok(p) => p,
        Err(limit) => return Ok(Err(limit)),
    };
    // Q: Ay + r = 1; y_j is label m+j, r_i is label i.
    let q = match polytope_vertices::<T>(a, &|v| if v < n { m + v } else { v - n }, max_bytes)? {
        Ok(q) => q,
        Err(limit) => return Ok(Err(limit)),
    };
    Ok(Ok((p, q)))
}

/// All extreme equilibria by the visited-set walk and pairing every vertex of P with every vertex
/// of Q, in [`super::enumerate`]'s order; stops with [`EquilibriumError::MemoryBudget`] once the
/// walk's working set would pass `max_mib` MiB.
pub fn enumerate_reference(
    game: &Game,
    max_mib: usize,
) -> Result<Vec<MixedEquilibrium>, EquilibriumError> {
    let (a, b) = super::positive_integer_bimatrix(game)?;
    let (m, n) = (a.len(), a[0].len());
    let max_bytes = max_mib.saturating_mul(1 << 20);
    let verts = super::with_bigint_fallback(
        || best_response_vertices::<i128>(&a, &b, max_bytes),
        || best_response_vertices::<BigInt>(&a, &b, max_bytes),
    );
    let (p, q) = match verts {
        Ok(pq) => pq,
        Err(Limit::TooWide) => return Err(EquilibriumError::TooLarge),
        Err(Limit::Memory(_)) => {
            return Err(EquilibriumError::MemoryBudget { limit_mib: max_mib });
        }
    };
    let full: u128 = if m + n == 128 {
        u128::MAX
    } else {
        (1u128 << (m + n)) - 1
    };
    let origin_p: u128 = (1u128 << m) - 1; // x = 0 carries exactly player 1's labels
    let mut pairs = Vec::new();
    for vp in p.iter().filter(|v| v.coords.iter().any(|c| !c.is_zero())) {
        let need = full & !vp.labels;
        for vq in &q {
            if vq.labels & need == need
                && vq.labels != full & !origin_p
                && !vq.coords.iter().all(Zero::is_zero)
            {
                pairs.push((vp.coords.clone(), vq.coords.clone()));
            }
        }
    }
    Ok(super::to_mixed_equilibria(game, pairs))
}
