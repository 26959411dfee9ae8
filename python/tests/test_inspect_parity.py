"""One fixed set of model outputs (test_data/python/replay-outputs.jsonl: right, wrong, malformed
and unparseable answers on four suites, multiple choice and engine-checked) replayed through
`spi eval run` (the `mock:script:` provider) and through the Inspect tasks (Inspect's `mockllm`
model): every sample's score and every suite's mean must be equal.

The fixture is written by python/tests/make_replay_outputs.py (byte for byte). Both mocks pick the output for a conversation by the item it shows: the item's input followed by
its options in the order shown (multiple-choice items come in two option orders).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

import safepareto as sp
from conftest import ROOT, run_spi
from safepareto.inspect_tasks import suite_task

REPLAY = ROOT / "test_data/python/replay-outputs.jsonl"


def replay() -> dict[str, dict[str, str]]:
    by_suite: dict[str, dict[str, str]] = defaultdict(dict)
    for line in REPLAY.read_text().splitlines():
        r = json.loads(line)
        assert r["canary"].startswith("SAFEPARETO-CANARY")
        by_suite[r["suite"]][r["id"]] = r["output"]
    return dict(by_suite)


def samples(suite: str) -> dict[str, dict]:
    doc = sp.load_suite(str(ROOT / "suites" / suite / "suite.toml"))
    return {rec["sample"]["id"]: rec["sample"] for d in doc["datasets"] for rec in d["samples"]}


def shown_parts(sample: dict) -> list[str]:
    """What identifies an item in a prompt: its input, then its options in order."""
    return [sample["input"], *(sample.get("choices") or [])]


def regex_literal(text: str) -> str:
    # Escapes only the metacharacters both Rust's regex and Python's re agree on.
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def spi_scores(suite: str, outputs: dict[str, str], items: dict[str, dict], tmp: Path) -> dict[str, float]:
    rules = [
        {
            "match": "(?s)" + ".*".join(regex_literal(p) for p in shown_parts(items[i])),
            # Replies are minijinja templates; the raw block keeps program text ({ }) literal.
            "reply": "{% raw %}" + out + "{% endraw %}",
        }
        for i, out in outputs.items()
    ]
    script = tmp / f"{suite}-script.json"
    script.write_text(json.dumps({"rules": rules, "default": "NO RULE MATCHED"}))
    logs = tmp / f"{suite}-logs"
    args = ["eval", "run", str(ROOT / "suites" / suite / "suite.toml"), "--model", f"mock:script:{script}"]
    args += ["--log-dir", str(logs), "--no-cache"]
    for i in outputs:
        args += ["--sample-id", i]
    run_spi(*args)
    export = tmp / f"{suite}.jsonl"
    run_spi("eval", "export", "latest", "--format", "jsonl", "--log-dir", str(logs), "--out", str(export))
    scores = {}
    for line in export.read_text().splitlines():
        row = json.loads(line)
        assert row.get("status", "ok") == "ok", row
        scores[row["sample"]["id"]] = row["scores"]
    return scores


def inspect_scores(suite: str, outputs: dict[str, str], items: dict[str, dict], tmp: Path) -> dict[str, float]:
    def reply(shown: str) -> str:
        for i, out in outputs.items():
            at = 0
            for p in shown_parts(items[i]):
                at = shown.find(p, at)
                if at < 0:
                    break
                at += len(p)
            else:
                return out
        return "NO RULE MATCHED"

    def respond(messages, tools, tool_choice, config):
        shown = messages[-1].text
        output = ModelOutput.from_content("mockllm/model", reply(shown))
        # Usage counted as spi's mock counts it (words). Left unset, mockllm would count tokens
        # with tiktoken, which downloads its vocabulary: this test runs offline.
        words_in, words_out = sum(len(m.text.split()) for m in messages), len(output.completion.split())
        output.usage = ModelUsage(input_tokens=words_in, output_tokens=words_out, total_tokens=words_in + words_out)
        return output

    task = suite_task(suite, sample_ids=",".join(outputs))
    [log] = inspect_eval(
        task,
        model=get_model("mockllm/model", custom_outputs=respond),
        log_dir=str(tmp / f"{suite}-inspect"),
        display="none",
    )
    assert log.status == "success", log.error
    return {str(s.id): s.scores["safepareto_score"] for s in log.samples}


@pytest.mark.parametrize("suite", sorted(replay()))
def test_replayed_outputs_score_the_same_in_spi_eval_and_inspect(suite, tmp_path):
    outputs = replay()[suite]
    items = samples(suite)
    ours = spi_scores(suite, outputs, items, tmp_path)
    theirs = inspect_scores(suite, outputs, items, tmp_path)
    assert set(ours) == set(theirs) == set(outputs)
    for i in outputs:
        [name] = ours[i].keys()
        assert ours[i][name]["value"] == theirs[i].value, (i, ours[i], theirs[i])
        assert ours[i][name].get("answer") == theirs[i].answer, i
    mean_ours = sum(next(iter(v.values()))["value"] for v in ours.values()) / len(ours)
    mean_theirs = sum(s.value for s in theirs.values()) / len(theirs)
    assert mean_ours == mean_theirs
    # The fixture mixes right and wrong answers, so equality is not "both all zero".
    assert 0 < mean_ours < 1


def test_inspect_finds_every_suite_task_by_name_through_the_entry_point(tmp_path):
    # `inspect eval safepareto/NAME` resolves NAME through the `inspect_ai` entry point; eval()
    # resolves a task given by name the same way.
    from inspect_ai._util.registry import registry_lookup

    from safepareto.inspect_tasks import SUITES

    for name in SUITES:
        assert registry_lookup("task", f"safepareto/{name}") is not None, name

    def respond(messages, tools, tool_choice, config):
        out = ModelOutput.from_content("mockllm/model", "ANSWER: A")
        out.usage = ModelUsage(input_tokens=1, output_tokens=2, total_tokens=3)
        return out

    [log] = inspect_eval(
        "safepareto/over-correction",
        model=get_model("mockllm/model", custom_outputs=respond),
        limit=3,
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success" and len(log.samples) == 3
    assert log.eval.task == "over-correction"
