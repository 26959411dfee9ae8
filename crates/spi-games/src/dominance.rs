//! Strict dominance by pure strategies and IESDS with its elimination trace.
//!
//! IESDS with strict dominance is order-independent (docs/reference/definitions.md §1.3), so we
//! eliminate every dominated action of every player simultaneously, round by round: the result is
//! the unique maximal reduction and the trace records which action beat which in which round. Weak
//! dominance is deliberately absent: its result depends on the order.
//!
//! # Complexity
//! Each round checks every pair of a player's surviving actions against every surviving opponent
//! profile: O(rounds · Σ_i |A_i|² · |A_{-i}|).

use crate::game::{Game, ProfileIter};

/// One eliminated action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elimination {
    /// 1-based round in which it was removed.
    pub round: usize,
    /// The player.
    pub player: usize,
    /// The removed action (index in the original game).
    pub action: usize,
    /// A surviving action that strictly dominates it at that round (index in the original game).
    pub dominated_by: usize,
}

/// The result of IESDS: surviving actions per player (original indices, in order) and the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reduction {
    /// Surviving actions of each player.
    pub surviving: Vec<Vec<usize>>,
    /// Every elimination, in round order, then player order, then action order.
    pub trace: Vec<Elimination>,
}

impl Reduction {
    /// The reduced game Γ' (the restriction to surviving actions).
    pub fn reduced_game(&self, game: &Game) -> Game {
        game.restrict(&self.surviving)
    }

    /// Whether nothing was eliminated.
    pub fn is_trivial(&self) -> bool {
        self.trace.is_empty()
    }
}

/// Whether `b` strictly dominates `a` for `player` against every profile of the others' `alive` actions.
pub fn strictly_dominates(
    game: &Game,
    alive: &[Vec<usize>],
    player: usize,
    b: usize,
    a: usize,
) -> bool {
    let others: Vec<usize> = (0..game.num_players()).filter(|&j| j != player).collect();
    let shape: Vec<usize> = others.iter().map(|&j| alive[j].len()).collect();
    let mut profile = vec![0usize; game.num_players()];
    for sub in ProfileIter::new(&shape) {
        for (k, &j) in others.iter().enumerate() {
            profile[j] = alive[j][sub[k]];
        }
        profile[player] = b;
        let ub = game.payoff(&profile, player).clone();
        profile[player] = a;
        if ub <= *game.payoff(&profile, player) {
            return false;
        }
    }
    true
}

/// An action of `player` among `alive` that strictly dominates `a`, if any (the first in order).
pub fn dominator(game: &Game, alive: &[Vec<usize>], player: usize, a: usize) -> Option<usize> {
    alive[player]
        .iter()
        .copied()
        .find(|&b| b != a && strictly_dominates(game, alive, player, b, a))
}

/// Iterated elimination of strictly dominated actions, starting from `alive`.
pub fn iesds_from(game: &Game, mut alive: Vec<Vec<usize>>) -> Reduction {
    let mut trace = Vec::new();
    let mut round = 0;
    loop {
        round += 1;
        let mut removed: Vec<Elimination> = Vec::new();
        for player in 0..game.num_players() {
            for &a in &alive[player] {
                if let Some(b) = dominator(game, &alive, player, a) {
                    removed.push(Elimination {
                        round,
                        player,
                        action: a,
                        dominated_by: b,
                    });
                }
            }
        }
        if removed.is_empty() {
            return Reduction {
                surviving: alive,
                trace,
            };
        }
        for e in &removed {
            alive[e.player].retain(|&x| x != e.action);
        }
        trace.extend(removed);
    }
}

/// Iterated elimination of strictly dominated actions on the whole game.
pub fn iesds(game: &Game) -> Reduction {
    iesds_from(
        game,
        game.shape().iter().map(|&k| (0..k).collect()).collect(),
    )
}

/// IESDS removing one dominated action at a time in the order chosen by `pick` (an index into the
/// list of currently dominated actions). Exists to test order-independence against [`iesds`].
pub fn iesds_one_at_a_time(game: &Game, mut pick: impl FnMut(usize) -> usize) -> Vec<Vec<usize>> {
    let mut alive: Vec<Vec<usize>> = game.shape().iter().map(|&k| (0..k).collect()).collect();
    loop {
        let mut dominated = Vec::new();
        for player in 0..game.num_players() {
            for &a in &alive[player] {
                if dominator(game, &alive, player, a).is_some() {
                    dominated.push((player, a));
                }
            }
        }
        if dominated.is_empty() {
            return alive;
        }
        let (p, a) = dominated[pick(dominated.len()) % dominated.len()];
        alive[p].retain(|&x| x != a);
    }
}
