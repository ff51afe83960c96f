"""The code's own checks in the suite, so that CI keeps them: ruff's lint rules (pyproject.toml) over the whole
tree, and mypy over the package (its annotations hold; libraries without stubs listed in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from flaechenpool.settings import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    result = run("mypy", "--cache-dir", "/dev/null", "flaechenpool")
    assert result.returncode == 0 and "Success: no issues found" in result.stdout, result.stdout + result.stderr
