"""The Python surface beyond the game analyses: inputs (NumPy, Fractions, floats, strings), the
float view, program games against `spi program`, exceptions, and the GIL released while the
engine works."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

import safepareto as sp
from conftest import ROOT, run_spi, spi_json


def test_numpy_arrays_and_nashpy_style_construction():
    a = np.array([[3, 1], [4, 2]])
    g = sp.Game(a, a.T, players=["Row", "Col"], actions=[["C", "D"], ["C", "D"]])
    assert g.payoffs(["D", "C"]) == [4, 1]
    assert g.payoffs([1, 0]) == [Fraction(4), Fraction(1)]
    A, B = g.payoff_matrices(exact=False)
    assert isinstance(A, np.ndarray) and A.dtype == np.float64
    assert (B == a.T).all()


def test_numbers_are_read_exactly():
    g = sp.Game([[Fraction(1, 3), "2/7", 0.5, np.int64(2), 10**30]])
    assert g.payoffs([0, 0])[0] == Fraction(1, 3)
    assert g.payoffs([0, 1])[0] == Fraction(2, 7)
    assert g.payoffs([0, 2])[0] == Fraction(1, 2)
    assert g.payoffs([0, 3])[0] == 2
    assert g.payoffs([0, 4]) == [10**30, -(10**30)]  # zero-sum when B is omitted
    # 0.1 is not 1/10 in binary; the engine keeps the double's exact value, as Fraction(0.1) does.
    assert sp.Game([[0.1]]).payoffs([0, 0])[0] == Fraction(0.1)


@pytest.mark.parametrize(
    "a, b, message",
    [
        ([[1, 2], [3]], None, "A[1]: expected 2 entries (as in A[0]), found 1"),
        ([[1]], [[1], [2]], "B: expected 1 rows (as many as A), found 2"),
        ([[float("nan")]], None, "A[0][0]: expected a finite number, found NaN"),
        ([["x"]], None, 'A[0][0]: expected an integer, a decimal like "0.25" or a fraction like "3/8", found "x"'),
    ],
)
def test_bad_matrices_raise_with_the_place(a, b, message):
    with pytest.raises(sp.SafeparetoError) as e:
        sp.Game(a, b)
    assert str(e.value) == message


def test_duplicate_names_are_the_engines_error():
    with pytest.raises(sp.GameError, match='player "1" has two actions named "x"'):
        sp.Game([[1], [2]], actions=[["x", "x"], ["y"]])


def test_float_view_of_an_equilibrium():
    [e] = sp.Game.example("matching-pennies").equilibria()
    probs, pays = e.as_float()
    assert probs == [[0.5, 0.5], [0.5, 0.5]] and pays == [0.0, 0.0]
    assert sp.Game.example("matching-pennies").is_equilibrium(e.probabilities)
    assert not sp.Game.example("matching-pennies").is_equilibrium([[1, 0], [1, 0]])


def test_reduced_game_and_bargaining_with_a_given_disagreement_point():
    g = sp.Game.example("demand-game")
    assert g.iesds().reduced_game().shape == [2, 2]
    assert g.nash_bargaining([0, 0]) == g.nash_bargaining()
    with pytest.raises(sp.BargainingError, match="disagreement point has 3 coordinates"):
        g.kalai_smorodinsky([0, 0, 0])


def test_three_player_games_from_a_table():
    table = sp.Game.from_table(
        ["P", "Q", "R"], [["a", "b"], ["c"], ["d"]], [[[[1, 1, 1]]], [[[2, 0, "1/2"]]]]
    )
    assert table.payoffs(["b", "c", "d"]) == [2, 0, Fraction(1, 2)]
    assert [e.payoffs for e in table.equilibria()] == [[2, 0, Fraction(1, 2)]]  # pure for n > 2


def test_tournament_equals_spi_program_tournament():
    agents = ["cooperatebot", "defectbot", "cliquebot", "fairbot-eps"]
    t = sp.tournament(sp.Game.example("program-pd"), agents, seed=3)
    cli = spi_json("program", "tournament", ",".join(agents), "--game", "program-pd", "--seed", "3")
    assert t.agents == cli["agents"]
    assert [[[str(x) for x in u] for u in row] for row in t.payoffs] == cli["payoffs"]
    assert t.outcomes == cli["outcomes"] and t.steps == cli["steps"]
    assert t.pure_equilibria == cli["pure_equilibria"]
    induced = t.induced_game()
    assert induced.actions == [agents, agents]
    assert [e.payoffs for e in induced.equilibria(method="pure")] == [
        induced.payoffs(p) for p in t.pure_equilibria
    ]


def test_modal_tournament_and_match_equal_spi():
    agents = ["fairbot", "prudentbot", "cooperatebot", "defectbot"]
    t = sp.tournament(sp.Game.example("program-pd"), agents)
    cli = spi_json("program", "tournament", ",".join(agents), "--game", "program-pd")
    assert t.pure_equilibria == cli["pure_equilibria"] and t.outcomes == cli["outcomes"]
    m = sp.play_modal(sp.Game.example("program-pd"), "prudentbot", "cooperatebot")
    c = spi_json("program", "run", "prudentbot", "cooperatebot", "--game", "program-pd")
    assert (m["actions"], [str(x) for x in m["payoffs"]], m["worlds"]) == (c["actions"], c["payoffs"], c["worlds"])


def test_match_report_equals_spi_program_run():
    r = sp.play(sp.Game.example("scheduling"), "renegotiation-slot1", "renegotiation-slot2", seed=5)
    c = spi_json("program", "run", "renegotiation-slot1", "renegotiation-slot2", "--game", "scheduling", "--seed", "5")
    for key in ("outcome", "actions", "steps", "simulation_depth", "renegotiated", "programs", "seed"):
        assert r[key] == c[key], key
    assert [str(x) for x in r["payoffs"]] == c["payoffs"]
    assert [{"profile": p, "probability": str(w)} for p, w in r["distribution"]] == c["distribution"]


def test_hostile_programs_end_as_outcomes_not_exceptions():
    g = sp.Game.example("program-pd")
    bomb = sp.Program('main { let xs = [1]; for i in range(100) { xs = xs + xs; } return "C"; }')
    r = sp.play(g, bomb, "cooperatebot", limits=sp.Limits(fuel=100_000, memory=10_000))
    assert r["outcome"] == "exhausted" and r["exhausted"] == {"player": "A", "resource": "memory"}
    assert r["payoffs"] == [0, 0]  # breakdown payoffs: each player's minimum in the game


def test_program_errors_name_line_and_column():
    with pytest.raises(sp.ProgramError, match=r"^1:15: syntax error"):
        sp.Program("main { return ; }")
    with pytest.raises(sp.ProgramError, match="no built-in agent named"):
        sp.Program.agent("nobody")
    with pytest.raises(sp.ProgramError, match="mixes them"):
        sp.tournament(sp.Game.example("program-pd"), ["cliquebot", "prudentbot"])


def test_commitment_race_renegotiation_removes_conflict():
    rows = {r["label"]: r for r in sp.race(runs=2_000, seed=1)}
    assert rows["both renegotiate"]["conflicts"] == 0
    assert rows["no renegotiation"]["conflicts"] > 0
    assert rows["no renegotiation"]["conflicts"] == rows["both renegotiate"]["renegotiated"]


def test_engine_calls_release_the_gil():
    # A Python thread counts while the engine simulates commitment races. Held, the GIL would let
    # the counter move only in the interpreter's switch windows around the call: about two switch
    # intervals' worth of increments, however long the call. Released, it counts for the whole
    # call. Both sides are measured against the counter's own rate on this machine, and the call
    # is made long enough to tell them apart, so the test does not depend on the machine's speed.
    counting, count = True, [0]

    def counter():
        while counting:
            count[0] += 1

    t = threading.Thread(target=counter)
    t.start()
    time.sleep(0.05)
    c0, t0 = count[0], time.perf_counter()
    time.sleep(0.1)
    rate = (count[0] - c0) / (time.perf_counter() - t0)
    held_bound = rate * 2 * sys.getswitchinterval()
    runs = 5_000
    while True:
        start_count, start = count[0], time.perf_counter()
        sp.race(runs=runs)
        elapsed = time.perf_counter() - start
        during = count[0] - start_count
        if elapsed >= 0.25 or runs >= 5_000_000:
            break
        runs *= 4
    counting = False
    t.join()
    assert elapsed >= 0.25, (runs, elapsed)
    assert during > 4 * held_bound, (during, held_bound, elapsed)


def test_load_suite_with_an_arm_and_score_an_engine_check():
    doc = sp.load_suite(sp.suites_dir() + "/spi-capability/suite.toml", "primer")
    assert doc["arm"] == "primer" and "primer" in doc["arms"]
    rec = doc["datasets"][0]["samples"][0]
    assert rec["prompt"].endswith(rec["sample"]["input"]) and rec["prompt"] != rec["sample"]["input"]
    right = sp.score(rec["sample"], sp.reference_answer(rec["sample"]), {"kind": "check"})
    wrong = sp.score(rec["sample"], "ANSWER: NONE", {"kind": "check"})
    assert (right["value"], wrong["value"]) == (1.0, 0.0)
    assert "spi_search" in sp.check_kinds()
    with pytest.raises(sp.EvalError, match="no `check`"):
        sp.score({"id": "x", "input": "?", "target": "A"}, "A", {"kind": "check"})
    with pytest.raises(sp.EvalError):
        sp.load_suite(sp.suites_dir() + "/missed-spis/suite.toml", "no-such-arm")


def jsonable(x):
    """Python results in the CLI's JSON shape: exact numbers as the strings `spi` prints."""
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (ROOT / "test_data/theory").glob("b*.json")),
)
def test_appendix_b_models_equal_spi_strategy_check_and_threat_analyze(name):
    path = ROOT / "test_data/theory" / name
    result = sp.check_model(path.read_text())
    command = "threat" if result["schema"] == "surrogate-analysis/1" else "strategy"
    sub = "analyze" if command == "threat" else "check"
    assert jsonable(result) == spi_json(command, sub, str(path))


def test_run_records_read_back_as_spi_exports_them(tmp_path):
    logs = tmp_path / "logs"
    run_spi("eval", "run", "suites/missed-spis/suite.toml", "--model", "mock:const:ANSWER: C",
            "--limit", "6", "--log-dir", str(logs), "--no-cache")
    run_spi("eval", "export", "latest", "--format", "jsonl", "--log-dir", str(logs), "--out", str(tmp_path / "x.jsonl"))
    exported = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    doc = sp.read_run(str(logs))
    assert doc["accounting"] == {"planned": 6, "ok": 6, "errors": 0, "not_run": 0}
    assert [r["scores"] for r in doc["records"]] == [r["scores"] for r in exported]
    assert [r["run"]["run_id"] for r in [doc]] == [sp.list_runs(str(logs))[-1]["run_id"]]
    from safepareto.runs import to_dataframe

    df = to_dataframe(str(logs))
    assert len(df) == 6 and df["choice"].mean() == sum(r["scores"]["choice"]["value"] for r in exported) / 6
    assert set(df["category"]) == {"missed_spi"}


def test_the_wheel_carries_its_suites():
    """The installed package has the suites inside it, so a wheel used away from the checkout
    still finds its Inspect tasks' data; suites_dir() prefers that copy."""
    import safepareto

    packaged = os.path.join(os.path.dirname(os.path.abspath(safepareto.__file__)), "data", "suites")
    assert os.path.isfile(os.path.join(packaged, "missed-spis", "suite.toml"))
    assert os.path.isfile(os.path.join(packaged, "arms", "primer.md"))
    if not os.environ.get("SAFEPARETO_SUITES"):
        assert sp.suites_dir() == packaged
    with open(os.path.join(packaged, "missed-spis", "items.jsonl")) as f, open(
        os.path.join(sp.BUILD_SUITES_DIR, "missed-spis", "items.jsonl")
    ) as g:
        assert f.read() == g.read(), "the packaged copy is the committed content"
