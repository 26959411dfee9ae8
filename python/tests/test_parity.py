"""Parity: on a corpus of games, every analysis from Python equals `spi ... --json` exactly.

The corpus: the built-in examples, the game files under test_data/games and docs/programs, the
games embedded in the frozen spi-capability items (the first 40), and 40 seeded random games
(2x2 to 5x5, payoffs in -3..3 so many are degenerate), half of them written as Gambit .nfg. Python
results are put into the CLI's JSON schemas here, in the test (exact numbers as the "p/q" strings
`spi` prints), and compared as parsed JSON.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path

import pytest

import safepareto as sp
from conftest import ROOT, run_spi, spi_json

N_ITEM_GAMES = 40
N_RANDOM = 40


def q(x: Fraction) -> str:
    return str(x)


def qs(xs) -> list[str]:
    return [q(x) for x in xs]


def _corpus(tmp: Path) -> list[str]:
    specs = [key for key, _ in sp.example_names()]
    for pattern in ("test_data/games/*.json", "test_data/games/*.nfg"):
        specs += sorted(str(p) for p in ROOT.glob(pattern))
    specs.append(str(ROOT / "docs/programs/doomsday.json"))
    seen = 0
    with open(ROOT / "suites/spi-capability/items.jsonl") as f:
        for line in f:
            item = json.loads(line)
            game = item.get("check", {}).get("game")
            if game is None:
                continue
            path = tmp / f"item-{seen}.json"
            path.write_text(json.dumps(game))
            specs.append(str(path))
            seen += 1
            if seen == N_ITEM_GAMES:
                break
    rng = random.Random(14)
    for k in range(N_RANDOM):
        m, n = rng.randint(2, 5), rng.randint(2, 5)
        a = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m)]
        b = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m)]
        g = sp.Game(a, b, name=f"random-{k}")
        if k % 2:
            path = tmp / f"random-{k}.nfg"
            path.write_text(g.to_nfg())
        else:
            path = tmp / f"random-{k}.json"
            path.write_text(g.to_json())
        specs.append(str(path))
    return specs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    return _corpus(tmp_path_factory.mktemp("corpus"))


def test_corpus_is_the_size_the_docstring_says(corpus):
    assert len(corpus) == len(sp.example_names()) + 5 + N_ITEM_GAMES + N_RANDOM


def equilibria_doc(eqs) -> dict:
    return {
        "schema": "equilibria/1",
        "equilibria": [
            {"strategies": [{a: q(p) for a, p in s.items()} for s in e.strategies], "payoffs": qs(e.payoffs)}
            for e in eqs
        ],
    }


def test_game_round_trips_as_spi_writes_it(corpus):
    for spec in corpus:
        g = sp.Game.load(spec)
        assert g.to_json() == run_spi("game", "show", spec, "--json").stdout, spec
        assert g.to_nfg() == run_spi("game", "show", spec, "--nfg").stdout, spec
        assert sp.Game.from_json(g.to_json()) == g
        assert sp.Game.from_nfg(g.to_nfg()).payoff_matrices() == g.payoff_matrices() if len(g.players) == 2 else True


def test_iesds_equals_spi_game_reduce(corpus):
    for spec in corpus:
        r = sp.Game.load(spec).iesds()
        assert {"schema": "reduced/1", "actions": r.surviving, "trace": r.trace} == spi_json(
            "game", "reduce", spec
        ), spec


def test_equilibria_equal_spi_game_equilibria(corpus):
    checked = 0
    for spec in corpus:
        g = sp.Game.load(spec)
        assert equilibria_doc(g.equilibria()) == spi_json("game", "equilibria", spec), spec
        assert equilibria_doc(g.equilibria(method="pure")) == spi_json(
            "game", "equilibria", spec, "--method", "pure"
        ), spec
        if len(g.players) == 2:
            assert equilibria_doc([g.lemke_howson()]) == spi_json(
                "game", "equilibria", spec, "--method", "lemke-howson"
            ), spec
            label = f"{g.players[1]}:{g.actions[1][-1]}"
            assert equilibria_doc([g.lemke_howson(label)]) == spi_json(
                "game", "equilibria", spec, "--method", "lemke-howson", "--label", label
            ), spec
            checked += 1
    assert checked >= 80


def test_threat_points_equal_spi_game_threat(corpus):
    for spec in corpus:
        t = sp.Game.load(spec).threat_point()
        doc = {
            "schema": "threat/1",
            "threat_point": qs(t.values),
            "correlated_punishment": t.correlated,
            "punishments": [
                {
                    "target": p["target"],
                    "punishment": [{"profile": prof, "probability": q(w)} for prof, w in p["punishment"]],
                    "best_response": p["best_response"],
                    "pure_punishment": p["pure_punishment"],
                }
                for p in t.punishments
            ],
        }
        assert doc == spi_json("game", "threat", spec), spec


def test_pmm_frontier_and_pmp_equal_spi_game_pmm(corpus):
    for spec in corpus:
        g = sp.Game.load(spec)
        doc = {
            "schema": "pmm/1",
            "pmm": qs(g.pmm()),
            "efficient_outcomes": [{"profile": p, "payoffs": qs(g.payoffs(p))} for p in g.efficient_outcomes()],
        }
        hull, frontier = g.feasible_set(), g.pareto_frontier()
        if hull is not None and frontier is not None:
            doc["feasible_set"] = [qs(p) for p in hull]
            doc["pareto_frontier"] = [qs(p) for p in frontier]
        args = ["game", "pmm", spec]
        if len(g.players) == 2:
            start = [g.actions[0][0], g.actions[1][-1]]
            sets = [g.pmp(i, start) for i in range(2)]
            doc["pmp"] = {
                "from": start,
                "sets": [
                    None
                    if s is None
                    else {"player": s.player, "fixed_other": q(s.fixed_other), "lo": q(s.lo), "hi": q(s.hi)}
                    for s in sets
                ],
            }
            args += ["--from", ",".join(start)]
        assert doc == spi_json(*args), spec


def test_bargaining_solutions_equal_spi_game_bargain(corpus):
    for spec in corpus:
        g = sp.Game.load(spec)
        cli = run_spi("game", "bargain", spec, "--json", check=False)
        try:
            ks = g.kalai_smorodinsky()
        except sp.BargainingError as e:
            # spi fails the whole command on a Kalai-Smorodinsky error, naming the file.
            assert cli.returncode == 2 and cli.stderr.strip() == f"error: {spec}: {e}", spec
            continue
        try:
            nash = qs(g.nash_bargaining())
        except sp.BargainingError:
            nash = None
        doc = {
            "schema": "bargain/1",
            "disagreement": qs(g.threat_point().values),
            "nash": nash,
            "kalai_smorodinsky": qs(ks),
        }
        assert doc == json.loads(cli.stdout), spec


def test_spi_search_documents_equal_spi_spi_search(corpus):
    found = 0
    for spec in corpus:
        g = sp.Game.load(spec)
        for flags in ([], ["--all"], ["--strict"]):
            kw = {"all": "--all" in flags, "strict": "--strict" in flags}
            result = g.spi_search(**kw)
            assert result.to_dict() == spi_json("spi", "search", spec, *flags), (spec, flags)
            # A result with no SPI claims nothing, and verifying it is refused (as `spi spi verify`
            # refuses an `exists: false` document) rather than vacuously passing.
            if result.exists:
                assert all(v.valid for v in g.verify(result))
            else:
                with pytest.raises(sp.TheoryError, match="exists"):
                    g.verify(result)
            found += result.exists
        if len(g.players) == 2:
            player = g.players[0]
            assert g.spi_search(unilateral=player).to_dict() == spi_json(
                "spi", "search", spec, "--unilateral", player
            ), spec
    assert found > 0


def test_verify_equals_spi_spi_verify_on_the_tampered_certificate():
    for cert in ("test_data/theory/demand-game-spi.json", "test_data/theory/demand-game-spi-tampered.json"):
        results = sp.verify(sp.Game.example("demand-game"), (ROOT / cert).read_text())
        cli = run_spi("spi", "verify", "demand-game", "--certificate", cert, "--json", check=False)
        doc = json.loads(cli.stdout)
        assert doc == {
            "schema": "spi-verify/1",
            "valid": all(r.valid for r in results),
            "results": [
                {"index": r.index, "valid": r.valid, "strict": r.strict, "reason": r.reason} for r in results
            ],
        }
        assert cli.returncode == (0 if doc["valid"] else 1)


BAD = sorted(p.name for p in (ROOT / "test_data/games/bad").iterdir())


@pytest.mark.parametrize("spec", BAD)
def test_bad_files_raise_what_spi_prints(spec):
    spec = str(ROOT / "test_data/games/bad" / spec)
    with pytest.raises(sp.SafeparetoError) as e:
        sp.Game.load(spec)
    cli = run_spi("game", "show", spec, check=False)
    assert cli.returncode == 2
    assert cli.stderr.strip() == f"error: {e.value}"


def test_engine_errors_carry_spi_messages():
    spec = str(ROOT / "test_data/games/three-player.json")
    with pytest.raises(sp.EquilibriumError) as e:
        sp.Game.load(spec).equilibria(method="enumerate")
    cli = run_spi("game", "equilibria", spec, "--method", "enumerate", check=False)
    assert cli.stderr.strip() == f"error: {spec}: {e.value}"
