//! Threat points (minimax values) and the punishment that holds each player to it, by exact LP.
//!
//! v_i = min over the others' strategies of max over i's actions of i's expected payoff. For two
//! players the punisher mixes and the LP is the classic minimax program (equal to maximin). For more
//! players we let the punishers correlate (a joint distribution over A_{-i}): that keeps the problem an
//! LP and gives the harshest punishment a coalition with a shared randomiser can impose; with
//! independent mixing the value can only be higher, and computing it is not an LP. The result says
//! which of the two it is.
//!
//! # Complexity
//! One LP per player with |A_{-i}| + 2 variables and |A_i| + 1 constraints.

use crate::game::{Game, Profile, ProfileIter};
use crate::lp::{LinearProgram, LpOutcome, Relation};
use crate::number::Rational;

/// How player i is held to its threat value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Punishment {
    /// The punished player.
    pub target: usize,
    /// A distribution over the others' joint profiles (each profile lists the others' actions in
    /// player order, skipping the target). For two players this is the punisher's mixed strategy.
    pub distribution: Vec<(Profile, Rational)>,
    /// The target's best response to the punishment (one of possibly several), for reporting.
    pub best_response: usize,
    /// A pure profile of the others that holds the target to the same value, when one exists
    /// (the first in profile order): the LP may return a mixture where a pure punishment would
    /// do, and a pure one is easier to read and to commit to.
    pub pure: Option<Profile>,
}

/// The threat point of a game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreatPoint {
    /// v_i for every player.
    pub values: Vec<Rational>,
    /// The punishment achieving each v_i.
    pub punishments: Vec<Punishment>,
    /// Whether punishers were allowed to correlate (only ever true with three or more players).
    pub correlated: bool,
}

/// Computes the threat point.
pub fn threat_point(game: &Game) -> ThreatPoint {
    let n = game.num_players();
    let mut values = Vec::with_capacity(n);
    let mut punishments = Vec::with_capacity(n);
    for i in 0..n {
        let (v, p) = minimax(game, i);
        values.push(v);
        punishments.push(p);
    }
    ThreatPoint {
        values,
        punishments,
        correlated: n > 2,
    }
}

fn minimax(game: &Game, i: usize) -> (Rational, Punishment) {
    let n = game.num_players();
    let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
    let shape: Vec<usize> = others.iter().map(|&j| game.num_actions(j)).collect();
    let joint: Vec<Profile> = ProfileIter::new(&shape).collect();
    let k = joint.len();
    // Variables: q_0..q_{k-1} (punishment), t⁺, t⁻ (the value, free). Maximise −t.
    let mut lp = LinearProgram::new(k + 2);
    lp.objective[k] = -Rational::ONE;
    lp.objective[k + 1] = Rational::ONE;
    let full = |sub: &Profile, a: usize| -> Profile {
        let mut p = vec![0; n];
        for (idx, &j) in others.iter().enumerate() {
            p[j] = sub[idx];
        }
        p[i] = a;
        p
    };
    for a in 0..game.num_actions(i) {
        let mut row: Vec<Rational> = joint
            .iter()
            .map(|sub| game.payoff(&full(sub, a), i).clone())
            .collect();
        row.push(-Rational::ONE);
        row.push(Rational::ONE);
        lp.constrain(row, Relation::Le, Rational::ZERO);
    }
    let mut sum = vec![Rational::ONE; k];
    sum.extend([Rational::ZERO, Rational::ZERO]);
    lp.constrain(sum, Relation::Eq, Rational::ONE);
    let LpOutcome::Optimal { x, .. } = lp.solve() else {
        unreachable!("the minimax LP is feasible (any distribution) and bounded (t ≥ min payoff)")
    };
    let value = &x[k] - &x[k + 1];
    let distribution: Vec<(Profile, Rational)> = joint
        .iter()
        .cloned()
        .zip(x[..k].iter().cloned())
        .filter(|(_, q)| !q.is_zero())
        .collect();
    let best_response = (0..game.num_actions(i))
        .find(|&a| {
            let v = Rational::sum(
                distribution
                    .iter()
                    .map(|(sub, q)| q * game.payoff(&full(sub, a), i))
                    .collect::<Vec<_>>()
                    .iter(),
            );
            v == value
        })
        .unwrap_or(0);
    // A pure punishment holds i to v_i when i's best reply to it pays exactly v_i (no pure one
    // can pay less, since v_i is the minimum over all mixtures).
    let pure = joint
        .iter()
        .find(|sub| {
            (0..game.num_actions(i))
                .map(|a| game.payoff(&full(sub, a), i))
                .max()
                .is_some_and(|best| *best == value)
        })
        .cloned();
    (
        value,
        Punishment {
            target: i,
            distribution,
            best_response,
            pure,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;

    #[test]
    fn oc2022_demand_game_threat_point_is_zero() {
        let t = threat_point(&examples::demand_game());
        assert_eq!(t.values, vec![Rational::ZERO, Rational::ZERO]);
    }

    #[test]
    fn matching_pennies_threat_point_is_its_value() {
        let t = threat_point(&examples::matching_pennies());
        assert_eq!(t.values, vec![Rational::ZERO, Rational::ZERO]);
        assert_eq!(t.punishments[0].distribution.len(), 2);
        assert_eq!(
            t.punishments[0].pure, None,
            "only the 1/2-1/2 mix holds A to 0"
        );
    }

    /// A pure minimax strategy is reported exactly when one exists: checked against the
    /// definition (the target's best reply to it pays v_i) on every pure profile of small games.
    #[test]
    fn a_pure_punishment_is_reported_exactly_when_one_holds_the_target_to_its_value() {
        let r = |x: i64| Rational::from(x);
        // B's column y holds A to 1 purely; the LP may also mix x and y.
        let g = crate::game::Game::from_fn(
            "pure-holds",
            vec!["A".into(), "B".into()],
            vec![
                vec!["a1".into(), "a2".into()],
                vec!["x".into(), "y".into(), "z".into()],
            ],
            |p| match (p[0], p[1]) {
                (0, 0) => vec![r(1), r(0)],
                (1, 0) => vec![r(0), r(0)],
                (_, 1) => vec![r(1), r(0)],
                (0, 2) => vec![r(3), r(0)],
                _ => vec![r(-2), r(0)],
            },
        )
        .unwrap();
        for game in [
            g,
            examples::matching_pennies(),
            examples::chicken(),
            examples::demand_game(),
        ] {
            let t = threat_point(&game);
            for (i, p) in t.punishments.iter().enumerate() {
                let others: Vec<usize> = (0..2).filter(|&j| j != i).collect();
                let pure_value = |b: usize| {
                    (0..game.num_actions(i))
                        .map(|a| {
                            let mut prof = vec![0; 2];
                            prof[i] = a;
                            prof[others[0]] = b;
                            game.payoff(&prof, i).clone()
                        })
                        .max()
                        .unwrap()
                };
                let holding: Vec<usize> = (0..game.num_actions(others[0]))
                    .filter(|&b| pure_value(b) == t.values[i])
                    .collect();
                assert_eq!(
                    p.pure.as_ref().map(|s| s[0]),
                    holding.first().copied(),
                    "{} player {i}",
                    game.name()
                );
            }
        }
    }
}
