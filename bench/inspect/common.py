"""What bench.py and faults.py share: the multiple-choice dataset written both as our suite and
as an Inspect task, in one working directory."""
import json
import os


def write_mc_task(work, n, name):
    """Writes mc.jsonl (n samples whose input names its number: "Question i: ..."), suite.toml
    for `spi eval run` and task.py (task `name`) for `inspect eval` into `work`."""
    letters = "ABCD"
    with open(os.path.join(work, "mc.jsonl"), "w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"q{i}", "input": f"Question {i}: which option is number {i % 4}?",
                                "choices": [f"option {j} for {i}" for j in range(4)], "target": letters[i % 4]}) + "\n")
    with open(os.path.join(work, "suite.toml"), "w") as f:
        f.write(f'name = "{name}"\n[[dataset]]\nname = "mc"\npath = "mc.jsonl"\n'
                'solver = { kind = "multiple_choice" }\nscorers = [{ kind = "choice" }]\n')
    with open(os.path.join(work, "task.py"), "w") as f:
        f.write("from inspect_ai import Task, task\nfrom inspect_ai.dataset import json_dataset\n"
                "from inspect_ai.solver import multiple_choice\nfrom inspect_ai.scorer import choice\n\n"
                f"@task\ndef {name}():\n    return Task(dataset=json_dataset('mc.jsonl'), solver=multiple_choice(), scorer=choice())\n")
