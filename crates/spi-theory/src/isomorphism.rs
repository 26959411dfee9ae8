//! Game isomorphism with OC's affine normalisation (Lemma 4; docs/reference/definitions.md §1.5).
//!
//! Γ ≅ Γ' when bijections Φ_i: A_i → A'_i and λ_i > 0, c_i exist with u_i(a) = λ_i·u'_i(Φ(a)) + c_i.
//! All isomorphisms between two games share (λ, c), and when player i's payoffs are non-constant they
//! are fixed by the ranges: λ_i = (max V_i − min V_i)/(max V'_i − min V'_i), c_i = min V_i − λ_i·min V'_i.
//! So we normalise first and then look for bijections that preserve payoff vectors *exactly*.
//!
//! The bijection search colours every action by iterated refinement (the multiset of payoff vectors
//! through the action together with the colours of the opponents' actions, repeated until stable,
//! jointly over both games) and then runs the shared injection solver restricted to equal colours.
//! On games with symmetric structure the colours make the first branch succeed almost always.
//!
//! # Complexity
//! Each refinement round is O(|A|·n·log|A|); at most Σ|A_i| rounds. The bijection search is
//! exponential in the worst case (graph isomorphism reduces to it), polynomial when colours are
//! discrete.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;

use spi_games::game::ProfileIter;
use spi_games::{Game, Rational};

use crate::csp::{InjectionProblem, Relation};

/// An isomorphism Γ → Γ': `maps[i][a]` is the image of player i's action a, and
/// u_i(a) = scale_i · u'_i(Φ(a)) + shift_i for every profile a.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isomorphism {
    /// Φ_i as action-index vectors.
    pub maps: Vec<Vec<usize>>,
    /// λ_i > 0.
    pub scale: Vec<Rational>,
    /// c_i.
    pub shift: Vec<Rational>,
}

/// Player i's payoff values in a game.
fn values(game: &Game, i: usize) -> impl Iterator<Item = &Rational> {
    game.outcomes().map(move |o| &o[i])
}

/// The affine maps (λ, c) that any isomorphism Γ → Γ' must use, or `None` when the payoff ranges
/// rule every isomorphism out (one game constant for a player where the other is not).
pub fn affine_normalisation(g: &Game, h: &Game) -> Option<(Vec<Rational>, Vec<Rational>)> {
    if g.num_players() != h.num_players() {
        return None;
    }
    let mut scale = Vec::new();
    let mut shift = Vec::new();
    for i in 0..g.num_players() {
        let (lo, hi) = min_max(values(g, i))?;
        let (lo2, hi2) = min_max(values(h, i))?;
        match (lo == hi, lo2 == hi2) {
            (true, true) => {
                scale.push(Rational::ONE);
                shift.push(&lo - &lo2);
            }
            (false, false) => {
                let lambda = (&hi - &lo).checked_div(&(&hi2 - &lo2))?;
                let c = &lo - &(&lambda * &lo2);
                scale.push(lambda);
                shift.push(c);
            }
            _ => return None,
        }
    }
    Some((scale, shift))
}

/// Minimum and maximum of a non-empty sequence.
pub(crate) fn min_max<'a>(
    mut it: impl Iterator<Item = &'a Rational>,
) -> Option<(Rational, Rational)> {
    let first = it.next()?.clone();
    let (mut lo, mut hi) = (first.clone(), first);
    for v in it {
        if *v < lo {
            lo = v.clone();
        }
        if *v > hi {
            hi = v.clone();
        }
    }
    Some((lo, hi))
}

/// Per-player ranks of g's payoffs and of the normalised payoffs of h, in one joint order.
fn joint_ranks(g: &Game, h: &Game, scale: &[Rational], shift: &[Rational]) -> (Vec<u32>, Vec<u32>) {
    let n = g.num_players();
    let mut gv = vec![0u32; g.num_profiles() * n];
    let mut hv = vec![0u32; h.num_profiles() * n];
    for i in 0..n {
        let hn: Vec<Rational> = values(h, i).map(|v| &(&scale[i] * v) + &shift[i]).collect();
        let mut all: Vec<&Rational> = values(g, i).chain(hn.iter()).collect();
        all.sort();
        all.dedup();
        let rank = |v: &Rational| all.binary_search(&v).map(|r| r as u32).unwrap_or(u32::MAX);
        for (k, v) in values(g, i).enumerate() {
            gv[k * n + i] = rank(v);
        }
        for (k, v) in hn.iter().enumerate() {
            hv[k * n + i] = rank(v);
        }
    }
    (gv, hv)
}

/// The refinement signature of an action: (payoff ranks, opponents' colours) of every profile
/// through it, sorted.
type Signature = Vec<(Vec<u32>, Vec<u32>)>;

/// Colour refinement over both games at once: `colours[game][player][action]`.
fn refine_colours(g: &Game, h: &Game, gv: &[u32], hv: &[u32]) -> [Vec<Vec<u32>>; 2] {
    let n = g.num_players();
    let games = [(g, gv), (h, hv)];
    let mut colours: [Vec<Vec<u32>>; 2] = [
        g.shape().iter().map(|&k| vec![0; k]).collect(),
        h.shape().iter().map(|&k| vec![0; k]).collect(),
    ];
    let mut distinct = 1usize;
    loop {
        let mut ids: HashMap<(usize, u32, Signature), u32> = HashMap::new();
        let mut next: [Vec<Vec<u32>>; 2] = [colours[0].clone(), colours[1].clone()];
        for (gi, (game, vals)) in games.iter().enumerate() {
            let mut sigs: Vec<Vec<Signature>> =
                game.shape().iter().map(|&k| vec![Vec::new(); k]).collect();
            for (k, prof) in game.profiles().enumerate() {
                let pay = vals[k * n..k * n + n].to_vec();
                for i in 0..n {
                    let others: Vec<u32> = (0..n)
                        .filter(|&j| j != i)
                        .map(|j| colours[gi][j][prof[j]])
                        .collect();
                    sigs[i][prof[i]].push((pay.clone(), others));
                }
            }
            for i in 0..n {
                for (a, mut s) in sigs[i].drain(..).enumerate() {
                    s.sort();
                    let key = (i, colours[gi][i][a], s);
                    let len = ids.len() as u32;
                    next[gi][i][a] = *ids.entry(key).or_insert(len);
                }
            }
        }
        let now = ids.len();
        colours = next;
        if now <= distinct {
            return colours;
        }
        distinct = now;
    }
}

/// Up to `limit` isomorphisms Γ → Γ' (all of them when fewer exist).
pub fn isomorphisms(g: &Game, h: &Game, limit: usize) -> Vec<Isomorphism> {
    if g.shape() != h.shape() || limit == 0 {
        return Vec::new();
    }
    let Some((scale, shift)) = affine_normalisation(g, h) else {
        return Vec::new();
    };
    let (gv, hv) = joint_ranks(g, h, &scale, &shift);
    let [cg, ch] = refine_colours(g, h, &gv, &hv);
    let n = g.num_players();
    let mut allowed: Vec<Vec<Vec<usize>>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut count: BTreeMap<u32, i64> = BTreeMap::new();
        cg[i]
            .iter()
            .for_each(|c| *count.entry(*c).or_default() += 1);
        ch[i]
            .iter()
            .for_each(|c| *count.entry(*c).or_default() -= 1);
        if count.values().any(|&d| d != 0) {
            return Vec::new();
        }
        allowed.push(
            cg[i]
                .iter()
                .map(|c| (0..ch[i].len()).filter(|&b| ch[i][b] == *c).collect())
                .collect(),
        );
    }
    let problem = InjectionProblem {
        n,
        x_shape: g.shape(),
        y_shape: h.shape(),
        x_vals: gv,
        y_vals: hv,
        rel: Relation::Equal,
    };
    let mut out = Vec::new();
    problem.solve(Some(&allowed), &mut |maps| {
        out.push(Isomorphism {
            maps: maps.to_vec(),
            scale: scale.clone(),
            shift: shift.clone(),
        });
        if out.len() >= limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    out
}

/// One isomorphism Γ → Γ', if the games are isomorphic.
pub fn find_isomorphism(g: &Game, h: &Game) -> Option<Isomorphism> {
    isomorphisms(g, h, 1).into_iter().next()
}

/// Whether `maps` (a bijection per player) preserves every payoff exactly: an automorphism
/// (by Lemma 4 a self-isomorphism always has λ = 1, c = 0).
pub fn is_automorphism(game: &Game, maps: &[Vec<usize>]) -> bool {
    let shape = game.shape();
    if maps.len() != shape.len() || maps.iter().zip(&shape).any(|(m, &k)| m.len() != k) {
        return false;
    }
    ProfileIter::new(&shape).all(|a| {
        let b: Vec<usize> = a.iter().enumerate().map(|(i, &x)| maps[i][x]).collect();
        game.payoffs(&a) == game.payoffs(&b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spi_games::examples;
    use spi_games::game::bimatrix_game;

    #[test]
    fn oc2022_lemma4_normalisation_recovers_scale_and_shift() {
        let pd = examples::prisoners_dilemma();
        // Player A's payoffs doubled and shifted by 1, columns swapped, rows swapped.
        let h = Game::from_fn(
            "h",
            pd.players().to_vec(),
            pd.action_names().to_vec(),
            |p| {
                let a = [1 - p[0], 1 - p[1]];
                let u = pd.payoffs(&a);
                vec![
                    &(&u[0] * &Rational::from_int(2)) + &Rational::ONE,
                    u[1].clone(),
                ]
            },
        )
        .unwrap();
        let iso = find_isomorphism(&pd, &h).expect("isomorphic by construction");
        assert_eq!(iso.maps, vec![vec![1, 0], vec![1, 0]]);
        assert_eq!(iso.scale[0], Rational::new(1, 2).unwrap());
        assert_eq!(iso.shift[0], Rational::new(-1, 2).unwrap());
        for a in pd.profiles() {
            let b: Vec<usize> = (0..2).map(|i| iso.maps[i][a[i]]).collect();
            for i in 0..2 {
                assert_eq!(
                    pd.payoff(&a, i),
                    &(&(&iso.scale[i] * h.payoff(&b, i)) + &iso.shift[i])
                );
            }
        }
    }

    #[test]
    fn non_isomorphic_games_are_told_apart() {
        let pd = examples::prisoners_dilemma();
        let chicken = examples::chicken();
        assert!(find_isomorphism(&pd, &chicken).is_none());
    }

    #[test]
    fn symmetric_game_has_all_permutation_automorphisms() {
        // A constant 5x5 game: every pair of permutations is an automorphism (120^2); ask for 1000.
        let names: Vec<&str> = vec!["a", "b", "c", "d", "e"];
        let row = [(1, 1); 5];
        let rows: Vec<&[(i64, i64)]> = vec![&row; 5];
        let g = bimatrix_game("flat", &names, &names, &rows);
        assert_eq!(isomorphisms(&g, &g, 1000).len(), 1000);
    }
}
