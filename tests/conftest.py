"""Shared fixtures: every test starts from the same random state."""

import importlib.util
from pathlib import Path

import pytest

from d2lmini import np

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def notebook_runner():
    """tools/run_notebooks.py as a module: execute(path), write_atomically(nb, path)
    store a notebook exactly as the chapter's are stored."""
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", ROOT / "tools/run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    yield
