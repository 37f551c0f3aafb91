"""A private Dovecot IMAP server on loopback for tests (mail intake).

Typical use::

    server = start_dovecot()
    try:
        server.deliver(b"From: ana@example.com\\r\\nSubject: hi\\r\\n\\r\\nbody\\r\\n")
        imaplib.IMAP4(server.host, server.port).login(server.user, server.password)
    finally:
        server.stop()

or the fixtures ``dovecot_server`` (one server per session) and ``dovecot`` (a fresh
account with an empty mailbox per test), registered in tests/conftest.py.

Notes that are easy to trip over:

* Only our own config is read (``dovecot -c FILE``); base_dir (sockets, ``master.pid``)
  and state_dir live in the server's own directory, so a system Dovecot (port 143,
  ``/run/dovecot``, ``/var/lib/dovecot``) is never touched.
* As root, Dovecot runs its login and internal processes as ``dovenull`` and ``dovecot``
  (the Debian package creates both) and the mail processes as the mail user's uid, which
  must not be root: mail is stored as ``dovecot``. The server's directory is therefore a
  fresh one under the system temp dir owned by that user: pytest's own tmp dirs
  (``/tmp/pytest-of-root``, mode 0700) are not reachable by it.
* The config is Dovecot 2.3's (Debian 12: plain-text login without TLS is
  ``disable_plaintext_auth = no``). Dovecot 2.4 (Debian 13) changed the syntax
  (``dovecot_config_version``, ``mail_driver``/``mail_path``, named passdbs,
  ``auth_allow_cleartext``): start_dovecot refuses it in one line until this module is ported.
* Not root (tested as ``nobody``): every process runs as the current user, without chroot,
  and the sockets' group is the current group.
* passwd-file is re-read when it changes, so accounts are added to a running server.
* ``auth_failure_delay`` is 0: a wrong-password test would otherwise wait 2 s.
* The master runs in the foreground (``-F``) as our child and writes ``master.pid``;
  it is stopped by that PID (SIGTERM, then SIGKILL of the whole tree), also at exit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import grp
import imaplib
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.live import LiveServers

INSTALL_HINT = "Dovecot IMAP server not found: apt-get install -y dovecot-imapd"
DOVECOT = "/usr/sbin/dovecot"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
IMAP_TIMEOUT = 10.0
_POLL_INTERVAL = 0.05
_PORT_ATTEMPTS = 5
MAIL_USER = "dovecot"
LOGIN_USER = "dovenull"
"""The unprivileged OS users Dovecot runs as when this process is root."""

# Servers started by this process and not stopped yet (stopped at exit: tests.support.live)
_LIVE = LiveServers()
_ACCOUNTS = itertools.count(1)
SPARE_ACCOUNTS = 200
"""Accounts written at start-up, handed out by add_account() without waiting."""


def find_dovecot() -> str | None:
    """The absolute path of the dovecot binary, or None when not installed."""
    if os.access(DOVECOT, os.X_OK):
        return DOVECOT
    found = shutil.which("dovecot", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    return os.path.abspath(found) if found else None


@dataclass(eq=False)
class ImapAccount:
    """One account on a running server: where to connect, how to log in, what is in it."""

    host: str
    port: int
    user: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        """A logged-in plain IMAP connection (loopback only); the caller logs out."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=IMAP_TIMEOUT)
        try:
            if f"{self.user}{self.password}".isascii():
                conn.login(self.user, self.password)
            else:  # imaplib's LOGIN is ASCII-only; SASL PLAIN carries UTF-8
                credentials = f"\0{self.user}\0{self.password}".encode()
                conn.authenticate("PLAIN", lambda _challenge: credentials)
        except BaseException:
            conn.shutdown()
            raise
        return conn

    def create_folder(self, folder: str) -> None:
        """Create *folder* (no error when it exists)."""
        with _session(self) as conn:
            typ, data = conn.create(_quote(folder))
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d or b"" for d in data):
                raise RuntimeError(f"CREATE {folder}: {typ} {data}")

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> int:
        """Put message *raw* into *folder* (IMAP APPEND, created when missing) with *flags*
        (e.g. ``["\\Seen"]``); its UID."""
        flag_list = f"({' '.join(flags)})" if flags else ""
        with _session(self) as conn:
            typ, data = conn.append(_quote(folder), flag_list, None, raw)
            if typ != "OK" and b"TRYCREATE" in b" ".join(d or b"" for d in data):
                conn.create(_quote(folder))
                typ, data = conn.append(_quote(folder), flag_list, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {folder}: {typ} {data}")
            found = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(d or b"" for d in data))
            if found is None:
                raise RuntimeError(f"APPEND to {folder} returned no UID: {data}")
            return int(found.group(1))

    def messages(self, folder: str = "INBOX") -> list[tuple[int, tuple[str, ...], bytes]]:
        """Every message in *folder*, oldest first: (uid, flags and keywords, raw bytes).

        Read with BODY.PEEK so looking does not set \\Seen."""
        with _session(self) as conn:
            typ, data = conn.select(_quote(folder), readonly=True)
            if typ != "OK":
                raise RuntimeError(f"SELECT {folder}: {typ} {data}")
            typ, data = conn.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])") if int(data[0]) else ("OK", [])
            if typ != "OK":
                raise RuntimeError(f"FETCH {folder}: {typ} {data}")
            found = []
            for item in data:
                if not isinstance(item, tuple):
                    continue  # the closing b")" of each response
                head, body = item
                uid = re.search(rb"UID (\d+)", head)
                flags = re.search(rb"FLAGS \(([^)]*)\)", head)
                assert uid is not None and flags is not None, head
                found.append((int(uid.group(1)), tuple(flags.group(1).decode().split()), body))
            return sorted(found)

    def folders(self) -> list[str]:
        """The names of every folder of the account."""
        with _session(self) as conn:
            typ, data = conn.list()
            names = []
            for line in data:
                found = re.match(rb'\([^)]*\) (?:"[^"]*"|NIL) (.+)$', line or b"")
                if found:
                    names.append(found.group(1).decode().strip('"'))
            return sorted(names)


@dataclass(eq=False)
class DovecotServer:
    """Handle to one running Dovecot master (IMAP on 127.0.0.1:port) and its first account."""

    host: str
    port: int
    user: str
    password: str
    pid: int
    workdir: Path
    config: Path
    log_file: Path
    tls_port: int | None = None  # IMAPS, when started with tls=True (STARTTLS on `port`)
    ca_file: Path | None = None  # the self-signed certificate to trust, with tls=True
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _mail_owner: pwd.struct_passwd | None = field(default=None, repr=False)
    _spare: list[ImapAccount] = field(default_factory=list, repr=False)

    @property
    def account(self) -> ImapAccount:
        """The server's first account."""
        return ImapAccount(self.host, self.port, self.user, self.password)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def connect(self) -> imaplib.IMAP4:
        return self.account.connect()

    def create_folder(self, folder: str) -> None:
        self.account.create_folder(folder)

    def deliver(self, raw: bytes, folder: str = "INBOX", flags: Sequence[str] = ()) -> int:
        return self.account.deliver(raw, folder, flags)

    def messages(self, folder: str = "INBOX") -> list[tuple[int, tuple[str, ...], bytes]]:
        return self.account.messages(folder)

    def folders(self) -> list[str]:
        return self.account.folders()

    def add_account(self, user: str | None = None, password: str | None = None) -> ImapAccount:
        """A new account with an empty mailbox on this server.

        Without *user*/*password*, one of the spare accounts written at start-up (ready at
        once); otherwise (or when none is left) a new passwd-file line, waited for: Dovecot
        checks the file for changes at most once a second."""
        if user is None and password is None and self._spare:
            return self._spare.pop(0)
        account = ImapAccount(self.host, self.port, user or f"user{next(_ACCOUNTS)}",
                              password or secrets.token_urlsafe(12))
        _add_users(self.workdir, [account], self._mail_owner)
        _wait_login(account, time.monotonic() + START_TIMEOUT, self.log_file)
        return account

    def log_tail(self, lines: int = 40) -> str:
        return _tail(self.log_file, lines)

    def stop(self) -> None:
        """Stop the master by its PID (SIGTERM, then SIGKILL of the process tree after ~5 s)
        and remove the server's directory. Idempotent."""
        proc, self._proc = self._proc, None
        _LIVE.discard(self)
        if proc is not None:
            _stop_process(proc, self.pid)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_dovecot(
    *, user: str = "desk", password: str | None = None, tls: bool = False,
    extra_config: Sequence[str] = (), timeout: float = START_TIMEOUT,
) -> DovecotServer:
    """Start a private Dovecot on 127.0.0.1 (a free port) with one account; wait until the
    IMAP greeting arrives. RuntimeError (with the log's tail) if it does not come up.

    *tls*: also serve IMAPS on ``tls_port`` and offer STARTTLS on ``port``, with a fresh
    self-signed certificate for 127.0.0.1 and localhost (``ca_file``, to trust it).
    *extra_config* lines are appended to the config (e.g. ``imap_capability = ...``)."""
    binary = find_dovecot()
    if binary is None:
        raise RuntimeError(INSTALL_HINT)
    mail_owner, login_owner = _identities()
    workdir = Path(tempfile.mkdtemp(prefix="deskctl-dovecot-")).resolve()
    try:
        for sub in ("run", "state", "mail"):
            (workdir / sub).mkdir()
        password = password or secrets.token_urlsafe(12)
        spare = [ImapAccount("127.0.0.1", 0, f"user{next(_ACCOUNTS)}", secrets.token_urlsafe(12))
                 for _ in range(SPARE_ACCOUNTS)]
        _add_users(workdir, [ImapAccount("127.0.0.1", 0, user, password), *spare], mail_owner)
        if mail_owner is not None:
            for path in (workdir, workdir / "mail", workdir / "state"):
                os.chown(path, mail_owner.pw_uid, mail_owner.pw_gid)
        ca_file = _self_signed(workdir) if tls else None
        last: Exception | None = None
        for _ in range(_PORT_ATTEMPTS):
            try:
                server = _launch(binary, workdir, _free_port(), _free_port() if tls else None,
                                 ca_file, user, password, mail_owner, login_owner,
                                 list(extra_config), timeout)
                server._spare = [dataclasses.replace(a, port=server.port) for a in spare]
                return server
            except _PortInUse as exc:
                last = exc
        assert last is not None
        raise last
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def require_dovecot() -> str:
    """The dovecot path, or skip (locally) / fail (CI=true) naming the install command."""
    from .missing import missing

    binary = find_dovecot()
    if binary is None:
        missing(INSTALL_HINT)
    return binary


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """One private Dovecot for the whole session (starting one costs ~0.3 s)."""
    require_dovecot()
    server = start_dovecot()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot_tls_server() -> Iterator[DovecotServer]:
    """A private Dovecot offering IMAPS (``tls_port``) and STARTTLS (``port``), certificate in
    ``ca_file``; take a fresh account with ``add_account()``."""
    require_dovecot()
    server = start_dovecot(tls=True)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> ImapAccount:
    """A fresh account with an empty mailbox on the session's Dovecot: each test starts
    from nothing (no messages, keywords or folders left by another test) without paying
    for a new server."""
    return dovecot_server.add_account()


# --------------------------------------------------------------------------
# internals


class _PortInUse(RuntimeError):
    """The chosen port was taken by someone else between choosing and binding."""


def _launch(
    binary: str, workdir: Path, port: int, tls_port: int | None, ca_file: Path | None,
    user: str, password: str, mail_owner: pwd.struct_passwd | None,
    login_owner: pwd.struct_passwd | None, extra_config: list[str], timeout: float,
) -> DovecotServer:
    config = workdir / "dovecot.conf"
    log_file = workdir / "dovecot.log"
    pid_file = workdir / "run" / "master.pid"
    log_file.unlink(missing_ok=True)
    config.write_text(_config(binary, workdir, port, tls_port, mail_owner, login_owner) + "".join(
        line + "\n" for line in extra_config))
    with (workdir / "dovecot.stderr").open("wb") as err:
        proc = subprocess.Popen(
            [binary, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT, cwd="/",
        )  # fmt: skip
    server = DovecotServer(
        host="127.0.0.1", port=port, user=user, password=password, pid=proc.pid,
        workdir=workdir, config=config, log_file=log_file, tls_port=tls_port, ca_file=ca_file,
        _proc=proc, _mail_owner=mail_owner,
    )  # fmt: skip
    _LIVE.add(server)
    try:
        _wait_ready(server, proc, pid_file, timeout)
    except BaseException:
        # Keep the directory for a retry on another port; the caller removes it otherwise.
        _LIVE.discard(server)
        server._proc = None
        _stop_process(proc, proc.pid)
        raise
    return server


def _config(binary: str, workdir: Path, port: int, tls_port: int | None,
            mail_owner: pwd.struct_passwd | None, login_owner: pwd.struct_passwd | None) -> str:
    me = pwd.getpwuid(os.geteuid())
    internal = mail_owner.pw_name if mail_owner else me.pw_name
    login = login_owner.pw_name if login_owner else me.pw_name
    uid = mail_owner.pw_uid if mail_owner else me.pw_uid
    version = _version(binary)
    if version >= (2, 4):
        raise RuntimeError(f"Dovecot {'.'.join(map(str, version))} is installed; tests/support/dovecot.py "
                           "writes Dovecot 2.3 configuration and needs porting to 2.4's syntax")
    users = workdir / "users"
    lines = [
        f"instance_name = deskctl-test-{port}",
        f"base_dir = {workdir / 'run'}",
        f"state_dir = {workdir / 'state'}",
        f"log_path = {workdir / 'dovecot.log'}",
        f"info_log_path = {workdir / 'dovecot.log'}",
        "protocols = imap",
        "listen = 127.0.0.1",
        *(["ssl = yes", f"ssl_cert = <{workdir / 'cert.pem'}", f"ssl_key = <{workdir / 'key.pem'}"]
          if tls_port else ["ssl = no"]),
        "disable_plaintext_auth = no",  # loopback only, no TLS needed
        "auth_mechanisms = plain login",
        "auth_failure_delay = 0",
        f"default_internal_user = {internal}",
        f"default_login_user = {login}",
        # Not root: the sockets' group must be one of ours (Debian's default is `dovecot`).
        *([] if mail_owner else [f"default_internal_group = {grp.getgrgid(os.getegid()).gr_name}"]),
        f"first_valid_uid = {uid}",
        f"last_valid_uid = {uid}",
        f"mail_location = maildir:{workdir / 'mail'}/%u",
        "mail_fsync = never",  # a throwaway mailbox: speed, not durability
        "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " f"{users}\n}}",
        "userdb {\n  driver = passwd-file\n  args = username_format=%u " f"{users}\n}}",
        "service imap-login {\n"
        f"  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n"
        f"  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port or 0}\n  }}\n"
        + ("" if os.geteuid() == 0 else "  chroot =\n")  # chroot needs root
        + "}",
    ]
    # No brute-force penalty: one wrong-password test would slow every later login from
    # 127.0.0.1 by 2-15 s.
    lines.append("service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n"
                 + ("" if os.geteuid() == 0 else "  chroot =\n") + "}")
    return "\n".join(lines) + "\n"


def _add_users(workdir: Path, accounts: list[ImapAccount], owner: pwd.struct_passwd | None) -> None:
    """Append passwd-file lines (atomically: Dovecot may be reading the file)."""
    me = owner or pwd.getpwuid(os.geteuid())
    users = workdir / "users"
    text = users.read_text() if users.exists() else ""
    for account in accounts:
        usable = re.fullmatch(r"[A-Za-z0-9_.-]+", account.user) and re.fullmatch(r"[^:\s]+", account.password)
        if not usable:
            raise ValueError(f"unusable test account {account.user!r}")
        # nodelay: a failed login is answered at once (no 0.5-2 s delay).
        text += (f"{account.user}:{{PLAIN}}{account.password}:{me.pw_uid}:{me.pw_gid}::"
                 f"{workdir / 'mail' / account.user}::nodelay=yes\n")
    scratch = users.with_suffix(".tmp")
    scratch.write_text(text)
    scratch.chmod(0o640)
    if owner is not None:
        os.chown(scratch, 0, owner.pw_gid)  # the auth process runs as the dovecot user
    scratch.replace(users)


def _self_signed(workdir: Path) -> Path:
    """A throwaway certificate for 127.0.0.1 and localhost, its own CA (for ca_file)."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
        check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    key.chmod(0o600)  # read by the config process, which runs as root
    return cert


def _wait_login(account: ImapAccount, deadline: float, log_file: Path) -> None:
    while True:
        try:
            account.connect().logout()
            return
        except imaplib.IMAP4.error:
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"new account {account.user} cannot log in:\n{_tail(log_file, 20)}") from None
        time.sleep(0.1)


def _wait_ready(server: DovecotServer, proc: subprocess.Popen[bytes], pid_file: Path,
                timeout: float) -> None:
    """Poll until master.pid names our process and the port greets with ``* OK``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = _read(server.log_file) + _read(server.workdir / "dovecot.stderr")
        if "Address already in use" in log:
            raise _PortInUse(log)
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited ({proc.returncode}) during start-up:\n{_tail_text(log)}")
        if _read(pid_file).strip() == str(proc.pid) and _greets(server.host, server.port):
            return
        time.sleep(_POLL_INTERVAL)
    raise RuntimeError(
        f"dovecot not ready on {server.host}:{server.port} after {timeout:.0f} s:\n{server.log_tail()}"
    )


def _greets(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            return sock.recv(256).startswith(b"* OK")
    except OSError:
        return False


def _stop_process(proc: subprocess.Popen[bytes], pid: int) -> None:
    """SIGTERM the master (SIGKILL after STOP_TIMEOUT), then SIGKILL any process it had
    started that outlived it, and wait (bounded) until they are gone."""
    if proc.poll() is not None:
        return
    children = _descendants(pid)  # before the master dies and they are reparented
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)
    for child in children:
        with contextlib.suppress(OSError):  # gone already, or never ours
            if b"dovecot" in Path(f"/proc/{child}/cmdline").read_bytes():
                os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT
    while any(_alive(child) for child in children) and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL)


def _alive(pid: int) -> bool:
    # Reparented children are not ours to reap: a zombie counts as gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.split("/")[2])] = int(Path(stat).read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    for _ in range(10):  # the tree is master -> services (-> nothing deeper): bounded
        frontier = [child for child, parent in parents.items() if parent in frontier]
        if not frontier:
            break
        found.extend(frontier)
    return found


def _identities() -> tuple[pwd.struct_passwd | None, pwd.struct_passwd | None]:
    """(mail/internal user, login user) as root; (None, None) when not root (all processes
    then run as the current user)."""
    if os.geteuid() != 0:
        return None, None
    try:
        return pwd.getpwnam(MAIL_USER), pwd.getpwnam(LOGIN_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root and there is no {MAIL_USER!r} or {LOGIN_USER!r} OS user "
            "to run Dovecot as (the dovecot-core package creates them)"
        ) from None


def _version(binary: str) -> tuple[int, ...]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10,
                         stdin=subprocess.DEVNULL).stdout  # fmt: skip
    return tuple(int(part) for part in re.findall(r"\d+", out.split(" ", 1)[0])[:2])


@contextlib.contextmanager
def _session(account: ImapAccount) -> Iterator[imaplib.IMAP4]:
    conn = account.connect()
    try:
        yield conn
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _tail_text(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:]) + "\n"


def _tail(path: Path, lines: int) -> str:
    return _tail_text(_read(path), lines)


