//! Nash equilibria: pure (n players), all extreme mixed equilibria and Lemke–Howson (two players).
//!
//! Every mixed equilibrium returned has been re-checked exactly by [`verify`]: no player has a
//! profitable pure deviation against the others' mixed strategies.

pub mod extreme;
pub mod lemke_howson;
pub mod reverse_search;
pub mod subsets;
pub mod tableau;
pub mod vertex_enum;
pub mod wide;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::game::{Game, Matrix, Profile, ProfileIter};
use crate::number::Rational;
use tableau::Overflow;

/// A mixed-strategy profile with its expected payoffs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MixedEquilibrium {
    /// One probability vector per player, over all of that player's actions.
    pub strategies: Vec<Vec<Rational>>,
    /// Expected payoff of each player.
    pub payoffs: Vec<Rational>,
}

/// Why equilibria could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EquilibriumError {
    /// The method needs exactly two players.
    #[error("this method needs a two-player game; this one has {0} players (use --method pure)")]
    NotTwoPlayer(usize),
    /// Vertex enumeration is limited to games whose polytopes fit the label masks.
    #[error(
        "vertex enumeration supports up to 128 actions per polytope side; use --method lemke-howson"
    )]
    TooLarge,
    /// The exact enumeration would need more memory than allowed.
    #[error(
        "all-equilibria enumeration stopped before exhausting memory: its working set passed {} MiB (raise it with --max-memory MIB, or find one equilibrium with --method lemke-howson)",
        limit_mib
    )]
    MemoryBudget {
        /// The budget that was reached, in MiB.
        limit_mib: usize,
    },
    /// A label outside 0..m+n was asked for.
    #[error("label {label} is out of range: there are {total} actions in all")]
    BadLabel {
        /// The label asked for.
        label: usize,
        /// m + n.
        total: usize,
    },
}

/// All pure-strategy Nash equilibria of an n-player game.
///
/// # Complexity
/// O(|A| · Σ_i |A_i| · n) payoff look-ups.
pub fn pure_nash(game: &Game) -> Vec<Profile> {
    let n = game.num_players();
    game.profiles()
        .filter(|p| {
            (0..n).all(|i| {
                let here = game.payoff(p, i);
                let mut q = p.clone();
                (0..game.num_actions(i)).all(|a| {
                    q[i] = a;
                    game.payoff(&q, i) <= here
                })
            })
        })
        .collect()
}

/// The expected payoff of every pure action of `player` against the others' mixed strategies.
pub fn action_values(game: &Game, strategies: &[Vec<Rational>], player: usize) -> Vec<Rational> {
    let n = game.num_players();
    let others: Vec<usize> = (0..n).filter(|&j| j != player).collect();
    // Only the support of the others matters; skipping zeros keeps n-player checks cheap.
    let supports: Vec<Vec<usize>> = others
        .iter()
        .map(|&j| {
            (0..game.num_actions(j))
                .filter(|&a| !strategies[j][a].is_zero())
                .collect()
        })
        .collect();
    let shape: Vec<usize> = supports.iter().map(Vec::len).collect();
    let mut values = vec![Rational::ZERO; game.num_actions(player)];
    let mut profile = vec![0usize; n];
    for sub in ProfileIter::new(&shape) {
        let mut prob = Rational::ONE;
        for (k, &j) in others.iter().enumerate() {
            let a = supports[k][sub[k]];
            profile[j] = a;
            prob = &prob * &strategies[j][a];
        }
        for (a, v) in values.iter_mut().enumerate() {
            profile[player] = a;
            *v = &*v + &(&prob * game.payoff(&profile, player));
        }
    }
    values
}

/// Expected payoffs of a mixed profile.
pub fn expected_payoffs(game: &Game, strategies: &[Vec<Rational>]) -> Vec<Rational> {
    (0..game.num_players())
        .map(|i| {
            let vals = action_values(game, strategies, i);
            Rational::sum(
                vals.iter()
                    .zip(&strategies[i])
                    .map(|(v, p)| v * p)
                    .collect::<Vec<_>>()
                    .iter(),
            )
        })
        .collect()
}

/// Why a mixed profile is not a Nash equilibrium.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotEquilibrium {
    /// A strategy is not a probability vector.
    NotADistribution {
        /// The player.
        player: usize,
    },
    /// A player gains by a pure deviation.
    ProfitableDeviation {
        /// The player.
        player: usize,
        /// The better action.
        action: usize,
        /// How much it gains over the equilibrium payoff.
        gain: Rational,
    },
}

/// Checks exactly that `strategies` is a Nash equilibrium (no profitable pure deviation).
pub fn verify(game: &Game, strategies: &[Vec<Rational>]) -> Result<(), NotEquilibrium> {
    for (i, s) in strategies.iter().enumerate() {
        if s.len() != game.num_actions(i)
            || s.iter().any(Rational::is_negative)
            || Rational::sum(s) != Rational::ONE
        {
            return Err(NotEquilibrium::NotADistribution { player: i });
        }
    }
    for i in 0..game.num_players() {
        let vals = action_values(game, strategies, i);
        let value = Rational::sum(
            vals.iter()
                .zip(&strategies[i])
                .map(|(v, p)| v * p)
                .collect::<Vec<_>>()
                .iter(),
        );
        for (a, v) in vals.iter().enumerate() {
            if *v > value {
                return Err(NotEquilibrium::ProfitableDeviation {
                    player: i,
                    action: a,
                    gain: v - &value,
                });
            }
        }
    }
    Ok(())
}

/// The bimatrix of a two-player game as positive integers: each player's payoffs scaled by the lcm of
/// their denominators and shifted so the minimum is 1 (a positive affine map: equilibria unchanged).
pub fn positive_integer_bimatrix(
    game: &Game,
) -> Result<(Matrix<BigInt>, Matrix<BigInt>), EquilibriumError> {
    let (a, b) = game
        .bimatrix()
        .ok_or(EquilibriumError::NotTwoPlayer(game.num_players()))?;
    Ok((positive_integers(&a), positive_integers(&b)))
}

fn positive_integers(m: &[Vec<Rational>]) -> Vec<Vec<BigInt>> {
    let lcm = m
        .iter()
        .flatten()
        .fold(BigInt::one(), |l, x| l.lcm(&x.denom()));
    let scaled: Vec<Vec<BigInt>> = m
        .iter()
        .map(|row| row.iter().map(|x| x.numer() * (&lcm / x.denom())).collect())
        .collect();
    let min = scaled
        .iter()
        .flatten()
        .min()
        .cloned()
        .unwrap_or_else(BigInt::zero);
    let shift = BigInt::one() - min;
    scaled
        .into_iter()
        .map(|row| row.into_iter().map(|x| x + &shift).collect())
        .collect()
}

fn normalise(coords: &[BigInt]) -> Vec<Rational> {
    let total: BigInt = coords.iter().sum();
    coords
        .iter()
        .map(|c| Rational::from_bigints(c.clone(), total.clone()).unwrap_or(Rational::ZERO))
        .collect()
}

fn with_bigint_fallback<R>(
    fast: impl FnOnce() -> Result<R, Overflow>,
    exact: impl FnOnce() -> Result<R, Overflow>,
) -> R {
    match fast() {
        Ok(r) => r,
        Err(Overflow) => {
            exact().unwrap_or_else(|_| unreachable!("BigInt arithmetic cannot overflow"))
        }
    }
}

/// All extreme Nash equilibria of a two-player game, exactly, in a canonical order.
///
/// In a nondegenerate game these are all its equilibria; in a degenerate game every equilibrium is a
/// convex combination of extreme equilibria within a maximal Nash subset.
pub fn enumerate(game: &Game) -> Result<Vec<MixedEquilibrium>, EquilibriumError> {
    enumerate_within(game, DEFAULT_ENUMERATION_MIB)
}

/// The working-memory budget of [`enumerate`]. The reverse search itself needs a few MiB whatever
/// the game's size; what can grow is the set of equilibria found (exponential in degenerate games:
/// a k×k coordination game has 2ᵏ − 1 extreme equilibria), so this is a cap on that set.
pub const DEFAULT_ENUMERATION_MIB: usize = 2048;

/// Beyond this many actions in all (m + n), the number of vertices makes an exhaustive enumeration
/// hopeless; the error points to Lemke–Howson instead of running for ever.
pub const MAX_ENUMERATION_ACTIONS: usize = 128;

/// As [`enumerate`], stopping with [`EquilibriumError::MemoryBudget`] once the equilibria found
/// and the search's saved dictionaries would pass `max_mib` MiB.
pub fn enumerate_within(
    game: &Game,
    max_mib: usize,
) -> Result<Vec<MixedEquilibrium>, EquilibriumError> {
    enumerate_reporting(game, max_mib, &mut |_| {})
}

/// As [`enumerate_within`], calling `on_found` with each equilibrium as the search first finds
/// it, in search order (the returned list is in canonical order). An equilibrium is reported
/// once, even when the 128-bit search overflows and the exact one starts again.
pub fn enumerate_reporting(
    game: &Game,
    max_mib: usize,
    on_found: &mut dyn FnMut(&MixedEquilibrium),
) -> Result<Vec<MixedEquilibrium>, EquilibriumError> {
    let (a, b) = positive_integer_bimatrix(game)?;
    if a.len() + a[0].len() > MAX_ENUMERATION_ACTIONS {
        return Err(EquilibriumError::TooLarge);
    }
    let max_bytes = max_mib.saturating_mul(1 << 20);
    let saved = reverse_search::SavedLevels::DEFAULT;
    let mut reported = std::collections::BTreeSet::new();
    let mut report = |x: &[BigInt], y: &[BigInt]| {
        if reported.insert((x.to_vec(), y.to_vec())) {
            on_found(&mixed_equilibrium(game, x, y));
        }
    };
    // with_bigint_fallback's two closures cannot share the one `&mut report`: spelled out.
    let found = match extreme::extreme_equilibria::<i128>(&a, &b, max_bytes, saved, &mut report) {
        Ok(r) => r,
        Err(Overflow) => {
            extreme::extreme_equilibria::<BigInt>(&a, &b, max_bytes, saved, &mut report)
                .unwrap_or_else(|_| unreachable!("BigInt arithmetic cannot overflow"))
        }
    }
    .map_err(|extreme::Limit::Memory(_)| EquilibriumError::MemoryBudget { limit_mib: max_mib })?;
    Ok(to_mixed_equilibria(game, found))
}

/// One integer (x, y) pair as a mixed equilibrium with its payoffs.
fn mixed_equilibrium(game: &Game, x: &[BigInt], y: &[BigInt]) -> MixedEquilibrium {
    let strategies = vec![normalise(x), normalise(y)];
    let payoffs = bimatrix_payoffs(game, &strategies);
    MixedEquilibrium {
        strategies,
        payoffs,
    }
}

/// Normalises integer (x, y) pairs into mixed equilibria with their payoffs, sorted.
fn to_mixed_equilibria(
    game: &Game,
    pairs: impl IntoIterator<Item = (Vec<BigInt>, Vec<BigInt>)>,
) -> Vec<MixedEquilibrium> {
    let mut out: Vec<MixedEquilibrium> = pairs
        .into_iter()
        .map(|(x, y)| mixed_equilibrium(game, &x, &y))
        .collect();
    out.sort();
    out.dedup();
    debug_assert!(out.iter().all(|e| verify(game, &e.strategies).is_ok()));
    out
}

/// [`positive_integer_bimatrix`], after checking that `label` names one of the m + n actions.
fn labelled_bimatrix(
    game: &Game,
    label: usize,
) -> Result<(Matrix<BigInt>, Matrix<BigInt>), EquilibriumError> {
    let (a, b) = positive_integer_bimatrix(game)?;
    let total = a.len() + a[0].len();
    if label >= total {
        return Err(EquilibriumError::BadLabel { label, total });
    }
    Ok((a, b))
}

/// One Nash equilibrium of a two-player game by exact Lemke–Howson, dropping `label` (0..m are player
/// 1's actions, m..m+n player 2's). Returns the equilibrium and the number of pivots.
pub fn lemke_howson(
    game: &Game,
    label: usize,
) -> Result<(MixedEquilibrium, usize), EquilibriumError> {
    let (a, b) = labelled_bimatrix(game, label)?;
    if a.len() * a[0].len() >= FLOAT_GUIDED_MIN_CELLS
        && let Some(fb) = lemke_howson::float_path(
            &to_unit_f64(&a),
            &to_unit_f64(&b),
            label,
            FLOAT_GUIDED_MAX_PIVOTS,
        )
        && let Some(e) = equilibrium_from_bases(game, &a, &b, &fb)
    {
        return Ok((e, fb.pivots));
    }
    exact_path(game, &a, &b, label)
}

/// One Nash equilibrium by Lemke–Howson from whichever dropped label reaches it soonest.
///
/// The path length depends enormously on the label: on random 200×200 games one label can take
/// hundreds of thousands of pivots while others take a few hundred. Any label's endpoint is an
/// equilibrium, so we try labels with a growing pivot budget (player 1's and player 2's actions
/// alternately, 8 labels per round, the budget ×10 per round) and finish with the exact path.
/// Returns the equilibrium, the pivots of the successful path and its label.
pub fn lemke_howson_any(game: &Game) -> Result<(MixedEquilibrium, usize, usize), EquilibriumError> {
    let (a, b) = positive_integer_bimatrix(game)?;
    let (m, n) = (a.len(), a[0].len());
    let mut labels = Vec::new();
    for k in 0..m.max(n) {
        if k < m {
            labels.push(k);
        }
        if k < n {
            labels.push(m + k);
        }
    }
    labels.truncate(8);
    if m * n >= FLOAT_GUIDED_MIN_CELLS {
        let af = to_unit_f64(&a);
        let bf = to_unit_f64(&b);
        let mut budget = 2_000;
        while budget <= FLOAT_GUIDED_MAX_PIVOTS {
            for &label in &labels {
                if let Some(fb) = lemke_howson::float_path(&af, &bf, label, budget)
                    && let Some(e) = equilibrium_from_bases(game, &a, &b, &fb)
                {
                    return Ok((e, fb.pivots, label));
                }
            }
            budget *= 10;
        }
    }
    let (e, pivots) = exact_path(game, &a, &b, labels[0])?;
    Ok((e, pivots, labels[0]))
}

fn to_unit_f64(mat: &[Vec<BigInt>]) -> Vec<Vec<f64>> {
    let max = mat
        .iter()
        .flatten()
        .max()
        .and_then(|x| x.to_f64())
        .unwrap_or(1.0);
    mat.iter()
        .map(|row| {
            row.iter()
                .map(|x| x.to_f64().unwrap_or(f64::MAX) / max)
                .collect()
        })
        .collect()
}

/// Lemke–Howson with exact pivoting all the way (no floating-point guide), for cross-checks.
pub fn lemke_howson_exact(
    game: &Game,
    label: usize,
) -> Result<(MixedEquilibrium, usize), EquilibriumError> {
    let (a, b) = labelled_bimatrix(game, label)?;
    exact_path(game, &a, &b, label)
}

fn exact_path(
    game: &Game,
    a: &[Vec<BigInt>],
    b: &[Vec<BigInt>],
    label: usize,
) -> Result<(MixedEquilibrium, usize), EquilibriumError> {
    let r = with_bigint_fallback(
        || lemke_howson::lemke_howson_path::<i128>(a, b, label),
        || lemke_howson::lemke_howson_path::<BigInt>(a, b, label),
    );
    let strategies = vec![normalise(&r.x), normalise(&r.y)];
    let payoffs = expected_payoffs(game, &strategies);
    Ok((
        MixedEquilibrium {
            strategies,
            payoffs,
        },
        r.pivots,
    ))
}

/// From this many payoff cells on, Lemke–Howson first follows its path in floating point (dense exact
/// pivots on a 200×200 tableau cost seconds once entries leave `i128`) and then re-derives the
/// equilibrium exactly from the final bases; if that exact check fails, the exact path runs instead.
pub const FLOAT_GUIDED_MIN_CELLS: usize = 400;
const FLOAT_GUIDED_MAX_PIVOTS: usize = 1_000_000;

/// Solves `m z = 1` by fraction-free Gauss–Jordan elimination (Bareiss): returns the numerators and
/// their common positive denominator, or `None` if `m` is singular. Integers only: no gcd per step,
/// which is what makes re-deriving a 27-action support of a 10⁹-payoff game take milliseconds.
fn solve_ones_int(mut m: Vec<Vec<BigInt>>) -> Option<(Vec<BigInt>, BigInt)> {
    let k = m.len();
    for row in &mut m {
        row.push(BigInt::one());
    }
    let mut prev = BigInt::one();
    for c in 0..k {
        let p = (c..k).find(|&r| !m[r][c].is_zero())?;
        m.swap(c, p);
        let pivot_row = m[c].clone();
        for (i, row) in m.iter_mut().enumerate() {
            if i == c {
                continue;
            }
            let f = row[c].clone();
            for j in 0..=k {
                row[j] = (&row[j] * &pivot_row[c] - &f * &pivot_row[j]) / &prev;
            }
        }
        prev = pivot_row[c].clone();
    }
    // Every diagonal entry now equals the determinant (up to the row swaps' common sign).
    let mut det = m[0][0].clone();
    let mut z: Vec<BigInt> = m.iter().map(|row| row[k].clone()).collect();
    if det.is_negative() {
        det = -det;
        z.iter_mut().for_each(|v| *v = -v.clone());
    }
    Some((z, det))
}

/// The basic solution of {z ≥ 0 : M z ≤ 1} whose basic structural variables are `support` and whose
/// tight rows are `tight_rows`, as numerators over a common denominator, checked feasible.
fn basic_solution(
    mat: &[Vec<BigInt>],
    support: &[usize],
    tight_rows: &[usize],
) -> Option<Vec<BigInt>> {
    if support.len() != tight_rows.len() || support.is_empty() {
        return None;
    }
    let sys: Vec<Vec<BigInt>> = tight_rows
        .iter()
        .map(|&r| support.iter().map(|&c| mat[r][c].clone()).collect())
        .collect();
    let (zs, det) = solve_ones_int(sys)?;
    let mut z = vec![BigInt::zero(); mat[0].len()];
    for (&c, v) in support.iter().zip(zs) {
        if v.is_negative() {
            return None;
        }
        z[c] = v;
    }
    for row in mat {
        let lhs: BigInt = support.iter().map(|&c| &row[c] * &z[c]).sum();
        if lhs > det {
            return None;
        }
    }
    Some(z)
}

/// Whether unnormalised (x, y) is a Nash equilibrium of the positive integer bimatrix (A, B): every
/// action in a support attains the best value against the other's strategy. Integers only.
fn is_equilibrium_int(a: &[Vec<BigInt>], b: &[Vec<BigInt>], x: &[BigInt], y: &[BigInt]) -> bool {
    let (m, n) = (a.len(), a[0].len());
    let sy: Vec<usize> = (0..n).filter(|&j| !y[j].is_zero()).collect();
    let sx: Vec<usize> = (0..m).filter(|&i| !x[i].is_zero()).collect();
    let v1: Vec<BigInt> = (0..m)
        .map(|i| sy.iter().map(|&j| &a[i][j] * &y[j]).sum())
        .collect();
    let v2: Vec<BigInt> = (0..n)
        .map(|j| sx.iter().map(|&i| &b[i][j] * &x[i]).sum())
        .collect();
    let (Some(best1), Some(best2)) = (v1.iter().max(), v2.iter().max()) else {
        return false;
    };
    sx.iter().all(|&i| v1[i] == *best1) && sy.iter().all(|&j| v2[j] == *best2)
}

/// Re-derives the equilibrium exactly from the final bases of a floating-point path and verifies it.
fn equilibrium_from_bases(
    game: &Game,
    a: &[Vec<BigInt>],
    b: &[Vec<BigInt>],
    fb: &lemke_howson::FinalBases,
) -> Option<MixedEquilibrium> {
    let (m, n) = (a.len(), a[0].len());
    let bt: Vec<Vec<BigInt>> = (0..n)
        .map(|j| (0..m).map(|i| b[i][j].clone()).collect())
        .collect();
    let mut sx: Vec<usize> = fb.p_basis.iter().copied().filter(|&v| v < m).collect();
    sx.sort_unstable();
    let tx: Vec<usize> = (0..n).filter(|j| !fb.p_basis.contains(&(m + j))).collect();
    let mut sy: Vec<usize> = fb.q_basis.iter().copied().filter(|&v| v < n).collect();
    sy.sort_unstable();
    let ty: Vec<usize> = (0..m).filter(|i| !fb.q_basis.contains(&(n + i))).collect();
    let x = basic_solution(&bt, &sx, &tx)?;
    let y = basic_solution(a, &sy, &ty)?;
    if !is_equilibrium_int(a, b, &x, &y) {
        return None;
    }
    let strategies = vec![normalise(&x), normalise(&y)];
    let payoffs = bimatrix_payoffs(game, &strategies);
    Some(MixedEquilibrium {
        strategies,
        payoffs,
    })
}

/// Expected payoffs of a two-player mixed profile, summing only over the supports.
fn bimatrix_payoffs(game: &Game, s: &[Vec<Rational>]) -> Vec<Rational> {
    let sx: Vec<usize> = (0..s[0].len()).filter(|&i| !s[0][i].is_zero()).collect();
    let sy: Vec<usize> = (0..s[1].len()).filter(|&j| !s[1][j].is_zero()).collect();
    (0..2)
        .map(|p| {
            let mut total = Rational::ZERO;
            for &i in &sx {
                let row = Rational::sum(
                    sy.iter()
                        .map(|&j| &s[1][j] * game.payoff(&[i, j], p))
                        .collect::<Vec<_>>()
                        .iter(),
                );
                total = &total + &(&s[0][i] * &row);
            }
            total
        })
        .collect()
}

/// The pure equilibria as mixed profiles (point masses), for uniform output.
pub fn pure_as_mixed(game: &Game) -> Vec<MixedEquilibrium> {
    pure_nash(game)
        .into_iter()
        .map(|p| {
            let strategies = (0..game.num_players())
                .map(|i| {
                    (0..game.num_actions(i))
                        .map(|a| {
                            if a == p[i] {
                                Rational::ONE
                            } else {
                                Rational::ZERO
                            }
                        })
                        .collect()
                })
                .collect();
            MixedEquilibrium {
                strategies,
                payoffs: game.payoffs(&p).to_vec(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;

    fn probs(e: &MixedEquilibrium) -> Vec<Vec<String>> {
        e.strategies
            .iter()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .collect()
    }

    #[test]
    fn oc2022_demand_game_reduced_mixed_equilibrium() {
        let g = examples::demand_game();
        let r = crate::dominance::iesds(&g).reduced_game(&g);
        let eqs = enumerate(&r).unwrap();
        let sym: Vec<_> = eqs
            .iter()
            .filter(|e| e.strategies[0] == e.strategies[1])
            .collect();
        assert_eq!(sym.len(), 1);
        assert_eq!(probs(sym[0]), vec![vec!["1/4", "3/4"], vec!["1/4", "3/4"]]);
        assert_eq!(sym[0].payoffs, vec![Rational::new(3, 4).unwrap(); 2]);
        assert_eq!(
            eqs.len(),
            3,
            "two pure asymmetric equilibria and the mixed one"
        );
    }

    #[test]
    fn degenerate_game_reports_extreme_points() {
        // Row 2 ties against column 1: the equilibria form a segment with two extreme points.
        let g = crate::game::bimatrix_game(
            "d",
            &["T", "B"],
            &["L", "R"],
            &[&[(1, 1), (0, 0)], &[(1, 1), (1, 0)]],
        );
        let eqs = enumerate(&g).unwrap();
        for e in &eqs {
            verify(&g, &e.strategies).unwrap();
        }
        let got: Vec<_> = eqs.iter().map(probs).collect();
        assert!(got.contains(&vec![
            vec!["1".into(), "0".into()],
            vec!["1".into(), "0".into()]
        ]));
        assert!(got.contains(&vec![
            vec!["0".into(), "1".into()],
            vec!["1".into(), "0".into()]
        ]));
    }

    #[test]
    fn lemke_howson_finds_the_unique_equilibrium_of_matching_pennies() {
        let g = examples::matching_pennies();
        for label in 0..4 {
            let (e, _) = lemke_howson(&g, label).unwrap();
            assert_eq!(probs(&e), vec![vec!["1/2", "1/2"], vec!["1/2", "1/2"]]);
        }
    }
}
