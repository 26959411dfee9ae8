//! The named example games of the papers, available as `spi game show NAME`.
//!
//! Each entry says where it comes from; docs/reference/definitions.md §2.8 and §3.6 give the test
//! vectors checked against them.

use crate::game::{Game, bimatrix_game};

/// A named example: its key, its source and a constructor.
pub struct Example {
    /// The name used on the command line (`spi game show demand-game`).
    pub key: &'static str,
    /// Where the game comes from.
    pub source: &'static str,
    build: fn() -> Game,
}

impl Example {
    /// Builds the game.
    pub fn game(&self) -> Game {
        (self.build)()
    }
}

/// Every named example, in the order `spi game list` shows them.
pub const EXAMPLES: &[Example] = &[
    Example {
        key: "demand-game",
        source: "Oesterheld & Conitzer 2022, Table 1 (the Demand Game)",
        build: demand_game,
    },
    Example {
        key: "prisoners-dilemma",
        source: "Oesterheld & Conitzer 2022, Sec. 3 (C/C 3,3; C/D 1,4; D/C 4,1; D/D 2,2)",
        build: prisoners_dilemma,
    },
    Example {
        key: "program-pd",
        source: "DiGiovanni et al. / open-source game theory (C/C 2,2; C/D 0,3; D/C 3,0; D/D 1,1)",
        build: program_pd,
    },
    Example {
        key: "chicken",
        source: "DiGiovanni et al. 2024 (PMM example: (3,3),(1,4),(4,1),(0,0))",
        build: chicken,
    },
    Example {
        key: "scheduling",
        source: "DiGiovanni et al. 2024 (the Scheduling Game)",
        build: scheduling,
    },
    Example {
        key: "matching-pennies",
        source: "textbook zero-sum game with a unique mixed equilibrium",
        build: matching_pennies,
    },
    Example {
        key: "battle-of-the-sexes",
        source: "textbook coordination game with two pure and one mixed equilibrium",
        build: battle_of_the_sexes,
    },
];

/// Looks an example up by key.
pub fn example(key: &str) -> Option<Game> {
    EXAMPLES.iter().find(|e| e.key == key).map(Example::game)
}

/// OC's Demand Game: actions DM, RM (demand/refrain in the main conflict) and DL, RL (the same in a
/// less costly "lower" version).
pub fn demand_game() -> Game {
    let a = ["DM", "RM", "DL", "RL"];
    bimatrix_game(
        "demand-game",
        &a,
        &a,
        &[
            &[(-3, -3), (2, 0), (5, -5), (5, -5)],
            &[(0, 2), (1, 1), (5, -5), (5, -5)],
            &[(-5, 5), (-5, 5), (1, 1), (2, 0)],
            &[(-5, 5), (-5, 5), (0, 2), (1, 1)],
        ],
    )
}

/// OC's Prisoner's Dilemma.
pub fn prisoners_dilemma() -> Game {
    bimatrix_game(
        "prisoners-dilemma",
        &["C", "D"],
        &["C", "D"],
        &[&[(3, 3), (1, 4)], &[(4, 1), (2, 2)]],
    )
}

/// The Prisoner's Dilemma used for program games (docs/reference/definitions.md V 3.4).
pub fn program_pd() -> Game {
    bimatrix_game(
        "program-pd",
        &["C", "D"],
        &["C", "D"],
        &[&[(2, 2), (0, 3)], &[(3, 0), (1, 1)]],
    )
}

/// Chicken: swerve (S) or dare (D).
pub fn chicken() -> Game {
    bimatrix_game(
        "chicken",
        &["S", "D"],
        &["S", "D"],
        &[&[(3, 3), (1, 4)], &[(4, 1), (0, 0)]],
    )
}

/// DCM's Scheduling Game: both want to meet; 1 prefers Slot1, 2 prefers Slot2, Slot3 is a poor compromise.
pub fn scheduling() -> Game {
    let a = ["Slot1", "Slot2", "Slot3"];
    bimatrix_game(
        "scheduling",
        &a,
        &a,
        &[
            &[(3, 1), (0, 0), (0, 0)],
            &[(0, 0), (1, 3), (0, 0)],
            &[(0, 0), (0, 0), (1, 1)],
        ],
    )
}

/// Matching pennies.
pub fn matching_pennies() -> Game {
    bimatrix_game(
        "matching-pennies",
        &["H", "T"],
        &["H", "T"],
        &[&[(1, -1), (-1, 1)], &[(-1, 1), (1, -1)]],
    )
}

/// Battle of the sexes.
pub fn battle_of_the_sexes() -> Game {
    bimatrix_game(
        "battle-of-the-sexes",
        &["Opera", "Football"],
        &["Opera", "Football"],
        &[&[(2, 1), (0, 0)], &[(0, 0), (1, 2)]],
    )
}
