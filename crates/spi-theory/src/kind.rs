//! The vocabulary a claim and a search share: who may change the game. It lives apart from both so
//! that the verifier ([`crate::certificate`]) depends on nothing of the search: a bug in the search
//! cannot also be a bug in the check that is meant to catch it.

/// A player, by index into the game's player list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerId(pub usize);

/// Which players may change their representatives' game.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpiKind {
    /// Every player may restrict actions and replace utilities.
    Omnilateral,
    /// Only this player changes anything; the others keep A_j and u_j.
    Unilateral(PlayerId),
}
