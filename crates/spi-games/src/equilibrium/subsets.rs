//! Maximal Nash subsets of a two-player game's extreme equilibria (Gambit's "cliques").
//!
//! Two extreme equilibria (x, y) and (x', y') are interchangeable when (x, y') and (x', y) are
//! equilibria too. In a degenerate game the equilibria form finitely many maximal Nash subsets, each
//! the product of the convex hulls of an X and a Y with every (x, y) in X × Y an extreme
//! equilibrium: the maximal bicliques of the bipartite graph whose edges are the extreme equilibria.
//! Every equilibrium of the game is a convex combination inside some subset.
//!
//! The bicliques are the closed pairs (X, Y) with Y = N(X) and X = N(Y). Each Y is an intersection
//! of neighbourhoods N(x), so closing every such intersection, starting from single strategies,
//! finds them all; the count can grow exponentially with degeneracy, never with the game's size
//! alone.

use std::collections::BTreeSet;

use super::MixedEquilibrium;
use crate::number::Rational;

/// One maximal Nash subset: indices into the equilibrium list it was computed from, in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NashSubset {
    /// The equilibria (x, y) with x ∈ X and y ∈ Y.
    pub equilibria: Vec<usize>,
}

/// The maximal Nash subsets of `eqs`, the extreme equilibria of one two-player game (as
/// [`super::enumerate`] returns them), in order of their first equilibrium.
pub fn maximal_nash_subsets(eqs: &[MixedEquilibrium]) -> Vec<NashSubset> {
    let mut xs: Vec<&[Rational]> = Vec::new();
    let mut ys: Vec<&[Rational]> = Vec::new();
    fn index<'e>(v: &mut Vec<&'e [Rational]>, s: &'e [Rational]) -> usize {
        match v.iter().position(|t| *t == s) {
            Some(k) => k,
            None => {
                v.push(s);
                v.len() - 1
            }
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::with_capacity(eqs.len());
    for e in eqs {
        let x = index(&mut xs, &e.strategies[0]);
        let y = index(&mut ys, &e.strategies[1]);
        edges.push((x, y));
    }
    let n_y =
        |x: usize| -> BTreeSet<usize> { edges.iter().filter(|e| e.0 == x).map(|e| e.1).collect() };
    let n_x = |ys_: &BTreeSet<usize>| -> BTreeSet<usize> {
        (0..xs.len())
            .filter(|&x| ys_.iter().all(|y| edges.contains(&(x, *y))))
            .collect()
    };
    let mut found: BTreeSet<(BTreeSet<usize>, BTreeSet<usize>)> = BTreeSet::new();
    let mut frontier: Vec<BTreeSet<usize>> = (0..xs.len()).map(n_y).collect();
    while let Some(y) = frontier.pop() {
        if y.is_empty() {
            continue;
        }
        let x = n_x(&y);
        if !found.insert((x.clone(), y.clone())) {
            continue;
        }
        for other in 0..xs.len() {
            if !x.contains(&other) {
                let meet: BTreeSet<usize> = y.intersection(&n_y(other)).copied().collect();
                frontier.push(meet);
            }
        }
    }
    let mut out: Vec<NashSubset> = found
        .into_iter()
        .map(|(x, y)| NashSubset {
            equilibria: edges
                .iter()
                .enumerate()
                .filter(|(_, e)| x.contains(&e.0) && y.contains(&e.1))
                .map(|(k, _)| k)
                .collect(),
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::equilibrium::enumerate;
    use crate::game::bimatrix_game;

    #[test]
    fn a_nondegenerate_game_has_one_subset_per_equilibrium() {
        let g = crate::examples::demand_game();
        let eqs = enumerate(&g).unwrap();
        let subsets = maximal_nash_subsets(&eqs);
        assert_eq!(subsets.len(), eqs.len());
        assert!(subsets.iter().all(|s| s.equilibria.len() == 1));
    }

    #[test]
    fn a_degenerate_game_joins_interchangeable_equilibria() {
        // The row player is indifferent between T and B whenever the column player plays L; the
        // column player is indifferent everywhere: (T,L) and (B,L) are interchangeable with each
        // other and with the mixed ones on the same segment.
        let g = bimatrix_game(
            "flat",
            &["T", "B"],
            &["L", "R"],
            &[&[(1, 0), (1, 0)], &[(1, 0), (0, 0)]],
        );
        let eqs = enumerate(&g).unwrap();
        let subsets = maximal_nash_subsets(&eqs);
        // Every extreme equilibrium is in some subset, and subsets are maximal (none contains
        // another).
        let all: BTreeSet<usize> = subsets.iter().flat_map(|s| s.equilibria.clone()).collect();
        assert_eq!(all.len(), eqs.len());
        for a in &subsets {
            for b in &subsets {
                if a != b {
                    assert!(
                        !a.equilibria.iter().all(|k| b.equilibria.contains(k)),
                        "{subsets:?}"
                    );
                }
            }
        }
        assert!(
            subsets.iter().any(|s| s.equilibria.len() > 1),
            "{eqs:?} {subsets:?}"
        );
    }
}
