"""Security tests: hostile input, faults and secrets (issue #9)."""
