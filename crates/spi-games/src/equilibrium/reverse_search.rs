//! The vertices of a polytope {z ≥ 0 : M z ≤ 1} (M positive) by reverse search (Avis & Fukuda
//! 1992), the method of lrs: every lexicographically feasible basis is visited once and nothing
//! is remembered about the bases already seen.
//!
//! Reverse search turns the simplex method around. Minimise the sum of the structural variables;
//! the slack basis (the origin) is its unique optimum, and from every other basis one simplex
//! pivot (Bland's rule: the lowest-numbered improving variable enters, the lexicographic ratio
//! test picks the leaving row) leads strictly downhill. Those pivots form a tree rooted at the
//! origin, and a depth-first walk of the tree meets each basis exactly once. A neighbour is a
//! child when its own downhill pivot leads back here, which the cost row and the pivot row decide
//! without pivoting. The lexicographic ratio test simulates the perturbation 1 + (ε, ε², …), under
//! which the polytope is simple: in a degenerate polytope a vertex is met once for each perturbed
//! vertex that collapses onto it, and every vertex is met at least once.
//!
//! The dictionary keeps only the nonbasic columns (lrs's layout), and the walk keeps one dictionary
//! per level of the current path (up to [`SavedLevels`]): a child is pivoted out of place from its
//! parent, so going back up costs nothing; below that depth the walk pivots in place and undoes a
//! level by the reverse pivot. Memory is the dictionary times the levels kept, whatever the number
//! of vertices.
//!
//! # Complexity
//! O(V · d · (rows · d)) arithmetic operations for V bases of a d-dimensional polytope with `rows`
//! constraints: each basis tries d pivots (a ratio test and a child test, O(rows + d) each) and is
//! entered by one pivot of O(rows · d). Memory O(levels · rows · d).

use std::cmp::Ordering;
use std::ops::ControlFlow;

use num_bigint::BigInt;

use super::tableau::{Int, Overflow};

/// How many levels of the current path keep a saved copy of their dictionary; below that, the
/// walk undoes a pivot by pivoting back (one more pivot per basis, no memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavedLevels(pub usize);

impl SavedLevels {
    /// 512 levels: a 16×16 game's dictionary is about 4.6 KiB, so at most 2.3 MiB of copies
    /// (the enumeration also caps them at a quarter of its memory budget).
    pub const DEFAULT: SavedLevels = SavedLevels(512);
}

/// A dictionary of {z ≥ 0 : M z + s = 1} in fraction-free integer form, with the cost row of
/// `minimise Σ z` below the constraint rows.
///
/// Variables: the structural `z_0..z_{cols}` are `0..cols`, the slack of row i is `cols + i`. Row r
/// reads `det · basic_r + Σ_k a[r][k] · nonbasic_k = rhs_r`; entries are integers, and the value of
/// a basic variable is `rhs_r / det`. The cost row holds `det ·` the reduced costs.
#[derive(Clone, Debug)]
pub struct Dictionary<T: Int> {
    rows: usize,
    cols: usize,
    /// `(rows + 1) × (cols + 1)`, row-major; column `cols` is the right-hand side, row `rows` the cost.
    a: Vec<T>,
    det: T,
    /// The basic variable of each row.
    basis: Vec<usize>,
    /// The nonbasic variable of each column.
    nonbasic: Vec<usize>,
    /// Each variable's row if basic, else `usize::MAX`.
    row_of: Vec<usize>,
    /// Each variable's column if nonbasic, else `usize::MAX`.
    col_of: Vec<usize>,
    /// Whether every entry and `det` is [`Int::is_small`]: then pivots and ratio tests take the
    /// unchecked kernels.
    small: bool,
}

impl<T: Int> Dictionary<T> {
    /// The slack basis of {z ≥ 0 : M z ≤ 1} for a nonempty `rows × cols` matrix, or `None` if an
    /// entry does not fit `T`.
    pub fn new(matrix: &[Vec<BigInt>]) -> Option<Dictionary<T>> {
        let rows = matrix.len();
        let cols = matrix.first().map_or(0, Vec::len);
        let mut a = Vec::with_capacity((rows + 1) * (cols + 1));
        for row in matrix {
            for x in row {
                a.push(T::from_big(x)?);
            }
            a.push(T::one());
        }
        a.extend((0..cols).map(|_| T::one()));
        a.push(T::zero());
        let vars = rows + cols;
        let mut row_of = vec![usize::MAX; vars];
        let mut col_of = vec![usize::MAX; vars];
        for (k, slot) in col_of.iter_mut().enumerate().take(cols) {
            *slot = k;
        }
        for (r, slot) in row_of.iter_mut().enumerate().skip(cols) {
            *slot = r - cols;
        }
        let small = a.iter().all(T::is_small);
        Some(Dictionary {
            small,
            rows,
            cols,
            a,
            det: T::one(),
            basis: (cols..vars).collect(),
            nonbasic: (0..cols).collect(),
            row_of,
            col_of,
        })
    }

    /// Number of constraint rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of structural variables (the dimension).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The common denominator of the basic values (positive).
    pub fn det(&self) -> &T {
        &self.det
    }

    /// The basic variable of row r.
    pub fn basic(&self, r: usize) -> usize {
        self.basis[r]
    }

    /// The row of variable v, if it is basic.
    pub fn row_of(&self, v: usize) -> Option<usize> {
        let r = self.row_of[v];
        (r != usize::MAX).then_some(r)
    }

    /// The numerator of the basic value in row r (the denominator is [`Dictionary::det`]).
    #[inline]
    pub fn rhs(&self, r: usize) -> &T {
        self.at(r, self.cols)
    }

    /// The numerator of variable v's value: zero if nonbasic.
    pub fn value(&self, v: usize) -> T {
        self.row_of(v).map_or_else(T::zero, |r| self.rhs(r).clone())
    }

    /// Whether variable v is zero at this basis (nonbasic, or basic at zero).
    pub fn is_zero(&self, v: usize) -> bool {
        self.row_of(v).is_none_or(|r| self.rhs(r).sign() == 0)
    }

    #[inline]
    fn at(&self, r: usize, k: usize) -> &T {
        &self.a[r * (self.cols + 1) + k]
    }

    /// How a·b compares with c·d, by the unchecked kernel when the dictionary is small.
    #[inline(always)]
    fn cmp(&self, a: &T, b: &T, c: &T, d: &T) -> Ordering {
        if self.small {
            T::cmp_products_small(a, b, c, d)
        } else {
            T::cmp_products(a, b, c, d)
        }
    }

    #[inline]
    fn cost(&self, k: usize) -> &T {
        self.at(self.rows, k)
    }

    /// The row that leaves when column k enters, by the lexicographic ratio test, or `None` if no
    /// entry of the column is positive.
    fn lex_min_ratio_row(&self, k: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        for r in 0..self.rows {
            if self.at(r, k).sign() > 0 {
                best = Some(match best {
                    Some(b) if !self.ratio_less(r, b, k) => b,
                    _ => r,
                });
            }
        }
        best
    }

    /// Whether row r's ratio (rhs, then the initial basis's columns in order) over column k is
    /// lexicographically smaller than row s's. The initial basis is the slacks, in row order; a
    /// basic slack's column is `det` in its own row and zero elsewhere.
    fn ratio_less(&self, r: usize, s: usize, k: usize) -> bool {
        let (pr, ps) = (self.at(r, k), self.at(s, k));
        match self.cmp(self.rhs(r), ps, self.rhs(s), pr) {
            Ordering::Less => return true,
            Ordering::Greater => return false,
            Ordering::Equal => {}
        }
        for v in self.cols..self.cols + self.rows {
            let row = self.row_of[v];
            if row == r {
                return false; // r's entry is det > 0 against s's 0
            }
            if row == s {
                return true;
            }
            if row == usize::MAX {
                let kv = self.col_of[v];
                match self.cmp(self.at(r, kv), ps, self.at(s, kv), pr) {
                    Ordering::Less => return true,
                    Ordering::Greater => return false,
                    Ordering::Equal => {}
                }
            }
        }
        // The rows of a nonsingular basis inverse are never equal.
        unreachable!("two rows of a basis inverse coincide")
    }

    /// Whether pivoting column k into row r reaches a child of this basis: the neighbour's own
    /// downhill pivot (lowest-numbered negative reduced cost) must be the variable leaving here.
    /// Needs `cost(k) > 0`, so the leaving variable's new reduced cost is negative.
    fn is_child(&self, r: usize, k: usize) -> bool {
        let leaving = self.basis[r];
        let (prk, ck) = (self.at(r, k), self.cost(k));
        (0..self.cols).all(|j| {
            // New reduced cost of column j: (cost_j · a_rk − cost_k · a_rj) / det; a_rk > 0.
            j == k
                || self.nonbasic[j] > leaving
                || self.cmp(self.cost(j), prk, ck, self.at(r, j)) != Ordering::Less
        })
    }

    /// The lowest-numbered nonbasic variable with a negative reduced cost: the parent's pivot column.
    fn downhill_column(&self) -> Option<usize> {
        (0..self.cols)
            .filter(|&k| self.cost(k).sign() < 0)
            .min_by_key(|&k| self.nonbasic[k])
    }

    /// Whether some point of the polytope makes every slack in `rows` zero (every one of those
    /// constraints tight), by the simplex method from this slack basis: minimise their sum with
    /// Bland's rule and the lexicographic ratio test, which cannot cycle. Leaves the dictionary at
    /// the optimum, with that objective's cost row (so it is no longer a search root).
    pub fn can_tighten(&mut self, rows: &[usize]) -> Result<bool, Overflow> {
        debug_assert!(
            self.basis
                .iter()
                .enumerate()
                .all(|(r, &v)| v == self.cols + r)
        );
        let w = self.cols + 1;
        let (constraints, cost) = self.a.split_at_mut(self.rows * w);
        // Σ s_i = Σ rhs_i − Σ_j (Σ_i a_ij) z_j: the cost row holds −Σ_i a_ij and −Σ_i rhs_i.
        for (c, x) in cost.iter_mut().enumerate() {
            let mut sum = T::zero();
            for &i in rows {
                sum = T::dot_div(
                    [(&sum, &T::one()), (&constraints[i * w + c], &T::one())],
                    &T::divisor(&T::one()),
                )
                .ok_or(Overflow)?;
            }
            *x = T::neg(&sum).ok_or(Overflow)?;
        }
        self.small = self.det.is_small() && self.a.iter().all(T::is_small);
        while let Some(k) = self.downhill_column() {
            let r = self
                .lex_min_ratio_row(k)
                .expect("a polytope is bounded in every direction");
            self.pivot(r, k)?;
        }
        // At the optimum the objective is −rhs/det; it is never negative.
        Ok(self.rhs(self.rows).sign() == 0)
    }

    /// Pivots column k into row r (the entry must be positive), fraction-free: the pivot row stays,
    /// every other entry becomes `(a·p − f·g) / det`, and the leaving variable takes column k.
    pub fn pivot(&mut self, r: usize, k: usize) -> Result<(), Overflow> {
        let p = self.at(r, k).clone();
        debug_assert!(p.sign() > 0);
        // The pivot entry becomes the determinant and leaves `a` (its slot takes the old
        // determinant), so the flag must look at it too: a big pivot whose row and column shrink
        // back would otherwise leave a big determinant behind a flag that says small, and the next
        // pivot would write it into `a` through the unchecked kernels.
        self.small =
            pivot_entries(&mut self.a, self.cols + 1, r, k, &self.det, self.small)? && p.is_small();
        self.det = p;
        self.swap_basis(r, k);
        Ok(())
    }

    /// Writes into `out` (a dictionary of the same polytope, whose buffers are reused) the result
    /// of pivoting column k into row r, leaving `self` as it is.
    fn pivot_into(&self, out: &mut Dictionary<T>, r: usize, k: usize) -> Result<(), Overflow> {
        out.a.clone_from(&self.a);
        out.basis.clone_from(&self.basis);
        out.nonbasic.clone_from(&self.nonbasic);
        out.row_of.clone_from(&self.row_of);
        out.col_of.clone_from(&self.col_of);
        out.det = self.det.clone();
        out.small = self.small;
        out.pivot(r, k)
    }

    fn swap_basis(&mut self, r: usize, k: usize) {
        let (entering, leaving) = (self.nonbasic[k], self.basis[r]);
        self.basis[r] = entering;
        self.nonbasic[k] = leaving;
        self.row_of[entering] = r;
        self.col_of[entering] = usize::MAX;
        self.row_of[leaving] = usize::MAX;
        self.col_of[leaving] = k;
    }
}

/// The fraction-free pivot on the entries `a` (rows of width `w`) at (r, k): every row but r
/// becomes `(x·p − f·g) / det` (f its entry in column k, g the pivot row's), and column k takes the
/// leaving variable's column (`det` in row r, `−f` elsewhere). `small` says every entry and `det`
/// is [`Int::is_small`], which selects the unchecked kernels; returns whether that holds after.
fn pivot_entries<T: Int>(
    a: &mut [T],
    w: usize,
    r: usize,
    k: usize,
    det: &T,
    small: bool,
) -> Result<bool, Overflow> {
    debug_assert!(!small || (det.is_small() && a.iter().all(T::is_small)));
    let p = a[r * w + k].clone();
    let div = T::divisor(det);
    let (before, rest) = a.split_at_mut(r * w);
    let (prow, after) = rest.split_at_mut(w);
    let mut all_small = small;
    for row in before.chunks_mut(w).chain(after.chunks_mut(w)) {
        let f = row[k].clone();
        if small {
            if f.sign() == 0 {
                for x in row.iter_mut() {
                    if x.sign() != 0 {
                        *x = T::mul_div_small(x, &p, &div);
                        all_small &= x.is_small();
                    }
                }
            } else {
                for (x, g) in row.iter_mut().zip(prow.iter()) {
                    *x = T::mul_sub_div_small(x, &p, &f, g, &div);
                    all_small &= x.is_small();
                }
                row[k] = T::neg(&f).ok_or(Overflow)?;
            }
        } else if f.sign() == 0 {
            for x in row.iter_mut() {
                if x.sign() != 0 {
                    *x = T::mul_div(x, &p, &div).ok_or(Overflow)?;
                }
            }
        } else {
            for (x, g) in row.iter_mut().zip(prow.iter()) {
                *x = T::mul_sub_div(x, &p, &f, g, &div).ok_or(Overflow)?;
            }
            row[k] = T::neg(&f).ok_or(Overflow)?;
        }
    }
    prow[k] = det.clone();
    if !small {
        // Entries may have shrunk back: look once, so the subtree below can take the fast path.
        all_small = a.iter().all(T::is_small);
    }
    Ok(all_small)
}

/// What a visit returns: go on, stop with a value, or an overflow of `T`.
pub type Visit<B> = Result<ControlFlow<B>, Overflow>;

/// Visits every lexicographically feasible basis of the dictionary's polytope once, the slack
/// basis first, depth first. `visit` may stop the walk by returning `Break`.
pub fn search<T: Int, B>(
    root: Dictionary<T>,
    saved: SavedLevels,
    mut visit: impl FnMut(&Dictionary<T>) -> Visit<B>,
) -> Visit<B> {
    let cap = saved.0;
    // levels[l] is the dictionary at depth l of the current path for l ≤ cap; deeper levels share
    // levels[cap], pivoted in place and pivoted back. The buffers are reused from path to path.
    let mut levels = vec![root];
    // The column each level's child was entered by.
    let mut path: Vec<usize> = Vec::new();
    if let ControlFlow::Break(b) = visit(&levels[0])? {
        return Ok(ControlFlow::Break(b));
    }
    let mut next = 0;
    loop {
        let here = path.len().min(cap);
        let d = &levels[here];
        let child = (next..d.cols).find_map(|k| {
            if d.cost(k).sign() <= 0 {
                return None;
            }
            let r = d.lex_min_ratio_row(k)?;
            d.is_child(r, k).then_some((r, k))
        });
        match child {
            Some((r, k)) => {
                if path.len() < cap {
                    if levels.len() == here + 1 {
                        levels.push(levels[here].clone());
                    }
                    let (parent, child) = levels.split_at_mut(here + 1);
                    parent[here].pivot_into(&mut child[0], r, k)?;
                } else {
                    levels[here].pivot(r, k)?;
                }
                path.push(k);
                if let ControlFlow::Break(b) = visit(&levels[path.len().min(cap)])? {
                    return Ok(ControlFlow::Break(b));
                }
                next = 0;
            }
            None => {
                let Some(k) = path.pop() else {
                    return Ok(ControlFlow::Continue(()));
                };
                if path.len() >= cap {
                    // This level was pivoted in place: undo it. The leaving variable sits in
                    // column k and is the downhill column, whose edge leads back.
                    let d = &mut levels[cap];
                    debug_assert_eq!(d.downhill_column(), Some(k));
                    let r = d
                        .lex_min_ratio_row(k)
                        .expect("the edge just walked leads back");
                    d.pivot(r, k)?;
                }
                next = k + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equilibrium::tableau::{Tableau, with_slacks};
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn bases_by_reverse_search(m: &[Vec<BigInt>], saved: usize) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        let d = Dictionary::<BigInt>::new(m).unwrap();
        let _ = search::<_, ()>(d, SavedLevels(saved), |d| {
            let mut b: Vec<usize> = (0..d.rows()).map(|r| d.basic(r)).collect();
            b.sort_unstable();
            out.push(b);
            Ok(ControlFlow::Continue(()))
        })
        .unwrap();
        out
    }

    /// Every lexicographically feasible basis by breadth-first search with a visited set.
    fn bases_by_walk(m: &[Vec<BigInt>]) -> BTreeSet<Vec<usize>> {
        let ones = vec![BigInt::from(1); m.len()];
        let start: Tableau<BigInt> = with_slacks(m, &ones).unwrap();
        let key = |t: &Tableau<BigInt>| {
            let mut b = t.basis.clone();
            b.sort_unstable();
            b
        };
        let mut seen = BTreeSet::from([key(&start)]);
        let mut queue = vec![start];
        while let Some(t) = queue.pop() {
            for c in 0..t.vars {
                if t.is_basic(c) {
                    continue;
                }
                if let Some(r) = t.lex_min_ratio_row(c).unwrap() {
                    let mut n = t.clone();
                    n.pivot(r, c).unwrap();
                    if seen.insert(key(&n)) {
                        queue.push(n);
                    }
                }
            }
        }
        seen
    }

    fn matrix(rows: usize, cols: usize, high: i64) -> impl Strategy<Value = Vec<Vec<BigInt>>> {
        proptest::collection::vec(proptest::collection::vec(1..=high, cols), rows).prop_map(|m| {
            m.into_iter()
                .map(|r| r.into_iter().map(BigInt::from).collect())
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Reverse search meets exactly the bases the visited-set walk finds, each once, whether
        /// levels are restored from copies or by pivoting back; small entries make ties common.
        #[test]
        fn reverse_search_meets_every_basis_once(m in (1usize..5, 1usize..5, 1i64..4)
            .prop_flat_map(|(r, c, h)| matrix(r, c, h))) {
            let walk = bases_by_walk(&m);
            for saved in [0, 1, 512] {
                let found = bases_by_reverse_search(&m, saved);
                let distinct: BTreeSet<Vec<usize>> = found.iter().cloned().collect();
                prop_assert_eq!(distinct.len(), found.len(), "a basis was met twice");
                prop_assert_eq!(&distinct, &walk);
            }
        }
    }

    #[test]
    fn can_tighten_says_whether_constraints_meet_on_the_polytope() {
        let ints = |m: &[&[i64]]| -> Vec<Vec<BigInt>> {
            m.iter()
                .map(|r| r.iter().map(|&x| BigInt::from(x)).collect())
                .collect()
        };
        // z₁ + z₂ ≤ 1 and z₁ ≤ 1 are both tight at (1, 0).
        let square = ints(&[&[1, 1], &[1, 0]]);
        let mut d = Dictionary::<i128>::new(&square).unwrap();
        assert!(d.can_tighten(&[0, 1]).unwrap());
        // On the segment 2z ≤ 1, z ≤ 1 (that is, 0 ≤ z ≤ 1/2) only the first can be tight.
        let segment = ints(&[&[2], &[1]]);
        let mut d = Dictionary::<i128>::new(&segment).unwrap();
        assert!(!d.can_tighten(&[0, 1]).unwrap());
        let mut d = Dictionary::<BigInt>::new(&segment).unwrap();
        assert!(!d.can_tighten(&[1]).unwrap());
        let mut d = Dictionary::<BigInt>::new(&segment).unwrap();
        assert!(d.can_tighten(&[0]).unwrap());
    }

    #[test]
    fn the_unit_cube_has_eight_bases() {
        let id: Vec<Vec<BigInt>> = (0..3)
            .map(|i| (0..3).map(|j| BigInt::from(i32::from(i == j))).collect())
            .collect();
        // The identity has zeros, which the enumeration allows: only positivity of the polytope
        // (boundedness) matters.
        assert_eq!(bases_by_reverse_search(&id, 512).len(), 8);
        assert_eq!(bases_by_reverse_search(&id, 0).len(), 8);
    }
}
