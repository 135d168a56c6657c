"""Shared test configuration: hypothesis profiles and torch threads.

Profiles: ``ci`` (default; bounded examples, no deadline, derandomised so CI is
repeatable) and ``dev`` (more examples). Choose with HYPOTHESIS_PROFILE=dev.
"""
import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture
def tmp_results(tmp_path):
    return tmp_path / "results"
