"""llama.cpp's decode speed on a GGUF, measured the way examples/local_bench.rs measures ours.

Same chat prompt (rendered by llama.cpp's own reading of the GGUF chat template), one prefill,
then exactly STEPS greedy decode steps (argmax of the last logits, end-of-turn not honoured),
RUNS times; one JSON line per run.

    python llama_cpp_bench.py MODEL.gguf THREADS [STEPS] [RUNS]
"""

import json
import sys
import time

import llama_cpp
import numpy as np
from llama_cpp import Llama

# Keep in sync with PROMPT in crates/spi-local/examples/local_bench.rs.
PROMPT = (
    "Explain, step by step, how two players could agree to replace a costly fight with a "
    "cheaper contest that leaves both at least as well off."
)
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def main() -> None:
    model, threads = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    t = time.perf_counter()
    llm = Llama(
        model_path=model,
        n_threads=threads,
        n_threads_batch=threads,
        n_ctx=1024,
        verbose=False,
    )
    load_ms = (time.perf_counter() - t) * 1e3
    # The same text SmolLM2's template renders for one user turn (checked by the golden
    # tokenizer test, whose last-but-one case is this layout).
    prompt = (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{PROMPT}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    for run in range(runs):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(ids)
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        t1 = time.perf_counter()
        for _ in range(steps):
            llm.eval([nxt])
            nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        t2 = time.perf_counter()
        print(
            json.dumps(
                {
                    "impl": f"llama.cpp (llama-cpp-python {llama_cpp.__version__})",
                    "weights": "as-stored",
                    "threads": threads,
                    "run": run,
                    "load_ms": round(load_ms, 1),
                    "prompt_tokens": len(ids),
                    "prefill_ms": round((t1 - t0) * 1e3, 2),
                    "decode_tokens": steps,
                    "decode_ms": round((t2 - t1) * 1e3, 2),
                    "tokens_per_second": round(steps / (t2 - t1), 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
