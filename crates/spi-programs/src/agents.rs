//! Agents as a user names them: a program file's text, a modal file's agent, or a built-in name;
//! and what two of them do on a game, whichever kind they are.
//!
//! This is the part of `spi program run|tournament|spi-check` that is not I/O: the caller reads
//! files (with its own bounds) and hands their text here, so that the CLI and other front ends
//! resolve and play agents by one definition.

use std::sync::Arc;

use spi_games::{Game, Rational};

use crate::error::ProgramError;
use crate::library;
use crate::matches::{MatchReport, play};
use crate::modal::ModalSystem;
use crate::program::{Limits, Program, ProgramGame};
use crate::tournament::{self, Tournament};

/// An agent, resolved.
#[derive(Debug, Clone)]
pub enum Agent {
    /// A bargaining program, labelled by its file stem or built-in name.
    Program {
        /// The label matches and tables show.
        name: String,
        /// The parsed program.
        program: Arc<Program>,
    },
    /// A modal agent, by its name in the [`ModalSystem`] that holds its definition.
    Modal {
        /// Its name in the system.
        name: String,
    },
    /// A built-in that exists both as a program and as a modal formula (CooperateBot, DefectBot):
    /// it plays programs as the program and modal agents as the formula.
    Both {
        /// The name the user typed.
        name: String,
        /// The program form.
        program: Arc<Program>,
    },
}

impl Agent {
    /// The agent's label.
    pub fn name(&self) -> &str {
        match self {
            Agent::Program { name, .. } | Agent::Modal { name } | Agent::Both { name, .. } => name,
        }
    }

    /// The program form, when there is one.
    pub fn program(&self) -> Option<&Arc<Program>> {
        match self {
            Agent::Program { program, .. } | Agent::Both { program, .. } => Some(program),
            Agent::Modal { .. } => None,
        }
    }

    /// Whether the agent can play modal agents.
    pub fn is_modal(&self) -> bool {
        !matches!(self, Agent::Program { .. })
    }
}

/// Why an agent could not be resolved or played.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// The file's text is not a valid program or modal-agent file.
    #[error("{file}: {cause}")]
    Source {
        /// The file as the user named it.
        file: String,
        /// What is wrong with its text.
        cause: ProgramError,
    },
    /// A modal file that defines no agent.
    #[error("{file}: defines no agent")]
    EmptyModalFile {
        /// The file.
        file: String,
    },
    /// `FILE.modal:AGENT` names an agent the file (and the library) does not define.
    #[error("{file}: no agent named {name}")]
    NoSuchModalAgent {
        /// The file.
        file: String,
        /// The name asked for.
        name: String,
    },
    /// Neither a file nor a built-in name.
    #[error("{spec}: no such file, and not a built-in agent (one of: {known})")]
    Unknown {
        /// What the user gave.
        spec: String,
        /// The built-in names, comma-separated.
        known: String,
    },
    /// A modal agent asked to play a program: modal agents are evaluated on the GL chain against
    /// other formulas, not by running source.
    #[error(
        "{modal} is a modal agent and {program} is a program: a modal agent can only play modal agents"
    )]
    ModalAgainstProgram {
        /// The modal agent.
        modal: String,
        /// The program.
        program: String,
    },
    /// A tournament list mixing programs and modal agents.
    #[error("a tournament is either all programs or all modal agents; this list mixes them")]
    MixedTournament,
    /// A modal agent where only programs make sense (program spaces for SPI checks).
    #[error("{name} is a modal agent; SPI checks run on programs")]
    NotAProgram {
        /// The agent.
        name: String,
    },
    /// A `--roles` list that is not `ROLE=ACTION` pairs.
    #[error("{spec:?}: expected ROLE=ACTION pairs like C=Cooperate,D=Defect, found {pair:?}")]
    BadRoles {
        /// The whole list.
        spec: String,
        /// The pair that is not `ROLE=ACTION`.
        pair: String,
    },
    /// A renegotiation proposal that is not a profile of the game.
    #[error("{proposal:?}: {message}")]
    BadProposal {
        /// The proposal as given.
        proposal: String,
        /// What is wrong with it.
        message: String,
    },
    /// The engine refused the match or the game (e.g. no cooperate/defect pair for modal agents).
    #[error(transparent)]
    Program(#[from] ProgramError),
}

/// Splits `FILE.modal:AGENT` into the file and the agent picked from it; anything else is a file
/// or a name on its own.
pub fn split_pick(spec: &str) -> (&str, Option<&str>) {
    match spec.rsplit_once(':') {
        Some((f, a)) if f.ends_with(".modal") => (f, Some(a)),
        _ => (spec, None),
    }
}

/// The agent a file defines, from its text: a `.modal` file's agents join `system` (the last one
/// defined, or `pick`, is the agent); any other file is one program, labelled by its stem.
pub fn from_file(
    file: &str,
    text: &str,
    pick: Option<&str>,
    system: &mut ModalSystem,
    limits: &Limits,
) -> Result<Agent, AgentError> {
    let source_error = |cause| AgentError::Source {
        file: file.to_string(),
        cause,
    };
    if file.ends_with(".modal") {
        let added = system.add_source(text).map_err(source_error)?;
        let name = match pick {
            Some(a) => a.to_string(),
            None => added
                .last()
                .cloned()
                .ok_or_else(|| AgentError::EmptyModalFile {
                    file: file.to_string(),
                })?,
        };
        if system.find(&name).is_none() {
            return Err(AgentError::NoSuchModalAgent {
                file: file.to_string(),
                name,
            });
        }
        return Ok(Agent::Modal { name });
    }
    let program = Program::parse(text, limits).map_err(source_error)?;
    let stem = file.rsplit('/').next().unwrap_or(file);
    let name = stem.rsplit_once('.').map_or(stem, |(s, _)| s).to_string();
    Ok(Agent::Program {
        name,
        program: Arc::new(program),
    })
}

/// A built-in agent by name: a library program, a modal agent of `system` (case-insensitive), or
/// both. It keeps the name as typed.
pub fn builtin(spec: &str, system: &ModalSystem) -> Result<Agent, AgentError> {
    let program = library::agent(spec);
    let modal = system.find(spec).is_some();
    let name = spec.to_string();
    match (program, modal) {
        (Some(program), true) => Ok(Agent::Both { name, program }),
        (Some(program), false) => Ok(Agent::Program { name, program }),
        (None, true) => Ok(Agent::Modal { name }),
        (None, false) => {
            let mut known: Vec<String> =
                library::AGENTS.iter().map(|a| a.key.to_string()).collect();
            for n in system.names() {
                let n = n.to_lowercase();
                if !known.contains(&n) {
                    known.push(n);
                }
            }
            Err(AgentError::Unknown {
                spec: spec.to_string(),
                known: known.join(", "),
            })
        }
    }
}

/// What a modal match did on a game: the GL-chain verdicts read as the game's cooperate/defect
/// actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModalMatch {
    /// The profile played (action indices).
    pub profile: Vec<usize>,
    /// Its payoffs.
    pub payoffs: Vec<Rational>,
    /// Worlds of the GL chain until the valuation is stable.
    pub worlds: usize,
    /// Propositional variables in the combined system.
    pub variables: usize,
}

/// A match between two agents of either kind.
#[derive(Debug, Clone)]
pub enum AgentMatch {
    /// Two programs (or built-ins with a program form) ran in the sandbox (boxed: a report is
    /// several times the size of a modal verdict).
    Program(Box<MatchReport>),
    /// Two modal agents were evaluated on the GL chain.
    Modal(ModalMatch),
}

/// Plays `a` (player 1) against `b` (player 2): programs in the sandbox when both have a program
/// form, else modal agents on the GL chain.
pub fn play_agents(
    pg: &ProgramGame,
    a: &Agent,
    b: &Agent,
    system: &ModalSystem,
    limits: &Limits,
    seed: u64,
) -> Result<AgentMatch, AgentError> {
    let programs = match (a, b) {
        (Agent::Modal { .. }, _) | (_, Agent::Modal { .. }) => None,
        _ => a.program().zip(b.program()),
    };
    if let Some((pa, pb)) = programs {
        return Ok(AgentMatch::Program(Box::new(play(
            pg, pa, pb, limits, seed,
        ))));
    }
    match (a, b) {
        (Agent::Modal { name: m }, Agent::Program { name: p, .. })
        | (Agent::Program { name: p, .. }, Agent::Modal { name: m }) => {
            Err(AgentError::ModalAgainstProgram {
                modal: m.clone(),
                program: p.clone(),
            })
        }
        _ => Ok(AgentMatch::Modal(modal_match(
            &pg.game,
            system,
            a.name(),
            b.name(),
        )?)),
    }
}

fn modal_match(g: &Game, system: &ModalSystem, a: &str, b: &str) -> Result<ModalMatch, AgentError> {
    let o = system.play(a, b)?;
    let (c0, d0) = tournament::cooperate_defect(g, 0)?;
    let (c1, d1) = tournament::cooperate_defect(g, 1)?;
    let profile = vec![
        if o.first_cooperates { c0 } else { d0 },
        if o.second_cooperates { c1 } else { d1 },
    ];
    let payoffs = g.payoffs(&profile).to_vec();
    Ok(ModalMatch {
        profile,
        payoffs,
        worlds: o.worlds,
        variables: o.variables,
    })
}

/// Every ordered pair of `agents` on the game: all programs in the sandbox, or all modal agents
/// on the GL chain (a built-in with both forms fits either).
pub fn play_tournament(
    pg: &ProgramGame,
    agents: Vec<Agent>,
    system: &ModalSystem,
    limits: &Limits,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Tournament, AgentError> {
    if agents.iter().all(|a| a.program().is_some()) {
        let entrants: Vec<(String, Arc<Program>)> = agents
            .into_iter()
            .filter_map(|a| match a {
                Agent::Program { name, program } | Agent::Both { name, program } => {
                    Some((name, program))
                }
                Agent::Modal { .. } => None,
            })
            .collect();
        Ok(tournament::run_programs(
            pg, &entrants, limits, seed, progress,
        ))
    } else if agents.iter().all(Agent::is_modal) {
        let names: Vec<String> = agents.iter().map(|a| a.name().to_string()).collect();
        Ok(tournament::run_modal(pg, system, &names, progress)?)
    } else {
        Err(AgentError::MixedTournament)
    }
}

/// The programs of a program space: every agent must have a program form.
pub fn programs_of(agents: Vec<Agent>) -> Result<Vec<(String, Arc<Program>)>, AgentError> {
    agents
        .into_iter()
        .map(|a| match a {
            Agent::Program { name, program } | Agent::Both { name, program } => Ok((name, program)),
            Agent::Modal { name } => Err(AgentError::NotAProgram { name }),
        })
        .collect()
}

/// Parses `ROLE=ACTION,ROLE=ACTION` (for [`crate::with_roles`]).
pub fn parse_roles(spec: &str) -> Result<Vec<(String, String)>, AgentError> {
    spec.split(',')
        .map(|pair| match pair.split_once('=') {
            Some((r, a)) if !r.trim().is_empty() && !a.trim().is_empty() => {
                Ok((r.trim().to_string(), a.trim().to_string()))
            }
            _ => Err(AgentError::BadRoles {
                spec: spec.to_string(),
                pair: pair.to_string(),
            }),
        })
        .collect()
}

/// What a renegotiation wrapper proposes when the default programs would end in conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// Agenda B.4's proposal: disarm the doomsday devices.
    Disarm,
    /// A fixed profile, as `"A,B"` (one action name per player).
    Fixed(String),
}

/// Wraps each default program in a renegotiation program making `proposal` (the program
/// transformation of `spi program spi-check --wrap-*`). A fixed proposal must be a profile of the
/// game: a typo is an error, not a verdict "not an SPI".
pub fn wrap_renegotiation(
    game: &Game,
    defaults: &[(String, Arc<Program>)],
    proposal: &Proposal,
    limits: &Limits,
) -> Result<Vec<(String, Arc<Program>)>, AgentError> {
    let propose = match proposal {
        Proposal::Disarm => library::PROPOSE_DISARM.to_string(),
        Proposal::Fixed(p) => {
            let bad = |message: String| AgentError::BadProposal {
                proposal: p.clone(),
                message,
            };
            let parts: Vec<&str> = p.split(',').map(str::trim).collect();
            if parts.len() != game.num_players() {
                return Err(bad(format!(
                    "expected a profile with one action per player, like \"{}\"",
                    (0..game.num_players())
                        .map(|i| game.actions(i)[0].as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )));
            }
            for (i, a) in parts.iter().enumerate() {
                if game.action_index(i, a).is_none() {
                    return Err(bad(format!(
                        "player {} has no action {a:?} (actions: {})",
                        game.players()[i],
                        game.actions(i).join(", ")
                    )));
                }
            }
            library::propose_fixed([parts[0], parts[1]])
        }
    };
    defaults
        .iter()
        .map(|(n, p)| {
            let src = library::renegotiation_source(p, &propose);
            let wrapped = Program::parse(&src, limits).map_err(|cause| AgentError::Source {
                file: format!("renegotiation({n})"),
                cause,
            })?;
            Ok((format!("renegotiation({n})"), Arc::new(wrapped)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pd() -> ProgramGame {
        ProgramGame::new(spi_games::examples::program_pd()).unwrap()
    }

    #[test]
    fn builtins_resolve_by_kind_and_unknown_names_list_the_library() {
        let system = ModalSystem::library();
        assert!(matches!(
            builtin("cliquebot", &system),
            Ok(Agent::Program { .. })
        ));
        assert!(matches!(
            builtin("FairBot", &system),
            Ok(Agent::Modal { .. })
        ));
        assert!(matches!(
            builtin("cooperatebot", &system),
            Ok(Agent::Both { .. })
        ));
        let err = builtin("nobot", &system).unwrap_err().to_string();
        assert!(err.starts_with("nobot: no such file, and not a built-in agent (one of: "));
        assert!(
            err.contains("cliquebot") && err.contains("fairbot"),
            "{err}"
        );
    }

    #[test]
    fn modal_agents_play_on_the_games_cooperate_and_defect_actions() {
        let pg = pd();
        let mut system = ModalSystem::library();
        let fair = builtin("FairBot", &system).unwrap();
        let defect = builtin("defectbot", &system).unwrap();
        let limits = Limits::default();
        let AgentMatch::Modal(m) = play_agents(&pg, &fair, &fair, &system, &limits, 0).unwrap()
        else {
            panic!("FairBot is modal")
        };
        let (c0, _) = tournament::cooperate_defect(&pg.game, 0).unwrap();
        let (c1, _) = tournament::cooperate_defect(&pg.game, 1).unwrap();
        assert_eq!(
            m.profile,
            vec![c0, c1],
            "FairBot cooperates with itself (Löb)"
        );
        assert_eq!(m.payoffs, pg.game.payoffs(&[c0, c1]).to_vec());
        assert!(matches!(
            play_agents(&pg, &fair, &defect, &system, &limits, 0).unwrap(),
            AgentMatch::Modal(_)
        ));
        // A file's modal agent joins the system and can be picked by name.
        let a = from_file(
            "mine.modal",
            "agent Mirror = box C(me);",
            None,
            &mut system,
            &limits,
        );
        match a {
            Ok(Agent::Modal { name }) => assert_eq!(name, "Mirror"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_modal_agent_cannot_play_a_program_and_tournaments_do_not_mix() {
        let pg = pd();
        let system = ModalSystem::library();
        let fair = builtin("FairBot", &system).unwrap();
        let clique = builtin("cliquebot", &system).unwrap();
        let err = play_agents(&pg, &fair, &clique, &system, &Limits::default(), 0).unwrap_err();
        assert_eq!(
            err,
            AgentError::ModalAgainstProgram {
                modal: "FairBot".into(),
                program: "cliquebot".into()
            }
        );
        let err = play_tournament(
            &pg,
            vec![fair, clique],
            &system,
            &Limits::default(),
            0,
            &|_, _| {},
        )
        .unwrap_err();
        assert_eq!(err, AgentError::MixedTournament);
    }

    #[test]
    fn program_files_are_labelled_by_their_stem_and_errors_name_the_file() {
        let mut system = ModalSystem::default();
        let limits = Limits::default();
        let a = from_file(
            "dir/my.bot.spl",
            "main { return \"C\"; }",
            None,
            &mut system,
            &limits,
        )
        .unwrap();
        assert_eq!(a.name(), "my.bot");
        let err = from_file("bad.spl", "main {", None, &mut system, &limits).unwrap_err();
        assert!(err.to_string().starts_with("bad.spl: "), "{err}");
    }

    #[test]
    fn roles_and_proposals_are_checked() {
        assert_eq!(
            parse_roles("C=Trust, D=Betray").unwrap(),
            vec![("C".into(), "Trust".into()), ("D".into(), "Betray".into())]
        );
        assert!(matches!(
            parse_roles("C=Trust,D"),
            Err(AgentError::BadRoles { .. })
        ));
        let pg = pd();
        let clique = library::agent("cliquebot").unwrap();
        let defaults = vec![("cliquebot".to_string(), clique)];
        let limits = Limits::default();
        let wrapped =
            wrap_renegotiation(&pg.game, &defaults, &Proposal::Fixed("C,C".into()), &limits)
                .unwrap();
        assert_eq!(wrapped[0].0, "renegotiation(cliquebot)");
        let err = wrap_renegotiation(&pg.game, &defaults, &Proposal::Fixed("C,X".into()), &limits)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no action \"X\""), "{err}");
        assert!(wrap_renegotiation(&pg.game, &defaults, &Proposal::Disarm, &limits).is_ok());
    }
}
