"""Runbook parameters: type checks, patterns, choices, defaults, generated secrets.

Every problem is reported at once as `file:line: parameter 'x': ...` before anything runs.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import string
from typing import Any

from deskctl.errors import ValidationFailed
from deskctl.runbooks.model import Param, Runbook
from deskctl.util import redact

HOST_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")
USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE = {"true", "yes", "y", "1", "on"}
FALSE = {"false", "no", "n", "0", "off"}
# no quotes, backslashes, spaces or colons: easy to read out and safe for chpasswd-style tools
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.!%+="


def generate_password(length: int = 20) -> str:
    """A strong random password with upper, lower, digit and symbol characters."""
    import secrets  # only when a password is generated

    length = max(length, 12)
    for _ in range(1000):  # bounded; a miss is ~1 in 10 per try
        value = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if (any(c.islower() for c in value) and any(c.isupper() for c in value)
                and any(c.isdigit() for c in value) and any(not c.isalnum() for c in value)):
            return value
    raise RuntimeError("could not generate a password")  # pragma: no cover


def coerce(param: Param, raw: Any) -> tuple[Any, str | None]:
    """(typed value, problem or None) for one value given as text or YAML."""
    kind = param.type
    if kind == "int":
        if isinstance(raw, bool):
            return None, "must be a whole number"
        try:
            value: Any = int(str(raw).strip())
        except ValueError:
            return None, f"{_show(param, raw)} is not a whole number"
        if param.min is not None and value < param.min:
            return None, f"{value} is below the minimum {param.min}"
        if param.max is not None and value > param.max:
            return None, f"{value} is above the maximum {param.max}"
        return value, None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw, None
        text = str(raw).strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE, None
        return None, f"{_show(param, raw)} is not true/false (yes/no)"
    value = "" if raw is None else str(raw)
    if "\n" in value or "\r" in value or "\0" in value:
        return None, "must be a single line"
    if kind == "choice":
        choices = [str(c) for c in param.choices or []]
        if value not in choices:
            return None, f"{_show(param, value)} is not one of: {', '.join(choices)}"
    elif kind == "host" and not HOST_RE.match(value):
        return None, f"{_show(param, value)} is not a host name or address"
    elif kind == "user" and not USER_RE.match(value):
        return None, f"{_show(param, value)} is not a valid user name (letters, digits, . _ - @)"
    elif kind == "email" and not EMAIL_RE.match(value):
        return None, f"{_show(param, value)} is not an e-mail address"
    elif kind == "path":
        value, problem = coerce_path(param, value)
        if problem:
            return None, problem
    if kind in ("user", "account"):
        value, problem = coerce_account(param, value)
        if problem:
            return None, problem
    if param.pattern and not re.search(param.pattern, value):
        return None, f"{_show(param, value)} does not match the pattern {param.pattern}"
    return value, None


def _show(param: Param, raw: Any) -> str:
    return "the value" if param.is_secret else repr(raw)


def resolve(runbook: Runbook, given: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed values for every parameter and the names of generated ones.

    Secrets are registered for redaction before anything else can print them; one too short
    or too plain to mask safely is refused (and never registered: masking it would hide or
    hint at ordinary output).
    """
    for name, param in runbook.params.items():
        if param.is_secret and name in given and not redact.weak_secret(given[name]):
            redact.add_secret(given[name])
    problems: list[str] = []
    values: dict[str, Any] = {}
    generated: list[str] = []
    for name in given:
        if name not in runbook.params:
            known = ", ".join(runbook.params) or "none"
            problems.append(f"{runbook.label}:1: {runbook.name} has no parameter {name!r} (parameters: {known})")
    for name, param in runbook.params.items():
        where = f"{runbook.label}:{param.line}: parameter {name!r}"
        if name in given:
            value, problem = coerce(param, given[name])
            if not problem and param.is_secret and value and redact.weak_secret(value):
                problem = f"the value is refused: {redact.SECRET_RULE}"
            if problem:
                problems.append(f"{where}: {problem}")
                continue
            values[name] = value
        elif param.generate == "password":
            values[name] = generate_password(param.length)
            redact.add_secret(values[name])
            generated.append(name)
        elif param.default is not None:
            if param.is_secret and redact.weak_secret(param.default):
                problems.append(f"{where}: its default is refused: {redact.SECRET_RULE}")
                continue
            values[name] = param.default
        elif param.required:
            hint = f"pass -p {name}=VALUE" + (f" ({param.description})" if param.description else "")
            problems.append(f"{where} is required: {hint}")
        else:
            values[name] = None if param.type != "bool" else False
    for name, param in runbook.params.items():
        if param.is_secret and values.get(name) and not redact.weak_secret(values[name]):
            redact.add_secret(values[name])
    if problems:
        raise ValidationFailed(problems, f"invalid parameters for {runbook.name}")
    return values, generated


# --- paths: normalised first, then checked against the parameter's allow/deny roots --------

def normalise_path(value: str) -> tuple[str | None, str | None]:
    """(the absolute path with `.`, `..` and repeated slashes resolved lexically, problem).

    Lexical on purpose: the path names a folder on another host, and symlinks there are
    the SOP command's business (`cd -P` and compare `pwd -P`)."""
    if not value.startswith("/"):
        return None, "must be an absolute path (starting with /)"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return None, "must not contain control characters"
    normal = posixpath.normpath(value)
    return "/" + normal.lstrip("/"), None  # normpath keeps a leading `//` (POSIX): not here


def is_under(path: str, root: str) -> bool:
    """`path` is `root` or inside it (both normalised)."""
    return root == "/" or path == root or path.startswith(root + "/")


def coerce_path(param: Param, value: str) -> tuple[str | None, str | None]:
    """The normalised path, or why it is refused: deny wins over allow; `/` is refused unless
    `allow:` names it, and always for a parameter that `deletes:`."""
    normal, problem = normalise_path(value)
    if problem:
        return None, problem
    shown = repr(value) if normal == value else f"{value!r} (= {normal})"
    allowed = f"allowed: {', '.join(param.allow)}" if param.allow else "allowed: any other absolute path"
    for root in param.deny or []:
        # everything is under `/`: a denied root means the root folder itself
        if normal == root or (root != "/" and is_under(normal, root)):
            where = "is" if normal == root else f"is under {root}, which is"
            return None, f"{shown} {where} a protected folder ({allowed})"
    if normal == "/" and (param.deletes or "/" not in (param.allow or [])):
        return None, f"{shown} is the filesystem root, never allowed here ({allowed})"
    if param.allow and not any(is_under(normal, root) for root in param.allow):
        return None, f"{shown} is not under an allowed folder ({allowed})"
    return normal, None


# --- accounts: never a privileged, system or service account -------------------------------

ACCOUNT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")
# Accounts no SOP may act on, whatever the desk config says: the superuser, the usual admin
# and cloud-image admin accounts (uid >= 1000 with sudo), and service accounts. Globs allowed.
# SOPs check the rest on the host itself (uid below UID_MIN, members of admin groups).
PROTECTED_ACCOUNTS = (
    "root", "toor", "admin", "administrator", "adm", "daemon", "bin", "sys", "sync", "games",
    "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup", "list", "irc", "gnats",
    "nobody", "nfsnobody", "sshd", "messagebus", "polkitd", "systemd-*", "_*", "ubuntu", "debian",
    "centos", "rocky", "almalinux", "fedora", "ec2-user", "cloud-user", "azureuser", "opc",
    "vagrant", "pi", "postgres", "mysql", "oracle", "git", "jenkins", "ansible", "deploy", "ops",
)  # fmt: skip
_desk_protected: tuple[str, ...] = ()


def load_protected_accounts(desk) -> None:
    """Add the desk's `runbooks.protected_accounts` (names or globs) to the built-in list for
    this process; anything but a list of names is bad input (exit 2)."""
    global _desk_protected
    from deskctl.errors import BadInput

    names = desk.setting("runbooks", "protected_accounts", default=[]) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BadInput("config/deskctl.yaml: runbooks.protected_accounts must be a list of account names",
                       "write it like protected_accounts: [svc-backup, 'app-*']")
    _desk_protected = tuple(n.strip() for n in names if n.strip())


def protected_accounts() -> tuple[str, ...]:
    return PROTECTED_ACCOUNTS + _desk_protected


def is_protected_account(name: str) -> bool:
    folded = name.casefold()
    return any(fnmatch.fnmatchcase(folded, pattern.casefold()) for pattern in protected_accounts())


def coerce_account(param: Param, value: str) -> tuple[str | None, str | None]:
    """`account`: a local account name (an e-mail address means its part before the @).
    `user` keeps its value as given. Both refuse protected accounts."""
    name = value.split("@", 1)[0] if "@" in value else value
    if param.type == "account" and not ACCOUNT_RE.match(name):
        return None, f"{_show(param, value)} is not an account name (letters, digits, . _ -; an e-mail means its part before the @)"
    if is_protected_account(name):
        return None, (f"{_show(param, value)} names the protected account {name!r}: SOPs never act on "
                      "root, admin, system or service accounts (runbooks.protected_accounts)")
    return (name if param.type == "account" else value), None
