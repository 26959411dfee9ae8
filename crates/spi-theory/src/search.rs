//! SPI search (OC Sec. 4): omnilateral and unilateral, weak and strict, first or all.
//!
//! Γ is reduced by IESDS to Γ' = (A', u); an SPI witness is a tuple of injections Φ_i: A'_i → A_i
//! with u(Φ(a)) ⪰ u(a) for every a ∈ A' (judged with the original u). The substitute game then
//! restricts the representatives to Φ(A') and gives them Γ's reduced payoffs there. A witness is
//! non-trivial when the action map is not the identity (docs/reference/definitions.md §2.4; the
//! printed paper's "reductions not equal" clause is vacuous and is not used). Strict: some reduced
//! profile strictly improves for some player. Unilateral for player i: players j ≠ i keep A_j and
//! u_j, so u_j must be an affine image (λ_j > 0) of u_j ∘ Φ on A', and the substitute must itself
//! reduce by IESDS to Φ(A').
//!
//! The fast search is the shared injection solver ([`crate::csp`]) over payoff ranks, with these
//! prunings: support and arc-consistency filtering of each reduced action's candidate images,
//! forward checking with an early Pareto test of every profile that becomes fully assigned, a
//! pigeonhole test for injectivity, smallest-domain-first ordering, and the observation that when
//! every Φ_i is a bijection the sums of payoffs force equality (only automorphisms qualify).
//! Strictness, non-triviality and the unilateral conditions are tested at the leaves.
//!
//! [`naive_search`] is the deliberately naive reference: it enumerates every injection tuple and
//! tests it with exact rationals, sharing no code with the fast search; unilateral candidates go
//! through the independent verifier.
//!
//! # Complexity
//! Deciding existence is NP-complete (OC, by reduction from subgraph isomorphism); the naive search
//! is Θ(Π_i |A_i|!/(|A_i|−|A'_i|)!) candidates. See [`crate::csp`] for the fast search.

use std::ops::ControlFlow;

use spi_games::dominance::{Reduction, iesds, strictly_dominates};
use spi_games::game::ProfileIter;
use spi_games::{Game, Rational};

use crate::certificate::{Improvement, SpiClaim, verify};
use crate::csp::{InjectionProblem, Relation};
use crate::error::TheoryError;

pub use crate::kind::{PlayerId, SpiKind};

/// What to search for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiQuery {
    /// Omnilateral or unilateral for a player.
    pub kind: SpiKind,
    /// Require a strict improvement for some player on some reduced profile.
    pub strict: bool,
    /// Enumerate all non-trivial SPIs (up to relabelling) instead of stopping at the first.
    pub all: bool,
    /// Stop after this many raw witnesses (only matters with `all`).
    pub limit: usize,
}

impl SpiQuery {
    /// The first non-trivial omnilateral SPI, weak.
    pub fn omnilateral() -> SpiQuery {
        SpiQuery {
            kind: SpiKind::Omnilateral,
            strict: false,
            all: false,
            limit: 100_000,
        }
    }
}

/// An action map: `images[i][k]` is the action of Γ (index) that the k-th IESDS survivor of player i
/// is mapped to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionMap {
    /// Φ_i as image indices, in the order of `Reduction::surviving[i]`.
    pub images: Vec<Vec<usize>>,
}

impl ActionMap {
    /// Whether Φ is the identity on the reduced game.
    pub fn is_identity(&self, reduction: &Reduction) -> bool {
        self.images
            .iter()
            .zip(&reduction.surviving)
            .all(|(im, s)| im == s)
    }

    /// The image Φ(a) (in Γ) of a reduced profile given by positions into the survivor lists.
    pub fn apply(&self, reduced: &[usize]) -> Vec<usize> {
        reduced
            .iter()
            .enumerate()
            .map(|(i, &k)| self.images[i][k])
            .collect()
    }
}

/// The answer of a search.
#[derive(Debug, Clone)]
pub struct SpiSearch {
    /// IESDS on Γ: the reduced game Γ' the witnesses start from.
    pub reduction: Reduction,
    /// Non-trivial witnesses found (one unless `all`; up to relabelling when `all`).
    pub witnesses: Vec<ActionMap>,
    /// Every witness the solver accepted, before removing relabellings (in search order).
    pub raw: Vec<ActionMap>,
    /// Assignments tried by the solver.
    pub nodes: u64,
    /// Whether the search stopped at `limit`.
    pub truncated: bool,
}

/// The reduced profile (as game action indices) at positions `k` into the survivor lists.
fn lift(reduction: &Reduction, k: &[usize]) -> Vec<usize> {
    k.iter()
        .enumerate()
        .map(|(i, &x)| reduction.surviving[i][x])
        .collect()
}

fn reduced_shape(reduction: &Reduction) -> Vec<usize> {
    reduction.surviving.iter().map(Vec::len).collect()
}

/// Per-player payoff ranks of every profile of `game` (`ranks[p * n + i]`): order-preserving, so
/// Pareto comparisons on ranks equal Pareto comparisons on the exact values.
fn rank_table(game: &Game) -> Vec<u32> {
    let n = game.num_players();
    let mut out = vec![0u32; game.num_profiles() * n];
    for i in 0..n {
        let mut vals: Vec<&Rational> = game.outcomes().map(|o| &o[i]).collect();
        vals.sort();
        vals.dedup();
        for (k, o) in game.outcomes().enumerate() {
            out[k * n + i] = vals.binary_search(&&o[i]).map(|r| r as u32).unwrap_or(0);
        }
    }
    out
}

fn check_player(game: &Game, kind: SpiKind) -> Result<(), TheoryError> {
    if let SpiKind::Unilateral(PlayerId(i)) = kind
        && i >= game.num_players()
    {
        return Err(TheoryError::NoSuchPlayer {
            player: format!("#{i}"),
            available: game.players().join(", "),
        });
    }
    Ok(())
}

/// Whether some reduced profile strictly improves for some player under Φ.
pub fn is_strict(game: &Game, reduction: &Reduction, map: &ActionMap) -> bool {
    ProfileIter::new(&reduced_shape(reduction)).any(|k| {
        let (a, b) = (lift(reduction, &k), map.apply(&k));
        game.payoffs(&b)
            .iter()
            .zip(game.payoffs(&a))
            .any(|(x, y)| x > y)
    })
}

/// The unilateral conditions for player `i` (docs/reference/definitions.md §2.5): for j ≠ i, u_j on
/// A' is an affine image (λ_j > 0) of u_j ∘ Φ, and IESDS on the substitute (player i restricted to
/// Φ_i(A'_i), the others keeping everything) removes exactly the others' actions outside Φ_j(A'_j).
///
/// Player i's substitute utility is constant off Φ(A'), so i's own actions cannot be eliminated
/// while another player still has an action outside the image; hence only the others' eliminations,
/// which depend on u_j alone, need to be run.
pub fn unilateral_conditions_hold(
    game: &Game,
    reduction: &Reduction,
    i: usize,
    map: &ActionMap,
) -> bool {
    let n = game.num_players();
    let shape = reduced_shape(reduction);
    for j in (0..n).filter(|&j| j != i) {
        let pairs: Vec<(Rational, Rational)> = ProfileIter::new(&shape)
            .map(|k| {
                (
                    game.payoff(&lift(reduction, &k), j).clone(),
                    game.payoff(&map.apply(&k), j).clone(),
                )
            })
            .collect();
        if !affine_positive(&pairs) {
            return false;
        }
    }
    let mut alive: Vec<Vec<usize>> = (0..n)
        .map(|j| {
            if j == i {
                map.images[i].clone()
            } else {
                (0..game.num_actions(j)).collect()
            }
        })
        .collect();
    loop {
        let mut removed = Vec::new();
        for j in (0..n).filter(|&j| j != i) {
            for &a in &alive[j] {
                if alive[j]
                    .iter()
                    .any(|&b| b != a && strictly_dominates(game, &alive, j, b, a))
                {
                    removed.push((j, a));
                }
            }
        }
        if removed.is_empty() {
            break;
        }
        for (j, a) in removed {
            alive[j].retain(|&x| x != a);
        }
    }
    (0..n).filter(|&j| j != i).all(|j| {
        let mut want = map.images[j].clone();
        want.sort_unstable();
        alive[j] == want
    })
}

/// Whether x = λ·y + c for all pairs with some λ > 0 (x constant iff y constant).
fn affine_positive(pairs: &[(Rational, Rational)]) -> bool {
    let Some((x0, y0)) = pairs.first() else {
        return true;
    };
    let Some((x1, y1)) = pairs.iter().find(|(_, y)| y != y0) else {
        return pairs.iter().all(|(x, _)| x == x0);
    };
    let Some(lambda) = (x1 - x0).checked_div(&(y1 - y0)) else {
        return false;
    };
    if !lambda.is_positive() {
        return false;
    }
    let c = x0 - &(&lambda * y0);
    pairs.iter().all(|(x, y)| *x == &(&lambda * y) + &c)
}

/// Searches for non-trivial SPI witnesses (see the module docs for the pruning).
pub fn search(game: &Game, query: &SpiQuery) -> Result<SpiSearch, TheoryError> {
    check_player(game, query.kind)?;
    let reduction = iesds(game);
    let n = game.num_players();
    let shape = reduced_shape(&reduction);
    let ranks = rank_table(game);
    let mut x_vals = Vec::with_capacity(shape.iter().product::<usize>() * n);
    for k in ProfileIter::new(&shape) {
        let p = game.profile_index(&lift(&reduction, &k));
        x_vals.extend_from_slice(&ranks[p * n..p * n + n]);
    }
    // Bijective maps preserve payoff sums, so weak improvement everywhere means equality everywhere.
    let bijective = shape == game.shape();
    let problem = InjectionProblem {
        n,
        x_shape: shape,
        y_shape: game.shape(),
        x_vals,
        y_vals: ranks,
        rel: if bijective {
            Relation::Equal
        } else {
            Relation::AtLeast
        },
    };
    let mut found: Vec<ActionMap> = Vec::new();
    let mut truncated = false;
    let stats = problem.solve(None, &mut |maps| {
        let map = ActionMap {
            images: maps.to_vec(),
        };
        if map.is_identity(&reduction) || (query.strict && !is_strict(game, &reduction, &map)) {
            return ControlFlow::Continue(());
        }
        if let SpiKind::Unilateral(PlayerId(i)) = query.kind
            && !unilateral_conditions_hold(game, &reduction, i, &map)
        {
            return ControlFlow::Continue(());
        }
        found.push(map);
        if !query.all {
            return ControlFlow::Break(());
        }
        if found.len() >= query.limit {
            truncated = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    let witnesses = if query.all {
        up_to_relabelling(game, &reduction, found.clone())
    } else {
        found.clone()
    };
    Ok(SpiSearch {
        reduction,
        witnesses,
        raw: found,
        nodes: stats.nodes,
        truncated,
    })
}

/// Keeps one witness per relabelling class: Φ and Ψ are the same SPI when they have the same image
/// sets and Ψ⁻¹∘Φ is an automorphism of Γ' (then the representatives, who play isomorphic games
/// isomorphically, cannot tell the two substitutes apart, and both improve the same outcomes).
pub fn up_to_relabelling(
    game: &Game,
    reduction: &Reduction,
    mut witnesses: Vec<ActionMap>,
) -> Vec<ActionMap> {
    witnesses.sort();
    let reduced = reduction.reduced_game(game);
    let image_key = |m: &ActionMap| -> Vec<Vec<usize>> {
        m.images
            .iter()
            .map(|v| {
                let mut s = v.clone();
                s.sort_unstable();
                s
            })
            .collect()
    };
    let mut kept: Vec<ActionMap> = Vec::new();
    'next: for w in witnesses {
        for k in kept.iter().filter(|k| image_key(k) == image_key(&w)) {
            // σ_i(x) = position in k of the image w assigns to x.
            let sigma: Vec<Vec<usize>> = (0..w.images.len())
                .map(|i| {
                    w.images[i]
                        .iter()
                        .map(|y| k.images[i].iter().position(|z| z == y).unwrap_or(0))
                        .collect()
                })
                .collect();
            if crate::isomorphism::is_automorphism(&reduced, &sigma) {
                continue 'next;
            }
        }
        kept.push(w);
    }
    kept
}

/// What the naive reference search saw.
#[derive(Debug, Clone)]
pub struct NaiveSearch {
    /// Injection tuples examined.
    pub candidates: u64,
    /// Candidates that are Pareto-improving, the identity included.
    pub pareto_improving: u64,
    /// Non-trivial witnesses satisfying the query (raw, not up to relabelling).
    pub witnesses: Vec<ActionMap>,
    /// Whether `stop` cut the enumeration short.
    pub stopped: bool,
}

/// Advances `cur` to the lexicographically next injection into 0..m; false after the last one.
/// (Enumerating lazily keeps the naive search's memory constant: the lists would not fit.)
fn next_injection(cur: &mut [usize], m: usize) -> bool {
    let k = cur.len();
    for p in (0..k).rev() {
        let mut v = cur[p] + 1;
        while v < m && cur[..p].contains(&v) {
            v += 1;
        }
        if v < m {
            cur[p] = v;
            for q in p + 1..k {
                let mut w = 0;
                while cur[..q].contains(&w) {
                    w += 1;
                }
                cur[q] = w;
            }
            return true;
        }
    }
    false
}

/// The deliberately naive reference: every tuple of injections A'_i → A_i, each tested with exact
/// payoffs. `stop(candidates)` is consulted every 4096 candidates and ends the enumeration when it
/// returns true (benchmarks use it as a deadline). Finds all witnesses when `query.all`, else the
/// first.
pub fn naive_search(
    game: &Game,
    query: &SpiQuery,
    stop: &mut dyn FnMut(u64) -> bool,
) -> Result<NaiveSearch, TheoryError> {
    check_player(game, query.kind)?;
    let reduction = iesds(game);
    let n = game.num_players();
    let shape = reduced_shape(&reduction);
    let reduced_profiles: Vec<Vec<usize>> = ProfileIter::new(&shape).collect();
    let mut out = NaiveSearch {
        candidates: 0,
        pareto_improving: 0,
        witnesses: Vec::new(),
        stopped: false,
    };
    if (0..n).any(|i| shape[i] > game.num_actions(i)) {
        return Ok(out);
    }
    let mut map = ActionMap {
        images: shape.iter().map(|&k| (0..k).collect()).collect(),
    };
    let mut first = true;
    loop {
        // The odometer over players: advance the last player's injection, carrying leftwards.
        if !first {
            let mut i = n;
            loop {
                if i == 0 {
                    return Ok(out);
                }
                i -= 1;
                if next_injection(&mut map.images[i], game.num_actions(i)) {
                    break;
                }
                map.images[i] = (0..shape[i]).collect();
            }
        }
        first = false;
        out.candidates += 1;
        if out.candidates.is_multiple_of(4096) && stop(out.candidates) {
            out.stopped = true;
            return Ok(out);
        }
        let improving = reduced_profiles.iter().all(|k| {
            let (a, b) = (lift(&reduction, k), map.apply(k));
            game.payoffs(&b)
                .iter()
                .zip(game.payoffs(&a))
                .all(|(x, y)| x >= y)
        });
        if !improving {
            continue;
        }
        out.pareto_improving += 1;
        if map.is_identity(&reduction) || (query.strict && !is_strict(game, &reduction, &map)) {
            continue;
        }
        if let SpiKind::Unilateral(_) = query.kind {
            let claim = SpiClaim::from_witness(game, &reduction, query.kind, &map)?;
            if verify(game, &claim).is_err() {
                continue;
            }
        }
        out.witnesses.push(map.clone());
        if !query.all {
            return Ok(out);
        }
    }
}

impl SpiClaim {
    /// The claim a search witness makes: the substitute restricts to Φ(A') and gives the
    /// representatives Γ''s payoffs there (u^s(Φ(a)) = u(a)). Unilateral for i: the others keep A_j
    /// and u_j, and i's substitute utility is u_i(Φ⁻¹(·)) on the image and the minimum of u_i over Γ'
    /// elsewhere (a constant, so that i's actions cannot be eliminated before the others' extras).
    ///
    /// It lives beside the search, not the verifier: building claims from witnesses is the
    /// search's output format, and the verifier must not share its code. A map that is not a
    /// tuple of injections from the survivors into Γ's actions is an error, not a panic.
    pub fn from_witness(
        game: &Game,
        reduction: &Reduction,
        kind: SpiKind,
        map: &ActionMap,
    ) -> Result<SpiClaim, TheoryError> {
        let n = game.num_players();
        let surv = &reduction.surviving;
        check_witness(game, reduction, map)?;
        let keep: Vec<Vec<usize>> = (0..n)
            .map(|i| match kind {
                SpiKind::Unilateral(PlayerId(u)) if u != i => (0..game.num_actions(i)).collect(),
                _ => map.images[i].clone(),
            })
            .collect();
        let reduced_shape: Vec<usize> = surv.iter().map(Vec::len).collect();
        let floor: Vec<Rational> = (0..n)
            .map(|i| {
                ProfileIter::new(&reduced_shape)
                    .map(|k| game.payoff(&lift(reduction, &k), i).clone())
                    .min()
                    .unwrap_or(Rational::ZERO)
            })
            .collect();
        let actions: Vec<Vec<String>> = keep
            .iter()
            .enumerate()
            .map(|(i, ks)| ks.iter().map(|&a| game.actions(i)[a].clone()).collect())
            .collect();
        let substitute = Game::from_fn(
            format!("{}-spi", game.name()),
            game.players().to_vec(),
            actions,
            |s| {
                let full: Vec<usize> = s.iter().enumerate().map(|(i, &x)| keep[i][x]).collect();
                // Position of each coordinate in Φ_i(A'_i), if it is an image.
                let pos: Option<Vec<usize>> = (0..n)
                    .map(|i| map.images[i].iter().position(|&y| y == full[i]))
                    .collect();
                (0..n)
                    .map(|i| {
                        let changes_i = match kind {
                            SpiKind::Omnilateral => true,
                            SpiKind::Unilateral(PlayerId(u)) => u == i,
                        };
                        if !changes_i {
                            return game.payoff(&full, i).clone();
                        }
                        match &pos {
                            Some(k) => game.payoff(&lift(reduction, k), i).clone(),
                            None => floor[i].clone(),
                        }
                    })
                    .collect()
            },
        )?;
        let action_map = (0..n)
            .map(|i| {
                surv[i]
                    .iter()
                    .zip(&map.images[i])
                    .map(|(&a, &b)| (game.actions(i)[a].clone(), game.actions(i)[b].clone()))
                    .collect()
            })
            .collect();
        let improvements = ProfileIter::new(&reduced_shape)
            .map(|k| {
                let (a, b) = (lift(reduction, &k), map.apply(&k));
                Improvement {
                    from: action_names(game, &a),
                    to: action_names(game, &b),
                    payoffs_from: game.payoffs(&a).to_vec(),
                    payoffs_to: game.payoffs(&b).to_vec(),
                }
            })
            .collect();
        Ok(SpiClaim {
            kind,
            strict: is_strict(game, reduction, map),
            action_map,
            substitute,
            improvements: Some(improvements),
        })
    }
}

/// That `map` is a tuple of injections Φ_i from player i's survivors into A_i.
fn check_witness(game: &Game, reduction: &Reduction, map: &ActionMap) -> Result<(), TheoryError> {
    let n = game.num_players();
    if map.images.len() != n || reduction.surviving.len() != n {
        return Err(TheoryError::Invalid {
            path: "witness".into(),
            expected: format!("one image list per player ({n})"),
            found: format!("{}", map.images.len()),
        });
    }
    for i in 0..n {
        let im = &map.images[i];
        let bad = |found: String| TheoryError::Invalid {
            path: format!("witness.images[{i}]"),
            expected: format!(
                "an injection of player {}'s {} surviving actions into its {} actions",
                game.players()[i],
                reduction.surviving[i].len(),
                game.num_actions(i)
            ),
            found,
        };
        if im.len() != reduction.surviving[i].len() {
            return Err(bad(format!("{} images", im.len())));
        }
        if let Some(&a) = im.iter().find(|&&a| a >= game.num_actions(i)) {
            return Err(bad(format!("action index {a}")));
        }
        let mut seen = im.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != im.len() {
            return Err(bad("two survivors mapped to one action".into()));
        }
    }
    Ok(())
}

fn action_names(game: &Game, profile: &[usize]) -> Vec<String> {
    profile
        .iter()
        .enumerate()
        .map(|(i, &a)| game.actions(i)[a].clone())
        .collect()
}
