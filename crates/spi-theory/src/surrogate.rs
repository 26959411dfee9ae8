//! Agenda B.3 (docs/reference/definitions.md §5) on a finite model: threat games with a surrogate
//! target, concession-equivalent policies, and the computation that adopting one is an SPI and by
//! how much each party gains.
//!
//! B (the threatener) picks a demand d from a finite list and a target t, or makes no threat. A
//! concedes with probability c_t(d): then A pays d (payoffs no_threat + (−d, +d)); otherwise the
//! threat is executed with payoffs `executed_t` (absolute). Without a surrogate goal only the
//! target "original" exists; adopting one adds the other targets, holding c_original fixed.
//!
//! A's policy is *concession-equivalent* when c_t(d) depends only on d and on what executing the
//! threat would give B, not on the target: c_t(d) = c_t'(d) whenever executing t and t' give B the
//! same payoff. Given as a table g(d, x) over B's execution payoff x it is so by construction; given
//! per target it is checked, with the (demand, targets) that break it.
//!
//! B best-responds in each world (maximising its expected payoff; ties go to no threat, then to the
//! lower demand, then to the target less harmful to A, which is the SPI's premise that B threatens
//! the surrogate whenever that costs it no more). The adoption is an SPI at the equilibrium when
//! both parties' expected payoffs weakly rise, and "an SPI for any demands" when at every fixed
//! demand B's best target in the new world weakly Pareto-improves on the original threat. B's demand
//! may rise a little when executing the surrogate threat is cheaper for B; the analysis reports it.

use spi_games::Rational;

/// A target of threats and what executing a threat against it gives (A, B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// "original" or a surrogate's name.
    pub name: String,
    /// Payoffs (A, B) when the threat is executed.
    pub executed: [Rational; 2],
}

/// The threat game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreatGame {
    /// B's possible demands.
    pub demands: Vec<Rational>,
    /// Payoffs (A, B) when B makes no threat.
    pub no_threat: [Rational; 2],
    /// The targets; the first is the original goal.
    pub targets: Vec<Target>,
    /// `concession[t][k]`: probability that A concedes to a threat on target t demanding demands[k].
    pub concession: Vec<Vec<Rational>>,
}

/// B's choice in one world and its expected payoffs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreatChoice {
    /// The demand, or `None` for no threat.
    pub demand: Option<Rational>,
    /// The target threatened.
    pub target: Option<String>,
    /// A's concession probability.
    pub concession: Rational,
    /// Expected payoffs (A, B).
    pub payoffs: [Rational; 2],
}

/// At one fixed demand: the original threat against B's best target once the surrogate exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandComparison {
    /// The demand.
    pub demand: Rational,
    /// Expected payoffs (A, B) of threatening the original goal.
    pub original: [Rational; 2],
    /// B's best target in the new world and its expected payoffs.
    pub chosen: (String, [Rational; 2]),
    /// Whether `chosen` weakly Pareto-improves on `original`.
    pub improves: bool,
}

/// A breach of concession equivalence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcessionBreach {
    /// The demand.
    pub demand: Rational,
    /// Two targets whose execution gives B the same payoff.
    pub targets: (String, String),
    /// Their concession probabilities.
    pub probabilities: (Rational, Rational),
}

/// The analysis of adopting the surrogate goal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurrogateAnalysis {
    /// Breaches of concession equivalence (empty: the policy is concession-equivalent).
    pub breaches: Vec<ConcessionBreach>,
    /// B's best response without the surrogate.
    pub before: ThreatChoice,
    /// B's best response with it.
    pub after: ThreatChoice,
    /// Per demand comparison.
    pub per_demand: Vec<DemandComparison>,
}

impl SurrogateAnalysis {
    /// Whether the policy is concession-equivalent.
    pub fn is_concession_equivalent(&self) -> bool {
        self.breaches.is_empty()
    }
    /// Whether adopting is an SPI at B's best responses (both weakly better).
    pub fn is_spi(&self) -> bool {
        (0..2).all(|i| self.after.payoffs[i] >= self.before.payoffs[i])
    }
    /// Whether it is an SPI for every demand B might make.
    pub fn is_spi_for_every_demand(&self) -> bool {
        self.per_demand.iter().all(|d| d.improves)
    }
    /// Each party's gain (A, B) at the best responses.
    pub fn gains(&self) -> [Rational; 2] {
        [
            &self.after.payoffs[0] - &self.before.payoffs[0],
            &self.after.payoffs[1] - &self.before.payoffs[1],
        ]
    }
    /// How much B's demand changes (after − before), when B threatens in both worlds.
    pub fn demand_change(&self) -> Option<Rational> {
        Some(self.after.demand.as_ref()? - self.before.demand.as_ref()?)
    }
}

impl ThreatGame {
    fn outcome(&self, t: usize, k: usize) -> [Rational; 2] {
        let c = &self.concession[t][k];
        let d = &self.demands[k];
        let not_c = &Rational::ONE - c;
        let conceded = [&self.no_threat[0] - d, &self.no_threat[1] + d];
        let ex = &self.targets[t].executed;
        [
            &(c * &conceded[0]) + &(&not_c * &ex[0]),
            &(c * &conceded[1]) + &(&not_c * &ex[1]),
        ]
    }

    /// B's best response when the targets `allowed` (indices) exist.
    fn best_response(&self, allowed: &[usize]) -> ThreatChoice {
        let mut best = ThreatChoice {
            demand: None,
            target: None,
            concession: Rational::ZERO,
            payoffs: self.no_threat.clone(),
        };
        for k in 0..self.demands.len() {
            let (t, u) = self.best_target(allowed, k);
            if u[1] > best.payoffs[1] {
                best = ThreatChoice {
                    demand: Some(self.demands[k].clone()),
                    target: Some(self.targets[t].name.clone()),
                    concession: self.concession[t][k].clone(),
                    payoffs: u,
                };
            }
        }
        best
    }

    /// B's best target at demand k; ties go to the target better for A.
    fn best_target(&self, allowed: &[usize], k: usize) -> (usize, [Rational; 2]) {
        let mut best: Option<(usize, [Rational; 2])> = None;
        for &t in allowed {
            let u = self.outcome(t, k);
            let better = match &best {
                None => true,
                Some((_, b)) => u[1] > b[1] || (u[1] == b[1] && u[0] > b[0]),
            };
            if better {
                best = Some((t, u));
            }
        }
        best.expect("at least the original target")
    }
}

/// Analyses adopting the surrogate goal(s).
pub fn analyze(game: &ThreatGame) -> SurrogateAnalysis {
    let mut breaches = Vec::new();
    for t in 0..game.targets.len() {
        for s in t + 1..game.targets.len() {
            if game.targets[t].executed[1] != game.targets[s].executed[1] {
                continue;
            }
            for k in 0..game.demands.len() {
                if game.concession[t][k] != game.concession[s][k] {
                    breaches.push(ConcessionBreach {
                        demand: game.demands[k].clone(),
                        targets: (game.targets[t].name.clone(), game.targets[s].name.clone()),
                        probabilities: (
                            game.concession[t][k].clone(),
                            game.concession[s][k].clone(),
                        ),
                    });
                }
            }
        }
    }
    let all: Vec<usize> = (0..game.targets.len()).collect();
    let per_demand = (0..game.demands.len())
        .map(|k| {
            let original = game.outcome(0, k);
            let (t, u) = game.best_target(&all, k);
            let improves = u[0] >= original[0] && u[1] >= original[1];
            DemandComparison {
                demand: game.demands[k].clone(),
                original,
                chosen: (game.targets[t].name.clone(), u),
                improves,
            }
        })
        .collect();
    SurrogateAnalysis {
        breaches,
        before: game.best_response(&[0]),
        after: game.best_response(&all),
        per_demand,
    }
}
