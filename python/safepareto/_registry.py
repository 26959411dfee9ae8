"""Inspect's entry point (``[project.entry-points.inspect_ai]``): importing this module registers
every suite task, so ``inspect eval safepareto/NAME`` finds it."""

from safepareto.inspect_tasks import (  # noqa: F401
    implementation_lockout,
    missed_spis,
    over_correction,
    premature_commitment,
    research_counterexample,
    research_exact_computation,
    research_find_the_flaw,
    research_formalise,
    research_program_design,
    research_program_outcomes,
    research_search,
    research_verify_refute,
    safepareto_score,
    spi_capability,
    spi_interactive,
    spi_reasoning,
    undermining_incentives,
)
