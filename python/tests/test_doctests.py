"""Every example in the docstrings runs: the extension's (Rust `///` docs, which become the
Python docstrings) and the Python modules'."""

import doctest
import importlib

import pytest

MODULES = ["safepareto._core", "safepareto", "safepareto.inspect_tasks"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    # A module whose examples silently stopped being collected would pass with 0 attempted.
    assert result.attempted >= {"safepareto._core": 50, "safepareto": 5, "safepareto.inspect_tasks": 1}[name]
