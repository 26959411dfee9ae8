"""The Part I suites and the Part III research classes as Inspect tasks:
``inspect eval safepareto/missed-spis --model openai/gpt-4o``,
``inspect eval safepareto/research-search -T mode=engine_loop``.

Each task loads the suite exactly as ``spi eval run`` does (``safepareto.load_suite``: the JSONL
items, the suite's arms, the prompts its solvers send), puts the items to the model with
Inspect's own solvers (``multiple_choice`` for the scenario suites, ``generate`` for the
engine-generated ones) and scores every output with the harness's scorers through the bindings
(``safepareto.score``: letter extraction for multiple choice, the engine checks for generated
items). So on the same model outputs the scores equal ``spi eval run``'s; the replay test in
``python/tests/test_inspect_parity.py`` holds that.

Task parameters (``-T name=value``): ``arm`` (an intervention arm of the suite, default the
baseline), ``root`` (the folder of suites, default :func:`safepareto.suites_dir`), ``sample_ids``
(a comma-separated subset).

The research tasks (``research-CLASS``, one per checkable class of ``research/``) are built
from the suite file ``spi research run`` writes (``safepareto.research_suite_toml``), so the
prompts are the ones it sends, and scored by the same research check. Parameters: ``mode``
(``end_to_end``, the default, or ``engine_loop``: the model proposes, the engine answers with
the exact counterexample to the proposal, the model revises, up to ``rounds`` proposals, with
the verifier's message built by the engine exactly as ``spi research run`` builds it),
``rounds`` (default 3), ``tier`` (1-3), ``max_tokens`` (default 512), ``root`` (default
:func:`safepareto.research_dir`) and ``sample_ids``. The ``decomposed`` mode (engine check-ins
after each step) and the ``human`` mode run in ``spi research run`` only, and the hand-written
classes (critique, open questions) are not Inspect tasks yet.

>>> from safepareto.inspect_tasks import SUITES, RESEARCH_CLASSES
>>> SUITES[:3]
('implementation-lockout', 'missed-spis', 'over-correction')
>>> RESEARCH_CLASSES[:2]
('search', 'verify-refute')
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Optional

import anyio
from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
)
from inspect_ai.scorer import Score, Target, accuracy, scorer, stderr
from inspect_ai.solver import Generate, Solver, TaskState, generate, multiple_choice, solver

from safepareto import (
    EvalError,
    load_suite,
    research_dir,
    research_engine_reply,
    research_suite_toml,
    score,
    suites_dir,
)

#: The Part I suites with a suite file, in ``suites/`` order (``attitudes`` has no key, so no task).
SUITES = (
    "implementation-lockout",
    "missed-spis",
    "over-correction",
    "premature-commitment",
    "spi-capability",
    "spi-interactive",
    "spi-reasoning",
    "undermining-incentives",
)


#: The checkable Part III classes (engine-graded), in the benchmark's class order.
RESEARCH_CLASSES = (
    "search",
    "verify-refute",
    "counterexample",
    "program-outcomes",
    "program-design",
    "exact-computation",
    "find-the-flaw",
    "formalise",
)


def _wanted_ids(sample_ids: Any) -> Optional[set[str]]:
    """``sample_ids`` as given: a comma-separated string from Python, or the list Inspect's
    command line makes of ``-T sample_ids=a,b``."""
    if not sample_ids:
        return None
    parts = sample_ids.split(",") if isinstance(sample_ids, str) else [str(x) for x in sample_ids]
    return {p.strip() for p in parts if p.strip()}


def _message(m: dict[str, str]) -> ChatMessage:
    role, content = m["role"], m["content"]
    if role == "system":
        return ChatMessageSystem(content=content)
    if role == "assistant":
        return ChatMessageAssistant(content=content)
    return ChatMessageUser(content=content)


@scorer(metrics=[accuracy(), stderr()], name="safepareto_score")
def safepareto_score(config: Optional[dict[str, Any]] = None):
    """Scores with the harness scorer ``config`` (``{"kind": "choice"}``, ``{"kind": "check"}``,
    …) on the sample's JSONL record, through the engine: the same verdict ``spi eval run`` gives."""
    cfg = dict(config or {"kind": "choice"})

    async def run(state: TaskState, target: Target) -> Score:
        record = state.metadata["safepareto_sample"]
        # Engine checks can run a program sandbox or an SPI search: off the event loop.
        verdict = await anyio.to_thread.run_sync(
            score, record, state.output.completion, cfg
        )
        return Score(
            value=verdict["value"],
            answer=verdict.get("answer"),
            explanation=verdict.get("explanation"),
            metadata={"scorer": cfg["kind"]},
        )

    return run


def _solver(config: dict[str, Any]) -> Solver:
    kind = config.get("kind")
    if kind == "multiple_choice":
        if config.get("shuffle_choices"):
            # spi eval shuffles with its own seeded order; Inspect's would differ.
            raise EvalError(
                "multiple_choice with shuffle_choices = true has no Inspect equivalent here "
                "(the Part I suites fix the option order in the items)"
            )
        return multiple_choice(cot=bool(config.get("cot", False)))
    if kind == "generate" and not config.get("cot"):
        return generate()
    raise EvalError(f"solver {config!r}: no Inspect solver for this kind yet")


def suite_task(
    name: str,
    *,
    arm: Optional[str] = None,
    root: Optional[str] = None,
    sample_ids: Optional[str] = None,
) -> Task:
    """The Inspect task of suite ``name`` (see the module documentation for the parameters)."""
    path = os.path.join(root or suites_dir(), name, "suite.toml")
    suite = load_suite(path, arm)
    datasets = suite["datasets"]
    first = datasets[0]
    for d in datasets[1:]:
        if (d["solver"], d["scorers"], d["generate"]) != (
            first["solver"],
            first["scorers"],
            first["generate"],
        ):
            raise EvalError(
                f"{path}: datasets {first['name']!r} and {d['name']!r} differ in solver, "
                "scorers or generation settings; one Inspect task needs them equal"
            )
    wanted = _wanted_ids(sample_ids)
    mc = first["solver"].get("kind") == "multiple_choice"
    samples = []
    for d in datasets:
        for rec in d["samples"]:
            s = rec["sample"]
            if wanted is not None and s["id"] not in wanted:
                continue
            opening = [_message(m) for m in rec["opening"]]
            # multiple_choice adds the options itself: give it the question; generate gets the
            # rendered prompt spi eval sends.
            turn = ChatMessageUser(content=rec["question"] if mc else rec["prompt"])
            samples.append(
                Sample(
                    id=s["id"],
                    input=[*opening, turn],
                    choices=s.get("choices") if mc else None,
                    target=s["target"],
                    metadata={
                        **s.get("metadata", {}),
                        "dataset": d["name"],
                        "safepareto_sample": s,
                    },
                )
            )
    gen = first["generate"]
    return Task(
        dataset=MemoryDataset(samples, name=name),
        solver=_solver(first["solver"]),
        scorer=[safepareto_score(cfg) for cfg in first["scorers"]],
        config=GenerateConfig(
            max_tokens=gen["max_tokens"], temperature=gen["temperature"]
        ),
        name=name,
        metadata={
            "suite": suite["name"],
            "suite_version": suite["version"],
            "arm": suite["arm"],
            "fingerprint": suite["fingerprint"],
        },
    )


@task(name="implementation-lockout")
def implementation_lockout(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Part I, failure mode 2: implementation lock-out (multiple choice, keyed by the engine)."""
    return suite_task("implementation-lockout", arm=arm, root=root, sample_ids=sample_ids)


@task(name="missed-spis")
def missed_spis(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Part I, failure mode 3: missed SPIs (multiple choice, keyed by the engine)."""
    return suite_task("missed-spis", arm=arm, root=root, sample_ids=sample_ids)


@task(name="over-correction")
def over_correction(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Controls where committing early or refusing a fake SPI is right (multiple choice)."""
    return suite_task("over-correction", arm=arm, root=root, sample_ids=sample_ids)


@task(name="premature-commitment")
def premature_commitment(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Part I, failure mode 1: premature commitment (multiple choice, keyed by the engine)."""
    return suite_task("premature-commitment", arm=arm, root=root, sample_ids=sample_ids)


@task(name="spi-capability")
def spi_capability(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Engine-generated SPI questions, graded by the engine checks (free-form answers)."""
    return suite_task("spi-capability", arm=arm, root=root, sample_ids=sample_ids)


@task(name="spi-interactive")
def spi_interactive(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Write a bargaining program; the sandbox runs it against a battery of counterparts."""
    return suite_task("spi-interactive", arm=arm, root=root, sample_ids=sample_ids)


@task(name="spi-reasoning")
def spi_reasoning(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Part I, failure mode 4: SPI reasoning errors (multiple choice, keyed by the engine)."""
    return suite_task("spi-reasoning", arm=arm, root=root, sample_ids=sample_ids)


@task(name="undermining-incentives")
def undermining_incentives(
    arm: Optional[str] = None, root: Optional[str] = None, sample_ids: Optional[str] = None
) -> Task:
    """Part I, failure mode 5: undermining incentives (multiple choice, keyed by the engine)."""
    return suite_task("undermining-incentives", arm=arm, root=root, sample_ids=sample_ids)


@solver
def engine_in_the_loop(rounds: int = 3) -> Solver:
    """The ``engine_loop`` collaboration mode: up to ``rounds`` proposals, each wrong one answered
    by the engine's exact counterexample (``safepareto.research_engine_reply``)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        record = state.metadata["safepareto_sample"]
        for round_ in range(1, rounds + 1):
            state = await generate(state)
            reply = await anyio.to_thread.run_sync(
                research_engine_reply, record, state.output.completion, round_, rounds
            )
            if reply is None:
                break
            state.messages.append(ChatMessageUser(content=reply))
        return state

    return solve


def research_task(
    cls: str,
    *,
    mode: str = "end_to_end",
    rounds: int = 3,
    tier: Optional[int] = None,
    max_tokens: int = 512,
    root: Optional[str] = None,
    sample_ids: Optional[str] = None,
) -> Task:
    """The Inspect task of research class ``cls`` (see the module documentation)."""
    if cls not in RESEARCH_CLASSES:
        raise EvalError(f"research class {cls!r}: expected one of {', '.join(RESEARCH_CLASSES)}")
    mode = mode.replace("-", "_")
    if mode not in ("end_to_end", "engine_loop"):
        raise EvalError(
            f"mode {mode!r}: the Inspect tasks run end_to_end and engine_loop; "
            "decomposed and human run in `spi research run`"
        )
    rounds, max_tokens = int(rounds), int(max_tokens)
    tasks = os.path.join(os.path.abspath(root or research_dir()), cls, "tasks.jsonl")
    if not os.path.isfile(tasks):
        raise EvalError(f"{tasks}: no such file (run `spi research generate` first)")
    toml = research_suite_toml([(cls, tasks)], mode, rounds, max_tokens)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"research-{mode}.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(toml)
        suite = load_suite(path)
    [d] = suite["datasets"]
    wanted = _wanted_ids(sample_ids)
    samples = []
    for rec in d["samples"]:
        s = rec["sample"]
        meta = s.get("metadata", {})
        if wanted is not None and s["id"] not in wanted:
            continue
        if tier is not None and meta.get("tier") != int(tier):
            continue
        samples.append(
            Sample(
                id=s["id"],
                input=[*(_message(m) for m in rec["opening"]), ChatMessageUser(content=rec["prompt"])],
                target=s.get("target", ""),
                metadata={**meta, "dataset": d["name"], "safepareto_sample": s},
            )
        )
    gen = d["generate"]
    return Task(
        dataset=MemoryDataset(samples, name=f"research-{cls}"),
        solver=generate() if mode == "end_to_end" else engine_in_the_loop(rounds),
        scorer=[safepareto_score(cfg) for cfg in d["scorers"]],
        config=GenerateConfig(max_tokens=gen["max_tokens"], temperature=gen["temperature"]),
        name=f"research-{cls}",
        metadata={
            "benchmark": "safepareto research (Part III)",
            "class": cls,
            "mode": mode,
            "rounds": rounds,
            "version": suite["version"],
        },
    )


def _research(cls: str, doc: str):
    def make(
        mode: str = "end_to_end",
        rounds: int = 3,
        tier: Optional[int] = None,
        max_tokens: int = 512,
        root: Optional[str] = None,
        sample_ids: Optional[str] = None,
    ) -> Task:
        return research_task(
            cls, mode=mode, rounds=rounds, tier=tier, max_tokens=max_tokens, root=root,
            sample_ids=sample_ids,
        )

    make.__name__ = "research_" + cls.replace("-", "_")
    make.__doc__ = doc
    return task(name=f"research-{cls}")(make)


research_search = _research("search", "Part III class 1: find an SPI of a game or show none exists.")
research_verify_refute = _research(
    "verify-refute", "Part III class 2: confirm a claimed SPI or isomorphism, or give the exact counterexample."
)
research_counterexample = _research(
    "counterexample", "Part III class 3: build a game on which a stated transformation fails as prescribed."
)
research_program_outcomes = _research(
    "program-outcomes", "Part III class 4: what programs and modal agents do against each other."
)
research_program_design = _research(
    "program-design", "Part III class 5: write a program to a spec, run against a battery of counterparts."
)
research_exact_computation = _research(
    "exact-computation", "Part III class 6: PMM/PMP, threat points and other exact values."
)
research_find_the_flaw = _research(
    "find-the-flaw", "Part III class 7: the planted error in a short SPI argument, and the corrected claim."
)
research_formalise = _research(
    "formalise", "Part III class 8: an informal claim as a predicate, graded on generated instances."
)
