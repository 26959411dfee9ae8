"""Inspect's entry point (``[project.entry-points.inspect_ai]``): importing this module registers
every suite task, so ``inspect eval safepareto/NAME`` finds it."""

from safepareto.inspect_tasks import (  # noqa: F401
    implementation_lockout,
    missed_spis,
    over_correction,
    premature_commitment,
    safepareto_score,
    spi_capability,
    spi_interactive,
    spi_reasoning,
    undermining_incentives,
)
