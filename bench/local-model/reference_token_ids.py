"""Writes llama.cpp's token ids for crates/spi-local/test_data/tokenizer_prompts.json.

The output, crates/spi-local/test_data/smollm2_token_ids.json, is the golden file the test
`smollm2_token_ids_match_llama_cpp` checks our GGUF-built tokenizer against.

Regenerate with (llama-cpp-python from PyPI, see setup_llama_cpp.sh):
    bench/local-model/.venv/bin/python bench/local-model/reference_token_ids.py MODEL.gguf
"""

import json
import pathlib
import sys

import llama_cpp
from llama_cpp import Llama

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "crates/spi-local/test_data/tokenizer_prompts.json"
OUT = ROOT / "crates/spi-local/test_data/smollm2_token_ids.json"


def main() -> None:
    model = pathlib.Path(sys.argv[1])
    llm = Llama(model_path=str(model), vocab_only=True, verbose=False)
    prompts = json.loads(PROMPTS.read_text())
    cases = [
        {"text": p, "ids": llm.tokenize(p.encode("utf-8"), add_bos=False, special=True)}
        for p in prompts
    ]
    out = {
        "generated_by": "bench/local-model/.venv/bin/python bench/local-model/reference_token_ids.py "
        + model.name,
        "tool": f"llama-cpp-python {llama_cpp.__version__} (Llama.tokenize, add_bos=False, special=True)",
        "model": model.name,
        "cases": cases,
    }
    # One case per line keeps diffs of the golden file readable.
    head = json.dumps({k: v for k, v in out.items() if k != "cases"}, ensure_ascii=False, indent=1)
    lines = ",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in cases)
    OUT.write_text(head[:-2] + ',\n "cases": [\n' + lines + "\n ]\n}\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
