//! Example games that live with the program-game results they illustrate.

use spi_games::{Game, GameError, Rational};

/// Agenda B.4's negotiation over a successor agent's values, as a symmetric game. Each player picks a
/// demand (50% or 80%) and what to do if refused (attempt `Takeover`, or trigger a `Doomsday`
/// device). Compatible demands (sum ≤ 100) are granted; incompatible ones are conflict: doomsday if
/// either player armed a device, else both attempt takeover.
pub fn doomsday(doomsday: [Rational; 2], takeover: [Rational; 2]) -> Result<Game, GameError> {
    let actions: Vec<String> = [
        "Demand50+Takeover",
        "Demand50+Doomsday",
        "Demand80+Takeover",
        "Demand80+Doomsday",
    ]
    .map(String::from)
    .to_vec();
    let demand = |a: usize| -> i64 { if a < 2 { 50 } else { 80 } };
    let armed = |a: usize| a % 2 == 1;
    Game::from_fn(
        "b4-doomsday",
        vec!["A".into(), "B".into()],
        vec![actions.clone(), actions],
        |p: &[usize]| {
            if demand(p[0]) + demand(p[1]) <= 100 {
                vec![Rational::from(demand(p[0])), Rational::from(demand(p[1]))]
            } else if armed(p[0]) || armed(p[1]) {
                doomsday.to_vec()
            } else {
                takeover.to_vec()
            }
        },
    )
}

/// [`doomsday`] with doomsday at −100 and takeover at 10 for both.
pub fn doomsday_default() -> Result<Game, GameError> {
    doomsday(
        [Rational::from(-100), Rational::from(-100)],
        [Rational::from(10), Rational::from(10)],
    )
}
