"""Run a real OpenSSH server on loopback for tests and benchmarks.

Typical use::

    server = start_sshd(tmp_path, addresses=["127.0.0.1", "127.0.0.2"])
    try:
        subprocess.run(["ssh", *server.ssh_options(), f"{server.user}@127.0.0.2", "echo ok"])
    finally:
        server.stop()

Notes that are easy to trip over:

* Linux routes all of 127.0.0.0/8 to ``lo``, so 127.0.0.2 .. 127.0.0.N can be
  bound without any interface setup (this is not true on macOS).
* sshd refuses to start without its privilege-separation directory
  (``/run/sshd`` on Debian/Ubuntu), which only exists while the system service
  runs; :func:`start_sshd` creates it (needs root).
* sshd re-executes itself, so it must be started by absolute path.
* OpenSSH accepts at most 16 ``ListenAddress`` lines; use
  :func:`start_sshd_many` for more hosts.
* Debian's bash is built with ``SSH_SOURCE_BASHRC``: every ``ssh host cmd``
  sources ``~/.bashrc`` (for root here: ``pyenv init``, measured ~80 ms extra
  per command on an open connection and ~150-200 ms per fresh ``ssh`` call;
  any output it printed would also corrupt the command's stdout).
  Bash skips that when ``SHLVL`` is already >= 1, so by default the server sets
  ``SetEnv SHLVL=1``.  Remote commands then see sshd's default ``PATH``
  (``/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin``).  Pass
  ``fast_shell=False`` to get the user's normal non-interactive environment.
* With ``UsePAM no`` sshd rejects accounts whose password hash starts with
  ``!`` (locked).  ``root:*`` (usual in containers) is fine.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.live import LiveServers

MAX_LISTEN_ADDRESSES = 16
"""OpenSSH's compile-time limit on ``ListenAddress`` entries (MAX_LISTEN_SOCKS)."""

PRIVSEP_DIR = Path("/run/sshd")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
_POLL_INTERVAL = 0.02
_PORT_ATTEMPTS = 5

_BIND_FAILED = re.compile(r"Bind to port (\d+) on (\S+) failed|Cannot bind any address")
_LISTENING = re.compile(r"Server listening on (\S+) port (\d+)")

# Servers started by this process and not stopped yet (stopped at exit: tests.support.live)
_LIVE = LiveServers(stop_all=lambda servers: stop_all(servers))


def find_sshd() -> str | None:
    """Return the absolute path of the sshd binary, or None if not installed."""
    candidate = "/usr/sbin/sshd"
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    # sbin directories are often missing from PATH for non-root users.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"])
    found = shutil.which("sshd", path=search)
    return os.path.abspath(found) if found else None


@dataclass(eq=False)
class SshServer:
    """Handle to one running sshd process (one port, one or more addresses)."""

    port: int
    addresses: list[str]
    user: str
    client_key: Path
    known_hosts: Path
    host_key: Path
    host_public_key: str
    pid: int
    workdir: Path
    config: Path
    log_file: Path
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _stderr_file: Path | None = field(default=None, repr=False)

    @property
    def host(self) -> str:
        """The first listen address (convenient for single-host tests)."""
        return self.addresses[0]

    @property
    def running(self) -> bool:
        """True while the sshd process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def ssh_options(self) -> list[str]:
        """Arguments for the OpenSSH ``ssh`` client (strict host key checking)."""
        return [
            "-p", str(self.port),
            "-i", str(self.client_key),
            "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "GlobalKnownHostsFile=/dev/null",
        ]  # fmt: skip

    def ssh_argv(self, address: str | None, command: str) -> list[str]:
        """Full ``ssh`` argv running *command* on *address* (default: first)."""
        return [
            "ssh",
            *self.ssh_options(),
            # Ignore ~/.ssh/config so the developer's settings cannot interfere.
            "-F", "/dev/null",
            f"{self.user}@{address or self.host}",
            "--",
            command,
        ]  # fmt: skip

    def log_tail(self, lines: int = 40) -> str:
        """Last *lines* of the sshd log (and of its stderr, if any)."""
        return _tail(self.log_file, lines) + _tail(self._stderr_file, lines)

    def stop(self) -> None:
        """Stop sshd by PID: SIGTERM, wait up to ~5 s, then SIGKILL. Idempotent.

        Open sessions (per-connection sshd processes and the commands they
        run) are terminated as well, so nothing started by this server
        outlives it.
        """
        stop_all([self])

    def __enter__(self) -> SshServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sshd(
    workdir: Path,
    addresses: Sequence[str] = ("127.0.0.1",),
    port: int | None = None,
    *,
    user: str | None = None,
    fast_shell: bool = True,
    client_key: Path | None = None,
    host_key: Path | None = None,
    extra_config: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> SshServer:
    """Start sshd listening on ``ADDR:port`` for every address and wait until ready.

    *port* None picks a free port (retried a few times if another process wins
    the race for it).  *client_key* / *host_key* reuse existing ed25519 private
    keys (their ``.pub`` must sit next to them) instead of generating new ones.
    *extra_config* lines are appended to sshd_config (e.g. ``KexAlgorithms ...``).
    Raises ValueError for more than 16 addresses or non-loopback addresses, and
    RuntimeError (with the tail of the sshd log) if sshd does not come up.
    """
    addrs = _check_addresses(addresses)
    sshd = find_sshd()
    if sshd is None:
        raise RuntimeError("sshd not found; install it: apt-get install -y openssh-server")
    workdir = Path(workdir).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    _ensure_privsep_dir()

    login_user = user or _current_user()
    host_key = Path(host_key).absolute() if host_key else _keygen(workdir / "host_ed25519", "host")
    client_key = (
        Path(client_key).absolute() if client_key else _keygen(workdir / "client_ed25519", "client")
    )
    host_public_key = _public_key(host_key)
    authorized_keys = workdir / "authorized_keys"
    authorized_keys.write_text(_public_key(client_key) + "\n")
    authorized_keys.chmod(0o600)

    attempts = 1 if port is not None else _PORT_ATTEMPTS
    last_error: _PortInUse | None = None
    for _ in range(attempts):
        chosen = port if port is not None else _free_port(addrs)
        try:
            server = _launch(
                sshd, workdir, addrs, chosen, login_user, client_key,
                host_key, host_public_key, authorized_keys, fast_shell,
                extra_config, timeout,
            )  # fmt: skip
        except _PortInUse as exc:
            last_error = exc
            continue
        return server
    assert last_error is not None
    raise last_error


def start_sshd_many(
    workdir: Path,
    n_hosts: int,
    *,
    port: int | None = None,
    fast_shell: bool = True,
    extra_config: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> list[SshServer]:
    """Start enough sshd processes to serve 127.0.0.1 .. 127.0.0.<n_hosts>.

    Each process serves up to 16 consecutive addresses.  All servers share one
    port, one host key and one client key, so a single identity and a single
    merged known_hosts (see :func:`write_known_hosts`) work for every host.
    """
    if not 1 <= n_hosts <= 254:
        raise ValueError(f"n_hosts must be between 1 and 254, got {n_hosts}")
    workdir = Path(workdir).absolute()
    workdir.mkdir(parents=True, exist_ok=True)
    if find_sshd() is None:
        raise RuntimeError("sshd not found; install it: apt-get install -y openssh-server")
    host_key = _keygen(workdir / "host_ed25519", "host")
    client_key = _keygen(workdir / "client_ed25519", "client")
    all_addrs = [f"127.0.0.{i}" for i in range(1, n_hosts + 1)]
    groups = [
        all_addrs[i : i + MAX_LISTEN_ADDRESSES]
        for i in range(0, len(all_addrs), MAX_LISTEN_ADDRESSES)
    ]

    attempts = 1 if port is not None else _PORT_ATTEMPTS
    last_error: _PortInUse | None = None
    for _ in range(attempts):
        chosen = port if port is not None else _free_port(all_addrs)
        servers: list[SshServer] = []
        try:
            for index, group in enumerate(groups):
                servers.append(
                    start_sshd(
                        workdir / f"sshd-{index}",
                        group,
                        chosen,
                        fast_shell=fast_shell,
                        client_key=client_key,
                        host_key=host_key,
                        extra_config=extra_config,
                        timeout=timeout,
                    )
                )
        except _PortInUse as exc:
            # Never leave a half-started fleet behind; retry on a new port.
            stop_all(servers)
            last_error = exc
            continue
        except BaseException:
            stop_all(servers)
            raise
        write_known_hosts(servers, workdir / "known_hosts")
        return servers
    assert last_error is not None
    raise last_error


def stop_all(servers: Iterable[SshServer]) -> None:
    """Stop every server (signals all first, so shutdown is not serial). Idempotent."""
    stopping: list[tuple[subprocess.Popen[bytes], list[tuple[int, int]]]] = []
    for server in list(servers):
        proc = server._proc
        server._proc = None
        _LIVE.discard(server)
        if proc is None or proc.poll() is not None:
            continue
        # List the process tree before the listener dies: afterwards its
        # children are reparented to init and can no longer be found.
        children = _descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        stopping.append((proc, children))
    for proc, children in stopping:
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)
        _kill_pids(children)


def write_known_hosts(servers: Iterable[SshServer], path: Path) -> Path:
    """Write one known_hosts file covering every address of every server."""
    lines = [
        f"[{addr}]:{server.port} {server.host_public_key}"
        for server in servers
        for addr in server.addresses
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------
# internals


class _PortInUse(RuntimeError):
    """sshd could not bind the chosen port (someone else took it meanwhile)."""


def _launch(
    sshd: str,
    workdir: Path,
    addrs: list[str],
    port: int,
    user: str,
    client_key: Path,
    host_key: Path,
    host_public_key: str,
    authorized_keys: Path,
    fast_shell: bool,
    extra_config: Sequence[str],
    timeout: float,
) -> SshServer:
    """Write config, start sshd, wait until every address is served."""
    config = workdir / "sshd_config"
    log_file = workdir / "sshd.log"
    stderr_file = workdir / "sshd.stderr"
    pid_file = workdir / "sshd.pid"
    known_hosts = workdir / "known_hosts"
    for stale in (log_file, stderr_file, pid_file):
        stale.unlink(missing_ok=True)

    lines = [
        f"HostKey {_quote(host_key)}",
        f"PidFile {_quote(pid_file)}",
        f"AuthorizedKeysFile {_quote(authorized_keys)}",
        *(f"ListenAddress {addr}:{port}" for addr in addrs),
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        # The workdir is usually a pytest tmp dir, whose ownership/modes sshd
        # would otherwise reject.
        "StrictModes no",
        "PermitRootLogin prohibit-password",
        # Benchmarks open many concurrent connections; the default 10:30:100
        # would drop them randomly.
        "MaxStartups 500",
        "MaxSessions 100",
        "Subsystem sftp internal-sftp",
        "LogLevel VERBOSE",
        "UseDNS no",
        "PrintMotd no",
        "PrintLastLog no",
        "LoginGraceTime 30",
    ]
    if fast_shell:
        # Bash (Debian build) sources ~/.bashrc for ssh commands only when
        # SHLVL < 1 on entry; see module docstring.
        lines.append("SetEnv SHLVL=1")
    if _supports_per_source_penalties(sshd):
        # OpenSSH >= 9.8 blocks sources that connect without authenticating
        # (readiness probes, host-key-rejection tests): all our clients are
        # 127.0.0.1, so one penalty would break the whole test session.
        lines.append("PerSourcePenalties no")
    lines.extend(extra_config)
    config.write_text("\n".join(lines) + "\n")

    with stderr_file.open("wb") as err:
        proc = subprocess.Popen(
            [sshd, "-D", "-f", str(config), "-E", str(log_file)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=subprocess.STDOUT,
        )
    server = SshServer(
        port=port,
        addresses=list(addrs),
        user=user,
        client_key=client_key,
        known_hosts=known_hosts,
        host_key=host_key,
        host_public_key=host_public_key,
        pid=proc.pid,
        workdir=workdir,
        config=config,
        log_file=log_file,
        _proc=proc,
        _stderr_file=stderr_file,
    )
    _LIVE.add(server)
    try:
        _wait_ready(server, proc, timeout)
    except BaseException:
        server.stop()
        raise
    write_known_hosts([server], known_hosts)
    return server


def _wait_ready(server: SshServer, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll until sshd logged a listener for every address and each accepts TCP."""
    deadline = time.monotonic() + timeout
    not_logged = set(server.addresses)
    not_connected = set(server.addresses)
    while True:
        log = _read(server.log_file)
        if _BIND_FAILED.search(log):
            # sshd keeps running if only some addresses failed to bind; treat
            # any failure as fatal so the caller can retry with another port.
            raise _PortInUse(
                f"sshd could not bind port {server.port} (address already in use):\n"
                + server.log_tail()
            )
        if proc.poll() is not None:
            raise RuntimeError(
                f"sshd exited with status {proc.returncode} during startup:\n"
                + server.log_tail()
                + _hint(server.log_tail())
            )
        for addr, port in _LISTENING.findall(log):
            if port == str(server.port):
                not_logged.discard(addr)
        # Only probe addresses sshd says it bound: a connect could otherwise
        # succeed against some other process holding the same address:port.
        for addr in sorted(not_connected - not_logged):
            if _accepts(addr, server.port):
                not_connected.discard(addr)
        if not not_connected:
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(
                f"sshd not ready on {sorted(not_connected)} port {server.port} "
                f"after {timeout:.0f} s:\n" + server.log_tail()
            )
        time.sleep(_POLL_INTERVAL)


def _accepts(addr: str, port: int) -> bool:
    """True if a TCP connection to addr:port succeeds."""
    try:
        with socket.create_connection((addr, port), timeout=1.0):
            return True
    except OSError:
        return False


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, starttime) of *pid* from /proc, or None if it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # comm is parenthesised and may contain spaces; fields follow the last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, starttime) of every process below *pid*: per-connection sshd
    processes and the user's commands (which run in their own sessions, so
    process groups do not help)."""
    try:
        entries = [int(e) for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []  # not Linux: sessions simply end with their clients
    children: dict[int, list[tuple[int, int]]] = {}
    for entry in entries:
        info = _proc_stat(entry)
        if info is not None:
            children.setdefault(info[1], []).append((entry, info[2]))
    found: list[tuple[int, int]] = []
    queue = [pid]
    while queue and len(found) < 100_000:  # bounded even if /proc is odd
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child[0])
    return found


def _kill_pids(procs: list[tuple[int, int]]) -> None:
    """SIGTERM the given processes, wait up to ~5 s, then SIGKILL."""

    def alive() -> list[int]:
        # Zombies count as gone (init reaps them); the start time guards
        # against a PID that was reused by an unrelated process.
        return [
            pid
            for pid, started in procs
            if (info := _proc_stat(pid)) is not None and info[2] == started and info[0] != "Z"
        ]

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT
        while alive() and time.monotonic() < deadline:
            time.sleep(_POLL_INTERVAL)
        if not alive():
            return


def _free_port(addrs: Sequence[str]) -> int:
    """A port that is currently free on every address (bounded retries)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        held: list[socket.socket] = []
        try:
            for addr in addrs:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                held.append(sock)
                sock.bind((addr, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        finally:
            for sock in held:
                sock.close()
        return port
    raise RuntimeError(f"could not find a port free on all of {list(addrs)}")


def _check_addresses(addresses: Sequence[str]) -> list[str]:
    if isinstance(addresses, str):
        addresses = [addresses]
    addrs = list(dict.fromkeys(addresses))  # dedupe, keep order
    if not addrs:
        raise ValueError("at least one address is required")
    if len(addrs) > MAX_LISTEN_ADDRESSES:
        raise ValueError(
            f"OpenSSH accepts at most {MAX_LISTEN_ADDRESSES} ListenAddress entries, "
            f"got {len(addrs)}; use start_sshd_many()"
        )
    for addr in addrs:
        try:
            packed = socket.inet_aton(addr)
        except OSError:
            raise ValueError(f"not an IPv4 address: {addr!r}") from None
        # Tests must never expose a root-login sshd beyond loopback.
        if packed[0] != 127 or addr.count(".") != 3:
            raise ValueError(f"only 127.0.0.0/8 addresses are allowed, got {addr!r}")
    return addrs


def _ensure_privsep_dir() -> None:
    """sshd (Debian) aborts with 'Missing privilege separation directory'."""
    if PRIVSEP_DIR.is_dir():
        return
    try:
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    except PermissionError:
        raise RuntimeError(
            f"{PRIVSEP_DIR} is missing and cannot be created (not root); "
            f"create it with: sudo install -d -m 0755 {PRIVSEP_DIR}"
        ) from None


def _keygen(path: Path, comment: str) -> Path:
    """Generate an unencrypted ed25519 key pair in OpenSSH format at *path*."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        raise RuntimeError("ssh-keygen not found; install openssh-client")
    # ssh-keygen would prompt before overwriting an existing key.
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".pub").unlink(missing_ok=True)
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-C", f"deskctl-test-{comment}", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    return path


def _public_key(private_key: Path) -> str:
    """``type base64`` of the key's .pub file (comment dropped)."""
    pub = private_key.with_name(private_key.name + ".pub").read_text().split()
    return f"{pub[0]} {pub[1]}"


def _current_user() -> str:
    # The effective uid is what sshd can actually log in as when not root,
    # and is not fooled by a stale $USER/$LOGNAME (getpass.getuser()).
    return pwd.getpwuid(os.geteuid()).pw_name


@functools.cache
def _supports_per_source_penalties(sshd: str) -> bool:
    """Whether this sshd knows PerSourcePenalties (OpenSSH >= 9.8)."""
    try:
        out = subprocess.run(
            [sshd, "-V"], capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    match = re.search(r"OpenSSH_(\d+)\.(\d+)", out.stdout + out.stderr)
    return bool(match) and (int(match[1]), int(match[2])) >= (9, 8)


def _quote(path: Path) -> str:
    text = str(path)
    if any(ch.isspace() or ch == '"' for ch in text):
        if '"' in text:
            raise ValueError(f"path not usable in sshd_config: {text!r}")
        return f'"{text}"'
    return text


def _read(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _tail(path: Path | None, lines: int) -> str:
    text = _read(path)
    if not text:
        return ""
    return "\n".join(text.splitlines()[-lines:]) + "\n"


def _hint(log: str) -> str:
    if "privilege separation directory" in log:
        return f"hint: create {PRIVSEP_DIR}\n"
    return ""


