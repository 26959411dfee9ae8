//! OC Sec. 5: SPIs under perfect coordination, and the program equilibrium of OC Algorithm 2.
//!
//! With perfect coordination the representatives can be told "whatever you would have played, play
//! instead something that Pareto-improves on it", so an SPI exists iff some outcome in the support of
//! the default play Π(Γ) has a payoff vector that is Pareto-suboptimal in the feasible set C(Γ)
//! (decided exactly by OC Lemma 11's LP, `spi_games::pareto::pareto_improvement`). Without knowing
//! Π(Γ), its support is taken to be every IESDS-surviving profile (Assumption 1 rules out the rest).
//!
//! For two players we also report the *safely achievable region*: the points of C(Γ) that weakly
//! improve on every outcome of the support, i.e. what an SPI can promise no matter which default
//! outcome it replaces, as an exact convex polygon (C(Γ) clipped by the two half-planes
//! y_i ≥ max_{a ∈ support} u_i(a)); and per support outcome the polygon of its improvements.
//!
//! OC Algorithm 2 implements an SPI as a program equilibrium: every player submits "if all programs
//! equal mine, play my part of the planned outcome; else, against deviator j, play my coordinate of
//! the profile minimaxing j". It is an equilibrium iff the planned outcome gives every player at
//! least its threat point; the punishment profile per deviator comes from `spi_games::threat`.

use spi_games::dominance::iesds;
use spi_games::game::{Profile, ProfileIter};
use spi_games::pareto::{ParetoImprovement, Point, hull_2d, pareto_improvement};
use spi_games::threat::{ThreatPoint, threat_point};
use spi_games::{Game, Rational};

/// One outcome of the default's support and whether it can be improved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportOutcome {
    /// The profile.
    pub profile: Profile,
    /// Its payoff vector.
    pub payoffs: Vec<Rational>,
    /// The LP's best improvement in C(Γ), or `None` when the outcome is Pareto-optimal.
    pub improvement: Option<ParetoImprovement>,
    /// Two players: the polygon C(Γ) ∩ {y ⪰ payoffs} (vertices counter-clockwise).
    pub region: Option<Vec<Point>>,
}

/// The answer for perfect coordination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerfectCoordination {
    /// Each support outcome.
    pub support: Vec<SupportOutcome>,
    /// Whether some support outcome is Pareto-suboptimal (a perfect-coordination SPI exists).
    pub exists: bool,
    /// max over the support of each player's payoff: the point every safe promise must weakly beat.
    pub floor: Point,
    /// Two players: C(Γ) ∩ {y ⪰ floor}, possibly empty; `None` for other player counts.
    pub safe_region: Option<Vec<Point>>,
}

/// The IESDS-surviving profiles: the support to assume when Π(Γ) is unknown.
pub fn default_support(game: &Game) -> Vec<Profile> {
    let r = iesds(game);
    let shape: Vec<usize> = r.surviving.iter().map(Vec::len).collect();
    ProfileIter::new(&shape)
        .map(|k| {
            k.iter()
                .enumerate()
                .map(|(i, &x)| r.surviving[i][x])
                .collect()
        })
        .collect()
}

/// Decides perfect-coordination SPIs for a default play with the given support.
pub fn perfect_coordination(game: &Game, support: &[Profile]) -> PerfectCoordination {
    let n = game.num_players();
    let hull = hull_2d(game);
    let outcomes: Vec<SupportOutcome> = support
        .iter()
        .map(|p| {
            let payoffs = game.payoffs(p).to_vec();
            let region = hull.as_ref().map(|h| clip_orthant(h, &payoffs));
            SupportOutcome {
                profile: p.clone(),
                improvement: pareto_improvement(game, &payoffs),
                payoffs,
                region,
            }
        })
        .collect();
    let floor: Point = (0..n)
        .map(|i| {
            outcomes
                .iter()
                .map(|o| o.payoffs[i].clone())
                .max()
                .unwrap_or(Rational::ZERO)
        })
        .collect();
    PerfectCoordination {
        exists: outcomes.iter().any(|o| o.improvement.is_some()),
        safe_region: hull.as_ref().map(|h| clip_orthant(h, &floor)),
        support: outcomes,
        floor,
    }
}

/// A convex polygon (vertices in order; 1 or 2 vertices allowed) clipped to {y : y_i ≥ floor_i}.
fn clip_orthant(poly: &[Point], floor: &[Rational]) -> Vec<Point> {
    let mut cur = poly.to_vec();
    for i in 0..2 {
        cur = clip_half_plane(&cur, i, &floor[i]);
        if cur.is_empty() {
            break;
        }
    }
    cur
}

/// Sutherland–Hodgman against y_i ≥ b, exact.
fn clip_half_plane(poly: &[Point], i: usize, b: &Rational) -> Vec<Point> {
    let inside = |p: &Point| p[i] >= *b;
    if poly.len() == 1 {
        return if inside(&poly[0]) {
            poly.to_vec()
        } else {
            Vec::new()
        };
    }
    let mut out: Vec<Point> = Vec::new();
    let k = poly.len();
    for s in 0..k {
        let (p, q) = (&poly[s], &poly[(s + 1) % k]);
        let (pin, qin) = (inside(p), inside(q));
        if pin {
            out.push(p.clone());
        }
        if pin != qin {
            // The crossing point with y_i = b; q_i ≠ p_i because exactly one side is inside.
            let t = (b - &p[i])
                .checked_div(&(&q[i] - &p[i]))
                .unwrap_or(Rational::ZERO);
            out.push(vec![
                &p[0] + &(&t * &(&q[0] - &p[0])),
                &p[1] + &(&t * &(&q[1] - &p[1])),
            ]);
        }
    }
    out.dedup();
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// The program-equilibrium check of OC Algorithm 2 for a planned outcome (its payoff vector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramEquilibrium {
    /// The threat point of Γ and, per deviator, the punishment that holds it there.
    pub threat: ThreatPoint,
    /// The planned payoffs.
    pub planned: Vec<Rational>,
    /// Players whose planned payoff is below their threat value, with the shortfall.
    pub shortfalls: Vec<(usize, Rational)>,
}

impl ProgramEquilibrium {
    /// Whether no player gains by deviating (everyone is at or above its threat point).
    pub fn is_equilibrium(&self) -> bool {
        self.shortfalls.is_empty()
    }
}

/// Checks OC Algorithm 2's program profile for a planned payoff vector.
pub fn program_equilibrium(game: &Game, planned: &[Rational]) -> ProgramEquilibrium {
    let threat = threat_point(game);
    let shortfalls = threat
        .values
        .iter()
        .zip(planned)
        .enumerate()
        .filter(|(_, (v, p))| p < v)
        .map(|(i, (v, p))| (i, v - p))
        .collect();
    ProgramEquilibrium {
        threat,
        planned: planned.to_vec(),
        shortfalls,
    }
}

/// The expected payoffs of a distribution over profiles.
pub fn expected_payoffs(game: &Game, distribution: &[(Profile, Rational)]) -> Vec<Rational> {
    let mut out = vec![Rational::ZERO; game.num_players()];
    for (p, w) in distribution {
        for (o, u) in out.iter_mut().zip(game.payoffs(p)) {
            *o = &*o + &(w * u);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use spi_games::examples;

    fn q(n: i64, d: i64) -> Rational {
        Rational::new(n, d).unwrap()
    }

    #[test]
    fn oc2022_pd_perfect_coordination() {
        let g = examples::prisoners_dilemma();
        let pc = perfect_coordination(&g, &default_support(&g));
        assert!(pc.exists);
        assert_eq!(pc.support.len(), 1);
        // Safe region: C(PD) above (2,2), cut where the hull edges cross u = 2.
        let region = pc.safe_region.unwrap();
        let shown: Vec<String> = region
            .iter()
            .map(|p| format!("({}, {})", p[0], p[1]))
            .collect();
        assert_eq!(shown, ["(2, 2)", "(7/2, 2)", "(3, 3)", "(2, 7/2)"]);
    }

    #[test]
    fn oc2022_demand_game_perfect_coordination() {
        let g = examples::demand_game();
        let pc = perfect_coordination(&g, &default_support(&g));
        assert!(pc.exists);
        let improvable: Vec<bool> = pc.support.iter().map(|o| o.improvement.is_some()).collect();
        // (DM,DM) = (-3,-3) is Pareto-suboptimal; (2,0), (0,2), (1,1) are on the frontier.
        assert_eq!(improvable, [true, false, false, false]);
        // No single point improves on all four outcomes at once: the floor (2,2) is infeasible.
        assert_eq!(pc.floor, vec![q(2, 1), q(2, 1)]);
        assert_eq!(pc.safe_region, Some(vec![]));
    }

    #[test]
    fn oc2022_algorithm2_demand_game_spi_outcome_is_a_program_equilibrium() {
        let g = examples::demand_game();
        let pe = program_equilibrium(&g, &[q(1, 1), q(1, 1)]);
        assert_eq!(pe.threat.values, vec![q(0, 1), q(0, 1)]);
        assert!(pe.is_equilibrium());
        let bad = program_equilibrium(&g, &[q(-3, 1), q(-3, 1)]);
        assert_eq!(bad.shortfalls, vec![(0, q(3, 1)), (1, q(3, 1))]);
    }
}
