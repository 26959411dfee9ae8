//! SPI claims and their verification: the IESDS → isomorphism → reverse-IESDS chain of OC Sec. 4.
//!
//! An [`SpiClaim`] is what anyone may assert (a search result, a file, a hand-written table): a
//! substitute game Γ^s, an action map Φ from Γ's IESDS survivors to Γ^s's actions, and optionally
//! the list of payoff improvements. [`verify`] re-checks it from scratch, sharing no code with the
//! search: it reduces both games with `spi_games::dominance`, checks that Φ is an isomorphism of the
//! reduced games (affine per player, λ > 0), composes the three outcome correspondences
//! (elimination on Γ, Φ, inverse elimination on Γ^s) and checks that the composite is
//! Pareto-improving under Γ's ORIGINAL utilities. Success yields an [`SpiCertificate`], which only
//! this module can build; failure yields a [`Rejection`] naming the profile, the player and the
//! amount.

use std::collections::BTreeSet;
use std::fmt;

use spi_games::dominance::{Reduction, iesds};
use spi_games::game::ProfileIter;
use spi_games::{Game, Rational};

use crate::correspondence::{OutcomeCorrespondence, flat_index};
use crate::kind::{PlayerId, SpiKind};

/// The payoff change of one reduced profile a ↦ Φ(a), both judged with Γ's utilities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Improvement {
    /// The reduced profile a (action names).
    pub from: Vec<String>,
    /// Its image Φ(a) (action names).
    pub to: Vec<String>,
    /// u(a).
    pub payoffs_from: Vec<Rational>,
    /// u(Φ(a)).
    pub payoffs_to: Vec<Rational>,
}

/// An asserted SPI, not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpiClaim {
    /// Omnilateral or unilateral.
    pub kind: SpiKind,
    /// Whether the claim asserts a strict improvement.
    pub strict: bool,
    /// Per player, (reduced action, substitute action) pairs by name.
    pub action_map: Vec<Vec<(String, String)>>,
    /// The substitute game Γ^s the representatives would play.
    pub substitute: Game,
    /// The claimed improvement of every reduced profile, if listed.
    pub improvements: Option<Vec<Improvement>>,
}

/// A verified SPI: every field was recomputed by [`verify`].
#[derive(Debug, Clone)]
pub struct SpiCertificate {
    kind: SpiKind,
    strict: bool,
    action_map: Vec<Vec<(String, String)>>,
    substitute: Game,
    improvements: Vec<Improvement>,
    scale: Vec<Rational>,
    shift: Vec<Rational>,
    game_reduction: Reduction,
    substitute_reduction: Reduction,
    chain: [OutcomeCorrespondence; 3],
    composite: OutcomeCorrespondence,
}

impl SpiCertificate {
    /// Omnilateral or unilateral.
    pub fn kind(&self) -> SpiKind {
        self.kind
    }
    /// Whether some reduced profile strictly improves for some player.
    pub fn is_strict(&self) -> bool {
        self.strict
    }
    /// Φ by names, per player.
    pub fn action_map(&self) -> &[Vec<(String, String)>] {
        &self.action_map
    }
    /// The substitute game Γ^s.
    pub fn substitute(&self) -> &Game {
        &self.substitute
    }
    /// u(a) and u(Φ(a)) for every reduced profile, in profile order.
    pub fn improvements(&self) -> &[Improvement] {
        &self.improvements
    }
    /// λ_i and c_i with u_i(a) = λ_i·u^s_i(Φ(a)) + c_i on the reduced games.
    pub fn affine(&self) -> (&[Rational], &[Rational]) {
        (&self.scale, &self.shift)
    }
    /// IESDS on Γ and on Γ^s.
    pub fn reductions(&self) -> (&Reduction, &Reduction) {
        (&self.game_reduction, &self.substitute_reduction)
    }
    /// The three correspondences of the chain: elimination on Γ, the isomorphism, inverse
    /// elimination on Γ^s.
    pub fn chain(&self) -> &[OutcomeCorrespondence; 3] {
        &self.chain
    }
    /// Their composite Γ ⊸ Γ^s, which is Pareto-improving.
    pub fn composite(&self) -> &OutcomeCorrespondence {
        &self.composite
    }
}

/// Why a claim is not a (non-trivial) SPI of the game, with names and amounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The substitute names other players.
    PlayerMismatch {
        /// The game's players.
        game: Vec<String>,
        /// The substitute's players.
        substitute: Vec<String>,
    },
    /// A substitute action is not an action of the game (Γ^s must be a subset game).
    UnknownSubstituteAction {
        /// Player.
        player: String,
        /// The action.
        action: String,
    },
    /// A unilateral SPI changed another player's action set.
    UnilateralActionsChanged {
        /// The player who must keep everything.
        player: String,
        /// Actions of the game missing from the substitute.
        missing: Vec<String>,
    },
    /// A unilateral SPI changed another player's utility.
    UnilateralPayoffChanged {
        /// The player who must keep u_j.
        player: String,
        /// The substitute profile.
        profile: Vec<String>,
        /// u_j there.
        game_payoff: Rational,
        /// u^s_j there.
        substitute_payoff: Rational,
    },
    /// The action map does not have one entry per player.
    MapPlayerCount {
        /// Players in the game.
        expected: usize,
        /// Entries in the map.
        found: usize,
    },
    /// The map's domain is not the player's IESDS survivors.
    MapDomain {
        /// Player.
        player: String,
        /// The survivors of IESDS on Γ.
        expected: Vec<String>,
        /// The map's domain.
        found: Vec<String>,
    },
    /// The map sends an action outside the substitute's action set.
    MapTargetMissing {
        /// Player.
        player: String,
        /// Reduced action.
        from: String,
        /// Its claimed image.
        to: String,
    },
    /// Two reduced actions share an image.
    MapNotInjective {
        /// Player.
        player: String,
        /// The shared image.
        to: String,
        /// The actions mapped to it.
        from: Vec<String>,
    },
    /// IESDS on Γ^s does not leave exactly the image Φ(A').
    SubstituteReduction {
        /// Player.
        player: String,
        /// Φ_i(A'_i).
        expected: Vec<String>,
        /// What IESDS on Γ^s leaves.
        found: Vec<String>,
    },
    /// Φ is not an isomorphism of the reduced games for this player.
    NotIsomorphic {
        /// Player.
        player: String,
        /// The reduced profile where the affine relation fails.
        profile: Vec<String>,
        /// What is wrong there.
        detail: String,
    },
    /// The composite correspondence is not Pareto-improving.
    NotParetoImproving {
        /// Profile of Γ.
        from: Vec<String>,
        /// Its image in Γ^s.
        to: Vec<String>,
        /// The player who loses.
        player: String,
        /// u_player(from).
        payoff_from: Rational,
        /// u_player(to), under Γ's utilities.
        payoff_to: Rational,
    },
    /// The action map is the identity: the trivial SPI.
    Trivial,
    /// Strictness was claimed but no reduced profile improves strictly for anyone.
    NotStrict,
    /// A listed improvement disagrees with the game.
    ImprovementMismatch {
        /// Index in the list.
        index: usize,
        /// What disagrees.
        detail: String,
    },
}

fn join(v: &[String]) -> String {
    format!("({})", v.join(", "))
}

fn set(v: &[String]) -> String {
    format!("{{{}}}", v.join(", "))
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::PlayerMismatch { game, substitute } => {
                write!(
                    f,
                    "the substitute's players {} are not the game's players {}",
                    set(substitute),
                    set(game)
                )
            }
            Rejection::UnknownSubstituteAction { player, action } => {
                write!(
                    f,
                    "the substitute gives player {player} the action {action:?}, which the game does not have (a substitute may only restrict action sets)"
                )
            }
            Rejection::UnilateralActionsChanged { player, missing } => {
                write!(
                    f,
                    "a unilateral SPI must leave player {player}'s actions alone, but the substitute drops {}",
                    set(missing)
                )
            }
            Rejection::UnilateralPayoffChanged {
                player,
                profile,
                game_payoff,
                substitute_payoff,
            } => write!(
                f,
                "a unilateral SPI must leave player {player}'s utility alone, but at {} the substitute gives {substitute_payoff} instead of {game_payoff}",
                join(profile)
            ),
            Rejection::MapPlayerCount { expected, found } => {
                write!(
                    f,
                    "the action map has {found} entries but the game has {expected} players"
                )
            }
            Rejection::MapDomain {
                player,
                expected,
                found,
            } => write!(
                f,
                "the action map of player {player} must map exactly the IESDS survivors {}, but maps {}",
                set(expected),
                set(found)
            ),
            Rejection::MapTargetMissing { player, from, to } => {
                write!(
                    f,
                    "the action map sends player {player}'s {from} to {to}, which is not in the substitute game"
                )
            }
            Rejection::MapNotInjective { player, to, from } => {
                write!(
                    f,
                    "the action map of player {player} is not injective: {} all map to {to}",
                    set(from)
                )
            }
            Rejection::SubstituteReduction {
                player,
                expected,
                found,
            } => write!(
                f,
                "IESDS on the substitute leaves player {player} with {}, not the image of the action map {}",
                set(found),
                set(expected)
            ),
            Rejection::NotIsomorphic {
                player,
                profile,
                detail,
            } => write!(
                f,
                "the action map is not an isomorphism of the reduced games for player {player}: at {} {detail}",
                join(profile)
            ),
            Rejection::NotParetoImproving {
                from,
                to,
                player,
                payoff_from,
                payoff_to,
            } => write!(
                f,
                "not a Pareto improvement: profile {} is mapped to {}, where player {player} gets {payoff_to} instead of {payoff_from} (worse by {})",
                join(from),
                join(to),
                payoff_from - payoff_to
            ),
            Rejection::Trivial => write!(
                f,
                "the action map is the identity: that is the trivial SPI, not a safe Pareto improvement"
            ),
            Rejection::NotStrict => {
                write!(
                    f,
                    "claimed strict, but every reduced profile keeps every player's payoff exactly"
                )
            }
            Rejection::ImprovementMismatch { index, detail } => {
                write!(f, "improvements[{index}]: {detail}")
            }
        }
    }
}

impl std::error::Error for Rejection {}

fn names(game: &Game, profile: &[usize]) -> Vec<String> {
    profile
        .iter()
        .enumerate()
        .map(|(i, &a)| game.actions(i)[a].clone())
        .collect()
}

fn lift(surviving: &[Vec<usize>], k: &[usize]) -> Vec<usize> {
    k.iter()
        .enumerate()
        .map(|(i, &x)| surviving[i][x])
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Re-checks a claim against Γ from scratch. See the module docs for the steps. The rejection is
/// boxed because it carries names and exact payoffs and is far larger than the happy path needs.
pub fn verify(game: &Game, claim: &SpiClaim) -> Result<SpiCertificate, Box<Rejection>> {
    verify_unboxed(game, claim).map_err(Box::new)
}

#[allow(
    clippy::result_large_err,
    reason = "boxed once, by verify; the early returns read better unboxed"
)]
fn verify_unboxed(game: &Game, claim: &SpiClaim) -> Result<SpiCertificate, Rejection> {
    let n = game.num_players();
    let sub = &claim.substitute;
    if sub.players() != game.players() {
        return Err(Rejection::PlayerMismatch {
            game: game.players().to_vec(),
            substitute: sub.players().to_vec(),
        });
    }
    // Γ^s is a subset game: its action s of player i is Γ's action to_game[i][s].
    let mut to_game: Vec<Vec<usize>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut v = Vec::new();
        for a in sub.actions(i) {
            match game.action_index(i, a) {
                Some(x) => v.push(x),
                None => {
                    return Err(Rejection::UnknownSubstituteAction {
                        player: game.players()[i].clone(),
                        action: a.clone(),
                    });
                }
            }
        }
        to_game.push(v);
    }
    let game_profile =
        |s: &[usize]| -> Vec<usize> { s.iter().enumerate().map(|(i, &x)| to_game[i][x]).collect() };
    if let SpiKind::Unilateral(PlayerId(u)) = claim.kind {
        for j in (0..n).filter(|&j| j != u) {
            let missing: Vec<String> = game
                .actions(j)
                .iter()
                .filter(|a| sub.action_index(j, a).is_none())
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(Rejection::UnilateralActionsChanged {
                    player: game.players()[j].clone(),
                    missing,
                });
            }
            for s in sub.profiles() {
                let (gp, sp) = (game.payoff(&game_profile(&s), j), sub.payoff(&s, j));
                if gp != sp {
                    return Err(Rejection::UnilateralPayoffChanged {
                        player: game.players()[j].clone(),
                        profile: names(sub, &s),
                        game_payoff: gp.clone(),
                        substitute_payoff: sp.clone(),
                    });
                }
            }
        }
    }
    let red = iesds(game);
    if claim.action_map.len() != n {
        return Err(Rejection::MapPlayerCount {
            expected: n,
            found: claim.action_map.len(),
        });
    }
    // phi[i][k] = substitute index of the image of the k-th survivor.
    let mut phi: Vec<Vec<usize>> = Vec::with_capacity(n);
    for i in 0..n {
        let player = game.players()[i].clone();
        let expected: Vec<String> = red.surviving[i]
            .iter()
            .map(|&a| game.actions(i)[a].clone())
            .collect();
        let found: Vec<String> = claim.action_map[i].iter().map(|(a, _)| a.clone()).collect();
        let found_set: BTreeSet<&String> = found.iter().collect();
        if sorted(expected.clone()) != sorted(found.clone()) || found_set.len() != found.len() {
            return Err(Rejection::MapDomain {
                player,
                expected,
                found,
            });
        }
        let mut row = Vec::with_capacity(expected.len());
        for a in &expected {
            let (_, to) = claim.action_map[i]
                .iter()
                .find(|(f, _)| f == a)
                .expect("domain checked above");
            match sub.action_index(i, to) {
                Some(s) => row.push(s),
                None => {
                    return Err(Rejection::MapTargetMissing {
                        player,
                        from: a.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
        for (k, s) in row.iter().enumerate() {
            let pre: Vec<String> = row
                .iter()
                .enumerate()
                .filter(|(_, t)| *t == s)
                .map(|(kk, _)| expected[kk].clone())
                .collect();
            if pre.len() > 1 {
                let _ = k;
                return Err(Rejection::MapNotInjective {
                    player,
                    to: sub.actions(i)[*s].clone(),
                    from: pre,
                });
            }
        }
        phi.push(row);
    }
    let sred = iesds(sub);
    for i in 0..n {
        let mut want = phi[i].clone();
        want.sort_unstable();
        if sred.surviving[i] != want {
            return Err(Rejection::SubstituteReduction {
                player: game.players()[i].clone(),
                expected: want.iter().map(|&s| sub.actions(i)[s].clone()).collect(),
                found: sred.surviving[i]
                    .iter()
                    .map(|&s| sub.actions(i)[s].clone())
                    .collect(),
            });
        }
    }
    // Φ as an isomorphism Γ' → Γ^s': u_i(a) = λ_i·u^s_i(Φ(a)) + c_i.
    let reduced_shape: Vec<usize> = red.surviving.iter().map(Vec::len).collect();
    let sub_image =
        |k: &[usize]| -> Vec<usize> { k.iter().enumerate().map(|(i, &x)| phi[i][x]).collect() };
    let mut scale = Vec::with_capacity(n);
    let mut shift = Vec::with_capacity(n);
    for i in 0..n {
        let pairs: Vec<(Vec<usize>, Rational, Rational)> = ProfileIter::new(&reduced_shape)
            .map(|k| {
                let s = sub_image(&k);
                (
                    k.clone(),
                    game.payoff(&lift(&red.surviving, &k), i).clone(),
                    sub.payoff(&s, i).clone(),
                )
            })
            .collect();
        let (lambda, c) = affine_fit(&pairs).map_err(|(k, detail)| Rejection::NotIsomorphic {
            player: game.players()[i].clone(),
            profile: names(game, &lift(&red.surviving, &k)),
            detail,
        })?;
        scale.push(lambda);
        shift.push(c);
    }
    // The chain of correspondences and its composite.
    let elim = OutcomeCorrespondence::elimination(&game.shape(), &red.surviving);
    let sred_shape: Vec<usize> = sred.surviving.iter().map(Vec::len).collect();
    let iso = OutcomeCorrespondence::from_fn(&reduced_shape, &sred_shape, |k| {
        let s = sub_image(k);
        vec![
            s.iter()
                .enumerate()
                .map(|(i, x)| {
                    sred.surviving[i]
                        .iter()
                        .position(|y| y == x)
                        .unwrap_or(usize::MAX)
                })
                .collect(),
        ]
    })
    .expect("Φ maps into the survivors of Γ^s, checked above");
    let rev = OutcomeCorrespondence::elimination(&sub.shape(), &sred.surviving).inverse();
    let composite = elim
        .compose(&iso)
        .and_then(|c| c.compose(&rev))
        .expect("shapes chain by construction");
    let u_game = |a: &[usize]| game.payoffs(a).to_vec();
    let u_sub_original = |s: &[usize]| game.payoffs(&game_profile(s)).to_vec();
    if let Some(v) = composite.pareto_violation(&u_game, &u_sub_original) {
        return Err(Rejection::NotParetoImproving {
            from: names(game, &v.from),
            to: names(sub, &v.to),
            player: game.players()[v.player].clone(),
            payoff_from: v.payoff_from,
            payoff_to: v.payoff_to,
        });
    }
    let identity = (0..n).all(|i| {
        phi[i]
            .iter()
            .zip(&red.surviving[i])
            .all(|(&s, &a)| to_game[i][s] == a)
    });
    if identity {
        return Err(Rejection::Trivial);
    }
    let improvements: Vec<Improvement> = ProfileIter::new(&reduced_shape)
        .map(|k| {
            let a = lift(&red.surviving, &k);
            let s = sub_image(&k);
            Improvement {
                from: names(game, &a),
                to: names(sub, &s),
                payoffs_from: game.payoffs(&a).to_vec(),
                payoffs_to: game.payoffs(&game_profile(&s)).to_vec(),
            }
        })
        .collect();
    let strict = improvements
        .iter()
        .any(|m| m.payoffs_to.iter().zip(&m.payoffs_from).any(|(y, x)| y > x));
    if claim.strict && !strict {
        return Err(Rejection::NotStrict);
    }
    if let Some(listed) = &claim.improvements {
        check_listed(listed, &improvements)?;
    }
    let _ = flat_index;
    Ok(SpiCertificate {
        kind: claim.kind,
        strict,
        action_map: claim.action_map.clone(),
        substitute: sub.clone(),
        improvements,
        scale,
        shift,
        game_reduction: red,
        substitute_reduction: sred,
        chain: [elim, iso, rev],
        composite,
    })
}

/// λ > 0 and c with x = λ·y + c on every (profile, x, y), or the first profile where that fails.
fn affine_fit(
    pairs: &[(Vec<usize>, Rational, Rational)],
) -> Result<(Rational, Rational), (Vec<usize>, String)> {
    let Some((_, x0, y0)) = pairs.first() else {
        return Ok((Rational::ONE, Rational::ZERO));
    };
    let Some((k1, x1, y1)) = pairs.iter().find(|(_, _, y)| y != y0) else {
        // u^s_i is constant on the reduced substitute, so u_i must be too.
        return match pairs.iter().find(|(_, x, _)| x != x0) {
            None => Ok((Rational::ONE, x0 - y0)),
            Some((k, x, _)) => Err((
                k.clone(),
                format!(
                    "Γ' pays {x} where it paid {x0} elsewhere, but the substitute pays the constant {y0}"
                ),
            )),
        };
    };
    let lambda = (x1 - x0).checked_div(&(y1 - y0)).unwrap_or(Rational::ZERO);
    if !lambda.is_positive() {
        return Err((
            k1.clone(),
            format!(
                "the substitute pays {y1} against {y0} elsewhere while Γ' pays {x1} against {x0}: the order is {}",
                if lambda.is_zero() {
                    "not preserved"
                } else {
                    "reversed"
                }
            ),
        ));
    }
    let c = x0 - &(&lambda * y0);
    for (k, x, y) in pairs {
        let want = &(&lambda * y) + &c;
        if *x != want {
            return Err((
                k.clone(),
                format!("Γ' pays {x}, but λ·u^s + c = {lambda}·{y} + {c} = {want}"),
            ));
        }
    }
    Ok((lambda, c))
}

#[allow(clippy::result_large_err, reason = "as for verify")]
fn check_listed(listed: &[Improvement], actual: &[Improvement]) -> Result<(), Rejection> {
    for (index, m) in listed.iter().enumerate() {
        if listed[..index].iter().any(|p| p.from == m.from) {
            return Err(Rejection::ImprovementMismatch {
                index,
                detail: format!("{} is listed twice", join(&m.from)),
            });
        }
        let Some(a) = actual.iter().find(|a| a.from == m.from) else {
            return Err(Rejection::ImprovementMismatch {
                index,
                detail: format!("{} is not a profile of the reduced game", join(&m.from)),
            });
        };
        if a.to != m.to {
            return Err(Rejection::ImprovementMismatch {
                index,
                detail: format!(
                    "the action map sends {} to {}, not {}",
                    join(&a.from),
                    join(&a.to),
                    join(&m.to)
                ),
            });
        }
        for (what, claimed, real) in [
            ("payoffs_from", &m.payoffs_from, &a.payoffs_from),
            ("payoffs_to", &m.payoffs_to, &a.payoffs_to),
        ] {
            if claimed != real {
                let show = |v: &[Rational]| {
                    v.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(Rejection::ImprovementMismatch {
                    index,
                    detail: format!(
                        "{what} of {} is ({}) in the game, not ({})",
                        join(&m.from),
                        show(real),
                        show(claimed)
                    ),
                });
            }
        }
    }
    if listed.len() != actual.len() {
        return Err(Rejection::ImprovementMismatch {
            index: listed.len(),
            detail: format!(
                "the reduced game has {} profiles but {} improvements are listed",
                actual.len(),
                listed.len()
            ),
        });
    }
    Ok(())
}
