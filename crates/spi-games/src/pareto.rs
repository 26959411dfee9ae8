//! Pareto geometry of the feasible set C(Γ) = conv u(A): Pareto tests, the frontier, PMM and PMP.
//!
//! Pareto-optimality of a point is OC's Lemma 11 LP and works for any number of players. The
//! two-player extras (the hull, the frontier as a polyline, PMP segments) are exact plane geometry.
//! PMM follows DCM: the minimum of each player's payoff over the Pareto-efficient outcomes; since
//! Pareto-efficient points of a polytope are exactly the maximisers of strictly positive weightings,
//! whole faces are efficient together, and the minimum is attained at an efficient pure outcome.
//!
//! # Complexity
//! The Pareto test is one LP with |A| variables and n + 1 constraints; `efficient_outcomes` first
//! discards outcomes dominated by another pure outcome (O(|A|² n)) and runs the LP on the rest.

use crate::game::{Game, Profile};
use crate::lp::{LinearProgram, LpOutcome, Relation};
use crate::number::Rational;

/// A point of payoff space.
pub type Point = Vec<Rational>;

/// `y ⪰ z`: weakly better for everyone.
pub fn weakly_dominates(y: &[Rational], z: &[Rational]) -> bool {
    y.iter().zip(z).all(|(a, b)| a >= b)
}

/// `y ⪰ z` and `y ≠ z`: a strict Pareto improvement.
pub fn strictly_improves(y: &[Rational], z: &[Rational]) -> bool {
    weakly_dominates(y, z) && y.iter().zip(z).any(|(a, b)| a > b)
}

/// A feasible point that Pareto-improves on `y`, with the correlated distribution over profiles
/// that achieves it, found by OC Lemma 11's LP (it maximises the total gain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParetoImprovement {
    /// The improving point.
    pub point: Point,
    /// A distribution over profiles whose expected payoff is `point`.
    pub distribution: Vec<(Profile, Rational)>,
    /// Σ_i (point_i − y_i) > 0.
    pub total_gain: Rational,
}

/// The feasible point that improves most on `y` in total, if one strictly Pareto-improves it.
/// `None` means `y` is Pareto-optimal (or lies beyond C, where nothing in C weakly dominates it).
pub fn pareto_improvement(game: &Game, y: &[Rational]) -> Option<ParetoImprovement> {
    let n = game.num_players();
    let k = game.num_profiles();
    let mut lp = LinearProgram::new(k);
    let outcomes: Vec<&[Rational]> = game.outcomes().collect();
    for (a, u) in outcomes.iter().enumerate() {
        lp.objective[a] = Rational::sum(u.iter());
    }
    for i in 0..n {
        lp.constrain(
            outcomes.iter().map(|u| u[i].clone()).collect(),
            Relation::Ge,
            y[i].clone(),
        );
    }
    lp.constrain(vec![Rational::ONE; k], Relation::Eq, Rational::ONE);
    match lp.solve() {
        LpOutcome::Optimal { x, value } => {
            let total_gain = &value - &Rational::sum(y.iter());
            if !total_gain.is_positive() {
                return None;
            }
            let mut point = vec![Rational::ZERO; n];
            let mut distribution = Vec::new();
            for (a, p) in x.iter().enumerate() {
                if p.is_zero() {
                    continue;
                }
                for i in 0..n {
                    point[i] = &point[i] + &(p * &outcomes[a][i]);
                }
                distribution.push((game.profile_at(a), p.clone()));
            }
            Some(ParetoImprovement {
                point,
                distribution,
                total_gain,
            })
        }
        LpOutcome::Infeasible | LpOutcome::Unbounded => None,
    }
}

/// Whether `y` is Pareto-optimal within C(Γ) (OC Lemma 11).
pub fn is_pareto_optimal(game: &Game, y: &[Rational]) -> bool {
    pareto_improvement(game, y).is_none()
}

/// The pure profiles whose payoff vectors are Pareto-optimal in C(Γ), in profile order.
pub fn efficient_outcomes(game: &Game) -> Vec<Profile> {
    let outcomes: Vec<&[Rational]> = game.outcomes().collect();
    let mut out = Vec::new();
    for (a, u) in outcomes.iter().enumerate() {
        if outcomes.iter().any(|v| strictly_improves(v, u)) {
            continue;
        }
        if is_pareto_optimal(game, u) {
            out.push(game.profile_at(a));
        }
    }
    out
}

/// The Pareto meet minimum: each player's lowest payoff over the Pareto-efficient outcomes.
pub fn pmm(game: &Game) -> Point {
    let eff = efficient_outcomes(game);
    (0..game.num_players())
        .map(|i| {
            eff.iter()
                .map(|p| game.payoff(p, i).clone())
                .min()
                .expect("a finite game has an efficient outcome")
        })
        .collect()
}

fn cross(o: &[Rational], a: &[Rational], b: &[Rational]) -> Rational {
    &(&(&a[0] - &o[0]) * &(&b[1] - &o[1])) - &(&(&a[1] - &o[1]) * &(&b[0] - &o[0]))
}

/// The vertices of C(Γ) for a two-player game, counter-clockwise from the lowest-leftmost point
/// (Andrew's monotone chain, exact). `None` for other player counts.
pub fn hull_2d(game: &Game) -> Option<Vec<Point>> {
    if game.num_players() != 2 {
        return None;
    }
    let mut pts: Vec<Point> = game.outcomes().map(<[Rational]>::to_vec).collect();
    pts.sort();
    pts.dedup();
    if pts.len() <= 2 {
        return Some(pts);
    }
    let mut lower: Vec<Point> = Vec::new();
    for p in &pts {
        while lower.len() >= 2
            && !cross(&lower[lower.len() - 2], &lower[lower.len() - 1], p).is_positive()
        {
            lower.pop();
        }
        lower.push(p.clone());
    }
    let mut upper: Vec<Point> = Vec::new();
    for p in pts.iter().rev() {
        while upper.len() >= 2
            && !cross(&upper[upper.len() - 2], &upper[upper.len() - 1], p).is_positive()
        {
            upper.pop();
        }
        upper.push(p.clone());
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    Some(lower)
}

/// The Pareto frontier of a two-player game as a polyline from the efficient point with the highest
/// u₂ to the one with the highest u₁ (every segment has negative slope).
pub fn frontier_2d(game: &Game) -> Option<Vec<Point>> {
    let hull = hull_2d(game)?;
    // Efficient hull vertices, ordered by u₁ ascending (then u₂ is descending along the frontier).
    let mut eff: Vec<Point> = hull
        .into_iter()
        .filter(|p| is_pareto_optimal(game, p))
        .collect();
    eff.sort();
    Some(eff)
}

/// The largest value of u_i over C(Γ) on the line u_j = c (two players), or `None` if it misses C.
pub fn max_on_line(game: &Game, i: usize, c: &Rational) -> Option<Rational> {
    let j = 1 - i;
    let hull = hull_2d(game)?;
    let mut best: Option<Rational> = None;
    let mut consider = |v: Rational| {
        best = Some(match best.take() {
            Some(b) if b >= v => b,
            _ => v,
        });
    };
    let k = hull.len();
    for s in 0..k {
        let (p, q) = (&hull[s], &hull[(s + 1) % k]);
        if p[j] == *c {
            consider(p[i].clone());
        }
        if (p[j] < *c && q[j] > *c) || (p[j] > *c && q[j] < *c) {
            let t = (c - &p[j]).checked_div(&(&q[j] - &p[j]))?;
            consider(&p[i] + &(&t * &(&q[i] - &p[i])));
        }
    }
    best
}

/// PMP_i(a) for two players: the outcomes with u_j = max(PMM_j, u_j(a)) and
/// u_i ≥ max(PMM_i, u_i(a)), as the segment `[lo, hi]` of u_i (`None` if empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PmpSegment {
    /// The player whose payoff ranges.
    pub player: usize,
    /// The other player's fixed payoff.
    pub fixed: Rational,
    /// Lowest u_i in the set.
    pub lo: Rational,
    /// Highest u_i in the set.
    pub hi: Rational,
}

/// Computes PMP_i from the payoff vector `u` of the default outcome (two players).
pub fn pmp(game: &Game, i: usize, u: &[Rational]) -> Option<PmpSegment> {
    if game.num_players() != 2 {
        return None;
    }
    let j = 1 - i;
    let m = pmm(game);
    let fixed = Rational::max_of(&m[j], &u[j]);
    let lo = Rational::max_of(&m[i], &u[i]);
    let hi = max_on_line(game, i, &fixed)?;
    if lo > hi {
        return None;
    }
    Some(PmpSegment {
        player: i,
        fixed,
        lo,
        hi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::examples;

    fn ints(v: &[i64]) -> Point {
        v.iter().map(|&x| Rational::from_int(x)).collect()
    }

    #[test]
    fn dcm2024_pmm_vectors() {
        assert_eq!(pmm(&examples::prisoners_dilemma()), ints(&[1, 1]));
        assert_eq!(pmm(&examples::chicken()), ints(&[1, 1]));
        assert_eq!(pmm(&examples::scheduling()), ints(&[1, 1]));
        let dg = examples::demand_game();
        assert_eq!(pmm(&dg), ints(&[-5, -5]));
        let reduced = crate::dominance::iesds(&dg).reduced_game(&dg);
        assert_eq!(pmm(&reduced), ints(&[0, 0]));
    }

    #[test]
    fn dcm2024_scheduling_pmp() {
        let g = examples::scheduling();
        let s1 = pmp(&g, 0, &ints(&[0, 0])).unwrap();
        assert_eq!(
            (s1.fixed, s1.lo, s1.hi),
            (
                Rational::from_int(1),
                Rational::from_int(1),
                Rational::from_int(3)
            )
        );
        let s2 = pmp(&g, 1, &ints(&[0, 0])).unwrap();
        assert_eq!(
            (s2.fixed, s2.lo, s2.hi),
            (
                Rational::from_int(1),
                Rational::from_int(1),
                Rational::from_int(3)
            )
        );
    }

    #[test]
    fn oc2022_pd_default_is_pareto_suboptimal() {
        let g = examples::prisoners_dilemma();
        let imp = pareto_improvement(&g, &ints(&[2, 2])).unwrap();
        assert!(strictly_improves(&imp.point, &ints(&[2, 2])));
        assert!(is_pareto_optimal(&g, &ints(&[3, 3])));
        assert_eq!(
            frontier_2d(&g).unwrap(),
            vec![ints(&[1, 4]), ints(&[3, 3]), ints(&[4, 1])]
        );
    }
}
