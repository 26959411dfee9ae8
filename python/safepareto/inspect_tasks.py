"""The Part I suites as Inspect tasks: ``inspect eval safepareto/missed-spis --model openai/gpt-4o``.

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

>>> from safepareto.inspect_tasks import SUITES
>>> SUITES[:3]
('implementation-lockout', 'missed-spis', 'over-correction')
"""

from __future__ import annotations

import os
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
from inspect_ai.solver import Solver, TaskState, generate, multiple_choice

from safepareto import EvalError, load_suite, score, suites_dir

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
    wanted = None if not sample_ids else {s.strip() for s in sample_ids.split(",")}
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
