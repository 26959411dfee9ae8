//! An exact two-phase simplex over [`Rational`] for the small LPs of the engine.
//!
//! The LPs here (threat points, OC Lemma 11's Pareto test, the perfect-coordination region) have a
//! few dozen variables, so a dense tableau with Bland's rule is fast enough and, being exact,
//! decides "optimum = 0" without tolerance. Floating-point LP crates (minilp, good_lp) cannot
//! answer that question reliably, which is why this is hand-written.
//!
//! # Complexity
//! Each pivot is O(rows · cols) rational operations; Bland's rule guarantees termination, with an
//! exponential worst case that does not occur at these sizes.

use crate::number::Rational;

/// The sense of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `a·x ≤ b`
    Le,
    /// `a·x = b`
    Eq,
    /// `a·x ≥ b`
    Ge,
}

/// A linear program: maximise `objective · x` subject to the constraints and `x ≥ 0`.
#[derive(Debug, Clone)]
pub struct LinearProgram {
    /// Number of variables.
    pub vars: usize,
    /// Objective coefficients (maximised).
    pub objective: Vec<Rational>,
    /// Constraints `(coefficients, relation, rhs)`.
    pub constraints: Vec<(Vec<Rational>, Relation, Rational)>,
}

/// The result of solving a linear program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LpOutcome {
    /// An optimal solution and its value.
    Optimal {
        /// The optimal point.
        x: Vec<Rational>,
        /// The optimal objective value.
        value: Rational,
    },
    /// No point satisfies the constraints.
    Infeasible,
    /// The objective is unbounded above.
    Unbounded,
}

impl LinearProgram {
    /// A program over `vars` non-negative variables with a zero objective.
    pub fn new(vars: usize) -> LinearProgram {
        LinearProgram {
            vars,
            objective: vec![Rational::ZERO; vars],
            constraints: Vec::new(),
        }
    }

    /// Adds a constraint.
    pub fn constrain(&mut self, coeffs: Vec<Rational>, rel: Relation, rhs: Rational) {
        debug_assert_eq!(coeffs.len(), self.vars);
        self.constraints.push((coeffs, rel, rhs));
    }

    /// Solves the program exactly.
    pub fn solve(&self) -> LpOutcome {
        Simplex::build(self).run(self)
    }
}

struct Simplex {
    /// rows × (cols + 1); last column is the RHS.
    t: Vec<Vec<Rational>>,
    basis: Vec<usize>,
    cols: usize,
    artificial_from: usize,
}

impl Simplex {
    fn build(lp: &LinearProgram) -> Simplex {
        let rows = lp.constraints.len();
        // Normalise to b ≥ 0, count slacks and artificials.
        let mut normalised = Vec::with_capacity(rows);
        for (a, rel, b) in &lp.constraints {
            if b.is_negative() {
                let flipped = match rel {
                    Relation::Le => Relation::Ge,
                    Relation::Ge => Relation::Le,
                    Relation::Eq => Relation::Eq,
                };
                normalised.push((a.iter().map(|x| -x).collect::<Vec<_>>(), flipped, -b));
            } else {
                normalised.push((a.clone(), *rel, b.clone()));
            }
        }
        let slacks = normalised
            .iter()
            .filter(|(_, r, _)| *r != Relation::Eq)
            .count();
        let artificials = normalised
            .iter()
            .filter(|(_, r, _)| *r != Relation::Le)
            .count();
        let cols = lp.vars + slacks + artificials;
        let artificial_from = lp.vars + slacks;
        let mut t = Vec::with_capacity(rows);
        let mut basis = Vec::with_capacity(rows);
        let (mut s, mut art) = (lp.vars, artificial_from);
        for (a, rel, b) in normalised {
            let mut row = vec![Rational::ZERO; cols + 1];
            row[..lp.vars].clone_from_slice(&a);
            row[cols] = b;
            match rel {
                Relation::Le => {
                    row[s] = Rational::ONE;
                    basis.push(s);
                    s += 1;
                }
                Relation::Ge => {
                    row[s] = -Rational::ONE;
                    s += 1;
                    row[art] = Rational::ONE;
                    basis.push(art);
                    art += 1;
                }
                Relation::Eq => {
                    row[art] = Rational::ONE;
                    basis.push(art);
                    art += 1;
                }
            }
            t.push(row);
        }
        Simplex {
            t,
            basis,
            cols,
            artificial_from,
        }
    }

    fn pivot(&mut self, r: usize, c: usize) {
        let p = self.t[r][c].clone();
        let inv = p.recip().expect("pivot entries are non-zero");
        for x in self.t[r].iter_mut() {
            *x = &*x * &inv;
        }
        let prow = self.t[r].clone();
        for (i, row) in self.t.iter_mut().enumerate() {
            if i == r || row[c].is_zero() {
                continue;
            }
            let f = row[c].clone();
            for (x, y) in row.iter_mut().zip(&prow) {
                if !y.is_zero() {
                    *x = &*x - &(&f * y);
                }
            }
        }
        self.basis[r] = c;
    }

    /// Maximises `obj` over the current basis, using only columns `< allowed`. Returns false if unbounded.
    fn optimise(&mut self, obj: &[Rational], allowed: usize) -> bool {
        loop {
            // Reduced cost of column j: obj_j - Σ_r obj_{basis r} t[r][j]. Bland: first improving column.
            let mut entering = None;
            for j in 0..allowed {
                if self.basis.contains(&j) {
                    continue;
                }
                let mut rc = obj[j].clone();
                for (r, row) in self.t.iter().enumerate() {
                    let cb = &obj[self.basis[r]];
                    if !cb.is_zero() && !row[j].is_zero() {
                        rc = &rc - &(cb * &row[j]);
                    }
                }
                if rc.is_positive() {
                    entering = Some(j);
                    break;
                }
            }
            let Some(c) = entering else { return true };
            let mut best: Option<(usize, Rational)> = None;
            for (r, row) in self.t.iter().enumerate() {
                if row[c].is_positive() {
                    let ratio = &row[self.cols] / &row[c];
                    let better = match &best {
                        None => true,
                        Some((br, bv)) => {
                            ratio < *bv || (ratio == *bv && self.basis[r] < self.basis[*br])
                        }
                    };
                    if better {
                        best = Some((r, ratio));
                    }
                }
            }
            let Some((r, _)) = best else { return false };
            self.pivot(r, c);
        }
    }

    fn run(mut self, lp: &LinearProgram) -> LpOutcome {
        let total = self.cols;
        if self.artificial_from < total {
            let mut phase1 = vec![Rational::ZERO; total];
            for x in &mut phase1[self.artificial_from..] {
                *x = -Rational::ONE;
            }
            self.optimise(&phase1, total);
            let infeasible = self
                .basis
                .iter()
                .enumerate()
                .any(|(r, &b)| b >= self.artificial_from && !self.t[r][total].is_zero());
            if infeasible {
                return LpOutcome::Infeasible;
            }
            // Drive zero-valued artificials out of the basis where possible.
            for r in 0..self.t.len() {
                if self.basis[r] >= self.artificial_from
                    && let Some(c) = (0..self.artificial_from).find(|&c| !self.t[r][c].is_zero())
                {
                    self.pivot(r, c);
                }
            }
        }
        let mut obj = vec![Rational::ZERO; total];
        obj[..lp.vars].clone_from_slice(&lp.objective);
        if !self.optimise(&obj, self.artificial_from) {
            return LpOutcome::Unbounded;
        }
        let mut x = vec![Rational::ZERO; lp.vars];
        for (r, &b) in self.basis.iter().enumerate() {
            if b < lp.vars {
                x[b] = self.t[r][total].clone();
            }
        }
        let value = Rational::sum(
            x.iter()
                .zip(&lp.objective)
                .map(|(a, b)| a * b)
                .collect::<Vec<_>>()
                .iter(),
        );
        LpOutcome::Optimal { x, value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(n: i64) -> Rational {
        Rational::from_int(n)
    }

    #[test]
    fn solves_a_textbook_program_exactly() {
        // max 3x + 2y s.t. x + y ≤ 4, x + 3y ≤ 6, x ≤ 3 → (3, 1), value 11.
        let mut lp = LinearProgram::new(2);
        lp.objective = vec![r(3), r(2)];
        lp.constrain(vec![r(1), r(1)], Relation::Le, r(4));
        lp.constrain(vec![r(1), r(3)], Relation::Le, r(6));
        lp.constrain(vec![r(1), r(0)], Relation::Le, r(3));
        assert_eq!(
            lp.solve(),
            LpOutcome::Optimal {
                x: vec![r(3), r(1)],
                value: r(11)
            }
        );
    }

    #[test]
    fn detects_infeasible_and_unbounded() {
        let mut lp = LinearProgram::new(1);
        lp.constrain(vec![r(1)], Relation::Ge, r(2));
        lp.constrain(vec![r(1)], Relation::Le, r(1));
        assert_eq!(lp.solve(), LpOutcome::Infeasible);
        let mut lp = LinearProgram::new(1);
        lp.objective = vec![r(1)];
        lp.constrain(vec![r(1)], Relation::Ge, r(2));
        assert_eq!(lp.solve(), LpOutcome::Unbounded);
    }

    #[test]
    fn handles_equalities_and_negative_rhs() {
        // max -x - y s.t. x + y = 1, x - y ≤ -1/2 → x = 1/4, y = 3/4.
        let mut lp = LinearProgram::new(2);
        lp.objective = vec![r(-1), r(-1)];
        lp.constrain(vec![r(1), r(1)], Relation::Eq, r(1));
        lp.constrain(
            vec![r(1), r(-1)],
            Relation::Le,
            Rational::new(-1, 2).unwrap(),
        );
        match lp.solve() {
            LpOutcome::Optimal { x, value } => {
                assert_eq!(value, r(-1));
                assert_eq!(&x[0] + &x[1], r(1));
                assert!(&x[0] - &x[1] <= Rational::new(-1, 2).unwrap());
            }
            other => panic!("{other:?}"),
        }
    }
}
