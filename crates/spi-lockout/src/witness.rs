//! Witnesses: the cost of a lock-out as an exact number.
//!
//! A witness is a finite program game in which an SPI is available without the policy, unavailable
//! with it, and available again with the mitigation (`lockout/FORMAT.md`). Two kinds:
//!
//! - [`Witness::BlockedTransformation`] (implementation lock-out): the SPI is a transformation f of
//!   program profiles; the policy forbids some transformed programs; a player whose transformed
//!   program is forbidden keeps its original one. The SPI test is `spi-theory`'s
//!   [`check_transformation`], run on f and on each regime's restriction of f.
//! - [`Witness::Incentive`] (incentive lock-out): the SPI profile is there in every regime, and it is
//!   "available" when it is a pure Nash equilibrium of that regime's program game (nobody wants to
//!   leave it); the reached outcome is the SPI profile when available, else the default profile.
//!
//! Every check that fails is a [`WitnessReport::problems`] entry naming the regime, the profile and
//! the player: a witness that does not witness is a content error the linter reports.
//!
//! # Complexity
//! Linear in |space| · n for blocked transformations; O(|A| · Σ|A_i|) per regime for incentives.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use spi_games::equilibrium::pure_nash;
use spi_games::format::json::game_from_value_at;
use spi_games::game::Profile;
use spi_games::{Game, Rational};
use spi_theory::program_space::{ProgramTransformation, check_transformation};

use crate::error::LockoutError;
use crate::value::{
    array, describe, join, only_keys, parse_toml, required, string, strings, table,
};

/// The three regimes a witness compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Regime {
    /// Before the policy.
    WithoutPolicy,
    /// Under the policy.
    WithPolicy,
    /// Under the policy with the mitigation.
    WithMitigation,
}

impl Regime {
    /// All three, in order.
    pub const ALL: [Regime; 3] = [
        Regime::WithoutPolicy,
        Regime::WithPolicy,
        Regime::WithMitigation,
    ];

    /// The name used in reports and TOML (`without_policy`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Regime::WithoutPolicy => "without_policy",
            Regime::WithPolicy => "with_policy",
            Regime::WithMitigation => "with_mitigation",
        }
    }
}

/// A witness of a lock-out scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witness {
    /// Implementation lock-out: the policy forbids programs the SPI needs.
    BlockedTransformation {
        /// The program game (actions are programs, payoffs U(p)).
        game: Game,
        /// The original profiles the SPI is judged on.
        space: Vec<Profile>,
        /// f_i: program index → transformed program index, per player (identity where unlisted).
        transformation: Vec<Vec<usize>>,
        /// forbidden[i][q]: the policy rules out player i's program q.
        forbidden: Vec<Vec<bool>>,
        /// restored[i][q]: the mitigation allows player i's forbidden program q again.
        restored: Vec<Vec<bool>>,
    },
    /// Incentive lock-out: the regime decides whether the SPI profile is an equilibrium.
    Incentive {
        /// The program game of each regime, in [`Regime::ALL`] order.
        regimes: [Game; 3],
        /// The default programs, by name (the same names in every regime).
        default: Vec<String>,
        /// The SPI programs, by name.
        spi: Vec<String>,
    },
}

/// One regime's outcome on one profile of a blocked transformation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegimeOutcome {
    /// The regime.
    pub regime: Regime,
    /// The profile played under it (program names).
    pub profile: Vec<String>,
    /// Its payoffs.
    pub payoffs: Vec<Rational>,
}

/// The evaluation of one witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessReport {
    /// Player names.
    pub players: Vec<String>,
    /// Per original profile (blocked transformation) or for the reached profile (incentive): the
    /// original profile's label and each regime's outcome.
    pub rows: Vec<(Vec<String>, Vec<RegimeOutcome>)>,
    /// Per player: what the SPI gains over the original play (summed over the space).
    pub gain: Vec<Rational>,
    /// Per player: the welfare the policy costs (without-policy minus with-policy, summed).
    pub loss: Vec<Rational>,
    /// Per player: what the mitigation gives back (with-mitigation minus with-policy, summed).
    pub restored: Vec<Rational>,
    /// Why the witness does not witness, if it does not (empty when it does).
    pub problems: Vec<String>,
}

impl WitnessReport {
    /// Whether the witness shows what it must: available, locked out, available again.
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as a JSON value (exact numbers as strings).
    pub fn to_value(&self) -> Value {
        let nums =
            |v: &[Rational]| -> Value { v.iter().map(|q| Value::String(q.to_string())).collect() };
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|(from, outs)| {
                let mut m = Map::new();
                m.insert("profile".into(), json!(from));
                for o in outs {
                    m.insert(
                        o.regime.name().into(),
                        json!({"profile": o.profile, "payoffs": nums(&o.payoffs)}),
                    );
                }
                Value::Object(m)
            })
            .collect();
        json!({
            "players": self.players,
            "holds": self.holds(),
            "gain": nums(&self.gain),
            "loss": nums(&self.loss),
            "restored": nums(&self.restored),
            "rows": rows,
            "problems": self.problems,
        })
    }
}

fn program_game(
    obj: &Map<String, Value>,
    path: &str,
    players: &Value,
) -> Result<Game, LockoutError> {
    let doc = json!({
        "players": players,
        "actions": required(obj, path, "actions")?,
        "payoffs": required(obj, path, "payoffs")?,
    });
    game_from_value_at(&doc, if path.is_empty() { "$" } else { path }).map_err(|e| {
        LockoutError::Game {
            path: if path.is_empty() {
                "witness".into()
            } else {
                path.to_string()
            },
            message: e.to_string(),
        }
    })
}

fn program_index(
    game: &Game,
    player: usize,
    name: &str,
    path: &str,
) -> Result<usize, LockoutError> {
    game.action_index(player, name).ok_or_else(|| {
        LockoutError::invalid(
            path,
            &format!(
                "a program of {} ({})",
                game.players()[player],
                game.actions(player).join(", ")
            ),
            format!("{name:?}"),
        )
    })
}

fn player_index(game: &Game, name: &str, path: &str) -> Result<usize, LockoutError> {
    game.player_index(name).ok_or_else(|| {
        LockoutError::invalid(
            path,
            &format!("a player ({})", game.players().join(", ")),
            format!("{name:?}"),
        )
    })
}

fn profile(game: &Game, v: &Value, path: &str) -> Result<Profile, LockoutError> {
    let names = strings(v, path)?;
    if names.len() != game.num_players() {
        return Err(LockoutError::invalid(
            path,
            &format!("{} program names, one per player", game.num_players()),
            describe(v),
        ));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, s)| program_index(game, i, s, &format!("{path}[{i}]")))
        .collect()
}

/// Reads `{player = [programs]}` into a per-player flag table.
fn program_sets(
    game: &Game,
    v: Option<&Value>,
    path: &str,
) -> Result<Vec<Vec<bool>>, LockoutError> {
    let mut flags: Vec<Vec<bool>> = game.shape().iter().map(|&k| vec![false; k]).collect();
    let Some(v) = v else { return Ok(flags) };
    for (name, list) in table(v, path)? {
        let p = join(path, name);
        let i = player_index(game, name, &p)?;
        for (k, q) in strings(list, &p)?.iter().enumerate() {
            let a = program_index(game, i, q, &format!("{p}[{k}]"))?;
            if flags[i][a] {
                return Err(LockoutError::invalid(
                    &format!("{p}[{k}]"),
                    "each program once",
                    format!("{q:?} twice"),
                ));
            }
            flags[i][a] = true;
        }
    }
    Ok(flags)
}

impl Witness {
    /// Reads a witness from the text of a `[witness]` table on its own (for tests and examples).
    pub fn from_toml_str(text: &str) -> Result<Witness, LockoutError> {
        Witness::from_value(&parse_toml(text)?, "")
    }

    /// Reads a witness from its table; `path` is where the table sits in the document (`witness`).
    pub fn from_value(v: &Value, path: &str) -> Result<Witness, LockoutError> {
        let obj = table(v, if path.is_empty() { "$" } else { path })?;
        let kind_path = join(path, "kind");
        let kind = string(required(obj, path, "kind")?, &kind_path)?;
        let players = required(obj, path, "players")?;
        match kind.as_str() {
            "blocked_transformation" => {
                only_keys(
                    obj,
                    path,
                    &[
                        "kind",
                        "players",
                        "actions",
                        "payoffs",
                        "space",
                        "transformation",
                        "policy",
                        "mitigation",
                        "note",
                    ],
                )?;
                let game = program_game(obj, path, players)?;
                let space_path = join(path, "space");
                let space: Vec<Profile> = array(required(obj, path, "space")?, &space_path)?
                    .iter()
                    .enumerate()
                    .map(|(k, p)| profile(&game, p, &format!("{space_path}[{k}]")))
                    .collect::<Result<_, _>>()?;
                if space.is_empty() {
                    return Err(LockoutError::invalid(
                        &space_path,
                        "at least one profile",
                        "an empty list",
                    ));
                }
                for (k, p) in space.iter().enumerate() {
                    if space[..k].contains(p) {
                        return Err(LockoutError::invalid(
                            &format!("{space_path}[{k}]"),
                            "each profile once",
                            format!("{} a second time", game.profile_label(p)),
                        ));
                    }
                }
                let t_path = join(path, "transformation");
                let mut transformation: Vec<Vec<usize>> =
                    game.shape().iter().map(|&k| (0..k).collect()).collect();
                for (name, m) in table(required(obj, path, "transformation")?, &t_path)? {
                    let p = join(&t_path, name);
                    let i = player_index(&game, name, &p)?;
                    for (from, to) in table(m, &p)? {
                        let q = join(&p, from);
                        let a = program_index(&game, i, from, &q)?;
                        let b = program_index(&game, i, &string(to, &q)?, &q)?;
                        transformation[i][a] = b;
                    }
                }
                let policy_path = join(path, "policy");
                let policy = required(obj, path, "policy")?;
                let pt = table(policy, &policy_path)?;
                only_keys(pt, &policy_path, &["forbids"])?;
                let forbidden =
                    program_sets(&game, pt.get("forbids"), &join(&policy_path, "forbids"))?;
                let mit_path = join(path, "mitigation");
                let mitigation = required(obj, path, "mitigation")?;
                let mt = table(mitigation, &mit_path)?;
                only_keys(mt, &mit_path, &["permits"])?;
                let restored = program_sets(&game, mt.get("permits"), &join(&mit_path, "permits"))?;
                for (i, row) in restored.iter().enumerate() {
                    for (q, &r) in row.iter().enumerate() {
                        if r && !forbidden[i][q] {
                            return Err(LockoutError::invalid(
                                &join(&mit_path, "permits"),
                                "programs the policy forbids (the mitigation can only permit those again)",
                                format!(
                                    "{}'s {:?}, which the policy allows",
                                    game.players()[i],
                                    game.actions(i)[q]
                                ),
                            ));
                        }
                    }
                }
                Ok(Witness::BlockedTransformation {
                    game,
                    space,
                    transformation,
                    forbidden,
                    restored,
                })
            }
            "incentive" => {
                only_keys(
                    obj,
                    path,
                    &[
                        "kind",
                        "players",
                        "default",
                        "spi",
                        "without_policy",
                        "with_policy",
                        "with_mitigation",
                        "note",
                    ],
                )?;
                let mut games = Vec::with_capacity(3);
                for r in Regime::ALL {
                    let rp = join(path, r.name());
                    let rt = table(required(obj, path, r.name())?, &rp)?;
                    only_keys(rt, &rp, &["actions", "payoffs", "note"])?;
                    games.push(program_game(rt, &rp, players)?);
                }
                let regimes: [Game; 3] = games.try_into().expect("three regimes were read");
                let default = strings(required(obj, path, "default")?, &join(path, "default"))?;
                let spi = strings(required(obj, path, "spi")?, &join(path, "spi"))?;
                for (r, g) in Regime::ALL.iter().zip(&regimes) {
                    for (key, names) in [("default", &default), ("spi", &spi)] {
                        let p = join(path, key);
                        let v = Value::from(names.clone());
                        profile(g, &v, &p).map_err(|e| match e {
                            LockoutError::Invalid {
                                path,
                                expected,
                                found,
                            } => LockoutError::Invalid {
                                path,
                                expected: format!("{expected} in the {} regime", r.name()),
                                found,
                            },
                            e => e,
                        })?;
                    }
                }
                if default == spi {
                    return Err(LockoutError::invalid(
                        &join(path, "spi"),
                        "a profile other than the default",
                        "the default profile",
                    ));
                }
                Ok(Witness::Incentive {
                    regimes,
                    default,
                    spi,
                })
            }
            _ => Err(LockoutError::invalid(
                &kind_path,
                "\"blocked_transformation\" or \"incentive\"",
                format!("{kind:?}"),
            )),
        }
    }

    /// Evaluates the witness exactly.
    pub fn evaluate(&self) -> WitnessReport {
        match self {
            Witness::BlockedTransformation {
                game,
                space,
                transformation,
                forbidden,
                restored,
            } => evaluate_blocked(game, space, transformation, forbidden, restored),
            Witness::Incentive {
                regimes,
                default,
                spi,
            } => evaluate_incentive(regimes, default, spi),
        }
    }
}

fn names(game: &Game, p: &[usize]) -> Vec<String> {
    p.iter()
        .enumerate()
        .map(|(i, &a)| game.actions(i)[a].clone())
        .collect()
}

fn add_diff(acc: &mut [Rational], x: &[Rational], y: &[Rational]) {
    for ((a, x), y) in acc.iter_mut().zip(x).zip(y) {
        *a = &*a + &(x - y);
    }
}

fn evaluate_blocked(
    game: &Game,
    space: &[Profile],
    f: &[Vec<usize>],
    forbidden: &[Vec<bool>],
    restored: &[Vec<bool>],
) -> WitnessReport {
    let n = game.num_players();
    let apply = |p: &Profile, regime: Regime| -> Profile {
        p.iter()
            .enumerate()
            .map(|(i, &a)| {
                let b = f[i][a];
                let allowed = match regime {
                    Regime::WithoutPolicy => true,
                    Regime::WithPolicy => !forbidden[i][b],
                    Regime::WithMitigation => !forbidden[i][b] || restored[i][b],
                };
                if allowed { b } else { a }
            })
            .collect()
    };
    let mut problems = Vec::new();
    let zero = vec![Rational::ZERO; n];
    let (mut gain, mut loss, mut back) = (zero.clone(), zero.clone(), zero);
    let mut rows = Vec::new();
    let mut checks = BTreeMap::new();
    for regime in Regime::ALL {
        let pairs: Vec<(Profile, Profile)> = space
            .iter()
            .map(|p| (p.clone(), apply(p, regime)))
            .collect();
        checks.insert(
            regime,
            check_transformation(&ProgramTransformation {
                game: game.clone(),
                pairs,
            }),
        );
    }
    for p in space {
        let outs: Vec<RegimeOutcome> = Regime::ALL
            .iter()
            .map(|&r| {
                let q = apply(p, r);
                RegimeOutcome {
                    regime: r,
                    payoffs: game.payoffs(&q).to_vec(),
                    profile: names(game, &q),
                }
            })
            .collect();
        add_diff(&mut gain, &outs[0].payoffs, game.payoffs(p));
        add_diff(&mut loss, &outs[0].payoffs, &outs[1].payoffs);
        add_diff(&mut back, &outs[2].payoffs, &outs[1].payoffs);
        rows.push((names(game, p), outs));
    }
    let without = &checks[&Regime::WithoutPolicy];
    for c in &without.counterexamples {
        problems.push(format!(
            "without the policy the transformation is not an SPI: on {} {} gets {} instead of {}",
            game.profile_label(&c.from),
            game.players()[c.player],
            c.payoff_to,
            c.payoff_from
        ));
    }
    if without.strict_gains.is_empty() {
        problems.push("without the policy the transformation gains nobody anything (no strict gain on the space)".into());
    }
    if loss.iter().all(|x| !x.is_positive()) {
        problems.push(
            "the policy costs nobody anything: every forbidden program is one the SPI does not use"
                .into(),
        );
    }
    for (p, (_, outs)) in space.iter().zip(&rows) {
        if outs[2].payoffs != outs[0].payoffs {
            problems.push(format!(
                "with the mitigation the SPI's outcome on {} is not restored ({} instead of {})",
                game.profile_label(p),
                outs[2].profile.join(", "),
                outs[0].profile.join(", ")
            ));
        }
    }
    WitnessReport {
        players: game.players().to_vec(),
        rows,
        gain,
        loss,
        restored: back,
        problems,
    }
}

fn evaluate_incentive(regimes: &[Game; 3], default: &[String], spi: &[String]) -> WitnessReport {
    let mut problems = Vec::new();
    let n = regimes[0].num_players();
    let mut outs = Vec::new();
    let mut gain = vec![Rational::ZERO; n];
    for (r, g) in Regime::ALL.iter().zip(regimes) {
        let idx = |names: &[String]| -> Profile {
            names
                .iter()
                .enumerate()
                .map(|(i, s)| g.action_index(i, s).expect("checked when read"))
                .collect()
        };
        let (d, s) = (idx(default), idx(spi));
        let (ud, us) = (g.payoffs(&d), g.payoffs(&s));
        if ud.iter().zip(us).any(|(x, y)| y < x) || ud == us {
            problems.push(format!(
                "in the {} regime the SPI profile ({}) does not Pareto-improve on the default ({}): {} against {}",
                r.name(),
                spi.join(", "),
                default.join(", "),
                fmt_payoffs(us),
                fmt_payoffs(ud)
            ));
        }
        if *r == Regime::WithoutPolicy {
            add_diff(&mut gain, us, ud);
        }
        let available = pure_nash(g).contains(&s);
        let expected = *r != Regime::WithPolicy;
        if available != expected {
            let why = if available {
                "is still an equilibrium (nobody wants to leave it), so the policy locks nothing out".to_string()
            } else {
                let dev = deviation(g, &s).unwrap_or_default();
                format!("is not an equilibrium{dev}")
            };
            problems.push(format!("in the {} regime the SPI profile {why}", r.name()));
        }
        let reached = if available { s } else { d };
        outs.push(RegimeOutcome {
            regime: *r,
            payoffs: g.payoffs(&reached).to_vec(),
            profile: names(g, &reached),
        });
    }
    let mut loss = vec![Rational::ZERO; n];
    add_diff(&mut loss, &outs[0].payoffs, &outs[1].payoffs);
    let mut back = vec![Rational::ZERO; n];
    add_diff(&mut back, &outs[2].payoffs, &outs[1].payoffs);
    WitnessReport {
        players: regimes[0].players().to_vec(),
        rows: vec![(default.to_vec(), outs)],
        gain,
        loss,
        restored: back,
        problems,
    }
}

fn fmt_payoffs(u: &[Rational]) -> String {
    format!(
        "({})",
        u.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The first profitable unilateral deviation from `s`, described.
fn deviation(g: &Game, s: &Profile) -> Option<String> {
    for i in 0..g.num_players() {
        let here = g.payoff(s, i).clone();
        let mut q = s.clone();
        for a in 0..g.num_actions(i) {
            q[i] = a;
            if g.payoff(&q, i) > &here {
                return Some(format!(
                    ": {} gains by switching to {} ({} instead of {})",
                    g.players()[i],
                    g.actions(i)[a],
                    g.payoff(&q, i),
                    here
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SURROGATE: &str = r#"
kind = "blocked_transformation"
players = ["agent", "rival"]
actions = [["demand", "sg(demand)"], ["threaten"]]
payoffs = [[[-10, -2]], [[-1, -1]]]
space = [["demand", "threaten"]]
[transformation]
agent = { "demand" = "sg(demand)" }
[policy]
forbids = { agent = ["sg(demand)"] }
[mitigation]
permits = { agent = ["sg(demand)"] }
"#;

    #[test]
    fn agenda_ii2_value_ban_costs_the_surrogate_gain() {
        let r = Witness::from_toml_str(SURROGATE).unwrap().evaluate();
        assert!(r.holds(), "{:?}", r.problems);
        assert_eq!(r.gain, vec![Rational::from(9), Rational::from(1)]);
        assert_eq!(r.loss, r.gain);
        assert_eq!(r.restored, r.gain);
    }

    #[test]
    fn a_policy_that_forbids_nothing_used_is_no_witness() {
        let text = SURROGATE
            .replace(
                "forbids = { agent = [\"sg(demand)\"] }",
                "forbids = { agent = [\"demand\"] }",
            )
            .replace("permits = { agent = [\"sg(demand)\"] }", "permits = {}");
        let r = Witness::from_toml_str(&text).unwrap().evaluate();
        assert!(
            r.problems.iter().any(|p| p.contains("costs nobody")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn a_non_spi_is_reported_with_profile_and_player() {
        let text = SURROGATE.replace("[[-1, -1]]]", "[[-1, -3]]]");
        let r = Witness::from_toml_str(&text).unwrap().evaluate();
        assert!(
            r.problems[0].contains("rival gets -3 instead of -2"),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn unknown_programs_and_keys_are_named() {
        let e = Witness::from_toml_str(&SURROGATE.replace(
            "forbids = { agent = [\"sg(demand)\"] }",
            "forbids = { agent = [\"sg\"] }",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("policy.forbids.agent[0]: expected a program of agent"),
            "{e}"
        );
        let e = Witness::from_toml_str(&format!("{SURROGATE}\ncolour = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
    }

    /// A generous fallback (agenda II.1, footnote 7): under the policy the responder's best reply to
    /// the proposal is to exploit the fallback, so the SPI profile stops being an equilibrium.
    const FALLBACK: &str = r#"
kind = "incentive"
players = ["proposer", "responder"]
default = ["quiet", "play"]
spi = ["propose", "join"]
[without_policy]
actions = [["quiet", "propose"], ["play", "join", "exploit"]]
payoffs = [[[0, 0], [0, 0], [0, 0]], [[0, 0], [2, 2], [-1, 1]]]
[with_policy]
actions = [["quiet", "propose"], ["play", "join", "exploit"]]
payoffs = [[[0, 0], [0, 0], [0, 0]], [[0, 0], [2, 2], [1, 3]]]
[with_mitigation]
actions = [["quiet", "propose"], ["play", "join", "exploit"]]
payoffs = [[[0, 0], [0, 0], [0, 0]], [[0, 0], [2, 2], [-1, 1]]]
"#;

    #[test]
    fn incentive_lockout_by_a_profitable_deviation() {
        let r = Witness::from_toml_str(FALLBACK).unwrap().evaluate();
        assert!(r.holds(), "{:?}", r.problems);
        assert_eq!(r.loss, vec![Rational::from(2), Rational::from(2)]);
        assert_eq!(r.gain, r.loss);
        // If the policy changed nothing, the witness says so.
        let idle = FALLBACK.replacen("[[0, 0], [2, 2], [1, 3]]", "[[0, 0], [2, 2], [-1, 1]]", 1);
        let r = Witness::from_toml_str(&idle).unwrap().evaluate();
        assert!(
            r.problems
                .iter()
                .any(|p| p.contains("still an equilibrium")),
            "{:?}",
            r.problems
        );
    }
}
