"""A throwaway PostgreSQL cluster for the dialect tests: initdb in a temporary folder, the server listening
on a unix socket in that folder only (no TCP port), trust authentication, stopped and deleted at the end.

PostgreSQL refuses to run as root, so as root (CI containers) the cluster runs as the `postgres` user that
Debian's package creates. The binaries are Debian's (/usr/lib/postgresql/NN/bin) or on PATH. Queries go
through `psql` (no Python driver needed): `COPY (query) TO STDOUT WITH CSV` gives rows as CSV text.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (the newest Debian version first), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="auditql-pg-"))
        self.as_root = os.geteuid() == 0
        self.user = "postgres"
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", self.user, "--no-sync", "-E", "UTF8")
        options = f"-k {self.folder} -c listen_addresses='' -F -c TimeZone=UTC"
        log = str(self.folder / "log")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-l", log, "-w", "start")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def psql(self, sql: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        command = [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder)]
        command += ["-U", self.user, "-d", "postgres", "-c", sql]
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120)

    def rows(self, query: str) -> list[list[str]]:
        """The query's rows as CSV strings (NULL as the empty string), or AssertionError with psql's error."""
        done = self.psql(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '\\N')")
        assert done.returncode == 0, f"PostgreSQL refused:\n{query}\n{done.stderr}"
        return [["" if v == "\\N" else v for v in row] for row in csv.reader(io.StringIO(done.stdout))]

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
