"""`inspect eval safepareto/NAME` from the command line, as a safety team would run it: Inspect's
OpenAI provider talks to `spi serve` (an OpenAI-compatible endpoint over the scripted mock model),
and the log Inspect writes holds the same scores and the same engine-in-the-loop conversation as
`spi research run` on the same script. Offline: the endpoint is on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from inspect_ai.log import read_eval_log

from conftest import ROOT, spi_binary
from test_research_inspect import ENGINE, REVISION, first_tasks, outputs_for, regex_literal, spi_run

INSPECT = Path(sys.executable).with_name("inspect")


def test_inspect_eval_cli_runs_a_research_task_against_spi_serve(tmp_path):
    cls, mode = "exact-computation", "engine_loop"
    tasks = first_tasks(cls)
    outputs = outputs_for(tasks)
    ours = spi_run(cls, mode, tasks, outputs, tmp_path)
    rules = [{"match": "^" + regex_literal(ENGINE), "reply": "{% raw %}" + REVISION + "{% endraw %}"}]
    rules += [
        {"match": regex_literal(t["input"]), "reply": "{% raw %}" + outputs[t["id"]] + "{% endraw %}"}
        for t in tasks
    ]
    script = tmp_path / "serve-script.json"
    script.write_text(json.dumps({"rules": rules}))
    server = subprocess.Popen(
        [spi_binary(), "serve", "--model", f"mock:script:{script}", "--addr", "127.0.0.1:0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = server.stdout.readline()
        assert " at http://" in line, line + server.stderr.read()
        url = line.split(" at ", 1)[1].strip()
        logs = tmp_path / "inspect-logs"
        env = {**os.environ, "OPENAI_API_KEY": "not-used-by-spi-serve"}
        done = subprocess.run(
            [
                str(INSPECT), "eval", f"safepareto/research-{cls}", "--model", "openai/spi-mock",
                "--model-base-url", url, "-M", "responses_api=false", "-T", f"mode={mode}",
                "-T", "sample_ids=" + ",".join(outputs), "--log-dir", str(logs), "--display", "none",
            ],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)
    [path] = list(logs.glob("*.eval"))
    log = read_eval_log(str(path))
    assert log.status == "success", log.error
    assert log.eval.task == f"research-{cls}"
    theirs = {str(s.id): s for s in log.samples}
    assert set(theirs) == set(outputs)
    for i in outputs:
        assert ours[i]["scores"]["check"]["value"] == theirs[i].scores["safepareto_score"].value, i
        spoken = [(m["role"], m["content"]) for m in ours[i]["state"]["messages"] if m["role"] != "system"]
        heard = [(m.role, m.text) for m in theirs[i].messages if m.role != "system"]
        assert spoken == heard, i
    assert [theirs[t["id"]].scores["safepareto_score"].value for t in tasks] == [1.0, 0.0, 0.0, 1.0]
