"""safepareto: exact game theory and safe Pareto improvements (SPIs), from Python.

The engine is the Rust workspace's (``spi-games``, ``spi-theory``, ``spi-programs``,
``spi-eval``, ``spi-suites``) called through PyO3; nothing is computed in Python. Numbers are
exact ``fractions.Fraction`` values; every analysis has a float view for plotting.

>>> import safepareto as sp
>>> g = sp.Game.example("demand-game")
>>> g.iesds().surviving
[['DM', 'RM'], ['DM', 'RM']]
>>> [str(x) for x in g.equilibria()[1].payoffs]
['3/4', '3/4']
>>> cert = g.spi_search().certificates[0]
>>> cert.action_map
[[('DM', 'DL'), ('RM', 'RL')], [('DM', 'DL'), ('RM', 'RL')]]
>>> all(v.valid for v in g.verify(cert))
True

The Part I suites and the Part III research classes are Inspect tasks (``inspect eval
safepareto/missed-spis``, ``inspect eval safepareto/research-search -T mode=engine_loop``); see
:mod:`safepareto.inspect_tasks`.
"""

from __future__ import annotations

import os

from safepareto._core import (
    BUILD_RESEARCH_DIR,
    BUILD_SUITES_DIR,
    BargainingError,
    Equilibrium,
    EquilibriumError,
    EvalError,
    FormatError,
    Game,
    GameError,
    InternalError,
    Limits,
    PmpSegment,
    Program,
    ProgramError,
    Reduction,
    SafeparetoError,
    SpiCertificate,
    SpiSearchResult,
    TheoryError,
    ThreatPoint,
    Tournament,
    Verification,
    __version__,
    agent_names,
    check_model,
    example_names,
    isomorphism,
    perfect_coordination,
    play,
    play_modal,
    program_equilibrium,
    race,
    spi_search,
    tournament,
    verify,
)

try:
    from safepareto._core import (
        check_kinds,
        list_runs,
        load_suite,
        read_run,
        reference_answer,
        research_engine_reply,
        research_suite_toml,
        score,
    )
except ImportError:  # an engine-only build (no `eval` feature), as bench/python makes
    pass

__all__ = [
    "BargainingError",
    "Equilibrium",
    "EquilibriumError",
    "EvalError",
    "FormatError",
    "Game",
    "GameError",
    "InternalError",
    "Limits",
    "PmpSegment",
    "Program",
    "ProgramError",
    "Reduction",
    "SafeparetoError",
    "SpiCertificate",
    "SpiSearchResult",
    "TheoryError",
    "ThreatPoint",
    "Tournament",
    "Verification",
    "__version__",
    "agent_names",
    "check_kinds",
    "check_model",
    "example_names",
    "isomorphism",
    "list_runs",
    "load_suite",
    "perfect_coordination",
    "play",
    "play_modal",
    "program_equilibrium",
    "race",
    "read_run",
    "reference_answer",
    "research_dir",
    "research_engine_reply",
    "research_suite_toml",
    "score",
    "spi_search",
    "suites_dir",
    "tournament",
    "verify",
]


def _data_dir(variable: str, name: str, built_from: str) -> str:
    """``$variable`` if set; else ``safepareto/data/NAME`` inside the installed wheel; else the
    checkout's folder the extension was built from."""
    if os.environ.get(variable):
        return os.path.normpath(os.environ[variable])
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", name)
    if os.path.isdir(packaged):
        return packaged
    return os.path.normpath(built_from)


def suites_dir() -> str:
    """The folder holding the suites (``suites/NAME/suite.toml``).

    ``$SAFEPARETO_SUITES`` if set; else the copy inside the installed wheel
    (``safepareto/data/suites``, so a wheel moved to another machine still has its suites); else
    the ``suites/`` of the checkout the extension was built from.

    >>> import os, safepareto as sp
    >>> os.path.isfile(os.path.join(sp.suites_dir(), "missed-spis", "suite.toml"))
    True
    """
    return _data_dir("SAFEPARETO_SUITES", "suites", BUILD_SUITES_DIR)


def research_dir() -> str:
    """The folder holding the Part III benchmark (``research/CLASS/tasks.jsonl``).

    ``$SAFEPARETO_RESEARCH`` if set; else the copy inside the installed wheel
    (``safepareto/data/research``); else the ``research/`` of the checkout the extension was
    built from.

    >>> import os, safepareto as sp
    >>> os.path.isfile(os.path.join(sp.research_dir(), "search", "tasks.jsonl"))
    True
    """
    return _data_dir("SAFEPARETO_RESEARCH", "research", BUILD_RESEARCH_DIR)
