"""The security tests' terminal summary: the time and peak memory of each hostile workbook (test_hostile_*)."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    from tests.security.test_hostile_workbooks import MEASURED

    measured = config.stash.get(MEASURED, [])
    if not measured:
        return
    terminalreporter.section("hostile workbooks: arcollect refresh, wall time and peak memory")
    terminalreporter.write_line(f"{'case':<36} {'exit':>4} {'CPU s':>8} {'peak MB':>8}")
    for name, seconds, peak, status in measured:
        terminalreporter.write_line(f"{name:<36} {status:>4} {seconds:>8.1f} {peak:>8.0f}")
