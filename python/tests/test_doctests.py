"""Every example in the docstrings runs: the extension's (Rust `///` docs, which become the
Python docstrings) and the Python modules'."""

import doctest
import importlib

import pytest

MODULES = ["safepareto._core", "safepareto", "safepareto.inspect_tasks", "safepareto.runs"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
    # A module whose examples silently stopped being collected would pass with 0 attempted.
    assert result.attempted >= {"safepareto._core": 50, "safepareto": 5, "safepareto.inspect_tasks": 1, "safepareto.runs": 2}[name]


def test_the_notebook_page_runs():
    # docs/python.md is a notebook session: its ```python blocks run in order, in one namespace.
    import re

    from conftest import ROOT

    text = (ROOT / "docs" / "python.md").read_text()
    session = "".join(re.findall(r"```python\n(.*?)```", text, re.S))
    test = doctest.DocTestParser().get_doctest(session, {}, "docs/python.md", str(ROOT / "docs/python.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0 and result.attempted >= 25, result
