"""A throwaway PostgreSQL cluster for the tests (issue 23): initdb into a temporary directory, a server on a
unix socket in it (no TCP), one fresh database per test, everything stopped and deleted at the session's end.

The binaries are found with `pg_config --bindir`, else `initdb` on the PATH, else Debian's layout
(/usr/lib/postgresql/<version>/bin, the newest). PostgreSQL refuses to run as root, so as root the server
runs as the unprivileged user `nobody` (through `runuser` or `setpriv`), in a directory it owns.

Without PostgreSQL (or psycopg) the PostgreSQL tests skip, saying why; with CLIO_REQUIRE_PG=1 (CI sets it)
they fail instead, so CI cannot pass without running them."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = os.environ.get("CLIO_REQUIRE_PG", "") not in ("", "0")
SERVER_SETTINGS = {  # a test cluster: nothing needs to survive a crash, so no waiting for the disk
    "listen_addresses": "''", "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "max_connections": "100", "shared_buffers": "16MB",
}


class Unavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


def _version(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def find_bindir() -> Path:
    """The directory of initdb, pg_ctl and postgres."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout
            candidates.append(Path(out.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    if shutil.which("initdb"):
        candidates.append(Path(os.path.realpath(shutil.which("initdb") or "")).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)]
    for bindir in candidates:
        if all((bindir / exe).is_file() for exe in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise Unavailable("PostgreSQL is not installed (no initdb, pg_ctl and postgres found; "
                      "on Debian: apt-get install postgresql)")


def _as_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs the server's programs as an unprivileged user, and its uid and gid (None
    when this process is not root: the server then runs as this user)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        raise Unavailable("running as root and there is no user 'nobody' to run PostgreSQL as") from None
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--"], nobody.pw_uid, nobody.pw_gid
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"], \
            nobody.pw_uid, nobody.pw_gid
    raise Unavailable("running as root and neither runuser nor setpriv is here to run PostgreSQL as 'nobody'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running throwaway cluster: `url(db)` is the URL of one of its databases (user "clio", no password)."""

    root: Path
    port: int
    bindir: Path
    prefix: list[str]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))
    made_for: dict[str, str] = field(default_factory=dict)  # a database's URL -> the test it was made in

    @classmethod
    def start(cls) -> Cluster:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise Unavailable("psycopg is not installed (pip install -e '.[dev]')") from None
        bindir = find_bindir()
        prefix, uid, gid = _as_user()
        root = Path(tempfile.mkdtemp(prefix="clio-pg-"))
        try:
            if uid is not None:
                os.chown(root, uid, gid or -1)
            data, port = root / "data", _free_port()
            cls._run(prefix, [str(bindir / "initdb"), "-D", str(data), "-U", "clio", "--auth=trust", "-E", "UTF8",
                              "--locale=C.UTF-8", "--no-sync"])
            options = " ".join([f"-p {port}", f"-k {root}", *(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())])
            cls._run(prefix, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
                              "-t", "30", "-o", options, "start"])
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cls(root, port, bindir, prefix)

    @staticmethod
    def _run(prefix: list[str], argv: list[str]) -> None:
        done = subprocess.run([*prefix, *argv], capture_output=True, text=True, timeout=60)
        if done.returncode:
            raise Unavailable(f"{Path(argv[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://clio@/{dbname}?host={self.root}&port={self.port}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"clio_test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')  # name made here, never from input
        self.made_for[self.url(name)] = os.environ.get("PYTEST_CURRENT_TEST", "no test")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(self.prefix, [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                                    "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
