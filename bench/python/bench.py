"""Times safepareto, Nashpy and pygambit on the same seeded games from Python, in one process.

All equilibria: safepareto `Game.equilibria()` (exact vertex enumeration), Nashpy
`vertex_enumeration` (floats), pygambit `enummixed_solve(rational=True)` (exact) and
`rational=False`. One equilibrium: safepareto `Game.lemke_howson(0)` (exact, label 0), Nashpy
`lemke_howson(initial_dropped_label=0)`, pygambit `lcp_solve(stop_after=1)`. Games: integer payoffs
uniform in 0..99 (nondegenerate with probability ~1, so every solver's answer is the set of
extreme equilibria and the counts can be compared), seeded per size. Each cell is the median over
games of the median over repeats; ratios are peer time / safepareto time, both medians over the
games the peer finished (the count is shown when it is not all of them). Nashpy's Lemke-Howson
and pygambit's lcp_solve run in a child process with a timeout (`--timeout` seconds per call): on
larger integer games Nashpy's tableau overflows and it can loop, and lcp_solve can stall; such games
are counted in the last column and left out of that peer's median.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import random
import statistics
import time
import warnings

import nashpy
import numpy as np
import pygambit as gbt

import safepareto as sp


def games(n: int, count: int, seed: int) -> list[tuple[list[list[int]], list[list[int]]]]:
    rng = random.Random(seed * 1000 + n)
    return [
        (
            [[rng.randint(0, 99) for _ in range(n)] for _ in range(n)],
            [[rng.randint(0, 99) for _ in range(n)] for _ in range(n)],
        )
        for _ in range(count)
    ]


def timed(f, repeats: int) -> tuple[float, object]:
    best = []
    result = None
    for _ in range(repeats):
        t = time.perf_counter()
        result = f()
        best.append(time.perf_counter() - t)
    return statistics.median(best), result


def _nashpy_lh(conn, A, B, repeats):
    # In a child process: Nashpy's Lemke-Howson can loop forever once its tableau overflows.
    warnings.simplefilter("ignore")
    g = nashpy.Game(np.array(A), np.array(B))
    t, eq = timed(lambda: g.lemke_howson(initial_dropped_label=0), repeats)
    conn.send((t, [list(map(float, eq[0])), list(map(float, eq[1]))]))



def nashpy_lh(A, B, repeats: int, timeout: float):
    """(seconds, row strategy) or (None, why) when Nashpy does not finish or returns NaN."""
    parent, child = mp.Pipe()
    p = mp.get_context("fork").Process(target=_nashpy_lh, args=(child, A, B, repeats))
    p.start()
    if not parent.poll(timeout * repeats):
        p.kill()
        p.join()
        return None, "timeout"
    t, eq = parent.recv()
    p.join()
    if any(np.isnan(eq[0])) or any(np.isnan(eq[1])):
        return None, "nan"
    return t, eq


def _gambit_lcp(conn, A, B, repeats):
    gg = gbt.Game.from_arrays(A, B)
    t, _ = timed(lambda: gbt.nash.lcp_solve(gg, rational=False, stop_after=1).equilibria, repeats)
    conn.send(t)


def gambit_lcp(A, B, repeats: int, timeout: float):
    """Seconds, or None when pygambit's lcp_solve does not finish (it can stall on degenerate
    large games; one 80x80 game of this family never returned in 40 s)."""
    parent, child = mp.Pipe()
    p = mp.get_context("fork").Process(target=_gambit_lcp, args=(child, A, B, repeats))
    p.start()
    if not parent.poll(timeout * repeats):
        p.kill()
        p.join()
        return None
    t = parent.recv()
    p.join()
    return t


def float_equilibrium(A, B, x, y, tol=1e-6) -> bool:
    """Whether (x, y) is a Nash equilibrium up to `tol` (to judge a float peer's answer)."""
    A, B, x, y = np.array(A, float), np.array(B, float), np.array(x), np.array(y)
    return bool((A @ y).max() - x @ A @ y <= tol and (x @ B).max() - x @ B @ y <= tol)


def fmt(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.0f} µs"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per peer Lemke-Howson call")
    a = ap.parse_args()
    enum_sizes = [4, 6] if a.quick else [4, 6, 8]
    lh_sizes = [10, 20] if a.quick else [10, 20, 40, 80]
    warnings.simplefilter("ignore")  # Nashpy warns on degenerate-looking float pivots

    print(f"# safepareto {sp.__version__} vs Nashpy {nashpy.__version__} and pygambit {gbt.__version__}")
    print(f"# Python {platform.python_version()}, {platform.machine()}, {a.games} games per size, "
          f"median of {a.repeats} repeats per game, seed {a.seed}")
    print()
    print("| task | size | safepareto | Nashpy (float) | ratio | pygambit exact | ratio | pygambit float | ratio | equilibria agree |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in enum_sizes:
        cols: dict[str, list[float]] = {"ours": [], "nashpy": [], "gbt_q": [], "gbt_f": []}
        agree = True
        for A, B in games(n, a.games, a.seed):
            g = sp.Game(A, B)
            t, ours = timed(lambda: g.equilibria(), a.repeats)
            cols["ours"].append(t)
            ng = nashpy.Game(np.array(A), np.array(B))
            t, theirs = timed(lambda: list(ng.vertex_enumeration()), a.repeats)
            cols["nashpy"].append(t)
            gg = gbt.Game.from_arrays(A, B)
            t, gq = timed(lambda: gbt.nash.enummixed_solve(gg, rational=True).equilibria, a.repeats)
            cols["gbt_q"].append(t)
            t, _ = timed(lambda: gbt.nash.enummixed_solve(gg, rational=False).equilibria, a.repeats)
            cols["gbt_f"].append(t)
            agree &= len(ours) == len(theirs) == len(gq)
        m = {k: statistics.median(v) for k, v in cols.items()}
        print(f"| all equilibria | {n}x{n} | {fmt(m['ours'])} | {fmt(m['nashpy'])} | {m['nashpy'] / m['ours']:.1f}x "
              f"| {fmt(m['gbt_q'])} | {m['gbt_q'] / m['ours']:.1f}x | {fmt(m['gbt_f'])} | {m['gbt_f'] / m['ours']:.1f}x "
              f"| {'yes (counts)' if agree else 'NO'} |")
    for n in lh_sizes:
        # Per game: our time, and each peer's time or None; ratios use only games the peer finished.
        rows = []
        verdicts = {"same": 0, "other equilibrium": 0, "not an equilibrium": 0}
        failed: list[str] = []
        for A, B in games(n, a.games, a.seed):
            g = sp.Game(A, B)
            ours_t, ours = timed(lambda: g.lemke_howson(0), a.repeats)
            gbt_t = gambit_lcp(A, B, a.repeats, a.timeout)
            nash_t, theirs = nashpy_lh(A, B, a.repeats, a.timeout)
            if nash_t is None:
                failed.append(theirs)
            else:
                ours_x = np.array([float(v) for v in ours.probabilities[0]])
                if np.allclose(ours_x, theirs[0], atol=1e-6):
                    verdicts["same"] += 1
                elif float_equilibrium(A, B, theirs[0], theirs[1]):
                    verdicts["other equilibrium"] += 1
                else:
                    verdicts["not an equilibrium"] += 1
            rows.append((ours_t, nash_t, gbt_t))

        def cell(k: int) -> str:
            done = [(r[0], r[k]) for r in rows if r[k] is not None]
            if not done:
                return "– | –"
            theirs_m = statistics.median(t for _, t in done)
            ours_m = statistics.median(o for o, _ in done)
            note = "" if len(done) == len(rows) else f" ({len(done)} of {len(rows)})"
            return f"{fmt(theirs_m)}{note} | {theirs_m / ours_m:.1f}x"

        ours_all = statistics.median(r[0] for r in rows)
        notes = []
        if failed:
            notes.append(f"Nashpy " + ", ".join(f"{failed.count(w)} {w}" for w in sorted(set(failed))))
        gambit_failed = sum(r[2] is None for r in rows)
        if gambit_failed:
            notes.append(f"pygambit {gambit_failed} timeout")
        agree = ", ".join(f"{v} {k}" for k, v in verdicts.items() if v) or "–"
        print(f"| Lemke-Howson, label 0 | {n}x{n} | {fmt(ours_all)} | {cell(1)} | – | – | {cell(2)} "
              f"| Nashpy's endpoint vs ours: {agree}{'; ' + '; '.join(notes) if notes else ''} |")

if __name__ == "__main__":
    main()
