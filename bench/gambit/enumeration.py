#!/usr/bin/env python3
"""All extreme equilibria of seeded random k×k games, k = 8, 10, 12, 14, 16 (payoffs 0..99): spi
against QuantEcon's float `vertex_enumeration`, lrsnash (exact, GMP) and Gambit's `enummixed`,
in one run on the same game files.

Per size it prints the median time over the games, the slowest game's time over that median
("max/med"), peak RSS, and for QuantEcon the equilibria it missed: spi's answer is exact, so every
equilibrium spi reports that has no QuantEcon equilibrium within 1e-6 in every coordinate is
counted as missed (and every QuantEcon answer with no spi equilibrium near it as extra).

- spi in-library: `crates/spi-games/benches/solve_files.rs` on the .nfg files (median of repeats
  per game), the like of QuantEcon's in-process call; its peak RSS is that process's over all the
  games of the size (file reading included).
- spi whole process: `spi game equilibria FILE --json`, the like of lrsnash, which is a process;
  peak RSS of that process from wait4.
- QuantEcon in-library: `vertex_enumeration(NormalFormGame)` in this process after one warm-up call
  (numba's compilation is not timed); its peak RSS is a child process's that solves every game of
  the size, so Python, NumPy and numba's own footprint is included.
- lrsnash whole process, on the same games written in its format; its count of equilibria is
  read from its output.
- Gambit `enummixed_solve` (float) in-library where it fits: 8×8 and 10×10.
- spi before: the visited-set walk that the reverse search replaced (`enumerate-reference` in the
  same bench binary), up to 14×14, one run per game.

Usage (normally through bench/gambit/run.sh enumeration, which builds spi, installs the peers and
makes the venv):
    python bench/gambit/enumeration.py --spi target/release/spi [--games 15] [--sizes 8 10 12 14 16]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pygambit as gbt
import quantecon
from quantecon.game_theory import NormalFormGame, vertex_enumeration

from games import Bimatrix, random_game, spi_equilibria, to_lrsnash, write_game

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-6


def run_timed(cmd: list[str], timeout: float | None = None) -> tuple[float, str]:
    """Wall seconds and stdout of one run of cmd."""
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=timeout)
    return time.perf_counter() - start, out.stdout


def peak_rss_kib(cmd: list[str], timeout: float | None = None) -> int:
    """Peak RSS of one run of cmd, in KiB, measured by GNU time. (wait4's ru_maxrss would count the
    pages the child shared with this Python process between fork and exec.)"""
    with tempfile.NamedTemporaryFile(mode="r") as report:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", report.name, *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=timeout)
        return int(report.read().split()[-1])


def solve_files_binary() -> str:
    """The path of the solve_files bench executable (built by run.sh), from cargo's JSON messages."""
    out = subprocess.run(["cargo", "bench", "--quiet", "-p", "spi-games", "--bench", "solve_files",
                          "--no-run", "--message-format=json"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "solve_files":
            return msg["executable"]
    raise RuntimeError("cargo did not name the solve_files executable")


def in_library(binary: str, files: list[Path], reps: int,
               method: str = "enumerate") -> tuple[list[float], list[int], int]:
    """Per-file median seconds and equilibrium counts from the solve_files bench binary, and its
    peak RSS (KiB) over the files of one run."""
    cmd = [binary, method, str(reps), *map(str, files)]
    _, stdout = run_timed(cmd)
    times, counts = {}, {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            times[parts[0]] = float(parts[1])
            counts[parts[0]] = int(parts[2])
    rss = peak_rss_kib([binary, method, "1", *map(str, files)])
    return [times[str(f)] for f in files], [counts[str(f)] for f in files], rss


def qe_game(game: Bimatrix) -> NormalFormGame:
    a, b = (np.array(m, dtype=float) for m in game)
    return NormalFormGame(np.stack([a, b], axis=-1))


def qe_time(game: Bimatrix, reps: int) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    g = qe_game(game)
    times, result = [], []
    for _ in range(reps):
        start = time.perf_counter()
        result = vertex_enumeration(g)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# The QuantEcon peak-RSS child: warms numba up, then solves every game file given.
QE_CHILD = """
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
from games import read_nfg_payoffs
from quantecon.game_theory import NormalFormGame, vertex_enumeration
vertex_enumeration(NormalFormGame(np.random.default_rng(0).random((3, 3, 2))))
for path in sys.argv[2:]:
    a, b = (np.array(m, dtype=float) for m in read_nfg_payoffs(path))
    vertex_enumeration(NormalFormGame(np.stack([a, b], axis=-1)))
"""


def compare(exact: list, floats: list) -> tuple[int, int]:
    """(spi equilibria with no QuantEcon one near them, QuantEcon ones with no spi one near)."""
    ours = [np.concatenate([np.array([float(p) for p in x]), np.array([float(p) for p in y])])
            for (x, y), _ in exact]
    theirs = [np.concatenate([np.asarray(x, dtype=float), np.asarray(y, dtype=float)]) for x, y in floats]
    near = lambda u, v: u.shape == v.shape and float(np.max(np.abs(u - v))) <= TOLERANCE
    missed = sum(1 for u in ours if not any(near(u, v) for v in theirs))
    extra = sum(1 for v in theirs if not any(near(u, v) for u in ours))
    return missed, extra


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def spread(xs: list[float]) -> str:
    return f"{max(xs) / median(xs):.1f}" if xs and median(xs) > 0 else "—"


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spi", type=Path, default=ROOT / "target/release/spi")
    parser.add_argument("--games", type=int, default=15, help="games per size (default 15)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 10, 12, 14, 16])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gambit-max-size", type=int, default=10,
                        help="largest size Gambit's float enummixed gets (default 10)")
    parser.add_argument("--reference-max-size", type=int, default=14,
                        help="largest size the visited-set walk enumerate replaced is timed at (default 14)")
    parser.add_argument("--solve-files", help="the solve_files bench executable (default: ask cargo)")
    parser.add_argument("--lrs-timeout", type=float, default=120.0, help="seconds per lrsnash game")
    args = parser.parse_args()

    lrsnash = shutil.which("lrsnash")
    rng = random.Random(args.seed)
    tmp = tempfile.TemporaryDirectory(prefix="spi-enum-")
    d = Path(tmp.name)
    began = time.perf_counter()
    load_before = os.getloadavg()
    vertex_enumeration(qe_game(([[1, 0], [0, 1]], [[0, 1], [1, 0]])))  # numba compiles here
    binary = args.solve_files or solve_files_binary()

    lib_rows, proc_rows, notes = [], [], []
    for k in args.sizes:
        games = [random_game(rng, k, k, 99) for _ in range(args.games)]
        files = [write_game(d, f"enum_{k}x{k}_{i:02d}", g) for i, g in enumerate(games)]
        reps = 9 if k <= 10 else 5 if k <= 12 else 3 if k <= 14 else 1
        ours_lib, counts, lib_rss = in_library(binary, files, reps)
        before = None
        if k <= args.reference_max_size:
            old_times, old_counts, old_rss = in_library(binary, files, 1, "enumerate-reference")
            if old_counts != counts:
                raise RuntimeError(f"{k}×{k}: the visited-set walk and the reverse search disagree")
            before = (median(old_times), max(old_rss, 0))

        proc_times, proc_rss, exact = [], [], []
        for g, f in zip(games, files):
            cmd = [str(args.spi), "game", "equilibria", str(f), "--json"]
            proc_times.append(median([run_timed(cmd)[0] for _ in range(max(1, reps // 2))]))
            proc_rss.append(peak_rss_kib(cmd))
            exact.append(spi_equilibria(args.spi, f, k, k))
        if [len(e) for e in exact] != counts:
            raise RuntimeError(f"{k}×{k}: spi in-library and whole-process counts differ")

        qe_times, missed_games, missed_total, extra_total = [], 0, 0, 0
        for g, e in zip(games, exact):
            t, theirs = qe_time(g, 3 if k <= 12 else 1)
            qe_times.append(t)
            missed, extra = compare(e, theirs)
            missed_games += missed > 0
            missed_total += missed
            extra_total += extra
        qe_rss = peak_rss_kib([sys.executable, "-c", QE_CHILD, str(Path(__file__).parent),
                               *map(str, files)])

        gambit = None
        if k <= args.gambit_max_size:
            gt = []
            for f in files:
                game = gbt.read_nfg(str(f))
                start = time.perf_counter()
                gbt.nash.enummixed_solve(game, rational=False)
                gt.append(time.perf_counter() - start)
            gambit = median(gt)

        lrs_times, lrs_rss, lrs_counts = [], [], []
        if lrsnash:
            for i, g in enumerate(games):
                p = d / f"enum_{k}x{k}_{i:02d}.lrs"
                p.write_text(to_lrsnash(g))
                runs = [run_timed([lrsnash, str(p)], args.lrs_timeout) for _ in range(3 if k <= 12 else 1)]
                lrs_times.append(median([r[0] for r in runs]))
                lrs_rss.append(peak_rss_kib([lrsnash, str(p)], args.lrs_timeout))
                found = re.search(r"Number of equilibria found: (\d+)", runs[0][1])
                lrs_counts.append(int(found.group(1)) if found else -1)
            if lrs_counts != counts:
                differ = sum(1 for a, b in zip(lrs_counts, counts) if a != b)
                notes.append(f"{k}×{k}: lrsnash's count of equilibria differs from spi's on {differ} games")

        ours_med, qe_med = median(ours_lib), median(qe_times)
        lib_rows.append([
            f"{k}×{k}", str(args.games), f"{median(counts):.0f}",
            fmt_time(ours_med), spread(ours_lib), mib(lib_rss),
            f"{fmt_time(before[0])}, {mib(before[1])}" if before else "—",
            fmt_time(qe_med), spread(qe_times), f"{qe_med / ours_med:.1f}×",
            (f"{missed_total} on {missed_games} of {args.games} games" if missed_total else "none")
            + (f" (and {extra_total} not equilibria of spi's)" if extra_total else ""),
            fmt_time(gambit) + (f" ({gambit / ours_med:.0f}×)" if gambit else ""),
            mib(qe_rss),
        ])
        proc_med = median(proc_times)
        lrs_med = median(lrs_times) if lrs_times else None
        proc_rows.append([
            f"{k}×{k}", fmt_time(proc_med), spread(proc_times), mib(max(proc_rss)),
            fmt_time(lrs_med), spread(lrs_times) if lrs_times else "—",
            f"{lrs_med / proc_med:.1f}×" if lrs_med else "—",
            mib(max(lrs_rss)) if lrs_rss else "—",
        ])
        print(f"[{time.perf_counter() - began:.0f} s] {k}×{k} done", file=sys.stderr)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load_after = os.getloadavg()
    print(f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, seed {args.seed}, "
          f"{args.games} games per size, {time.perf_counter() - began:.0f} s in all; load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after. QuantEcon {quantecon.__version__}, "
          f"pygambit {gbt.__version__}.\n")
    head = ["size", "games", "median equilibria", "spi in-library", "max/med", "spi peak RSS",
            "spi before (visited-set walk), peak RSS",
            "QuantEcon vertex_enumeration", "max/med", "QuantEcon ÷ spi", "QuantEcon missed",
            "Gambit enummixed float", "QuantEcon peak RSS"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in lib_rows:
        print("| " + " | ".join(row) + " |")
    print()
    head = ["size", "spi whole process", "max/med", "spi peak RSS", "lrsnash", "max/med",
            "lrsnash ÷ spi", "lrsnash peak RSS"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in proc_rows:
        print("| " + " | ".join(row) + " |")
    for note in notes:
        print(f"\n{note}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
