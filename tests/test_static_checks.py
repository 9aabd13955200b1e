"""The package type-checks (mypy, configured in pyproject.toml) and is lint-clean (ruff)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO


def test_mypy_finds_no_errors_in_the_package(tmp_path_factory):
    pytest.importorskip("mypy")
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache)], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_ruff_finds_nothing():
    pytest.importorskip("ruff")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "sim", "tests", "benchmarks",
                           "calibration"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]
