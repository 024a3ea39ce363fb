"""The command line starts light: each command loads what it uses, and only the program itself tunes the collector."""

from __future__ import annotations

import gc
import subprocess
import sys

from arcollect import cli


def test_help_and_the_command_line_parser_load_neither_pandas_nor_openpyxl_nor_the_mail_layer():
    probe = (
        "import sys; from arcollect import cli; cli.build_parser().format_help(); "
        "print(','.join(sorted(m for m in ('pandas', 'numpy', 'openpyxl', 'jinja2', 'arcollect.run') "
        "if m in sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_an_in_process_call_keeps_the_interpreters_garbage_collection_settings(capsys):
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert cli.main([]) == 0  # no command: prints the help
    assert "refresh" in capsys.readouterr().out
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
