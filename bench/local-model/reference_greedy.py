"""Writes llama.cpp's greedy completions for a few chat prompts on the same GGUF, the golden file
crates/spi-local/test_data/smollm2_greedy_llama_cpp.json that the live test
`smollm2_greedy_chat_matches_llama_cpp` compares our decoding with.

Regenerate with:
    bench/local-model/.venv/bin/python bench/local-model/reference_greedy.py MODEL.gguf
"""

import json
import pathlib
import sys

import llama_cpp
from llama_cpp import Llama

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "crates/spi-local/test_data/smollm2_greedy_llama_cpp.json"
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
PROMPTS = ["What is the capital of France?", "Name three prime numbers."]
MAX_TOKENS = 16


def main() -> None:
    model = pathlib.Path(sys.argv[1])
    llm = Llama(model_path=str(model), n_ctx=512, n_threads=1, verbose=False)
    cases = []
    for user in PROMPTS:
        # SmolLM2's chat template for one user turn (it adds this default system turn).
        p = (
            f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n"
            "<|im_start|>assistant\n"
        )
        r = llm.create_completion(p, max_tokens=MAX_TOKENS, temperature=0.0)
        cases.append({"user": user, "max_tokens": MAX_TOKENS, "text": r["choices"][0]["text"]})
    out = {
        "generated_by": "bench/local-model/.venv/bin/python bench/local-model/reference_greedy.py "
        + model.name,
        "tool": f"llama-cpp-python {llama_cpp.__version__} (create_completion, temperature=0)",
        "cases": cases,
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
