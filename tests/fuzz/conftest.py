"""Hypothesis profiles for the fuzz tests: ``ci`` (the default, part of make test) and ``fuzz`` (make fuzz).

    HYPOTHESIS_PROFILE=fuzz .venv/bin/python -m pytest tests/fuzz      # what make fuzz runs

The profile is applied to the fuzz tests only (through `FUZZ`), not loaded globally, so the property tests in
tests/property keep their own settings whatever the environment says.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile(
    "fuzz",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
FUZZ = settings(settings.get_profile(PROFILE if PROFILE in ("ci", "fuzz") else "ci"))


def scaled(examples: int) -> settings:
    """`FUZZ` for a slower test: `examples` under ci, a tenth of the fuzz profile's under fuzz."""
    if PROFILE == "fuzz":
        return settings(FUZZ, max_examples=max(examples, FUZZ.max_examples // 10))
    return settings(FUZZ, max_examples=examples)
