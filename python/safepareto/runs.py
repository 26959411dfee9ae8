"""Runs of ``spi eval run`` read back from their store, as records or a pandas DataFrame.

>>> from safepareto.runs import columns
>>> columns({"key": "items/q1", "epoch": 1, "dataset": "items", "status": "ok", "category": "x",
...          "sample": {"id": "q1"}, "scores": {"choice": {"value": 1.0, "answer": "B"}},
...          "error": None, "latency_ms": 3.5, "calls": {}})
{'key': 'items/q1', 'sample_id': 'q1', 'epoch': 1, 'dataset': 'items', 'status': 'ok', 'category': 'x', 'error': None, 'latency_ms': 3.5, 'choice': 1.0, 'choice_answer': 'B'}
"""

from __future__ import annotations

from typing import Any

from safepareto._core import list_runs, read_run

__all__ = ["columns", "list_runs", "read_run", "to_dataframe"]


def columns(record: dict[str, Any]) -> dict[str, Any]:
    """One record as a flat row: identity, status and, per scorer, its value and answer."""
    row = {
        "key": record["key"],
        "sample_id": record["sample"]["id"],
        "epoch": record["epoch"],
        "dataset": record["dataset"],
        "status": record["status"],
        "category": record.get("category"),
        "error": record.get("error"),
        "latency_ms": record.get("latency_ms"),
    }
    for name, s in sorted(record.get("scores", {}).items()):
        row[name] = s["value"]
        row[f"{name}_answer"] = s.get("answer")
    return row


def to_dataframe(log_dir: str, run: str = "latest"):
    """A run's records as a pandas DataFrame, one row per sample-epoch (needs pandas)."""
    try:
        import pandas as pd
    except ImportError as e:  # pandas is optional: records work without it
        raise ImportError("to_dataframe needs pandas (pip install pandas); read_run gives the records") from e
    doc = read_run(log_dir, run)
    df = pd.DataFrame([columns(r) for r in doc["records"]])
    df.attrs["run"] = doc["run"]
    df.attrs["accounting"] = doc["accounting"]
    return df
