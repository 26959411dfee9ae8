//! Agenda B.1 (docs/reference/definitions.md §3.2) on a finite model: a transformation f over a
//! finite space of program profiles, and the check that it is an SPI there (U(f(p)) ⪰ U(p) for
//! every p in the space), with the first counterexample profile when it is not.
//!
//! The program game is an ordinary `Game` whose actions are program names and whose payoffs are
//! U(p) = u(p_1(p_2), p_2(p_1)) (the outcome the programs reach against each other). The
//! transformation is given per profile, so it may depend on everyone's programs (DCM's renegotiation
//! wrappers do not, but nothing here assumes that).

use spi_games::game::Profile;
use spi_games::{Game, Rational};

/// A transformation f: P → profiles of the program game, listed on its domain P.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramTransformation {
    /// The program game (actions are programs).
    pub game: Game,
    /// (p, f(p)) for every p in the space P.
    pub pairs: Vec<(Profile, Profile)>,
}

/// One profile p where f makes some player worse off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counterexample {
    /// p.
    pub from: Profile,
    /// f(p).
    pub to: Profile,
    /// Who loses.
    pub player: usize,
    /// U_player(p).
    pub payoff_from: Rational,
    /// U_player(f(p)).
    pub payoff_to: Rational,
}

/// The verdict on a transformation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformationCheck {
    /// Every profile where some player loses (the first is "the" counterexample).
    pub counterexamples: Vec<Counterexample>,
    /// Profiles of the space where some player strictly gains.
    pub strict_gains: Vec<Profile>,
    /// Number of profiles in the space.
    pub space_size: usize,
}

impl TransformationCheck {
    /// Whether f is an SPI on the space (weakly better for everyone everywhere).
    pub fn is_spi(&self) -> bool {
        self.counterexamples.is_empty()
    }
    /// DCM's stronger reading: an SPI with a strict gain somewhere.
    pub fn is_strict_spi(&self) -> bool {
        self.is_spi() && !self.strict_gains.is_empty()
    }
}

/// Checks f on its space.
pub fn check_transformation(t: &ProgramTransformation) -> TransformationCheck {
    let mut counterexamples = Vec::new();
    let mut strict_gains = Vec::new();
    for (p, fp) in &t.pairs {
        let (u, v) = (t.game.payoffs(p), t.game.payoffs(fp));
        for (player, (x, y)) in u.iter().zip(v).enumerate() {
            if y < x {
                counterexamples.push(Counterexample {
                    from: p.clone(),
                    to: fp.clone(),
                    player,
                    payoff_from: x.clone(),
                    payoff_to: y.clone(),
                });
            }
        }
        if u.iter().zip(v).any(|(x, y)| y > x) {
            strict_gains.push(p.clone());
        }
    }
    TransformationCheck {
        counterexamples,
        strict_gains,
        space_size: t.pairs.len(),
    }
}
