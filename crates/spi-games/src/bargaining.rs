//! Nash and Kalai–Smorodinsky bargaining solutions over C(Γ) with a disagreement point.
//!
//! Both are computed exactly. The Nash solution maximises Π_i (u_i − d_i) over the individually
//! rational part of C(Γ); for two players the maximiser lies on the Pareto frontier, and on each
//! frontier segment the product is a concave quadratic in the segment parameter whose maximiser is
//! rational. The Kalai–Smorodinsky solution is the furthest point of C(Γ) on the segment from d to
//! the ideal point I (I_i = max u_i over C(Γ) ∩ {u ≥ d}); that is an LP for any number of players.
//!
//! # Complexity
//! Nash: O(F) for F frontier vertices after the hull. KS: n + 1 LPs over |A| variables.

use crate::game::Game;
use crate::lp::{LinearProgram, LpOutcome, Relation};
use crate::number::Rational;
use crate::pareto::{Point, frontier_2d};

/// Why a bargaining problem has no solution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BargainingError {
    /// The Nash solution is implemented for two players.
    #[error(
        "the Nash bargaining solution is computed for two-player games; this one has {0} players"
    )]
    NotTwoPlayer(usize),
    /// The disagreement point has the wrong length.
    #[error("the disagreement point has {found} coordinates, the game has {players} players")]
    DisagreementLength {
        /// Players.
        players: usize,
        /// Coordinates given.
        found: usize,
    },
    /// No feasible point gives everyone at least the disagreement payoff.
    #[error("no feasible outcome gives every player at least the disagreement payoff")]
    NotIndividuallyRational,
}

/// The Nash bargaining solution of a two-player game with disagreement point `d`.
///
/// When no feasible point is strictly better than `d` for both players, the product is zero
/// everywhere and the solution is the Pareto-best point weakly above `d` (we return the
/// lexicographically largest frontier point with u ≥ d, which then is unique up to that degeneracy).
pub fn nash_bargaining(game: &Game, d: &[Rational]) -> Result<Point, BargainingError> {
    if game.num_players() != 2 {
        return Err(BargainingError::NotTwoPlayer(game.num_players()));
    }
    check_len(game, d)?;
    let frontier = frontier_2d(game).unwrap_or_default();
    let mut best: Option<(Rational, Point)> = None;
    let mut consider = |p: Point| {
        if p[0] < d[0] || p[1] < d[1] {
            return;
        }
        let v = &(&p[0] - &d[0]) * &(&p[1] - &d[1]);
        let better = match &best {
            None => true,
            Some((bv, bp)) => v > *bv || (v == *bv && p > *bp),
        };
        if better {
            best = Some((v, p));
        }
    };
    for p in &frontier {
        consider(p.clone());
    }
    for w in frontier.windows(2) {
        let (p, q) = (&w[0], &w[1]);
        let (d1, d2) = (&q[0] - &p[0], &q[1] - &p[1]);
        let (e1, e2) = (&p[0] - &d[0], &p[1] - &d[1]);
        // f(t) = (e1 + t d1)(e2 + t d2); f'(t) = 0 at t = −(d1 e2 + d2 e1) / (2 d1 d2).
        let a2 = &(&d1 * &d2) * &Rational::from_int(2);
        if let Some(t) = (-(&(&d1 * &e2) + &(&d2 * &e1))).checked_div(&a2)
            && t.is_positive()
            && t < Rational::ONE
        {
            consider(vec![&p[0] + &(&t * &d1), &p[1] + &(&t * &d2)]);
        }
        // Where the segment crosses the lines u_i = d_i (the product's zero boundary).
        for i in 0..2 {
            let di = if i == 0 { &d1 } else { &d2 };
            if let Some(t) = (&d[i] - &p[i]).checked_div(di)
                && !t.is_negative()
                && t <= Rational::ONE
            {
                consider(vec![&p[0] + &(&t * &d1), &p[1] + &(&t * &d2)]);
            }
        }
    }
    best.map(|(_, p)| p)
        .ok_or(BargainingError::NotIndividuallyRational)
}

/// The Kalai–Smorodinsky solution with disagreement point `d` (any number of players).
pub fn kalai_smorodinsky(game: &Game, d: &[Rational]) -> Result<Point, BargainingError> {
    check_len(game, d)?;
    let n = game.num_players();
    let outcomes: Vec<Vec<Rational>> = game.outcomes().map(<[Rational]>::to_vec).collect();
    let k = outcomes.len();
    let base = |lp: &mut LinearProgram| {
        lp.constrain(
            (0..lp.vars)
                .map(|a| if a < k { Rational::ONE } else { Rational::ZERO })
                .collect(),
            Relation::Eq,
            Rational::ONE,
        );
    };
    let mut ideal = Vec::with_capacity(n);
    for i in 0..n {
        let mut lp = LinearProgram::new(k);
        lp.objective = outcomes.iter().map(|u| u[i].clone()).collect();
        for j in 0..n {
            lp.constrain(
                outcomes.iter().map(|u| u[j].clone()).collect(),
                Relation::Ge,
                d[j].clone(),
            );
        }
        base(&mut lp);
        match lp.solve() {
            LpOutcome::Optimal { value, .. } => ideal.push(value),
            _ => return Err(BargainingError::NotIndividuallyRational),
        }
    }
    // Maximise s subject to E[u_i] ≥ d_i + s (I_i − d_i), s ≤ 1.
    let mut lp = LinearProgram::new(k + 1);
    lp.objective[k] = Rational::ONE;
    for i in 0..n {
        let mut row: Vec<Rational> = outcomes.iter().map(|u| u[i].clone()).collect();
        row.push(-(&ideal[i] - &d[i]));
        lp.constrain(row, Relation::Ge, d[i].clone());
    }
    let mut cap = vec![Rational::ZERO; k + 1];
    cap[k] = Rational::ONE;
    lp.constrain(cap, Relation::Le, Rational::ONE);
    base(&mut lp);
    match lp.solve() {
        LpOutcome::Optimal { x, .. } => {
            let s = &x[k];
            Ok((0..n)
                .map(|i| &d[i] + &(s * &(&ideal[i] - &d[i])))
                .collect())
        }
        _ => Err(BargainingError::NotIndividuallyRational),
    }
}

fn check_len(game: &Game, d: &[Rational]) -> Result<(), BargainingError> {
    if d.len() != game.num_players() {
        return Err(BargainingError::DisagreementLength {
            players: game.num_players(),
            found: d.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;

    fn q(s: &str) -> Rational {
        s.parse().unwrap()
    }

    #[test]
    fn symmetric_games_bargain_to_the_symmetric_efficient_point() {
        let g = examples::prisoners_dilemma();
        let d = vec![q("2"), q("2")];
        assert_eq!(nash_bargaining(&g, &d).unwrap(), vec![q("3"), q("3")]);
        assert_eq!(kalai_smorodinsky(&g, &d).unwrap(), vec![q("3"), q("3")]);
    }

    #[test]
    fn nash_solution_can_lie_inside_a_frontier_segment() {
        // Frontier from (0,4) to (4,0): Nash with d = 0 is the midpoint (2,2); with d = (1,0) it is (5/2, 3/2).
        let g = crate::game::bimatrix_game("t", &["a", "b"], &["x"], &[&[(0, 4)], &[(4, 0)]]);
        assert_eq!(
            nash_bargaining(&g, &[q("0"), q("0")]).unwrap(),
            vec![q("2"), q("2")]
        );
        assert_eq!(
            nash_bargaining(&g, &[q("1"), q("0")]).unwrap(),
            vec![q("5/2"), q("3/2")]
        );
        // KS: ideal (4, 3) from d = (1, 0); the line d + s(3, 3) meets u1 + u2 = 4 at s = 1/2.
        assert_eq!(
            kalai_smorodinsky(&g, &[q("1"), q("0")]).unwrap(),
            vec![q("5/2"), q("3/2")]
        );
    }
}
