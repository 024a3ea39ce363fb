"""The installed command line answers the way a user calls it."""

from __future__ import annotations

import subprocess
import sys

from arcollect import __version__


def test_python_dash_m_arcollect_reports_its_version():
    result = subprocess.run(
        [sys.executable, "-m", "arcollect", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"arcollect {__version__}"


def test_errors_form_one_hierarchy():
    from arcollect.errors import ArcollectError, ConfigError, InputError, TransportError

    assert all(issubclass(error, ArcollectError) for error in (InputError, ConfigError, TransportError))
    assert issubclass(InputError, ValueError)
