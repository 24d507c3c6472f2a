"""Shared test set-up.

* Makes the tests' helper module (tests/expectations.py) importable.
* The ``needs(path)`` marker: a test that reads the reference material beside
  the project (``../shared``: herd's catalogue and answers, the specs) skips,
  saying why, where that material is absent -- and fails instead when the
  ``CI`` environment variable is set, so that CI never goes green having
  checked nothing.
* Every test gets its own empty result cache (``LITMUS_CACHE_DIR``), so no
  test reads answers another test, or an earlier run, left in the user's
  cache directory.
"""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "needs(path): the test reads PATH (under ../shared); skip if it is "
        "absent, fail if it is absent and CI is set")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs"):
        path = Path(mark.args[0])
        if path.exists():
            continue
        why = f"{path} is not available (the reference material in ../shared)"
        if os.environ.get("CI"):
            pytest.fail(f"{why}; CI is set, so a test that cannot run is a failure",
                        pytrace=False)
        pytest.skip(why)


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("LITMUS_CACHE_DIR", str(tmp_path_factory.mktemp("litmus-cache")))
