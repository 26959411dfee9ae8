#!/usr/bin/env python3
"""Cross-check of `spi game equilibria` against Gambit's exact `enummixed` on random bimatrix games.

For each game (seeded random ones from 2×2 to 8×8 with small integer payoffs, so many are degenerate,
plus hand-made degenerate ones) both tools list the extreme Nash equilibria; the two SETS must be equal
exactly, as rationals. Every equilibrium spi prints is also re-verified here (probabilities, no
profitable pure deviation, the payoffs it states). Any disagreement prints the game and exits 1.

Usage (from the repository root, normally through bench/gambit/run.sh which makes the venv):
    python bench/gambit/crosscheck.py --spi target/release/spi [--count 240] [--seed 1] [--max-size 8]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import pygambit as gbt

from games import Bimatrix, Equilibrium, expected_payoffs, is_equilibrium, random_game, spi_equilibria, \
    to_nfg, write_game

# Hand-made degenerate games: the cases a vertex enumerator that assumes nondegeneracy gets wrong.
HANDMADE: dict[str, Bimatrix] = {
    # Every profile is an equilibrium: the extreme equilibria are the 9 pure profiles.
    "all_zero_3x3": ([[0] * 3 for _ in range(3)], [[0] * 3 for _ in range(3)]),
    # Player 1 always indifferent; two components meeting at (r2, c1).
    "indifferent_row_2x3": ([[1, 0, 1], [1, 0, 1]], [[1, 0, 0], [1, 1, 1]]),
    # The degenerate 3×2 game of von Stengel's handbook chapter (a pure strategy with two best replies).
    "von_stengel_degenerate_3x2": ([[3, 3], [2, 5], [0, 6]], [[3, 2], [2, 6], [3, 1]]),
    # Duplicate rows and duplicate columns.
    "duplicates_4x4": ([[3, 1, 1, 0], [3, 1, 1, 0], [0, 2, 2, 4], [1, 1, 1, 1]],
                       [[2, 0, 0, 1], [2, 0, 0, 1], [1, 3, 3, 0], [0, 2, 2, 2]]),
    # Rock-paper-scissors with a copy of rock for each player (a non-isolated equilibrium set).
    "rps_with_copy_4x4": ([[0, -1, 1, 0], [1, 0, -1, 1], [-1, 1, 0, -1], [0, -1, 1, 0]],
                          [[0, 1, -1, 0], [-1, 0, 1, -1], [1, -1, 0, 1], [0, 1, -1, 0]]),
    # Coordination with a tie: a weakly dominated strategy that is still in equilibrium.
    "weak_dominance_3x3": ([[2, 2, 0], [2, 2, 0], [0, 0, 1]], [[2, 2, 0], [0, 0, 0], [0, 0, 1]]),
    # A constant column for player 2: every column is a best reply to anything.
    "constant_col_payoff_2x4": ([[4, 0, 2, 1], [0, 4, 1, 2]], [[5, 5, 5, 5], [5, 5, 5, 5]]),
    # Matching pennies (nondegenerate, one fully mixed equilibrium) as a sanity anchor.
    "matching_pennies_2x2": ([[1, 0], [0, 1]], [[0, 1], [1, 0]]),
}


def gambit_equilibria(path: Path, m: int, n: int) -> list[Equilibrium]:
    game = gbt.read_nfg(str(path))
    result = gbt.nash.enummixed_solve(game, rational=True)
    p1, p2 = game.players
    eqs = []
    for eq in result.equilibria:
        x = tuple(Fraction(eq[s]) for s in p1.strategies)
        y = tuple(Fraction(eq[s]) for s in p2.strategies)
        assert len(x) == m and len(y) == n
        eqs.append((x, y))
    return eqs


def show(eq: Equilibrium) -> str:
    x, y = eq
    return "(" + ", ".join(map(str, x)) + " | " + ", ".join(map(str, y)) + ")"


def check_game(spi: Path, directory: Path, name: str, game: Bimatrix) -> tuple[list[str], int]:
    """Returns the problems found (empty when both tools agree and spi's output verifies) and the
    number of extreme equilibria spi found."""
    m, n = len(game[0]), len(game[0][0])
    path = write_game(directory, name, game)
    problems = []
    ours_with_payoffs = spi_equilibria(spi, path, m, n)
    ours = [eq for eq, _ in ours_with_payoffs]
    theirs = gambit_equilibria(path, m, n)
    for eq, stated in ours_with_payoffs:
        if not is_equilibrium(game, eq):
            problems.append(f"spi printed a profile that is not an equilibrium: {show(eq)}")
        elif expected_payoffs(game, eq) != stated:
            problems.append(f"spi's payoffs {stated} differ from the exact {expected_payoffs(game, eq)} "
                            f"at {show(eq)}")
    if len(set(ours)) != len(ours):
        problems.append("spi printed an equilibrium twice")
    only_ours = set(ours) - set(theirs)
    only_theirs = set(theirs) - set(ours)
    for eq in sorted(only_ours):
        problems.append(f"only spi has {show(eq)}")
    for eq in sorted(only_theirs):
        problems.append(f"only Gambit has {show(eq)}")
    return problems, len(ours)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spi", type=Path, default=Path("target/release/spi"), help="the spi binary")
    parser.add_argument("--count", type=int, default=240, help="number of random games (default 240)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the game generator (default 1)")
    parser.add_argument("--max-size", type=int, default=8,
                        help="largest number of strategies per player in a random game (2..8, default 8)")
    parser.add_argument("--keep", type=Path, help="write the games into this directory and keep them")
    args = parser.parse_args()
    if not 2 <= args.max_size <= 8:
        parser.error("--max-size must be between 2 and 8")

    rng = random.Random(args.seed)
    games: list[tuple[str, Bimatrix]] = list(HANDMADE.items())
    # Payoff ranges 0..2, 0..4 and 0..9: the smaller the range, the more ties and degeneracy.
    for k in range(args.count):
        m, n = rng.randint(2, args.max_size), rng.randint(2, args.max_size)
        high = (2, 4, 9)[k % 3]
        games.append((f"seed{args.seed}_{k:04d}_{m}x{n}_0to{high}", random_game(rng, m, n, high)))

    tmp = None
    if args.keep:
        directory = args.keep
        directory.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="spi-crosscheck-")
        directory = Path(tmp.name)

    start = time.perf_counter()
    failures = 0
    total_eqs = 0
    degenerate_like = 0
    for name, game in games:
        try:
            problems, eqs = check_game(args.spi, directory, name, game)
        except Exception as err:  # a crash of either tool is a failure of the check, with the game shown
            problems, eqs = [f"error: {err}"], 0
        total_eqs += eqs
        # An even number of extreme equilibria can only happen in a degenerate game.
        degenerate_like += eqs % 2 == 0
        if problems:
            failures += 1
            print(f"DISAGREEMENT on {name}:", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
            print(to_nfg(name, game), file=sys.stderr)
    elapsed = time.perf_counter() - start
    print(f"{len(games)} games ({len(HANDMADE)} hand-made, {args.count} random, seed {args.seed}), "
          f"{total_eqs} extreme equilibria, {degenerate_like} games with an even count (degenerate), "
          f"{elapsed:.1f} s")
    print(f"crosscheck: {len(games) - failures} passed, {failures} failed")
    if tmp:
        tmp.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
