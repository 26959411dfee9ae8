//! Speed: matches per second in a tournament of n agents (including simulating agents) and modal
//! evaluation for all pairs of n modal agents, at several n (sizes in the bench names). Inputs are
//! fixed and seeded. `bench/programs/run.sh` runs this and prints the growth table.

// criterion_group! and criterion_main! generate undocumented public functions.
#![allow(missing_docs)]

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spi_programs::modal::ModalSystem;
use spi_programs::tournament::{run_modal, run_programs};
use spi_programs::{Limits, Program, ProgramGame, library};

/// `n` distinct program agents: the library's PD agents plus parameterised variants (CliqueBots
/// with different tags, ε-FairBots with different ε, mixers, grudging simulators).
pub fn program_agents(n: usize) -> Vec<(String, Arc<Program>)> {
    let limits = Limits::default();
    let mut out: Vec<(String, Arc<Program>)> = [
        "cooperatebot",
        "defectbot",
        "cliquebot",
        "fairbot-eps",
        "oc-program-equilibrium",
    ]
    .iter()
    .map(|k| (k.to_string(), library::agent(k).expect("library agent")))
    .collect();
    let mut i = 0;
    while out.len() < n {
        let src = match i % 5 {
            0 => format!(
                "name \"Clique{i}\";\nmain {{ if them == me {{ return \"C\"; }} return \"D\"; }}"
            ),
            1 => format!(
                "name \"FairEps{i}\";\nconst eps = 1/{};\nmain {{ if bernoulli(eps) {{ return \"C\"; }} return sim(them, me); }}",
                5 + i % 7
            ),
            2 => format!(
                "name \"Mixer{i}\";\nmain {{ return mix([[\"C\", 1/{}], [\"D\", {}/{}]]); }}",
                2 + i % 3,
                1 + i % 3,
                2 + i % 3
            ),
            3 => format!(
                "name \"Tester{i}\";\n// Cooperates iff the counterpart cooperates with CooperateBot and defects against DefectBot.\nmain {{ if sim(them, agent(\"cooperatebot\")) == \"C\" and sim(them, agent(\"defectbot\")) == \"D\" {{ return \"C\"; }} return \"D\"; }}"
            ),
            _ => format!(
                "name \"Grudge{i}\";\nmain {{ if sim(them, agent(\"defectbot\")) == \"C\" {{ return \"D\"; }} return \"C\"; }}"
            ),
        };
        out.push((
            format!("gen{i}"),
            Arc::new(Program::parse(&src, &limits).expect("generated agent parses")),
        ));
        i += 1;
    }
    out.truncate(n);
    out
}

/// A modal system with `n` agents: the library's four plus FairBot/PrudentBot variants in PA+k and
/// agents that refer to each other.
pub fn modal_agents(n: usize) -> (ModalSystem, Vec<String>) {
    let mut s = ModalSystem::library();
    let mut names: Vec<String> = s.names().iter().map(|x| x.to_string()).collect();
    let mut i = 0;
    while names.len() < n {
        let k = i % 3;
        let src = match i % 4 {
            0 => format!("agent Fair{i} = box[{k}] C(me);"),
            1 => format!(
                "agent Prudent{i} = box[{k}] C(me) and box[{}] not C(DefectBot);",
                k + 1
            ),
            2 => format!("agent Friend{i} = box C(FairBot) and box[{k}] C(me);"),
            _ => format!(
                "agent Picky{i} = box C(me) and box not C(CooperateBot, them) or box[{k}] C(PrudentBot);"
            ),
        };
        s.add_source(&src).expect("generated modal agent parses");
        names.push(s.names().last().expect("just added").to_string());
        i += 1;
    }
    names.truncate(n);
    (s, names)
}

fn tournaments(c: &mut Criterion) {
    let pg = ProgramGame::new(spi_games::examples::program_pd()).expect("two players");
    let limits = Limits::default();
    let mut g = c.benchmark_group("program_tournament");
    g.sample_size(10);
    for n in [10, 20, 30, 40, 50] {
        let agents = program_agents(n);
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}_agents_{}_matches", n * n)),
            &agents,
            |b, agents| b.iter(|| run_programs(&pg, agents, &limits, 7, &|_, _| {})),
        );
    }
    g.finish();
}

fn modal(c: &mut Criterion) {
    let pg = ProgramGame::new(spi_games::examples::program_pd()).expect("two players");
    let mut g = c.benchmark_group("modal_all_pairs");
    g.sample_size(10);
    for n in [5, 10, 15, 20] {
        let (sys, names) = modal_agents(n);
        g.bench_with_input(
            BenchmarkId::from_parameter(format!("{n}_agents_{}_pairs", n * n)),
            &names,
            |b, names| b.iter(|| run_modal(&pg, &sys, names, &|_, _| {}).expect("known agents")),
        );
    }
    g.finish();
}

criterion_group!(benches, tournaments, modal);
criterion_main!(benches);
