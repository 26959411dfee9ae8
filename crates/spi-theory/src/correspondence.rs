//! Outcome correspondences (OC Sec. 4): set-valued maps Φ: A ⊸ B between the profiles of two games.
//!
//! Γ ∼_Φ Γ' says "whatever Γ's representatives play, Γ''s play something in Φ of it". The relation
//! is reflexive ([`OutcomeCorrespondence::identity`]), symmetric ([`OutcomeCorrespondence::inverse`])
//! and transitive ([`OutcomeCorrespondence::compose`]); eliminating strictly dominated actions gives
//! one (Assumption 1, [`OutcomeCorrespondence::elimination`]) and so does an isomorphism
//! (Assumption 2). Γ^s is an SPI on Γ iff some Φ from Γ to Γ^s is Pareto-improving: every image of
//! every profile weakly Pareto-dominates it under Γ's utilities ([`OutcomeCorrespondence::pareto_violation`]).
//!
//! Profiles are stored by flat profile-major index (the layout of `spi_games::Game`), images as
//! sorted index lists.

use spi_games::Rational;
use spi_games::game::ProfileIter;

use crate::error::TheoryError;

/// A set-valued map from the profiles of a game of shape `from_shape` to those of shape `to_shape`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeCorrespondence {
    from_shape: Vec<usize>,
    to_shape: Vec<usize>,
    /// `images[a]` = sorted flat indices of Φ(a).
    images: Vec<Vec<usize>>,
}

/// A pair (a, b) with b ∈ Φ(a) where b is worse than a for some player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParetoViolation {
    /// The source profile a.
    pub from: Vec<usize>,
    /// The image b.
    pub to: Vec<usize>,
    /// The player who loses.
    pub player: usize,
    /// That player's payoff at a.
    pub payoff_from: Rational,
    /// That player's payoff at b.
    pub payoff_to: Rational,
}

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Flat index of a profile of `shape`.
pub fn flat_index(shape: &[usize], profile: &[usize]) -> usize {
    profile.iter().zip(strides(shape)).map(|(a, s)| a * s).sum()
}

/// The profile of `shape` at a flat index.
pub fn unflatten(shape: &[usize], mut index: usize) -> Vec<usize> {
    strides(shape)
        .iter()
        .map(|s| {
            let a = index / s;
            index %= s;
            a
        })
        .collect()
}

impl OutcomeCorrespondence {
    /// Builds Φ from `f(a)` = the profiles Φ(a), checking that every image fits `to_shape`.
    pub fn from_fn(
        from_shape: &[usize],
        to_shape: &[usize],
        mut f: impl FnMut(&[usize]) -> Vec<Vec<usize>>,
    ) -> Result<OutcomeCorrespondence, TheoryError> {
        let mut images = Vec::new();
        for a in ProfileIter::new(from_shape) {
            let mut im = Vec::new();
            for b in f(&a) {
                if b.len() != to_shape.len() || b.iter().zip(to_shape).any(|(x, k)| x >= k) {
                    return Err(TheoryError::ShapeMismatch {
                        left: b,
                        right: to_shape.to_vec(),
                    });
                }
                im.push(flat_index(to_shape, &b));
            }
            im.sort_unstable();
            im.dedup();
            images.push(im);
        }
        Ok(OutcomeCorrespondence {
            from_shape: from_shape.to_vec(),
            to_shape: to_shape.to_vec(),
            images,
        })
    }

    /// The identity correspondence (reflexivity).
    pub fn identity(shape: &[usize]) -> OutcomeCorrespondence {
        let count: usize = shape.iter().product();
        OutcomeCorrespondence {
            from_shape: shape.to_vec(),
            to_shape: shape.to_vec(),
            images: (0..count).map(|a| vec![a]).collect(),
        }
    }

    /// Assumption 1: eliminating actions (keeping `surviving[i]`, sorted) maps every profile using a
    /// removed action to ∅ and every other profile to itself, re-indexed in the smaller game.
    pub fn elimination(shape: &[usize], surviving: &[Vec<usize>]) -> OutcomeCorrespondence {
        let to_shape: Vec<usize> = surviving.iter().map(Vec::len).collect();
        let images = ProfileIter::new(shape)
            .map(|a| {
                let pos: Option<Vec<usize>> = a
                    .iter()
                    .enumerate()
                    .map(|(i, x)| surviving[i].iter().position(|y| y == x))
                    .collect();
                pos.map(|p| vec![flat_index(&to_shape, &p)])
                    .unwrap_or_default()
            })
            .collect();
        OutcomeCorrespondence {
            from_shape: shape.to_vec(),
            to_shape,
            images,
        }
    }

    /// Assumption 2 for one isomorphism: `maps[i][x]` is the image of action x; a bijection between
    /// games of the same shape.
    pub fn from_action_maps(
        from_shape: &[usize],
        to_shape: &[usize],
        maps: &[Vec<usize>],
    ) -> Result<OutcomeCorrespondence, TheoryError> {
        OutcomeCorrespondence::from_fn(from_shape, to_shape, |a| {
            vec![
                a.iter()
                    .enumerate()
                    .map(|(i, &x)| {
                        maps.get(i)
                            .and_then(|m| m.get(x))
                            .copied()
                            .unwrap_or(usize::MAX)
                    })
                    .collect(),
            ]
        })
    }

    /// The inverse Φ⁻¹: b ↦ {a : b ∈ Φ(a)} (symmetry).
    pub fn inverse(&self) -> OutcomeCorrespondence {
        let count: usize = self.to_shape.iter().product();
        let mut images = vec![Vec::new(); count];
        for (a, im) in self.images.iter().enumerate() {
            for &b in im {
                images[b].push(a);
            }
        }
        OutcomeCorrespondence {
            from_shape: self.to_shape.clone(),
            to_shape: self.from_shape.clone(),
            images,
        }
    }

    /// The composition `next ∘ self`: a ↦ ⋃_{b ∈ Φ(a)} Ψ(b) (transitivity).
    pub fn compose(
        &self,
        next: &OutcomeCorrespondence,
    ) -> Result<OutcomeCorrespondence, TheoryError> {
        if self.to_shape != next.from_shape {
            return Err(TheoryError::ShapeMismatch {
                left: self.to_shape.clone(),
                right: next.from_shape.clone(),
            });
        }
        let images = self
            .images
            .iter()
            .map(|im| {
                let mut out: Vec<usize> = im
                    .iter()
                    .flat_map(|&b| next.images[b].iter().copied())
                    .collect();
                out.sort_unstable();
                out.dedup();
                out
            })
            .collect();
        Ok(OutcomeCorrespondence {
            from_shape: self.from_shape.clone(),
            to_shape: next.to_shape.clone(),
            images,
        })
    }

    /// The shape of the source game.
    pub fn from_shape(&self) -> &[usize] {
        &self.from_shape
    }

    /// The shape of the target game.
    pub fn to_shape(&self) -> &[usize] {
        &self.to_shape
    }

    /// Φ(a) as profiles.
    pub fn image(&self, profile: &[usize]) -> Vec<Vec<usize>> {
        self.images[flat_index(&self.from_shape, profile)]
            .iter()
            .map(|&b| unflatten(&self.to_shape, b))
            .collect()
    }

    /// Every pair (a, b) with b ∈ Φ(a), as profiles, in source order.
    pub fn pairs(&self) -> impl Iterator<Item = (Vec<usize>, Vec<usize>)> + '_ {
        self.images.iter().enumerate().flat_map(move |(a, im)| {
            let pa = unflatten(&self.from_shape, a);
            im.iter()
                .map(move |&b| (pa.clone(), unflatten(&self.to_shape, b)))
        })
    }

    /// Number of pairs (a, b) with b ∈ Φ(a).
    pub fn len(&self) -> usize {
        self.images.iter().map(Vec::len).sum()
    }

    /// Whether Φ maps every profile to ∅.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether Φ is contained in Ψ pairwise (Φ ⊆ Ψ; correspondences are monotone under enlarging).
    pub fn is_subset_of(&self, other: &OutcomeCorrespondence) -> bool {
        self.from_shape == other.from_shape
            && self.to_shape == other.to_shape
            && self
                .images
                .iter()
                .zip(&other.images)
                .all(|(a, b)| a.iter().all(|x| b.binary_search(x).is_ok()))
    }

    /// The first pair (a, b ∈ Φ(a)) at which b is worse than a for some player, with both sides'
    /// payoffs given by the caller (both in the ORIGINAL game's utilities); `None` when Φ is
    /// Pareto-improving.
    pub fn pareto_violation(
        &self,
        payoff_from: &dyn Fn(&[usize]) -> Vec<Rational>,
        payoff_to: &dyn Fn(&[usize]) -> Vec<Rational>,
    ) -> Option<ParetoViolation> {
        for (a, b) in self.pairs() {
            let (ua, ub) = (payoff_from(&a), payoff_to(&b));
            for (player, (x, y)) in ua.iter().zip(&ub).enumerate() {
                if y < x {
                    return Some(ParetoViolation {
                        from: a,
                        to: b,
                        player,
                        payoff_from: x.clone(),
                        payoff_to: y.clone(),
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_is_an_involution_and_composition_is_associative() {
        let e = OutcomeCorrespondence::elimination(&[3, 2], &[vec![0, 2], vec![1]]);
        assert_eq!(e.inverse().inverse(), e);
        assert_eq!(e.len(), 2);
        assert_eq!(e.image(&[2, 1]), vec![vec![1, 0]]);
        assert!(e.image(&[1, 1]).is_empty());
        let back = e.compose(&e.inverse()).unwrap();
        // Surviving profiles return to themselves, eliminated ones to nothing.
        assert_eq!(back.image(&[0, 1]), vec![vec![0, 1]]);
        assert!(back.is_subset_of(&OutcomeCorrespondence::identity(&[3, 2])));
        let id = OutcomeCorrespondence::identity(&[3, 2]);
        assert_eq!(id.compose(&e).unwrap(), e);
        assert!(matches!(
            e.compose(&e),
            Err(TheoryError::ShapeMismatch { .. })
        ));
    }
}
