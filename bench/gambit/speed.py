#!/usr/bin/env python3
"""Side-by-side speed of `spi` against Gambit (pygambit) and lrsnash, in one run on this machine.

(a) All extreme equilibria of random 8×8 games (payoffs 0..99): spi as a whole process and in-library
    (crates/spi-games/benches/solve_files.rs, the same game files), Gambit's rational and float
    `enummixed`, `lrsnash` as a whole process; 10×10 for spi, lrsnash and Gambit float (Gambit's
    rational enummixed takes minutes per 10×10 game, so it is left out there).
(b) One equilibrium by Lemke–Howson on random 200×200 games, payoffs < 1,000 (many tied best
    responses) and < 10⁹: spi (whole process and in-library) and Gambit's float `lcp_solve`, each
    Gambit game in a subprocess killed after --timeout seconds.

Every time is the median over games of a per-game time; "ratio" is that tool's median divided by
spi's median of the same kind (in-library tools against spi in-library, whole processes against spi
as a whole process). Every equilibrium spi prints in (b) is verified exactly here.

Usage (normally through bench/gambit/run.sh, which builds spi and makes the venv):
    python bench/gambit/speed.py --spi target/release/spi [--games 12] [--seed 7] [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pygambit as gbt

from games import Bimatrix, is_equilibrium, random_game, spi_equilibria, to_lrsnash, write_game

ROOT = Path(__file__).resolve().parents[2]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def time_process(cmd: list[str], reps: int) -> float:
    """Median wall time of running cmd `reps` times (output discarded, failure is an error)."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
        times.append(time.perf_counter() - start)
    return median(times)


def in_library(method: str, reps: int, files: list[Path]) -> tuple[list[float], list[int]]:
    """Per-file median seconds from the solve_files bench binary (spi-games, bench profile), and
    per-file counts (equilibria for enumerate, pivots for lemke-howson)."""
    cmd = ["cargo", "bench", "--quiet", "-p", "spi-games", "--bench", "solve_files", "--",
           method, str(reps), *map(str, files)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    times, counts = {}, {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            times[parts[0]] = float(parts[1])
            counts[parts[0]] = int(parts[2])
    return [times[str(f)] for f in files], [counts[str(f)] for f in files]


def gambit_enummixed(files: list[Path], rational: bool) -> list[float]:
    times = []
    for f in files:
        game = gbt.read_nfg(str(f))
        start = time.perf_counter()
        gbt.nash.enummixed_solve(game, rational=rational)
        times.append(time.perf_counter() - start)
    return times


# Gambit's float lcp can cycle on degenerate games, so each game runs in a child process that is
# killed on timeout; the child times only the solve call.
LCP_CHILD = """
import sys, time, pygambit as gbt
g = gbt.read_nfg(sys.argv[1])
s = time.perf_counter()
r = gbt.nash.lcp_solve(g, rational=False, stop_after=1)
print(time.perf_counter() - s, len(r.equilibria))
"""


def gambit_lcp(path: Path, timeout: float) -> float | None:
    try:
        out = subprocess.run([sys.executable, "-c", LCP_CHILD, str(path)], capture_output=True,
                             text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    seconds, count = out.stdout.split()
    if int(count) < 1:
        raise RuntimeError(f"Gambit lcp found no equilibrium on {path}")
    return float(seconds)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, tool: str, case: str, seconds: float | None, ours: float | None, note: str = "") -> None:
        if seconds is None:
            self.rows.append((tool, case, "—", "—", note))
            return
        ratio = f"{seconds / ours:.1f}×" if ours else "1×"
        self.rows.append((tool, case, fmt_time(seconds), ratio, note))

    def markdown(self) -> str:
        head = ("tool", "case", "median time", "time ÷ spi's", "note")
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines)


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spi", type=Path, default=ROOT / "target/release/spi")
    parser.add_argument("--games", type=int, default=12, help="games per case for (a) (default 12)")
    parser.add_argument("--lh-games", type=int, default=3, help="200×200 games per payoff range (default 3)")
    parser.add_argument("--gambit-lh-games", type=int, default=3,
                        help="of those, how many Gambit's lcp gets (default 3)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per Gambit lcp game (default 30)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 games per case, for a smoke test")
    args = parser.parse_args()
    if args.quick:
        args.games, args.lh_games, args.gambit_lh_games, args.timeout = 3, 2, 1, 10.0

    lrsnash = shutil.which("lrsnash")
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory(prefix="spi-speed-")
    d = Path(tmp.name)
    table = Table()
    began = time.perf_counter()

    # (a) all equilibria
    for k in (8, 10):
        games: list[Bimatrix] = [random_game(rng, k, k, 99) for _ in range(args.games)]
        files = [write_game(d, f"all_{k}x{k}_{i}", g) for i, g in enumerate(games)]
        case = f"all equilibria {k}×{k}, payoffs 0..99"
        ours_lib = median(in_library("enumerate", 20, files)[0])
        ours_proc = median([time_process([str(args.spi), "game", "equilibria", str(f), "--json"], 5)
                            for f in files])
        counts = [len(spi_equilibria(args.spi, f, k, k)) for f in files]
        table.add("spi (in-library)", case, ours_lib, None,
                  f"{args.games} games, median {median(counts)} equilibria")
        table.add("spi (whole process)", case, ours_proc, None)
        if k == 8:
            table.add("Gambit enummixed rational (in-library)", case,
                      median(gambit_enummixed(files, True)), ours_lib, "pygambit " + gbt.__version__)
        float_files = files if k == 8 else files[:3]
        table.add("Gambit enummixed float (in-library)", case,
                  median(gambit_enummixed(float_files, False)), ours_lib,
                  "" if k == 8 else f"first {len(float_files)} games")
        if lrsnash:
            times = []
            for i, g in enumerate(games):
                p = d / f"all_{k}x{k}_{i}.lrs"
                p.write_text(to_lrsnash(g))
                times.append(time_process([lrsnash, str(p)], 5))
            table.add("lrsnash (whole process)", case, median(times), ours_proc, "GMP arithmetic")
        else:
            table.add("lrsnash (whole process)", case, None, None, "lrsnash not installed")
        print(f"[{time.perf_counter() - began:.0f} s] {case} done", file=sys.stderr)

    # (b) Lemke–Howson 200×200
    for high in (999, 10**9 - 1):
        games = [random_game(rng, 200, 200, high) for _ in range(args.lh_games)]
        files = [write_game(d, f"lh_200_{high}_{i}", g) for i, g in enumerate(games)]
        case = f"Lemke–Howson 200×200, payoffs < {high + 1:,}"
        proc_times = []
        for g, f in zip(games, files):
            # One timed run per game doubles as the check: a slow game is not run twice more.
            start = time.perf_counter()
            [(eq, _)] = spi_equilibria(args.spi, f, 200, 200, ["--method", "lemke-howson"], timeout=600)
            proc_times.append(time.perf_counter() - start)
            if not is_equilibrium(g, eq):
                raise RuntimeError(f"spi's Lemke–Howson answer on {f} is not an equilibrium")
        ours_proc = median(proc_times)
        lib_times, pivots = in_library("lemke-howson", 1, files)
        ours_lib = median(lib_times)
        table.add("spi (in-library)", case, ours_lib, None,
                  f"{args.lh_games} games, all verified; per game "
                  + ", ".join(f"{fmt_time(t)} ({p} pivots)" for t, p in zip(lib_times, pivots)))
        table.add("spi (whole process)", case, ours_proc, None,
                  "includes reading the .nfg; per game " + ", ".join(fmt_time(t) for t in proc_times))
        lcp = [gambit_lcp(f, args.timeout) for f in files[: args.gambit_lh_games]]
        done = [t for t in lcp if t is not None]
        hung = len(lcp) - len(done)
        note = f"{len(done)}/{len(lcp)} games finished"
        if hung:
            note += f", {hung} killed after {args.timeout:.0f} s"
        table.add("Gambit lcp_solve float (in-library)", case, median(done) if done else None,
                  ours_lib, note)
        print(f"[{time.perf_counter() - began:.0f} s] {case} done", file=sys.stderr)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, seed {args.seed}, "
          f"{time.perf_counter() - began:.0f} s in all.\n")
    print(table.markdown())
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
