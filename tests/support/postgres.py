"""A private, throwaway PostgreSQL cluster on loopback for tests and benchmarks.

Typical use::

    cluster = start_cluster()
    try:
        psycopg2.connect(cluster.dsn)
    finally:
        cluster.stop()

or the session fixture ``pg_cluster`` (registered in tests/conftest.py).

Notes that are easy to trip over:

* PostgreSQL refuses to run as root, so as root ``initdb``, ``pg_ctl`` and the
  server run as the ``postgres`` OS user (``runuser -u postgres --``), and the
  cluster lives in a fresh directory under the system temp dir owned by that
  user: pytest's own tmp dirs (``/tmp/pytest-of-root``, mode 0700) are not
  reachable by it.
* The server binaries are not on PATH on Debian/Ubuntu: they live in
  ``/usr/lib/postgresql/VERSION/bin``.
* Installing Debian's ``postgresql`` package may also create and start the
  system's own cluster on port 5432; this module never touches it (its own port
  is a free one, its socket sits in its own directory).
* The postmaster is started by ``pg_ctl`` and is not a child of this process:
  it is found, and if need be killed, by the PID in ``postmaster.pid``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.live import LiveServers

INSTALL_HINT = "PostgreSQL server not found: apt-get install -y postgresql"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.05
_PORT_ATTEMPTS = 5
SERVER_USER = "postgres"
"""The unprivileged OS user the cluster runs as when this process is root."""

# Clusters started by this process and not stopped yet (stopped at exit: tests.support.live)
_LIVE = LiveServers()


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres (newest version), or None."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: _version_key(Path(p).parent.parent.name),
        reverse=True,
    )
    found = shutil.which("initdb")
    if found:
        candidates.append(found)
    for initdb in candidates:
        bindir = Path(initdb).resolve().parent
        if all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


@dataclass(eq=False)
class PgCluster:
    """Handle to one running cluster: one postmaster, one database, one role."""

    host: str
    port: int
    socket_dir: Path
    dbname: str
    user: str
    superuser: str
    workdir: Path
    datadir: Path
    bindir: Path
    log_file: Path
    pid: int
    _run_as: list[str] = field(default_factory=list, repr=False)
    _stopped: bool = field(default=False, repr=False)

    @property
    def dsn(self) -> str:
        """A libpq URI for the database over TCP (no password: trust on loopback)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def socket_dsn(self) -> str:
        """The same database over the unix socket, as libpq keywords."""
        return f"host={self.socket_dir} port={self.port} dbname={self.dbname} user={self.user}"

    def connect_kwargs(self) -> dict[str, object]:
        """host/port/database/user keywords, for drivers that take no DSN (pg8000)."""
        return {"host": self.host, "port": self.port, "database": self.dbname, "user": self.user}

    @property
    def running(self) -> bool:
        """True while the postmaster process is alive (a zombie counts as gone)."""
        return _alive(self.pid)

    def psql(self, sql: str, *, dbname: str | None = None, superuser: bool = False) -> str:
        """Run *sql* with psql over the socket; stdout (tuples only, unaligned)."""
        return _run(
            [
                *self._run_as, str(self.bindir / "psql"), "-X", "-q", "-A", "-t",
                "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir), "-p", str(self.port),
                "-U", self.superuser if superuser else self.user,
                "-d", dbname or self.dbname, "-c", sql,
            ]  # fmt: skip
        ).stdout

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log_file, lines)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """``pg_ctl stop -m fast``; if the postmaster outlives *timeout*, SIGKILL it
        (and its backends) by PID. Removes the cluster's directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        _LIVE.discard(self)
        if _alive(self.pid):
            children = _children(self.pid)
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                subprocess.run(
                    [*self._run_as, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
                     "-m", "fast", "-w", "-t", str(max(1, int(timeout)))],
                    stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout + 5,
                )  # fmt: skip
            if not _wait_gone(self.pid, timeout):
                _kill(self.pid, self.datadir)
                _wait_gone(self.pid, STOP_TIMEOUT)
            # Backends notice the postmaster's death on their own; make sure.
            for child in children:
                _kill(child, self.datadir)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def pause(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server but keep its data (a crash or maintenance, as clients see it)."""
        _run([*self._run_as, str(self.bindir / "pg_ctl"), "stop", "-D", str(self.datadir),
              "-m", "immediate", "-w", "-t", str(max(1, int(timeout)))])  # fmt: skip
        _wait_gone(self.pid, timeout)

    def resume(self, timeout: float = START_TIMEOUT) -> None:
        """Start the paused server again on the same port; wait until it accepts connections."""
        offset = self.log_file.stat().st_size
        _run([*self._run_as, str(self.bindir / "pg_ctl"), "start", "-W", "-D", str(self.datadir),
              "-l", str(self.log_file)])  # fmt: skip
        self.pid = _wait_ready(self.bindir, self.datadir, self.socket_dir, self.port, self.log_file, offset, timeout)

    def __enter__(self) -> PgCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_cluster(
    *,
    dbname: str = "deskctl",
    user: str = "deskctl",
    timeout: float = START_TIMEOUT,
    settings: dict[str, str] | None = None,
) -> PgCluster:
    """initdb a new cluster in a fresh temp dir, start it on 127.0.0.1 and a free
    port, create *user* (LOGIN CREATEDB) and *dbname* owned by it; wait until ready.

    *settings* are extra ``postgresql.conf`` lines (name -> value, quoted as needed).
    Raises RuntimeError (with the log's tail) when the server does not come up.
    """
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(INSTALL_HINT)
    run_as, owner = _server_identity()
    workdir = Path(tempfile.mkdtemp(prefix="deskctl-pg-"))
    try:
        return _start(bindir, workdir, run_as, owner, dbname, user, timeout, settings or {})
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One private cluster for the whole session (skips locally, fails in CI, when
    PostgreSQL is not installed)."""
    require_postgres()
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def require_postgres() -> Path:
    """The server's bindir, or skip (locally) / fail (CI=true) naming the install command."""
    from .missing import missing

    bindir = find_bindir()
    if bindir is None:
        missing(INSTALL_HINT)
    return bindir


# --------------------------------------------------------------------------
# internals


def _start(
    bindir: Path,
    workdir: Path,
    run_as: list[str],
    owner: pwd.struct_passwd | None,
    dbname: str,
    user: str,
    timeout: float,
    settings: dict[str, str],
) -> PgCluster:
    datadir = workdir / "data"
    socket_dir = workdir / "sock"
    log_file = workdir / "server.log"
    socket_dir.mkdir()
    log_file.touch()
    if owner is not None:
        for path in (workdir, socket_dir, log_file):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    superuser = owner.pw_name if owner is not None else pwd.getpwuid(os.geteuid()).pw_name
    _run([
        *run_as, str(bindir / "initdb"), "-D", str(datadir), "-U", superuser,
        "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
    ])  # fmt: skip
    # Trust only this cluster's own socket and loopback; nothing else may connect.
    (datadir / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    )
    conf = {
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{socket_dir}'",
        # A throwaway cluster: durability buys nothing, speed does.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
        "logging_collector": "off",
        **settings,
    }
    base_conf = (datadir / "postgresql.conf").read_text()

    attempts = _PORT_ATTEMPTS
    for attempt in range(attempts):
        port = _free_port()
        lines = [f"{k} = {v}" for k, v in {**conf, "port": str(port)}.items()]
        (datadir / "postgresql.conf").write_text(base_conf + "\n" + "\n".join(lines) + "\n")
        offset = log_file.stat().st_size
        # -W: do not wait here; the readiness loop below is bounded and sees failures.
        _run([*run_as, str(bindir / "pg_ctl"), "start", "-W", "-D", str(datadir),
              "-l", str(log_file)])  # fmt: skip
        try:
            pid = _wait_ready(bindir, datadir, socket_dir, port, log_file, offset, timeout)
        except _PortInUse:
            if attempt == attempts - 1:
                raise
            continue
        cluster = PgCluster(
            host="127.0.0.1", port=port, socket_dir=socket_dir, dbname=dbname, user=user,
            superuser=superuser, workdir=workdir, datadir=datadir, bindir=bindir,
            log_file=log_file, pid=pid, _run_as=run_as,
        )  # fmt: skip
        _LIVE.add(cluster)
        try:
            cluster.psql(f'CREATE ROLE "{user}" LOGIN CREATEDB', dbname="postgres", superuser=True)
            cluster.psql(f'CREATE DATABASE "{dbname}" OWNER "{user}"', dbname="postgres",
                         superuser=True)  # fmt: skip
        except BaseException:
            cluster.stop()
            raise
        return cluster
    raise AssertionError("unreachable")


class _PortInUse(RuntimeError):
    """The chosen port was taken by someone else between choosing and binding."""


def _wait_ready(
    bindir: Path, datadir: Path, socket_dir: Path, port: int, log_file: Path, offset: int,
    timeout: float,
) -> int:
    """Poll until the server accepts connections on TCP; return the postmaster's PID."""
    deadline = time.monotonic() + timeout
    pid: int | None = None
    while time.monotonic() < deadline:
        log = log_file.read_text(errors="replace")[offset:]
        if "could not bind" in log or "Address already in use" in log:
            _stop_failed(datadir, pid)
            raise _PortInUse(log)
        if pid is None:
            pid = _read_pid(datadir)
        if pid is not None and not _alive(pid):
            raise RuntimeError(f"PostgreSQL exited during start-up:\n{_tail(log_file, 30)}")
        if pid is not None:
            ready = subprocess.run(
                [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "1"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
            )  # fmt: skip
            if ready.returncode == 0:
                return pid
        elif "FATAL" in log:
            raise RuntimeError(f"PostgreSQL did not start:\n{_tail(log_file, 30)}")
        time.sleep(_POLL_INTERVAL)
    _stop_failed(datadir, pid)
    raise RuntimeError(
        f"PostgreSQL not ready on 127.0.0.1:{port} after {timeout:.0f} s:\n{_tail(log_file, 30)}"
    )


def _stop_failed(datadir: Path, pid: int | None) -> None:
    pid = pid or _read_pid(datadir)
    if pid is not None and _alive(pid):
        _kill(pid, datadir)
        _wait_gone(pid, STOP_TIMEOUT)


def _server_identity() -> tuple[list[str], pwd.struct_passwd | None]:
    """(argv prefix, OS user) to run the server as: as root, the postgres user."""
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root and there is no {SERVER_USER!r} OS user to run PostgreSQL as "
            "(the postgresql package creates it)"
        ) from None
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    if os.access(runuser, os.X_OK):
        return [runuser, "-u", owner.pw_name, "--"], owner
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs runuser or setpriv (util-linux)")
    return [setpriv, f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--init-groups"], owner


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        cwd="/",  # the server user may not be allowed into the caller's cwd
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv)} exited "
            f"{proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}"
        )
    return proc


def _read_pid(datadir: Path) -> int | None:
    """The postmaster's PID: the first line of postmaster.pid (None while absent)."""
    try:
        first = (datadir / "postmaster.pid").read_text().split("\n", 1)[0]
    except (FileNotFoundError, PermissionError):
        return None
    return int(first) if first.strip().isdigit() else None


def _alive(pid: int) -> bool:
    # The postmaster is not our child; a zombie waiting for its reaper is gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_INTERVAL)
    return True


def _children(pid: int) -> list[int]:
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(Path(stat).read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.split("/")[2]))
    return found


def _kill(pid: int, datadir: Path) -> None:
    """SIGKILL *pid* if it is still a postgres process (PIDs get reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"postgres" not in cmdline:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:]) + "\n"




_DATABASES = itertools.count(1)


def new_database(cluster: PgCluster, prefix: str = "desk") -> str:
    """A new empty database in *cluster* owned by its user; returns its DSN."""
    import psycopg2

    name = f"{prefix}_{os.getpid()}_{next(_DATABASES)}"
    conn = psycopg2.connect(cluster.dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" OWNER "{cluster.user}"')
    finally:
        conn.close()
    return f"postgresql://{cluster.user}@{cluster.host}:{cluster.port}/{name}"
