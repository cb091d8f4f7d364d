"""`ruff check` stays clean (the house rule), checked with the suite."""

import shutil
import subprocess

import pytest

from support import REPO_ROOT


def test_ruff_check_is_clean():
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    run = subprocess.run(
        [ruff, "check", "--quiet", "."], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
