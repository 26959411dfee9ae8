//! `Game`: a finite n-player normal-form game with named players and actions and exact payoffs.
//!
//! The payoff table is one flat vector, profile-major (player 1's action outermost, the last
//! player's innermost, as in the JSON format), with the n payoffs of a profile adjacent. A `Game` can
//! only be built through [`Game::new`] or [`Game::from_fn`], which check the shape, so every other
//! function may index it without re-checking.

use std::collections::HashSet;

use crate::number::Rational;

/// An action profile: one action index per player, in player order.
pub type Profile = Vec<usize>;

/// A dense matrix, rows first (a payoff matrix of a two-player game: rows are player 1's actions).
pub type Matrix<T> = Vec<Vec<T>>;

/// Why a game could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GameError {
    /// A game needs at least one player.
    #[error("a game needs at least one player")]
    NoPlayers,
    /// The number of action lists differs from the number of players.
    #[error("{players} players but {action_sets} action sets")]
    ActionSetCount {
        /// Players named.
        players: usize,
        /// Action sets given.
        action_sets: usize,
    },
    /// A player has no action.
    #[error("player {player:?} has an empty action set")]
    EmptyActionSet {
        /// The player's name.
        player: String,
    },
    /// Two actions of one player share a name.
    #[error("player {player:?} has two actions named {action:?}")]
    DuplicateAction {
        /// The player's name.
        player: String,
        /// The repeated action name.
        action: String,
    },
    /// Two players share a name.
    #[error("two players are named {0:?}")]
    DuplicatePlayer(String),
    /// A player or action name that cannot be printed as one table cell.
    #[error(
        "{what}: expected a name of at most {MAX_NAME_CHARS} characters without control characters, found {shown}"
    )]
    BadName {
        /// Which name (`player 1`, `action 3 of player "A"`).
        what: String,
        /// The name, escaped and cut to a readable length.
        shown: String,
    },
    /// The payoff table has the wrong number of entries.
    #[error("expected {expected} payoffs ({profiles} profiles x {players} players), found {found}")]
    PayoffCount {
        /// Number of action profiles.
        profiles: usize,
        /// Number of players.
        players: usize,
        /// Entries expected.
        expected: usize,
        /// Entries found.
        found: usize,
    },
    /// The game is too large to tabulate.
    #[error("the game has more than {max} action profiles")]
    TooLarge {
        /// The limit.
        max: usize,
    },
}

/// The largest payoff table we tabulate (profiles x players entries).
pub const MAX_TABLE_ENTRIES: usize = 1 << 26;

/// A finite normal-form game with exact payoffs.
#[derive(Clone, PartialEq, Eq)]
pub struct Game {
    name: String,
    players: Vec<String>,
    actions: Vec<Vec<String>>,
    /// `strides[i]` is how far the flat profile index moves when player i's action grows by one.
    strides: Vec<usize>,
    payoffs: Vec<Rational>,
}

impl std::fmt::Debug for Game {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Game({:?}, {:?})", self.name, self.shape())
    }
}

impl Game {
    /// Builds a game from a flat, profile-major payoff vector (`n` entries per profile).
    pub fn new(
        name: impl Into<String>,
        players: Vec<String>,
        actions: Vec<Vec<String>>,
        payoffs: Vec<Rational>,
    ) -> Result<Game, GameError> {
        let n = players.len();
        if n == 0 {
            return Err(GameError::NoPlayers);
        }
        if actions.len() != n {
            return Err(GameError::ActionSetCount {
                players: n,
                action_sets: actions.len(),
            });
        }
        for (i, p) in players.iter().enumerate() {
            check_name(p, || format!("player {}", i + 1))?;
        }
        for (p, acts) in players.iter().zip(&actions) {
            for (k, a) in acts.iter().enumerate() {
                check_name(a, || format!("action {} of player {p:?}", k + 1))?;
            }
        }
        let mut seen = HashSet::new();
        for p in &players {
            if !seen.insert(p.as_str()) {
                return Err(GameError::DuplicatePlayer(p.clone()));
            }
        }
        for (p, acts) in players.iter().zip(&actions) {
            if acts.is_empty() {
                return Err(GameError::EmptyActionSet { player: p.clone() });
            }
            let mut seen = HashSet::new();
            for a in acts {
                if !seen.insert(a.as_str()) {
                    return Err(GameError::DuplicateAction {
                        player: p.clone(),
                        action: a.clone(),
                    });
                }
            }
        }
        let profiles = count_profiles(&actions)?;
        let expected = profiles * n;
        if payoffs.len() != expected {
            return Err(GameError::PayoffCount {
                profiles,
                players: n,
                expected,
                found: payoffs.len(),
            });
        }
        let strides = strides_of(&actions);
        Ok(Game {
            name: name.into(),
            players,
            actions,
            strides,
            payoffs,
        })
    }

    /// Builds a game by evaluating `payoff(profile)` on every profile, in profile-major order.
    pub fn from_fn(
        name: impl Into<String>,
        players: Vec<String>,
        actions: Vec<Vec<String>>,
        mut payoff: impl FnMut(&[usize]) -> Vec<Rational>,
    ) -> Result<Game, GameError> {
        let shape: Vec<usize> = actions.iter().map(Vec::len).collect();
        if shape.contains(&0) || players.is_empty() || actions.len() != players.len() {
            // Let `new` produce the precise error.
            return Game::new(name, players, actions, Vec::new());
        }
        let profiles = count_profiles(&actions)?;
        let mut flat = Vec::with_capacity(profiles * players.len());
        for profile in ProfileIter::new(&shape) {
            flat.extend(payoff(&profile));
        }
        Game::new(name, players, actions, flat)
    }

    /// A game with players "1", "2", … and actions "a1", "a2", … (for generated and `.nfg` games).
    pub fn default_names(shape: &[usize]) -> (Vec<String>, Vec<Vec<String>>) {
        let players = (1..=shape.len()).map(|i| i.to_string()).collect();
        let actions = shape
            .iter()
            .map(|&k| (1..=k).map(|j| format!("a{j}")).collect())
            .collect();
        (players, actions)
    }

    /// The game's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The same game under another name.
    pub fn renamed(mut self, name: impl Into<String>) -> Game {
        self.name = name.into();
        self
    }

    /// Player names in order.
    pub fn players(&self) -> &[String] {
        &self.players
    }

    /// Number of players.
    pub fn num_players(&self) -> usize {
        self.players.len()
    }

    /// Action names of every player.
    pub fn action_names(&self) -> &[Vec<String>] {
        &self.actions
    }

    /// Action names of one player.
    pub fn actions(&self, player: usize) -> &[String] {
        &self.actions[player]
    }

    /// Number of actions of one player.
    pub fn num_actions(&self, player: usize) -> usize {
        self.actions[player].len()
    }

    /// Number of actions of every player.
    pub fn shape(&self) -> Vec<usize> {
        self.actions.iter().map(Vec::len).collect()
    }

    /// Number of action profiles.
    pub fn num_profiles(&self) -> usize {
        self.payoffs.len() / self.players.len()
    }

    /// The index of a player by name.
    pub fn player_index(&self, name: &str) -> Option<usize> {
        self.players.iter().position(|p| p == name)
    }

    /// The index of an action by name.
    pub fn action_index(&self, player: usize, name: &str) -> Option<usize> {
        self.actions[player].iter().position(|a| a == name)
    }

    /// The flat index of a profile.
    pub fn profile_index(&self, profile: &[usize]) -> usize {
        profile.iter().zip(&self.strides).map(|(a, s)| a * s).sum()
    }

    /// The profile at a flat index.
    pub fn profile_at(&self, mut index: usize) -> Profile {
        let mut p = vec![0; self.num_players()];
        for (i, s) in self.strides.iter().enumerate() {
            p[i] = index / s;
            index %= s;
        }
        p
    }

    /// Every profile, in profile-major order.
    pub fn profiles(&self) -> ProfileIter {
        ProfileIter::new(&self.shape())
    }

    /// The payoff vector of a profile.
    pub fn payoffs(&self, profile: &[usize]) -> &[Rational] {
        let n = self.num_players();
        let k = self.profile_index(profile) * n;
        &self.payoffs[k..k + n]
    }

    /// One player's payoff at a profile.
    pub fn payoff(&self, profile: &[usize], player: usize) -> &Rational {
        &self.payoffs[self.profile_index(profile) * self.num_players() + player]
    }

    /// The whole flat payoff table.
    pub fn payoff_table(&self) -> &[Rational] {
        &self.payoffs
    }

    /// A profile rendered with action names, e.g. `(DM, RM)`.
    pub fn profile_label(&self, profile: &[usize]) -> String {
        let names: Vec<&str> = profile
            .iter()
            .enumerate()
            .map(|(i, &a)| self.actions[i][a].as_str())
            .collect();
        format!("({})", names.join(", "))
    }

    /// The subgame keeping, for each player, the listed actions in the listed order.
    ///
    /// Panics if an index is out of range or a list is empty: callers pass indices they computed
    /// from this game.
    pub fn restrict(&self, keep: &[Vec<usize>]) -> Game {
        assert_eq!(keep.len(), self.num_players());
        let actions: Vec<Vec<String>> = keep
            .iter()
            .enumerate()
            .map(|(i, ks)| ks.iter().map(|&k| self.actions[i][k].clone()).collect())
            .collect();
        Game::from_fn(self.name.clone(), self.players.clone(), actions, |sub| {
            let full: Vec<usize> = sub.iter().enumerate().map(|(i, &a)| keep[i][a]).collect();
            self.payoffs(&full).to_vec()
        })
        .expect("restriction of a valid game with non-empty action lists is valid")
    }

    /// The two payoff matrices `(A, B)` of a two-player game, rows = player 1's actions.
    pub fn bimatrix(&self) -> Option<(Matrix<Rational>, Matrix<Rational>)> {
        if self.num_players() != 2 {
            return None;
        }
        let (m, n) = (self.num_actions(0), self.num_actions(1));
        let a = (0..m)
            .map(|i| (0..n).map(|j| self.payoff(&[i, j], 0).clone()).collect())
            .collect();
        let b = (0..m)
            .map(|i| (0..n).map(|j| self.payoff(&[i, j], 1).clone()).collect())
            .collect();
        Some((a, b))
    }

    /// The pure outcomes `u(A)` (payoff vectors of all profiles), in profile order.
    pub fn outcomes(&self) -> impl Iterator<Item = &[Rational]> {
        self.payoffs.chunks(self.num_players())
    }
}

fn count_profiles(actions: &[Vec<String>]) -> Result<usize, GameError> {
    let mut total: usize = 1;
    for a in actions {
        total = total
            .checked_mul(a.len().max(1))
            .filter(|t| t.saturating_mul(actions.len()) <= MAX_TABLE_ENTRIES)
            .ok_or(GameError::TooLarge {
                max: MAX_TABLE_ENTRIES / actions.len().max(1),
            })?;
    }
    Ok(total)
}

fn strides_of(actions: &[Vec<String>]) -> Vec<usize> {
    let mut strides = vec![1; actions.len()];
    for i in (0..actions.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * actions[i + 1].len();
    }
    strides
}

/// Iterates over all profiles of a shape in profile-major order (last player fastest).
#[derive(Clone, Debug)]
pub struct ProfileIter {
    shape: Vec<usize>,
    next: Option<Profile>,
}

impl ProfileIter {
    /// All profiles of `shape`; empty if some entry is zero.
    pub fn new(shape: &[usize]) -> ProfileIter {
        let next = if shape.contains(&0) {
            None
        } else {
            Some(vec![0; shape.len()])
        };
        ProfileIter {
            shape: shape.to_vec(),
            next,
        }
    }
}

impl Iterator for ProfileIter {
    type Item = Profile;
    fn next(&mut self) -> Option<Profile> {
        let current = self.next.take()?;
        let mut succ = current.clone();
        let mut i = succ.len();
        loop {
            if i == 0 {
                break;
            }
            i -= 1;
            succ[i] += 1;
            if succ[i] < self.shape[i] {
                self.next = Some(succ);
                break;
            }
            succ[i] = 0;
        }
        Some(current)
    }
}

/// The longest player or action name. Names are table cells and labels: a 70,000-character name
/// made the table printer's width overflow its formatter and panic, and a newline or a terminal
/// escape in a name was printed raw.
pub const MAX_NAME_CHARS: usize = 256;

fn check_name(name: &str, what: impl Fn() -> String) -> Result<(), GameError> {
    let long = name.chars().nth(MAX_NAME_CHARS).is_some();
    if long || name.chars().any(char::is_control) {
        let cut: String = name.chars().take(40).collect();
        let shown = if long {
            format!("{cut:?}… ({} characters)", name.chars().count())
        } else {
            format!("{name:?}")
        };
        return Err(GameError::BadName {
            what: what(),
            shown,
        });
    }
    Ok(())
}

/// Builds a two-player game from two matrices of integers (a convenience for examples and tests).
pub fn bimatrix_game(name: &str, rows: &[&str], cols: &[&str], payoffs: &[&[(i64, i64)]]) -> Game {
    let actions = vec![
        rows.iter().map(|s| s.to_string()).collect(),
        cols.iter().map(|s| s.to_string()).collect(),
    ];
    Game::from_fn(name, vec!["A".into(), "B".into()], actions, |p| {
        let (a, b) = payoffs[p[0]][p[1]];
        vec![Rational::from_int(a), Rational::from_int(b)]
    })
    .expect("a well-formed literal bimatrix")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_index_round_trips() {
        let (players, actions) = Game::default_names(&[2, 3, 4]);
        let g = Game::from_fn("t", players, actions, |p| {
            p.iter().map(|&a| Rational::from_int(a as i64)).collect()
        })
        .unwrap();
        for (k, p) in g.profiles().enumerate() {
            assert_eq!(g.profile_index(&p), k);
            assert_eq!(g.profile_at(k), p);
            assert_eq!(g.payoff(&p, 2), &Rational::from_int(p[2] as i64));
        }
        assert_eq!(g.num_profiles(), 24);
    }

    #[test]
    fn rejects_bad_shapes() {
        let (players, actions) = Game::default_names(&[2, 2]);
        let e = Game::new(
            "t",
            players.clone(),
            actions.clone(),
            vec![Rational::ZERO; 7],
        )
        .unwrap_err();
        assert!(matches!(
            e,
            GameError::PayoffCount {
                expected: 8,
                found: 7,
                ..
            }
        ));
        let e = Game::new(
            "t",
            players,
            vec![vec!["x".into(), "x".into()], vec!["y".into()]],
            vec![],
        )
        .unwrap_err();
        assert!(matches!(e, GameError::DuplicateAction { .. }));
    }
}
