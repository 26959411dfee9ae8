//! Agenda B.2 (`docs/reference/agenda.md`) on a finite model: full strategies (f, p) and their
//! demand preservation, participation independence (PI) and foreknowledge independence (FI), each
//! with the witness that breaks it.
//!
//! Each player i has a demand function d over its programs, the transformation f_i (programs not
//! listed are left unchanged), and three program choices: p_i (what i chooses in fact, the others
//! participating in the SPI), p^P_i(f) (what i would have chosen had the others USED p_j instead of
//! f(p)_j) and p^F_i(f) (what i would have chosen had i BELIEVED in advance that they would).
//! Definitions (docs/reference/definitions.md §4): demand-preserving iff d(f(p)_i) = d(p_i) for all
//! i; PI iff demand-preserving and p_i = p^P_i for all i; FI iff demand-preserving and p_i = p^F_i
//! for all i.

use std::collections::BTreeMap;

use spi_games::Rational;

/// One player's part of a full strategy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerStrategy {
    /// The player's name.
    pub player: String,
    /// d(q) for each program q the player might use.
    pub demands: BTreeMap<String, Rational>,
    /// f_i on the programs it changes.
    pub transformation: BTreeMap<String, String>,
    /// p_i.
    pub chosen: String,
    /// p^P_i(f).
    pub if_others_do_not_participate: String,
    /// p^F_i(f).
    pub if_known_in_advance: String,
}

impl PlayerStrategy {
    /// f_i(q).
    pub fn transform<'a>(&'a self, q: &'a str) -> &'a str {
        self.transformation.get(q).map(String::as_str).unwrap_or(q)
    }
}

/// A full strategy of all players.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullStrategy {
    /// Per player, in order.
    pub players: Vec<PlayerStrategy>,
}

/// Why a property fails for one player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// The player.
    pub player: String,
    /// The program on the left of the broken equation and its demand.
    pub left: (String, Rational),
    /// The program on the right and its demand.
    pub right: (String, Rational),
}

/// The three properties, each `Ok` or the witnesses that break it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullStrategyCheck {
    /// d(f(p)_i) = d(p_i): witnesses (p_i, f(p)_i).
    pub demand_preserving: Vec<Witness>,
    /// p_i = p^P_i: witnesses (p_i, p^P_i).
    pub participation: Vec<Witness>,
    /// p_i = p^F_i: witnesses (p_i, p^F_i).
    pub foreknowledge: Vec<Witness>,
}

impl FullStrategyCheck {
    /// Whether the full strategy is demand-preserving.
    pub fn is_demand_preserving(&self) -> bool {
        self.demand_preserving.is_empty()
    }
    /// Participation independence.
    pub fn is_participation_independent(&self) -> bool {
        self.is_demand_preserving() && self.participation.is_empty()
    }
    /// Foreknowledge independence.
    pub fn is_foreknowledge_independent(&self) -> bool {
        self.is_demand_preserving() && self.foreknowledge.is_empty()
    }
}

/// Checks the three properties. Demands of programs without a listed demand are an input error the
/// reader reports; here every program named is known to have one.
pub fn check_full_strategy(s: &FullStrategy) -> FullStrategyCheck {
    let mut out = FullStrategyCheck {
        demand_preserving: Vec::new(),
        participation: Vec::new(),
        foreknowledge: Vec::new(),
    };
    for ps in &s.players {
        let d = |q: &str| ps.demands.get(q).cloned().unwrap_or(Rational::ZERO);
        let pair = |a: &str, b: &str| Witness {
            player: ps.player.clone(),
            left: (a.to_string(), d(a)),
            right: (b.to_string(), d(b)),
        };
        let f = ps.transform(&ps.chosen);
        if d(f) != d(&ps.chosen) {
            out.demand_preserving.push(pair(&ps.chosen, f));
        }
        if ps.if_others_do_not_participate != ps.chosen {
            out.participation
                .push(pair(&ps.chosen, &ps.if_others_do_not_participate));
        }
        if ps.if_known_in_advance != ps.chosen {
            out.foreknowledge
                .push(pair(&ps.chosen, &ps.if_known_in_advance));
        }
    }
    out
}
