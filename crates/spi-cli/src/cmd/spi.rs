//! `spi spi …`: SPI search and verification (OC Sec. 4), perfect coordination and the program
//! equilibrium of OC Algorithm 2 (OC Sec. 5), game isomorphism.
//!
//! `spi spi verify` exits with 1 when a certificate is rejected (a [`DomainRejection`]).

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::Value;
use spi_games::{Game, Rational};
use spi_theory::certified::search_certified;
use spi_theory::coordination::{self, PerfectCoordination};
use spi_theory::json::{claims_from_document, search_to_value};
use spi_theory::{PlayerId, SpiCertificate, SpiKind, SpiQuery, isomorphism, verdicts, verify};

use crate::cmd::DomainRejection;
use crate::cmd::game::{load_game, parse_profile, print_json};

/// The `spi spi` subcommands.
#[derive(Subcommand)]
pub enum SpiCommand {
    /// Search for non-trivial safe Pareto improvements (OC Sec. 4) and print verified certificates.
    Search(SearchArgs),
    /// Re-check an SPI certificate (one entry or a whole `spi-search/1` document) from scratch.
    Verify {
        /// The game: a file (.json, .nfg) or a built-in example name.
        game: String,
        /// The certificate file (JSON).
        #[arg(long)]
        certificate: String,
        /// Print JSON (`spi-verify/1`).
        #[arg(long)]
        json: bool,
    },
    /// Perfect-coordination SPIs (OC Sec. 5): which default outcomes can be Pareto-improved, and the
    /// safely achievable payoff region for two players.
    Coordinate {
        /// The game.
        game: String,
        /// The support of the default play, as profiles "A1,B1;A2,B2" (default: every profile that
        /// survives IESDS).
        #[arg(long)]
        support: Option<String>,
        /// Print JSON (`spi-coordination/1`).
        #[arg(long)]
        json: bool,
    },
    /// OC Algorithm 2: is "play the planned outcome, punish deviators to their threat point" a
    /// program equilibrium?
    ProgramEquilibrium {
        /// The game.
        game: String,
        /// The planned outcome as a profile "A1,B1".
        #[arg(long, conflicts_with = "payoffs", required_unless_present = "payoffs")]
        outcome: Option<String>,
        /// The planned outcome as a payoff vector "1,1" (e.g. the expected payoff of a mix).
        #[arg(long, allow_hyphen_values = true)]
        payoffs: Option<String>,
        /// Print JSON (`program-equilibrium/1`).
        #[arg(long)]
        json: bool,
    },
    /// Decide whether two games are isomorphic (OC's affine isomorphism) and print one isomorphism.
    Isomorphic {
        /// The first game.
        left: String,
        /// The second game.
        right: String,
        /// Print JSON (`isomorphism/1`).
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `spi spi search`.
#[derive(Args)]
pub struct SearchArgs {
    /// The game: a file (.json, .nfg) or a built-in example name.
    pub game: String,
    /// Search unilateral SPIs of this player (the others keep their actions and utilities).
    #[arg(long, value_name = "PLAYER")]
    pub unilateral: Option<String>,
    /// Require a strict improvement for some player on some reduced profile.
    #[arg(long)]
    pub strict: bool,
    /// Enumerate every non-trivial SPI up to relabelling (default: stop at the first).
    #[arg(long)]
    pub all: bool,
    /// With --all, stop after this many raw witnesses.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Print JSON (`spi-search/1`).
    #[arg(long)]
    pub json: bool,
    /// Also draw the first SPI found on the payoff space (SVG): an arrow from each outcome to
    /// its image (two-player games).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<std::path::PathBuf>,
}

/// Runs a `spi spi` subcommand.
pub fn run(cmd: SpiCommand) -> Result<()> {
    match cmd {
        SpiCommand::Search(a) => run_search(a),
        SpiCommand::Verify {
            game,
            certificate,
            json,
        } => run_verify(&game, &certificate, json),
        SpiCommand::Coordinate {
            game,
            support,
            json,
        } => {
            let g = load_game(&game)?;
            let support = match support {
                None => coordination::default_support(&g),
                Some(s) => s
                    .split(';')
                    .map(|p| parse_profile(&g, p))
                    .collect::<Result<Vec<_>>>()?,
            };
            let pc = coordination::perfect_coordination(&g, &support);
            if json {
                print_json(&verdicts::coordination_document(&g, &pc));
            } else {
                print!("{}", render_coordination(&g, &pc));
            }
            Ok(())
        }
        SpiCommand::ProgramEquilibrium {
            game,
            outcome,
            payoffs,
            json,
        } => {
            let g = load_game(&game)?;
            let (planned, label) = match (outcome, payoffs) {
                (Some(o), _) => {
                    let p = parse_profile(&g, &o)?;
                    (g.payoffs(&p).to_vec(), g.profile_label(&p))
                }
                (None, Some(s)) => {
                    let v = s
                        .split(',')
                        .map(|x| {
                            x.trim()
                                .parse::<Rational>()
                                .map_err(|e| anyhow::anyhow!("--payoffs {s:?}: {e}"))
                        })
                        .collect::<Result<Vec<_>>>()?;
                    if v.len() != g.num_players() {
                        bail!(
                            "--payoffs {s:?}: expected {} numbers, one per player",
                            g.num_players()
                        );
                    }
                    let label = format!("({})", s);
                    (v, label)
                }
                (None, None) => bail!("give --outcome PROFILE or --payoffs U1,U2,..."),
            };
            let pe = coordination::program_equilibrium(&g, &planned);
            if json {
                print_json(&verdicts::program_equilibrium_document(&g, &pe));
            } else {
                print!("{}", render_program_equilibrium(&g, &pe, &label));
            }
            Ok(())
        }
        SpiCommand::Isomorphic { left, right, json } => {
            let (g, h) = (load_game(&left)?, load_game(&right)?);
            let iso = isomorphism::find_isomorphism(&g, &h);
            if json {
                let v = verdicts::isomorphism_document(&g, &h, iso.as_ref());
                print_json(&v);
            } else {
                match &iso {
                    None => println!("{} and {} are not isomorphic.", g.name(), h.name()),
                    Some(m) => {
                        println!("{} ≅ {}: u_i(a) = λ_i·u'_i(Φ(a)) + c_i", g.name(), h.name());
                        for i in 0..g.num_players() {
                            let pairs: Vec<String> = m.maps[i]
                                .iter()
                                .enumerate()
                                .map(|(a, &b)| format!("{}→{}", g.actions(i)[a], h.actions(i)[b]))
                                .collect();
                            println!(
                                "  {}: {}  (λ = {}, c = {})",
                                g.players()[i],
                                pairs.join(", "),
                                m.scale[i],
                                m.shift[i]
                            );
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn run_search(a: SearchArgs) -> Result<()> {
    let g = load_game(&a.game)?;
    let kind = match &a.unilateral {
        None => SpiKind::Omnilateral,
        Some(name) => {
            let i = g.player_index(name).with_context(|| {
                format!(
                    "--unilateral {name:?}: the game's players are {}",
                    g.players().join(", ")
                )
            })?;
            SpiKind::Unilateral(PlayerId(i))
        }
    };
    let query = SpiQuery {
        kind,
        strict: a.strict,
        all: a.all,
        limit: a.limit,
    };
    let certified = search_certified(&g, &query).map_err(|e| {
        if e.is_internal() {
            // The search and the verifier share no code; a disagreement is a bug worth exit 3.
            anyhow::Error::new(crate::cmd::InternalError(e.to_string()))
        } else {
            anyhow::Error::new(e).context(a.game.clone())
        }
    })?;
    let (found, certs) = (certified.search, certified.certificates);
    if let Some(path) = &a.plot {
        let Some(first) = certs.first() else {
            bail!("--plot: no SPI was found, so there is nothing to draw");
        };
        let space =
            spi_plot::payoff_space(&g, None, spi_games::equilibrium::DEFAULT_ENUMERATION_MIB)
                .with_context(|| format!("--plot {}", path.display()))?;
        let svg = spi_plot::render_svg(&spi_plot::with_spi(space, first))?;
        crate::cmd::game::write_atomically(path, &svg)?;
        eprintln!("wrote {}", path.display());
    }
    if a.json {
        print_json(&search_to_value(&g, &certs));
        return Ok(());
    }
    let mut out = String::new();
    let survivors: Vec<String> = (0..g.num_players())
        .map(|i| {
            format!(
                "{} {{{}}}",
                g.players()[i],
                found.reduction.surviving[i]
                    .iter()
                    .map(|&x| g.actions(i)[x].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let shape: Vec<String> = g.shape().iter().map(|k| k.to_string()).collect();
    let _ = writeln!(
        out,
        "Game {} ({}); IESDS leaves {}.",
        g.name(),
        shape.join("x"),
        survivors.join(", ")
    );
    let what = format!(
        "{}{} SPI",
        if a.strict { "strict " } else { "" },
        match kind {
            SpiKind::Omnilateral => "omnilateral".to_string(),
            SpiKind::Unilateral(PlayerId(i)) => format!("unilateral (for {})", g.players()[i]),
        }
    );
    if certs.is_empty() {
        let _ = writeln!(
            out,
            "No non-trivial {what} exists ({} search nodes).",
            found.nodes
        );
    } else if a.all {
        let _ = writeln!(
            out,
            "{} non-trivial {what}(s) up to relabelling ({} before removing relabellings{}; {} search nodes).",
            certs.len(),
            found.raw.len(),
            if found.truncated {
                ", stopped at --limit"
            } else {
                ""
            },
            found.nodes
        );
    } else {
        let _ = writeln!(
            out,
            "Found a non-trivial {what} ({} search nodes; --all lists every one).",
            found.nodes
        );
    }
    for (k, c) in certs.iter().enumerate() {
        out.push('\n');
        out.push_str(&render_certificate(&g, c, k + 1));
    }
    print!("{out}");
    Ok(())
}

fn render_certificate(g: &Game, c: &SpiCertificate, index: usize) -> String {
    let mut out = String::new();
    let kind = match c.kind() {
        SpiKind::Omnilateral => "omnilateral".to_string(),
        SpiKind::Unilateral(PlayerId(i)) => format!("unilateral for {}", g.players()[i]),
    };
    let _ = writeln!(
        out,
        "SPI {index} ({kind}, {})",
        if c.is_strict() { "strict" } else { "weak" }
    );
    let maps: Vec<String> = c
        .action_map()
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{}: {}",
                g.players()[i],
                m.iter()
                    .map(|(a, b)| format!("{a}→{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let _ = writeln!(out, "  action map     {}", maps.join("; "));
    let s = c.substitute();
    let sets: Vec<String> = (0..s.num_players())
        .map(|i| format!("{} {{{}}}", s.players()[i], s.actions(i).join(", ")))
        .collect();
    let _ = writeln!(out, "  substitute     {}", sets.join(" x "));
    let _ = writeln!(out, "  improvements (original payoffs)");
    for m in c.improvements() {
        let strict = m.payoffs_to.iter().zip(&m.payoffs_from).any(|(y, x)| y > x);
        let _ = writeln!(
            out,
            "    ({}) → ({}): ({}) → ({}){}",
            m.from.join(", "),
            m.to.join(", "),
            nums(&m.payoffs_from),
            nums(&m.payoffs_to),
            if strict { "  strict" } else { "" }
        );
    }
    let (scale, shift) = c.affine();
    let _ = writeln!(
        out,
        "  verified       IESDS on Γ → isomorphism (λ = {}; c = {}) → reverse IESDS on Γ^s; the composite correspondence ({} pairs) is Pareto-improving",
        nums(scale),
        nums(shift),
        c.composite().len()
    );
    out
}

fn nums(v: &[Rational]) -> String {
    crate::cmd::qs(v)
}

fn run_verify(game: &str, certificate: &str, json_out: bool) -> Result<()> {
    let g = load_game(game)?;
    let text = crate::input::read_text(certificate)?;
    let doc: Value = spi_games::format::json::parse_unique(&text)
        .map_err(|e| {
            anyhow::anyhow!(
                "line {}, column {}: invalid JSON: {e}",
                e.line(),
                e.column()
            )
        })
        .with_context(|| certificate.to_string())?;
    let claims = claims_from_document(&g, &doc).with_context(|| certificate.to_string())?;
    let results: Vec<_> = claims.iter().map(|c| verify(&g, c)).collect();
    let rejected: Vec<String> = results
        .iter()
        .enumerate()
        .filter_map(|(k, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("certificate {} rejected: {e}", k + 1))
        })
        .collect();
    if json_out {
        print_json(&verdicts::verification_document(&results));
    } else {
        for (k, r) in results.iter().enumerate() {
            if let Ok(c) = r {
                println!("certificate {} verified:", k + 1);
                print!("{}", render_certificate(&g, c, k + 1));
            }
        }
    }
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(DomainRejection(format!("{certificate}: {}", rejected.join("; "))).into())
    }
}

fn polygon(r: &[Vec<Rational>]) -> String {
    if r.is_empty() {
        return "empty".into();
    }
    r.iter()
        .map(|p| format!("({})", nums(p)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn render_coordination(g: &Game, pc: &PerfectCoordination) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Perfect-coordination SPI {} for {} (support of the default play: {} profile(s)).",
        if pc.exists {
            "exists"
        } else {
            "does not exist"
        },
        g.name(),
        pc.support.len()
    );
    for o in &pc.support {
        match &o.improvement {
            None => {
                let _ = writeln!(
                    out,
                    "  {} ({}): Pareto-optimal in C(Γ)",
                    g.profile_label(&o.profile),
                    nums(&o.payoffs)
                );
            }
            Some(imp) => {
                let mix: Vec<String> = imp
                    .distribution
                    .iter()
                    .map(|(p, w)| format!("{} {}", g.profile_label(p), crate::cmd::q(w)))
                    .collect();
                let _ = writeln!(
                    out,
                    "  {} ({}): improvable, e.g. to ({}) by playing {}",
                    g.profile_label(&o.profile),
                    nums(&o.payoffs),
                    nums(&imp.point),
                    mix.join(", ")
                );
            }
        }
        if let Some(r) = &o.region {
            let _ = writeln!(out, "      improvements form the polygon {}", polygon(r));
        }
    }
    if let Some(r) = &pc.safe_region {
        let _ = writeln!(
            out,
            "Safely achievable region (C(Γ) above ({}), whatever the default outcome): {}",
            nums(&pc.floor),
            polygon(r)
        );
    }
    out
}

fn render_program_equilibrium(
    g: &Game,
    pe: &coordination::ProgramEquilibrium,
    label: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "OC Algorithm 2 with planned outcome {label} = ({}): {}.",
        nums(&pe.planned),
        if pe.is_equilibrium() {
            "a program equilibrium"
        } else {
            "NOT a program equilibrium"
        }
    );
    let _ = writeln!(out, "Threat point ({}).", nums(&pe.threat.values));
    for p in &pe.threat.punishments {
        let others: Vec<usize> = (0..g.num_players()).filter(|&j| j != p.target).collect();
        let mix: Vec<String> = p
            .distribution
            .iter()
            .map(|(prof, w)| {
                format!(
                    "({}) {}",
                    prof.iter()
                        .zip(&others)
                        .map(|(&a, &j)| g.actions(j)[a].as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    crate::cmd::q(w)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  if {} deviates, {} {} {} (holding it to {})",
            g.players()[p.target],
            others
                .iter()
                .map(|&j| g.players()[j].as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if others.len() == 1 { "plays" } else { "play" },
            mix.join(", "),
            crate::cmd::q(&pe.threat.values[p.target])
        );
    }
    for (i, d) in &pe.shortfalls {
        let _ = writeln!(
            out,
            "  {} would gain {} by deviating (planned below its threat value)",
            g.players()[*i],
            crate::cmd::q(d)
        );
    }
    out
}
