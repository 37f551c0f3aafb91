"""Fetch new messages from an IMAP folder and hand each one to the intake.

A message is *new* while it lacks the keyword ``$DeskctlImported``: after ``handle`` has
dealt with it, it gets that keyword (``mark: flag``) or is moved to ``processed_folder``
(``mark: move``, with the keyword set first so that a move that fails half-way never
imports it twice). A message whose handling raised stays unmarked, so the next run tries
it again. Nothing is ever marked \\Seen: the people reading the mailbox keep their view.

Settings (the desk config's ``mail.imap``)::

    host: imap.example.com
    port: 993                 # default 993 with tls: true, else 143
    user: servicedesk@example.com
    password_env: DESK_IMAP_PASSWORD
    folder: INBOX
    tls: true                 # true (IMAPS) | starttls | false (loopback hosts only)
    mark: flag                # flag | move
    processed_folder: Processed
    timeout: 30               # seconds, every network operation
    ca_file: /etc/ssl/desk-ca.pem   # optional: trust this CA (in-house servers)

imaplib is imported inside the functions: ``deskctl --help`` never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from deskctl.errors import BadInput, Interrupted, OperationFailed
from deskctl.util import redact

if TYPE_CHECKING:
    import imaplib

KEYWORD = "$DeskctlImported"
DEFAULT_TIMEOUT = 30.0
DEFAULT_LIMIT = 500
_FIELD = "mail.imap"


@dataclass
class FetchError:
    """One message that could not be handled or marked (uid None: the run itself stopped)."""

    uid: int | None
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"uid": self.uid, "error": self.error}


@dataclass
class FetchReport:
    """What one fetch did: outcomes counted by name, errors, messages left for the next run."""

    server: str
    folder: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[FetchError] = field(default_factory=list)
    remaining: int = 0  # new messages beyond `limit`, left for the next run

    @property
    def handled(self) -> int:
        return sum(self.counts.values())

    def count(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "server": self.server, "folder": self.folder, "handled": self.handled,
            "counts": dict(self.counts), "errors": [e.to_dict() for e in self.errors],
            "remaining": self.remaining,
        }  # fmt: skip


@dataclass(frozen=True)
class ImapSettings:
    """``mail.imap`` checked: every field has its final type and default."""

    host: str
    port: int
    user: str
    password_env: str
    folder: str = "INBOX"
    tls: bool | str = True  # True, False or "starttls"
    mark: str = "flag"
    processed_folder: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, settings: dict[str, Any]) -> ImapSettings:
        """Check *settings*; BadInput naming the field and the fix for the first problem."""
        if not isinstance(settings, dict):
            raise BadInput(f"{_FIELD} must be a mapping (host, user, password_env, ...)")
        host = _text(settings, "host")
        user = _text(settings, "user")
        password_env = _text(settings, "password_env")
        tls = settings.get("tls", True)
        if isinstance(tls, str) and tls.lower() == "starttls":
            tls = "starttls"
        elif not isinstance(tls, bool):
            raise BadInput(f"{_FIELD}.tls: {tls!r} is not one of true, starttls, false")
        if tls is False and not _is_loopback(host):
            raise BadInput(f"{_FIELD}.tls: false would send the password in clear to {host}; "
                           "plain IMAP is allowed only to a loopback host: use tls: true or starttls")
        port = settings.get("port", 993 if tls is True else 143)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise BadInput(f"{_FIELD}.port: {port!r} is not a TCP port (1-65535)")
        mark = settings.get("mark", "flag")
        if mark not in ("flag", "move"):
            raise BadInput(f"{_FIELD}.mark: {mark!r} is not one of flag, move")
        processed = settings.get("processed_folder")
        if mark == "move" and not (isinstance(processed, str) and processed.strip()):
            raise BadInput(f"{_FIELD}.processed_folder is required with mark: move (e.g. Processed)")
        folder = settings.get("folder", "INBOX")
        if not isinstance(folder, str) or not folder.strip():
            raise BadInput(f"{_FIELD}.folder: {folder!r} is not a folder name (e.g. INBOX)")
        if processed == folder and mark == "move":
            raise BadInput(f"{_FIELD}.processed_folder must differ from folder ({folder})")
        timeout = settings.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise BadInput(f"{_FIELD}.timeout: {timeout!r} is not a number of seconds above 0")
        ca_file = settings.get("ca_file")
        if ca_file is not None and not isinstance(ca_file, str):
            raise BadInput(f"{_FIELD}.ca_file: {ca_file!r} is not a file path")
        return cls(host=host, port=port, user=user, password_env=password_env, folder=folder,
                   tls=tls, mark=mark, processed_folder=processed if mark == "move" else None,
                   timeout=float(timeout), ca_file=ca_file)  # fmt: skip


def fetch_new(
    settings: dict[str, Any], handle: Callable[[bytes], str], *, limit: int = DEFAULT_LIMIT
) -> FetchReport:
    """Hand every new message of the folder (oldest first, at most *limit*) to *handle*,
    which returns the outcome ("created", "threaded", "duplicate", ...), then mark it.

    A message whose handling raises stays unmarked and is listed in the report's errors;
    the run goes on with the next one. A connection lost mid-run ends the run: what was
    done is kept in the report, the loss is its last error. Raises BadInput for settings
    (or a missing password variable) and OperationFailed when the server cannot be
    reached, refuses the login, or cannot keep the keyword."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise BadInput(f"limit: {limit!r} must be a whole number of messages, at least 1")
    config = ImapSettings.parse(settings)
    password = os.environ.get(config.password_env)
    if not password:
        raise BadInput(f"{_FIELD}.password_env: the environment variable ${config.password_env} "
                       f"is not set (it must hold the password of {config.user})")
    redact.add_secret(password)  # whatever an error echoes, the password is never printed
    conn = _connect(config)
    try:
        _login(conn, config, password)
        return _fetch(conn, config, handle, limit)
    finally:
        _logout(conn)


# --------------------------------------------------------------------------
# the session


def _connect(config: ImapSettings) -> imaplib.IMAP4:
    import imaplib
    import ssl

    where = config.server
    try:
        context = ssl.create_default_context(cafile=config.ca_file) if config.tls else None
    except OSError as exc:
        raise BadInput(f"{_FIELD}.ca_file: cannot read {config.ca_file}: {exc.strerror or exc}") from None
    try:
        if config.tls is True:
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(config.host, config.port, ssl_context=context,
                                                    timeout=config.timeout)
        else:
            conn = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
    except ssl.SSLError as exc:
        raise OperationFailed(f"TLS with IMAP server {where} failed: {_reason(exc)}",
                              "check mail.imap.tls and ca_file") from None
    except TimeoutError:
        raise OperationFailed(f"IMAP server {where} did not answer within {config.timeout:g} s") from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise OperationFailed(f"cannot reach IMAP server {where}: {_reason(exc)}") from None
    if config.tls == "starttls":
        try:
            conn.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error) as exc:
            _logout(conn)
            raise OperationFailed(f"STARTTLS with IMAP server {where} failed: {_reason(exc)}",
                                  "check mail.imap.tls (true for port 993)") from None
    return conn


def _login(conn: imaplib.IMAP4, config: ImapSettings, password: str) -> None:
    import imaplib

    try:
        if f"{config.user}{password}".isascii():
            conn.login(config.user, password)
        else:
            # LOGIN is ASCII-only in imaplib; SASL PLAIN carries UTF-8 (RFC 4616).
            credentials = f"\0{config.user}\0{password}".encode()
            conn.authenticate("PLAIN", lambda _challenge: credentials)
    except imaplib.IMAP4.abort as exc:
        raise OperationFailed(f"IMAP server {config.server} closed the connection at login: "
                              f"{_reason(exc)}") from None
    except imaplib.IMAP4.error as exc:
        raise OperationFailed(f"IMAP login failed for {config.user}@{config.server}: {_reason(exc)}",
                              f"check mail.imap.user and the password in ${config.password_env}") from None
    except OSError as exc:
        raise OperationFailed(f"IMAP server {config.server} failed at login: {_reason(exc)}") from None


def _fetch(conn: imaplib.IMAP4, config: ImapSettings, handle: Callable[[bytes], str],
           limit: int) -> FetchReport:
    import imaplib

    report = FetchReport(server=config.server, folder=config.folder)
    try:
        keywords_kept = _select(conn, config)
        if config.mark == "flag" and not keywords_kept:
            raise OperationFailed(
                f"IMAP folder {config.folder} on {config.server} does not keep keywords, so "
                f"imported messages cannot be marked {KEYWORD}", "use mark: move with processed_folder")
        if config.processed_folder:
            _ensure_folder(conn, config, config.processed_folder)
        uids = _new_uids(conn, config)
        report.remaining = max(0, len(uids) - limit)
        capabilities = _capabilities(conn)
        can_move = "MOVE" in capabilities
        for uid in uids[:limit]:
            _one(conn, config, uid, handle, report, keywords_kept, can_move, "UIDPLUS" in capabilities)
    except (imaplib.IMAP4.abort, OSError) as exc:
        # The connection is gone (timeout, server restart): keep what was done.
        report.errors.append(FetchError(None, redact.redact(
            f"connection to {config.server} lost: {_reason(exc)}; the rest waits for the next run")))
    except imaplib.IMAP4.error as exc:
        # A BAD answer while opening the folder or searching (each message catches its own):
        # nothing was handled yet.
        raise OperationFailed(f"IMAP server {config.server} refused a command in {config.folder}: "
                              f"{_reason(exc)}") from None
    return report


def _one(conn: imaplib.IMAP4, config: ImapSettings, uid: int, handle: Callable[[bytes], str],
         report: FetchReport, keywords_kept: bool, can_move: bool, uid_expunge: bool) -> None:
    """Fetch, handle and mark one message; a failure of this message is recorded, not raised
    (a lost connection is: imaplib's abort and OSError go up to end the run)."""
    import imaplib

    try:
        raw = _body(conn, uid)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # BAD from the server: this message only
        report.errors.append(FetchError(uid, f"FETCH: {_reason(exc)}"))
        return
    if raw is None:
        return  # expunged by someone else since the search: nothing to import
    try:
        outcome = handle(raw)
    except Interrupted:
        raise  # a signal stops the whole run, not just this message
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the intake
        report.errors.append(FetchError(uid, redact.redact(f"{type(exc).__name__}: {exc}")))
        return
    report.count(str(outcome))
    try:
        problem = _mark(conn, config, uid, keywords_kept, can_move, uid_expunge)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        problem = _reason(exc)
    if problem:
        report.errors.append(FetchError(uid, redact.redact(
            f"handled ({outcome}) but not marked, so the next run sees it again: {problem}")))


def _select(conn: imaplib.IMAP4, config: ImapSettings) -> bool:
    """Select the folder read-write; True when the folder keeps new keywords (``\\*``)."""
    import imaplib

    try:
        typ, data = conn.select(_quote(config.folder))
    except imaplib.IMAP4.readonly:
        # Checked before anything is handled: unmarkable messages would be imported each run.
        raise OperationFailed(f"IMAP folder {config.folder} on {config.server} is read-only for "
                              f"{config.user}, so imported messages cannot be marked",
                              "give the account write access to the folder") from None
    if typ != "OK":
        reason = _text_of(data)
        if "NONEXISTENT" in reason.upper() or "DOESN'T EXIST" in reason.upper():
            raise BadInput(f"{_FIELD}.folder: no folder {config.folder!r} on {config.server}: {reason}",
                           "check the folder name (LIST on the server shows them)")
        raise OperationFailed(f"IMAP server {config.server} cannot open folder {config.folder}: {reason}")
    _, flags = conn.response("PERMANENTFLAGS")
    return any(b"\\*" in (item or b"") for item in flags)


def _ensure_folder(conn: imaplib.IMAP4, config: ImapSettings, folder: str) -> None:
    typ, data = conn.list('""', _quote(folder))
    if typ == "OK" and any(data):
        return
    typ, data = conn.create(_quote(folder))
    if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d or b"" for d in data):
        raise OperationFailed(f"cannot create IMAP folder {folder!r} on {config.server}: {_text_of(data)}",
                              f"create it by hand or change {_FIELD}.processed_folder")


def _new_uids(conn: imaplib.IMAP4, config: ImapSettings) -> list[int]:
    typ, data = conn.uid("SEARCH", "UNKEYWORD", KEYWORD)
    if typ != "OK":
        raise OperationFailed(f"IMAP search in {config.folder} on {config.server} failed: {_text_of(data)}")
    # UIDs grow with arrival: ascending is oldest first.
    return sorted({int(uid) for line in data if line for uid in line.split()})


def _capabilities(conn: imaplib.IMAP4) -> set[str]:
    """The capabilities after login (servers announce more than in the greeting, e.g. MOVE;
    imaplib keeps only the greeting's)."""
    typ, data = conn.capability()
    announced = b" ".join(d for d in data if isinstance(d, bytes)) if typ == "OK" else b""
    return {c.upper() for c in announced.decode(errors="replace").split()} | set(conn.capabilities)


def _body(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The message's bytes, read with BODY.PEEK so it is not marked \\Seen."""
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return bytes(item[1])
    return None


def _mark(conn: imaplib.IMAP4, config: ImapSettings, uid: int, keywords_kept: bool,
          can_move: bool, uid_expunge: bool) -> str | None:
    """Mark one handled message; None when done, else what went wrong."""
    if keywords_kept:
        typ, data = conn.uid("STORE", str(uid), "+FLAGS.SILENT", f"({KEYWORD})")
        if typ != "OK":
            return f"STORE {KEYWORD}: {_text_of(data)}"
    if config.mark != "move":
        return None
    target = _quote(config.processed_folder or "")
    if can_move:
        typ, data = conn.uid("MOVE", str(uid), target)
        return None if typ == "OK" else f"MOVE: {_text_of(data)}"
    typ, data = conn.uid("COPY", str(uid), target)
    if typ != "OK":
        return f"COPY: {_text_of(data)}"
    typ, data = conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)")
    if typ != "OK":
        return f"STORE \\Deleted: {_text_of(data)}"
    if uid_expunge:
        typ, data = conn.uid("EXPUNGE", str(uid))  # only this message, not others marked \Deleted
    else:
        typ, data = conn.expunge()
    return None if typ == "OK" else f"EXPUNGE: {_text_of(data)}"


def _logout(conn: imaplib.IMAP4) -> None:
    import contextlib
    import imaplib

    try:
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        with contextlib.suppress(OSError):
            conn.shutdown()


# --------------------------------------------------------------------------
# helpers


def _text(settings: dict[str, Any], key: str) -> str:
    value = settings.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{_FIELD}.{key} is required" + (f" (got {value!r})" if value is not None else ""))
    return value.strip()


def _is_loopback(host: str) -> bool:
    """Decided from the name itself: never resolved, so DNS cannot make a host 'local'."""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _quote(folder: str) -> str:
    """A folder name as an IMAP quoted string, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""
    name = _modified_utf7(folder)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(name: str) -> str:
    """``Erledigt/Überprüft`` -> ``Erledigt/&ANw-berpr&APw-ft``: what servers without UTF8=ACCEPT
    expect (and imaplib would otherwise fail to send as ASCII)."""
    import base64

    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _text_of(data: list[Any]) -> str:
    parts = [d.decode(errors="replace") if isinstance(d, bytes) else str(d) for d in data if d]
    return " ".join(parts) or "no reason given"


def _reason(exc: BaseException) -> str:
    """One line for an exception: imaplib errors carry the server's bytes."""
    arg = exc.args[0] if exc.args else exc
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    else:
        text = arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)
    return redact.redact(" ".join(text.split()) or type(exc).__name__)
