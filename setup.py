"""Build hook (the project is configured in pyproject.toml): the email templates ship inside the package.

The templates live in the repository's top-level ``templates/`` (docs/ARCHITECTURE.md), outside the package folder
``addin/arcollect``. Building a wheel copies them to ``arcollect/templates`` in it, where
`arcollect.mail.render` finds them in an installed arcollect; an editable install reads ``templates/`` in the
checkout instead. tests/e2e/test_wheel.py builds the wheel, installs it into a fresh environment and sends the
demo's reminders with it.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class BuildWithTemplates(build_py):
    """`build_py`, then ``templates/**`` into ``<build>/arcollect/templates``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "arcollect" / "templates"
        for source in sorted(TEMPLATES.rglob("*")):
            if source.is_file() and not source.name.startswith("."):
                destination = target / source.relative_to(TEMPLATES)
                self.mkpath(str(destination.parent))
                self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildWithTemplates})
