"""Shared helpers of the Gambit cross-check and speed bench: seeded bimatrix games, writers for
Gambit's `.nfg` and lrsnash's input format, and readers of `spi game equilibria --json`.

A game here is a pair (A, B) of m×n lists of ints; rows are named r1..rm and columns c1..cn so that
equilibria printed by name map back to index vectors without ambiguity.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from fractions import Fraction
from pathlib import Path

Bimatrix = tuple[list[list[int]], list[list[int]]]
# One equilibrium as exact probability vectors (player 1's, then player 2's).
Equilibrium = tuple[tuple[Fraction, ...], tuple[Fraction, ...]]


def random_game(rng: random.Random, m: int, n: int, high: int) -> Bimatrix:
    """Payoffs drawn uniformly from 0..high (inclusive) for both players."""
    a = [[rng.randint(0, high) for _ in range(n)] for _ in range(m)]
    b = [[rng.randint(0, high) for _ in range(n)] for _ in range(m)]
    return a, b


def row_names(m: int) -> list[str]:
    return [f"r{i + 1}" for i in range(m)]


def col_names(n: int) -> list[str]:
    return [f"c{j + 1}" for j in range(n)]


def to_nfg(name: str, game: Bimatrix) -> str:
    """Gambit's payoff-version .nfg: player 1's strategy varies fastest in the payoff list."""
    a, b = game
    m, n = len(a), len(a[0])
    rows = " ".join(f'"{s}"' for s in row_names(m))
    cols = " ".join(f'"{s}"' for s in col_names(n))
    payoffs = " ".join(f"{a[i][j]} {b[i][j]}" for j in range(n) for i in range(m))
    return f'NFG 1 R "{name}" {{ "P1" "P2" }} {{ {{ {rows} }} {{ {cols} }} }}\n\n{payoffs}\n'


def to_lrsnash(game: Bimatrix) -> str:
    """lrsnash's input (`man lrsnash`): `m n`, then A row by row, then B row by row."""
    a, b = game
    m, n = len(a), len(a[0])
    lines = [f"{m} {n}", ""]
    lines += [" ".join(map(str, row)) for row in a]
    lines.append("")
    lines += [" ".join(map(str, row)) for row in b]
    return "\n".join(lines) + "\n"


def write_game(directory: Path, name: str, game: Bimatrix) -> Path:
    path = directory / f"{name}.nfg"
    path.write_text(to_nfg(name, game))
    return path


def read_nfg_payoffs(path: str | Path) -> Bimatrix:
    """The (A, B) of a .nfg written by `to_nfg` (player 1's strategy varies fastest)."""
    head, payoffs = Path(path).read_text().split("\n\n", 1)
    m = len(re.findall(r'"r\d+"', head))
    n = len(re.findall(r'"c\d+"', head))
    nums = list(map(int, payoffs.split()))
    a = [[0] * n for _ in range(m)]
    b = [[0] * n for _ in range(m)]
    k = 0
    for j in range(n):
        for i in range(m):
            a[i][j], b[i][j] = nums[k], nums[k + 1]
            k += 2
    return a, b


def spi_equilibria(spi: Path, path: Path, m: int, n: int, extra: list[str] | None = None,
                   timeout: float = 120) -> list[tuple[Equilibrium, tuple[Fraction, Fraction]]]:
    """Runs `spi game equilibria PATH --json` and turns the named, zero-omitted strategies back into
    full probability vectors, each with the payoffs spi printed."""
    cmd = [str(spi), "game", "equilibria", str(path), "--json", *(extra or [])]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()}")
    doc = json.loads(out.stdout)
    if doc.get("schema") != "equilibria/1":
        raise RuntimeError(f"unexpected schema in {out.stdout[:200]}")
    result = []
    for eq in doc["equilibria"]:
        s1, s2 = eq["strategies"]
        x = tuple(Fraction(s1.get(r, "0")) for r in row_names(m))
        y = tuple(Fraction(s2.get(c, "0")) for c in col_names(n))
        pa, pb = (Fraction(p) for p in eq["payoffs"])
        result.append(((x, y), (pa, pb)))
    return result


def expected_payoffs(game: Bimatrix, eq: Equilibrium) -> tuple[Fraction, Fraction]:
    a, b = game
    x, y = eq
    pa = sum(x[i] * a[i][j] * y[j] for i in range(len(x)) for j in range(len(y)))
    pb = sum(x[i] * b[i][j] * y[j] for i in range(len(x)) for j in range(len(y)))
    return Fraction(pa), Fraction(pb)


def is_equilibrium(game: Bimatrix, eq: Equilibrium) -> bool:
    """Exact check: a probability profile with no profitable pure deviation for either player."""
    a, b = game
    x, y = eq
    m, n = len(x), len(y)
    if sum(x) != 1 or sum(y) != 1 or min(x) < 0 or min(y) < 0:
        return False
    rows = [sum(a[i][j] * y[j] for j in range(n)) for i in range(m)]
    cols = [sum(x[i] * b[i][j] for i in range(m)) for j in range(n)]
    va = sum(x[i] * rows[i] for i in range(m))
    vb = sum(y[j] * cols[j] for j in range(n))
    return max(rows) <= va and max(cols) <= vb
