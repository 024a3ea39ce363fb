"""Hypothesis settings for the property tests: no per-example deadline.

Hypothesis fails an example that takes longer than 200 ms by default; on a busy two-core machine (CI, or other
test runs beside this one) a pandas call can, and the test then fails on timing, not on behaviour. Speed is
measured in benchmarks/, never here. Every property test carries `PROPERTY` (or a `settings(PROPERTY, …)`);
`test_every_property_test_runs_without_a_deadline` checks that none was left out.
"""

from __future__ import annotations

from hypothesis import settings

PROPERTY = settings(deadline=None)
