"""Shared fixtures. No global RNG seeding: tests use explicit generators or Hypothesis."""

from __future__ import annotations

import pytest

from crmkit.datasets import Sample, load_sample


@pytest.fixture(scope="session")
def sample() -> Sample:
    """The bundled retail sample, loaded once per test session (it is immutable)."""
    return load_sample()
