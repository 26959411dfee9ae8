//! The harness suite a research run is: one dataset per class file, the research solver in the
//! run's mode, the research check as the scorer; and the registries a run needs. Runs are then
//! ordinary `spi_eval` runs, with its store, resume and fault handling.

use std::path::Path;
use std::sync::Arc;

use spi_eval::check::CheckRegistry;
use spi_eval::solver::SolverRegistry;

use crate::check::ResearchCheck;
use crate::modes::{Mode, Overseer, ResearchSolver, SOLVER_KIND};

/// A suite file (TOML) over `datasets` (name, absolute JSONL path) in `mode`. Datasets are
/// scored by their engine check, except `open-questions`, scored by rubric `judges`.
pub fn suite_toml(
    datasets: &[(String, &Path)],
    mode: Mode,
    rounds: u32,
    max_tokens: u32,
    judges: &[String],
) -> String {
    let mut s = format!(
        "# Written by `spi research run`; a run with the same mode and classes resumes against it.\n\
name = \"research-{}\"\nversion = \"{}\"\ndescription = \"SPI research benchmark (Part III), mode {}\"\n",
        mode.name(),
        crate::release::VERSION,
        mode.name()
    );
    for (name, path) in datasets {
        s.push_str(&format!(
            "\n[[dataset]]\nname = {}\npath = {}\nsolver = {{ kind = \"{SOLVER_KIND}\", mode = \"{}\", rounds = {rounds} }}\nscorers = [{}]\ngenerate = {{ max_tokens = {max_tokens}, temperature = 0.0 }}\n",
            toml_str(name),
            toml_str(&path.display().to_string()),
            mode.name(),
            if name == "open-questions" {
                format!("{{ kind = \"rubric\", judges = [{}] }}", judges.iter().map(|j| toml_str(j)).collect::<Vec<_>>().join(", "))
            } else {
                "{ kind = \"check\" }".to_string()
            }
        ));
    }
    s
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// The check registry with the research check (and the harness's built-ins).
pub fn checks() -> CheckRegistry {
    let mut r = CheckRegistry::with_builtins();
    r.register(Arc::new(ResearchCheck));
    r.register(Arc::new(crate::handwritten::CritiqueCheck));
    r
}

/// The solver registry with the research solver (the human mode asks `overseer`).
pub fn solvers(overseer: Option<Arc<dyn Overseer>>) -> SolverRegistry {
    let mut r = SolverRegistry::default();
    r.register(Arc::new(match overseer {
        Some(o) => ResearchSolver::with_overseer(o),
        None => ResearchSolver::new(),
    }));
    r
}
