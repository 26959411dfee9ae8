//! Unilateral deviations from a pure profile: each player's best responses to the others' actions
//! and the regret (the gain of the best deviation). A profile is a pure Nash equilibrium exactly
//! when every regret is zero.

use crate::game::Game;
use crate::number::Rational;

/// One player's view of a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deviation {
    /// max over a of u_i(a, p_-i) − u_i(p): never negative.
    pub regret: Rational,
    /// The actions attaining that maximum, in action order.
    pub best_responses: Vec<usize>,
}

/// Every player's deviation analysis of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileCheck {
    /// The profile checked.
    pub profile: Vec<usize>,
    /// Per player, in player order.
    pub players: Vec<Deviation>,
}

impl ProfileCheck {
    /// Whether no player gains by deviating alone.
    pub fn is_nash(&self) -> bool {
        self.players.iter().all(|d| d.regret.is_zero())
    }
}

/// Checks `profile` (one action index per player, each in range).
pub fn check_profile(game: &Game, profile: &[usize]) -> ProfileCheck {
    let players = (0..game.num_players())
        .map(|i| {
            let here = game.payoff(profile, i).clone();
            let mut q = profile.to_vec();
            let values: Vec<Rational> = (0..game.num_actions(i))
                .map(|a| {
                    q[i] = a;
                    game.payoff(&q, i).clone()
                })
                .collect();
            let best = values.iter().max().cloned().unwrap_or(here.clone());
            Deviation {
                regret: &best - &here,
                best_responses: (0..values.len()).filter(|&a| values[a] == best).collect(),
            }
        })
        .collect();
    ProfileCheck {
        profile: profile.to_vec(),
        players,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demand_games_pure_equilibria_have_no_regret() {
        let g = crate::examples::demand_game();
        // (RM, DM) is an equilibrium (payoffs (0, 2)); at (DM, DM) A's RM gives 0 against -3.
        let c = check_profile(&g, &[1, 0]);
        assert!(c.is_nash(), "{c:?}");
        let c = check_profile(&g, &[0, 0]);
        assert!(!c.is_nash());
        assert_eq!(c.players[0].regret, Rational::from(3));
        assert_eq!(c.players[0].best_responses, vec![1]);
    }
}
