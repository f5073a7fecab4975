"""Shared fixtures: every test starts from the same random state."""

import pytest

from d2lmini import np


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    yield
