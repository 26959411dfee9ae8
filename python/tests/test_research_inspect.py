"""The Part III research classes as Inspect tasks give what `spi research run` gives on the same
model outputs: the same score per task (right, wrong and unreadable answers), and in the
engine-in-the-loop mode the same conversation (the engine's counterexample messages word for
word, the same number of proposals). Outputs come from `mock:script:` on the spi side and from
Inspect's `mockllm` with the same rules on the other."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

import safepareto as sp
from conftest import ROOT, run_spi
from safepareto.inspect_tasks import RESEARCH_CLASSES, research_task

CLASSES = ["exact-computation", "verify-refute", "program-outcomes"]
#: The engine's messages start so; a reply to one is a revision.
ENGINE = "[engine]"
REVISION = "After the check I still answer.\nANSWER: 0"


def first_tasks(cls: str, n: int = 4) -> list[dict]:
    lines = (ROOT / "research" / cls / "tasks.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")][:n]


def outputs_for(tasks: list[dict]) -> dict[str, str]:
    """Right, wrong, unreadable, right: so a mean of 0 or 1 cannot pass by accident."""
    right = [sp.reference_answer(t) for t in tasks]
    kinds = [right[0], "ANSWER: 0", "I cannot tell.", right[3]]
    return {t["id"]: out for t, out in zip(tasks, kinds)}


def regex_literal(text: str) -> str:
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def spi_run(cls: str, mode: str, tasks: list[dict], outputs: dict[str, str], tmp: Path) -> dict[str, dict]:
    rules = [{"match": "^" + regex_literal(ENGINE), "reply": "{% raw %}" + REVISION + "{% endraw %}"}]
    rules += [
        {"match": regex_literal(t["input"]), "reply": "{% raw %}" + outputs[t["id"]] + "{% endraw %}"}
        for t in tasks
    ]
    script = tmp / f"{cls}-{mode}.json"
    script.write_text(json.dumps({"rules": rules}))
    logs = tmp / f"{cls}-{mode}-logs"
    run_spi(
        "research", "run", "--model", f"mock:script:{script}", "--mode", mode, "--class", cls,
        "--limit", str(len(tasks)), "--log-dir", str(logs), "--quiet",
    )
    export = tmp / f"{cls}-{mode}.jsonl"
    run_spi("eval", "export", "latest", "--format", "jsonl", "--log-dir", str(logs), "--out", str(export))
    return {json.loads(l)["sample"]["id"]: json.loads(l) for l in export.read_text().splitlines()}


def inspect_run(cls: str, mode: str, tasks: list[dict], outputs: dict[str, str], tmp: Path):
    def respond(messages, tools, tool_choice, config):
        last = messages[-1].text
        if last.startswith(ENGINE):
            text = REVISION
        else:
            text = next((outputs[t["id"]] for t in tasks if t["input"] in last), "NO RULE MATCHED")
        out = ModelOutput.from_content("mockllm/model", text)
        # Set, so mockllm does not count tokens with tiktoken (which downloads its vocabulary).
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    task = research_task(cls, mode=mode, sample_ids=",".join(outputs))
    [log] = inspect_eval(
        task,
        model=get_model("mockllm/model", custom_outputs=respond),
        log_dir=str(tmp / f"{cls}-{mode}-inspect"),
        display="none",
    )
    assert log.status == "success", log.error
    return {str(s.id): s for s in log.samples}


@pytest.mark.parametrize("mode", ["end_to_end", "engine_loop"])
@pytest.mark.parametrize("cls", CLASSES)
def test_research_tasks_score_and_converse_as_spi_research_run(cls, mode, tmp_path):
    tasks = first_tasks(cls)
    outputs = outputs_for(tasks)
    ours = spi_run(cls, mode, tasks, outputs, tmp_path)
    theirs = inspect_run(cls, mode, tasks, outputs, tmp_path)
    assert set(ours) == set(theirs) == set(outputs)
    values = []
    for i in outputs:
        mine = ours[i]["scores"]["check"]
        score = theirs[i].scores["safepareto_score"]
        assert mine["value"] == score.value, (i, mine, score)
        assert mine.get("answer") == score.answer, i
        values.append(score.value)
        spoken = [(m["role"], m["content"]) for m in ours[i]["state"]["messages"] if m["role"] != "system"]
        heard = [(m.role, m.text) for m in theirs[i].messages if m.role != "system"]
        assert spoken == heard, i
        proposals = sum(1 for role, _ in heard if role == "assistant")
        if mode == "end_to_end" or score.value == 1.0:
            assert proposals == 1, (i, proposals)
        else:
            # A wrong proposal is answered by the engine and revised until the rounds run out.
            assert proposals == 3, (i, proposals)
            assert any(role == "user" and text.startswith(ENGINE) for role, text in heard)
    assert values == [1.0, 0.0, 0.0, 1.0]


def test_every_research_class_is_an_inspect_task_by_name():
    from inspect_ai._util.registry import registry_lookup

    for cls in RESEARCH_CLASSES:
        assert registry_lookup("task", f"safepareto/research-{cls}") is not None, cls
    with pytest.raises(sp.EvalError, match="decomposed and human run in `spi research run`"):
        research_task("search", mode="decomposed")
    with pytest.raises(sp.EvalError, match="expected one of"):
        research_task("critique")
