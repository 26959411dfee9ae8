#!/usr/bin/env python3
"""Side-by-side speed of `spi eval run` and Inspect (`inspect eval`) on one 1,000-sample
multiple-choice dataset, against one local zero-latency mock OpenAI server (`spi serve` over
`mock:const`), at concurrency 1 and 64. Prints samples/s, start-up (a 1-sample run) and peak RSS,
with ratios. Run through bench.sh, which builds the binary and the venv.

Each measurement is one run (no warm-up beyond the first import); rerun to see the noise."""
import json, os, re, shutil, socket, subprocess, sys, tempfile, time

from common import write_mc_task

SPI = os.environ["SPI"]
VENV = os.environ["INSPECT_VENV"]
N = int(os.environ.get("BENCH_SAMPLES", "1000"))

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def timed(cmd, env=None, cwd=None):
    """Wall seconds and peak RSS (MiB) of one command, via GNU time."""
    out = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    wall, rss = out.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024.0, out

def main():
    work = tempfile.mkdtemp(prefix="spi-bench-")
    write_mc_task(work, N, "mc1000")
    port = free_port()
    server = subprocess.Popen([SPI, "serve", "--model", "mock:const:ANSWER: A", "--addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    server.stdout.readline()
    url = f"http://127.0.0.1:{port}/v1"
    env = dict(os.environ, OPENAI_API_KEY="bench-not-a-key", INSPECT_LOG_DIR=os.path.join(work, "inspect-logs"))
    inspect_bin = os.path.join(VENV, "bin", "inspect")
    rows = []
    try:
        def ours(c, limit=None):
            log = tempfile.mkdtemp(dir=work)
            cmd = [SPI, "eval", "run", os.path.join(work, "suite.toml"), "--model", "openai:mock", "--base-url", url,
                   "--log-dir", log, "--max-connections", str(c), "--no-cache", "--json"]
            if limit: cmd += ["--limit", str(limit)]
            wall, rss, out = timed(cmd, env)
            ok = json.loads(out.stdout)["ok"]
            assert ok == (limit or N), out.stdout
            return wall, rss
        def theirs(c, limit=None):
            log = tempfile.mkdtemp(dir=work)
            # responses_api=false: Inspect's OpenAI provider otherwise calls /v1/responses, which a
            # chat-completions server answers with 404 (and the run "finishes" in error at once).
            cmd = [inspect_bin, "eval", "task.py", "--model", "openai/mock", "--model-base-url", url,
                   "-M", "responses_api=false",
                   "--max-connections", str(c), "--log-dir", log, "--display", "none"]
            if limit: cmd += ["--limit", str(limit)]
            wall, rss, out = timed(cmd, env, cwd=work)
            logs = [os.path.join(log, p) for p in os.listdir(log)]
            assert len(logs) == 1, out.stderr[-2000:]
            # A timing only counts if Inspect really scored every sample.
            from inspect_ai.log import read_eval_log
            ev = read_eval_log(logs[0], header_only=True)
            done = ev.results.completed_samples if ev.results else 0
            if ev.status != "success" or done != (limit or N):
                sys.exit(f"Inspect run did not complete: status {ev.status}, {done} samples, "
                         f"error {ev.error.message if ev.error else None}")
            return wall, rss
        # Warm the OS caches (and Python's bytecode cache) once, untimed.
        ours(1, 1); theirs(1, 1)
        s_ours, _ = ours(1, 1)
        s_theirs, _ = theirs(1, 1)
        for c in (1, 64):
            w_o, r_o = ours(c)
            w_t, r_t = theirs(c)
            rows.append((c, N / w_o, N / w_t, r_o, r_t, N / max(w_t - s_theirs, 1e-9)))
    finally:
        server.terminate(); server.wait()
        shutil.rmtree(work, ignore_errors=True)
    import inspect_ai
    print(f"{N} multiple-choice samples, mock OpenAI server (spi serve, mock:const), inspect_ai {inspect_ai.__version__}, {os.cpu_count()} cores")
    print(f"start-up (a 1-sample run, wall): spi {s_ours:.3f} s, Inspect {s_theirs:.2f} s, ratio {s_theirs / s_ours:.1f}x")
    print("Inspect's samples/s include its start-up, as a user sees it; the column after excludes it.")
    print("| concurrency | spi samples/s | Inspect samples/s | throughput ratio | Inspect samples/s after start-up | ratio | spi peak RSS MiB | Inspect peak RSS MiB | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c, so, st, ro, rt, st_warm in rows:
        print(f"| {c} | {so:.0f} | {st:.1f} | {so / st:.1f}x | {st_warm:.1f} | {so / st_warm:.1f}x | {ro:.1f} | {rt:.1f} | {rt / ro:.1f}x |")

if __name__ == "__main__":
    main()
