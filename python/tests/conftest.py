"""Shared fixtures: the checkout, the `spi` binary the parity tests compare with, and a helper
that runs it and parses its `--json` output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def spi_binary() -> str:
    # scripts/python-test.sh passes the debug build scripts/test.sh already made.
    spi = os.environ.get("SPI") or "target/debug/spi"
    # A relative SPI is relative to the checkout, as scripts/test.sh passes it.
    spi = str(ROOT / spi) if not os.path.isabs(spi) else spi
    if not os.path.exists(spi):
        raise RuntimeError(f"{spi}: no spi binary (build it with `cargo build -p spi-cli`, or set SPI)")
    return spi


def run_spi(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [spi_binary(), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if check and p.returncode != 0:
        raise AssertionError(f"spi {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


def spi_json(*args: str):
    return json.loads(run_spi(*args, "--json").stdout)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
