#!/usr/bin/env python3
"""What each harness does when the server misbehaves: `spi eval run` and Inspect (`inspect eval`,
default settings, then with --no-fail-on-error) on the same 100 multiple-choice samples against
one scripted chat-completions server with a fixed fault schedule keyed by the sample number:

  i % 10 == 3  always a malformed body (truncated JSON) while the server is "faulty"
  i % 10 == 5  the first attempt gets 429 with Retry-After: 1
  i % 10 == 7  the first attempt gets 500
  i % 10 == 9  the first attempt's connection drops mid-body
  otherwise    "ANSWER: A"

Then the server heals and each harness is asked to finish the run (`spi eval run --resume`;
`inspect eval-retry` on Inspect's log). Prints one table of what each harness recorded.
Run through `bench.sh faults` (which builds the binary and the venv)."""
import json, os, re, shutil, subprocess, sys, tempfile, threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import write_mc_task

SPI = os.environ["SPI"]
VENV = os.environ["INSPECT_VENV"]
N = 100

class Faulty:
    """The server's state: whether faults are on, and attempts seen per sample number."""
    def __init__(self):
        self.on = True
        self.attempts = Counter()
        self.lock = threading.Lock()

STATE = Faulty()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not self.path.endswith("/chat/completions"):
            return self.reply(404, json.dumps({"error": {"message": f"no route {self.path}"}}))
        m = re.search(r"Question (\d+):", body.decode("utf-8", "replace"))
        i = int(m.group(1)) if m else -1
        with STATE.lock:
            STATE.attempts[i] += 1
            first = STATE.attempts[i] == 1
            on = STATE.on
        if on and i % 10 == 3:
            return self.reply(200, '{"id": "x", "choices": [{"index": 0, "message": {"role": "assis')
        if on and first and i % 10 == 5:
            return self.reply(429, json.dumps({"error": {"message": "slow down"}}), [("Retry-After", "1")])
        if on and first and i % 10 == 7:
            return self.reply(500, json.dumps({"error": {"message": "internal"}}))
        if on and first and i % 10 == 9:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "400")
            self.end_headers()
            self.wfile.write(b'{"id": "x", "choi')
            self.wfile.flush()
            self.close_connection = True
            return
        ok = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "mock",
              "choices": [{"index": 0, "message": {"role": "assistant", "content": "ANSWER: A"},
                           "finish_reason": "stop"}],
              "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}}
        self.reply(200, json.dumps(ok))

class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gives up on a request (an aborting run) closes its socket: not news.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)

def run(cmd, env, cwd=None):
    out = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    return out

def inspect_log(log_dir):
    from inspect_ai.log import read_eval_log
    logs = sorted(os.path.join(log_dir, p) for p in os.listdir(log_dir))
    ev = read_eval_log(logs[-1])
    scored = sum(1 for s in (ev.samples or []) if s.scores and not s.error)
    errored = sum(1 for s in (ev.samples or []) if s.error)
    return logs[-1], ev.status, scored, errored, (ev.error.message.splitlines()[0][:80] if ev.error else "")

def main():
    work = tempfile.mkdtemp(prefix="spi-faults-")
    write_mc_task(work, N, "mc100")
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    env = dict(os.environ, OPENAI_API_KEY="bench-not-a-key")
    inspect_bin = os.path.join(VENV, "bin", "inspect")
    rows = []
    try:
        def spi(*extra):
            cmd = [SPI, "eval", "run", os.path.join(work, "suite.toml"), "--model", "openai:mock",
                   "--base-url", url, "--log-dir", os.path.join(work, "spi-logs"), "--max-connections", "8",
                   "--no-cache", "--json", *extra]
            out = run(cmd, env)
            # Exit 1 means "finished, with samples in error" and still prints the summary.
            if out.returncode not in (0, 1) or not out.stdout.strip():
                sys.exit(f"spi failed: {out.stderr[-2000:]}")
            return json.loads(out.stdout)

        def inspect_cmd(*extra):
            return [inspect_bin, "eval", "task.py", "--model", "openai/mock", "--model-base-url", url,
                    "-M", "responses_api=false", "--max-connections", "8", "--display", "none", *extra]

        # Faulty server.
        s = spi()
        rows.append(("spi eval run", "faulty", s["status"], s["ok"], s["errors"], s["retries"], ""))
        for name, extra in (("inspect eval (default)", []), ("inspect eval --no-fail-on-error", ["--no-fail-on-error"])):
            d = tempfile.mkdtemp(dir=work)
            run(inspect_cmd("--log-dir", d, *extra), env, cwd=work)
            _, status, scored, errored, err = inspect_log(d)
            rows.append((name, "faulty", status, scored, errored, "not reported", err))
            if name.endswith("(default)"):
                default_dir = d
            else:
                lenient_dir = d
        # Healed server: finish what is missing.
        with STATE.lock:
            STATE.on = False
        r = spi("--resume")
        rows.append(("spi eval run --resume", "healed", r["status"], r["ok"], r["errors"], r["retries"],
                     f"{r['already_done']} already done, {r['planned']} planned"))
        for name, d in (("inspect eval-retry (default run)", default_dir),
                        ("inspect eval-retry (--no-fail-on-error run)", lenient_dir)):
            log, *_ = inspect_log(d)
            run([inspect_bin, "eval-retry", log, "--log-dir", d, "--display", "none",
                 "--max-connections", "8"], env, cwd=work)
            _, status, scored, errored, err = inspect_log(d)
            rows.append((name, "healed", status, scored, errored, "not reported", err))
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    import inspect_ai
    print(f"{N} multiple-choice samples, scripted faulty server (10 always malformed, 10 each of 429,"
          f" 500, dropped connection on the first attempt), inspect_ai {inspect_ai.__version__}")
    print("| harness | server | status | samples scored | samples in error | retries | note |")
    print("|---|---|---|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")

if __name__ == "__main__":
    main()
