//! The standard agents, written in the language itself (`agents/*.spl`, embedded at build time), and
//! the wrappers that build renegotiation and CSR programs around any default program.
//!
//! Wrappers are source-to-source: a renegotiation program is the text of `agents/renegotiation_body.spl`
//! with the default program nested inside it, so the result is an ordinary program anyone can read,
//! compare by source and simulate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::ProgramError;
use crate::program::{Limits, Program};

/// The renegotiation program body (DCM Algorithm 1); see [`renegotiation_source`].
pub const RENEGOTIATION_BODY: &str = include_str!("../agents/renegotiation_body.spl");
/// The CSR program body (DCM Algorithm 2, PMP-extension, iteration); see [`csr_source`].
pub const CSR_BODY: &str = include_str!("../agents/csr_body.spl");

/// Parameters of a CSR program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrOptions {
    /// The least payoff the base renegotiation set accepts for its owner (a program expression).
    pub demand: String,
    /// The selection function: `utilitarian`, `lex1` or `lex2` (all transitive).
    pub rule: String,
    /// Whether to PMP-extend.
    pub extend: bool,
    /// Renegotiation rounds: 1 is DCM Algorithm 2; more is iterated CSR.
    pub rounds: u32,
}

fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

/// The source of the renegotiation program wrapping `default`, whose proposal function is
/// `propose` (the text of `fn propose(a) { ... }`, mapping the projected outcome to a profile).
pub fn renegotiation_source(default: &Program, propose: &str) -> String {
    format!(
        "name {};\ntag \"renegotiation\";\nprogram default {{\n{}\n}}\n{}\n\n{}",
        quote(&format!("Renegotiation({})", default.name())),
        default.source(),
        propose.trim(),
        RENEGOTIATION_BODY
    )
}

/// A proposal function that always proposes the same profile (DCM's Scheduling example proposes
/// (Slot3, Slot3) for any miscoordination).
pub fn propose_fixed(profile: [&str; 2]) -> String {
    format!(
        "fn propose(a) {{\n  return [{}, {}];\n}}",
        quote(profile[0]),
        quote(profile[1])
    )
}

/// Agenda B.4's proposal: keep both demands, attempt takeover instead of triggering doomsday devices.
pub const PROPOSE_DISARM: &str = include_str!("../agents/propose_disarm.spl");

/// The source of the CSR program wrapping `default`.
pub fn csr_source(default: &Program, opts: &CsrOptions) -> String {
    let label = format!(
        "CSR({}, demand {}, {}{}{})",
        default.name(),
        opts.demand,
        opts.rule,
        if opts.extend { ", PMP-extended" } else { "" },
        if opts.rounds > 1 {
            format!(", {} rounds", opts.rounds)
        } else {
            String::new()
        }
    );
    format!(
        "name {};\ntag \"csr\";\nprogram default {{\n{}\n}}\nconst demand = {};\nconst rule = {};\nconst extend = {};\nconst rounds = {};\n\n{}",
        quote(&label),
        default.source(),
        opts.demand,
        quote(&opts.rule),
        opts.extend,
        opts.rounds,
        CSR_BODY
    )
}

fn fixed(name: &str, action: &str) -> String {
    format!(
        "name {};\nmain {{\n  return {};\n}}",
        quote(name),
        quote(action)
    )
}

fn parse_lib(src: &str) -> Program {
    // Library sources are ours and tested (`library_agents_parse`); a failure is a build bug.
    match Program::parse(src, &Limits::default()) {
        Ok(p) => p,
        Err(e) => panic!("library agent does not parse: {e}\n{src}"),
    }
}

fn csr(default_action: &str, opts: CsrOptions) -> String {
    csr_source(
        &parse_lib(&fixed(&format!("Always{default_action}"), default_action)),
        &opts,
    )
}

fn csr_opts(demand: &str, extend: bool, rounds: u32) -> CsrOptions {
    CsrOptions {
        demand: demand.into(),
        rule: "utilitarian".into(),
        extend,
        rounds,
    }
}

/// A library agent: its command-line name, what it is, and its source.
pub struct LibraryAgent {
    /// Lower-case name used on the command line.
    pub key: &'static str,
    /// One line: what it is and where it comes from.
    pub about: &'static str,
    source: fn() -> String,
}

impl LibraryAgent {
    /// The program text.
    pub fn source(&self) -> String {
        (self.source)()
    }
}

/// Every library program, in listing order. Modal agents (`fairbot`, `prudentbot`) are in
/// [`crate::modal::ModalSystem::library`].
pub const AGENTS: &[LibraryAgent] = &[
    LibraryAgent {
        key: "cooperatebot",
        about: "always C",
        source: || include_str!("../agents/cooperatebot.spl").into(),
    },
    LibraryAgent {
        key: "defectbot",
        about: "always D",
        source: || include_str!("../agents/defectbot.spl").into(),
    },
    LibraryAgent {
        key: "cliquebot",
        about: "C iff the counterpart's source equals mine (docs/reference/definitions.md V 3.4)",
        source: || include_str!("../agents/cliquebot.spl").into(),
    },
    LibraryAgent {
        key: "fairbot-eps",
        about: "ε-grounded FairBot, ε = 1/10 (Oesterheld 2019)",
        source: || include_str!("../agents/fairbot_eps.spl").into(),
    },
    LibraryAgent {
        key: "oc-program-equilibrium",
        about: "OC Algorithm 2 on the PD: (C, C) with copies, punish deviators",
        source: || include_str!("../agents/oc_program_equilibrium.spl").into(),
    },
    LibraryAgent {
        key: "slot1",
        about: "Scheduling Game default: always Slot1",
        source: || fixed("AlwaysSlot1", "Slot1"),
    },
    LibraryAgent {
        key: "slot2",
        about: "Scheduling Game default: always Slot2",
        source: || fixed("AlwaysSlot2", "Slot2"),
    },
    LibraryAgent {
        key: "renegotiation-slot1",
        about: "DCM Algorithm 1 around always-Slot1, proposing (Slot3, Slot3)",
        source: || {
            renegotiation_source(
                &parse_lib(&fixed("AlwaysSlot1", "Slot1")),
                &propose_fixed(["Slot3", "Slot3"]),
            )
        },
    },
    LibraryAgent {
        key: "renegotiation-slot2",
        about: "DCM Algorithm 1 around always-Slot2, proposing (Slot3, Slot3)",
        source: || {
            renegotiation_source(
                &parse_lib(&fixed("AlwaysSlot2", "Slot2")),
                &propose_fixed(["Slot3", "Slot3"]),
            )
        },
    },
    LibraryAgent {
        key: "csr-slot1",
        about: "DCM Algorithm 2 around always-Slot1, demanding 3, not extended",
        source: || csr("Slot1", csr_opts("3", false, 1)),
    },
    LibraryAgent {
        key: "csr-slot2",
        about: "DCM Algorithm 2 around always-Slot2, demanding 3, not extended",
        source: || csr("Slot2", csr_opts("3", false, 1)),
    },
    LibraryAgent {
        key: "csr-pmp-slot1",
        about: "DCM Algorithm 2 around always-Slot1, demanding 3, PMP-extended",
        source: || csr("Slot1", csr_opts("3", true, 1)),
    },
    LibraryAgent {
        key: "csr-pmp-slot2",
        about: "DCM Algorithm 2 around always-Slot2, demanding 3, PMP-extended",
        source: || csr("Slot2", csr_opts("3", true, 1)),
    },
    LibraryAgent {
        key: "csr-iterated-slot1",
        about: "iterated CSR (5 rounds) around always-Slot1, demanding 3, PMP-extended",
        source: || csr("Slot1", csr_opts("3", true, 5)),
    },
    LibraryAgent {
        key: "csr-iterated-slot2",
        about: "iterated CSR (5 rounds) around always-Slot2, demanding 3, PMP-extended",
        source: || csr("Slot2", csr_opts("3", true, 5)),
    },
    LibraryAgent {
        key: "demand50",
        about: "agenda B.4 program A: demand 50%",
        source: || include_str!("../agents/demand50.spl").into(),
    },
    LibraryAgent {
        key: "demand80-doomsday",
        about: "agenda B.4 program B: demand 80%, doomsday if refused",
        source: || include_str!("../agents/demand80_doomsday.spl").into(),
    },
    LibraryAgent {
        key: "renegotiation-demand50",
        about: "agenda B.4: A's renegotiation program, proposing both attempt takeover",
        source: || {
            renegotiation_source(
                &parse_lib(include_str!("../agents/demand50.spl")),
                PROPOSE_DISARM,
            )
        },
    },
    LibraryAgent {
        key: "renegotiation-demand80",
        about: "agenda B.4: B's renegotiation program, proposing both attempt takeover",
        source: || {
            renegotiation_source(
                &parse_lib(include_str!("../agents/demand80_doomsday.spl")),
                PROPOSE_DISARM,
            )
        },
    },
    LibraryAgent {
        key: "renegotiation-demand80-split",
        about: "agenda B.4 variant: B proposes both demand 50 instead (mismatched proposals)",
        source: || {
            renegotiation_source(
                &parse_lib(include_str!("../agents/demand80_doomsday.spl")),
                &propose_fixed(["Demand50+Takeover", "Demand50+Takeover"]),
            )
        },
    },
];

fn cache() -> &'static Mutex<HashMap<String, Arc<Program>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Program>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A library program by key (parsed once, then shared).
pub fn agent(key: &str) -> Option<Arc<Program>> {
    if let Ok(c) = cache().lock()
        && let Some(p) = c.get(key)
    {
        return Some(p.clone());
    }
    let entry = AGENTS.iter().find(|a| a.key == key)?;
    let p = Arc::new(Program::parse(&entry.source(), &Limits::default()).ok()?);
    if let Ok(mut c) = cache().lock() {
        c.insert(key.to_string(), p.clone());
    }
    Some(p)
}

/// A library program by key, or an error listing the keys.
pub fn agent_or_err(key: &str) -> Result<Arc<Program>, ProgramError> {
    agent(key).ok_or_else(|| ProgramError::UnknownAgent {
        name: key.to_string(),
        known: AGENTS.iter().map(|a| a.key).collect::<Vec<_>>().join(", "),
    })
}
