"""A throwaway PostgreSQL server for the tests: a new cluster in a temporary folder, on a free port of 127.0.0.1.

    with PostgresServer() as server:
        url = server.database("t1")          # postgresql://arcollect@127.0.0.1:PORT/arcollect?options=-csearch_path…
        Ledger(PostgresStore(url))

The server binaries come from ARCOLLECT_TEST_PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian's
packages; `make tools` installs them when missing), else the folder of `pg_config --bindir`. initdb refuses to run
as root, so as root the cluster runs as the ``postgres`` user the Debian package creates (runuser). Authentication
is ``trust`` on loopback only; fsync is off (a test cluster), everything else is a stock server. `database(name)`
gives each test its own schema, so tests never see each other's ledgers.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.servers.smtp import free_port

USER = "arcollect"


def binaries() -> Path:
    """The folder holding initdb and pg_ctl; AssertionError naming what to install when there is none."""
    configured = os.environ.get("ARCOLLECT_TEST_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    config = shutil.which("pg_config")
    if config:
        folder = Path(subprocess.run([config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip())
        if (folder / "initdb").exists():
            return folder
    raise AssertionError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: run `make tools` (installs Debian's postgresql) or "
        "set ARCOLLECT_TEST_PG_BIN"
    )


class PostgresServer:
    """Context manager: initdb + pg_ctl start on enter, pg_ctl stop and the folder removed on exit."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.bin = binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="arcollect-pg-"))
        self.data = self.folder / "data"
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self._as, *command], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode:
            raise AssertionError(f"{command[0]} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")

    def __enter__(self) -> PostgresServer:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={self.host} -c fsync=off -c full_page_writes=off"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w",
                  "start")  # fmt: skip
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/postgres"

    def database(self, name: str) -> str:
        """A fresh schema `name` and the URL that makes it the ledger's (search_path)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}?options=-csearch_path%3D{name}"
