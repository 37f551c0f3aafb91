"""Reading ssh_config files as OpenSSH does: `Host` and `Match` blocks, `Include`, the first
value of a keyword winning, each value kept with the `file:line` it came from."""

from __future__ import annotations

import glob
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from deskctl.errors import BadInput

DESK_SSH_CONFIG = Path("config") / "ssh_config"
USER_CONFIG_ENV = "DESKCTL_SSH_CONFIG"
MAX_INCLUDE_DEPTH = 16  # OpenSSH's READCONF_MAX_DEPTH
UNSUPPORTED_MATCH = ("exec", "canonical", "final", "localnetwork", "tagged", "sessiontype", "command", "version")


@dataclass
class ConfigFile:
    path: Path
    label: str  # as shown to people: config/ssh_config, ~/.ssh/config, /abs/path
    from_desk: bool  # the desk's file (or one it includes): may loosen host key checking
    include_base: Path  # where a relative Include is looked up


class Lookup:
    """One lookup: values found so far (first wins), with the file:line of each."""

    def __init__(self, alias: str, local_user: str):
        self.alias = alias
        self.local_user = local_user
        self.values: dict[str, tuple[list[str], str, bool]] = {}
        self.identity: list[tuple[str, str]] = []
        self.identity_fixed = False  # the inventory's own `key:` replaces IdentityFile lines

    def put(self, keyword: str, args: list[str], label: str, from_desk: bool) -> None:
        if keyword == "identityfile":
            if not self.identity_fixed:
                self.identity.append((args[0], label))
        elif keyword not in self.values:
            self.values[keyword] = (args, label, from_desk)

    def get(self, keyword: str) -> str | None:
        found = self.values.get(keyword)
        return found[0][0] if found else None

    def current_hostname(self) -> str:
        name = self.get("hostname")
        return expand_percent_h(name, self.alias) if name else self.alias


def config_files(desk) -> list[ConfigFile]:
    """The files read, the desk's first; missing ones are skipped."""
    files = []
    if desk is not None:
        path = desk.path / DESK_SSH_CONFIG
        if path.is_file():
            files.append(ConfigFile(path, desk.rel(path), True, path.parent))
    user = os.environ.get(USER_CONFIG_ENV)
    path = Path(user).expanduser() if user else Path.home() / ".ssh" / "config"
    if path.is_file():
        files.append(ConfigFile(path, _label(path), False, Path.home() / ".ssh"))
    return files


def _label(path: Path) -> str:
    try:
        return "~/" + str(path.resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


def _pattern_match(name: str, pattern: str) -> bool:
    """OpenSSH patterns: `*` and `?` only (no character classes)."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name, re.DOTALL) is not None


def _pattern_list(name: str, patterns: list[str]) -> bool:
    """True when a pattern matches and no negated (`!`) one does (match_pattern_list)."""
    name = name.lower()
    positive = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _pattern_match(name, pattern[1:].lower() if negated else pattern.lower()):
            if negated:
                return False
            positive = True
    return positive


def _split(text: str, label: str) -> tuple[str, list[str]] | None:
    line = text.strip()
    if not line or line.startswith("#"):
        return None
    found = re.match(r"^([^\s=]+)\s*(?:=\s*|\s+|$)(.*)$", line)
    if not found:
        raise BadInput(f"{label}: cannot read this line")
    try:
        args = shlex.split(found[2], comments=True)
    except ValueError as exc:
        raise BadInput(f"{label}: {exc} (check the quotes)") from None
    return found[1].lower(), args


def _match_line(args: list[str], state: Lookup, label: str) -> bool:
    """Whether a `Match` line applies: every criterion must (OpenSSH stops at the first
    that does not, so an unsupported one after it is never needed)."""
    tokens = list(args)
    if not tokens:
        raise BadInput(f"{label}: Match needs a criterion (e.g. `Match host web*`)")
    for _ in range(len(tokens)):
        if not tokens:
            break
        raw = tokens.pop(0)
        negated = raw.startswith("!")
        criterion = raw[1:].lower() if negated else raw.lower()
        if criterion == "all":
            result = True
        elif criterion in UNSUPPORTED_MATCH:
            raise BadInput(
                f"{label}: `Match {criterion}` is not supported by deskctl",
                f"use `Match host`/`Host` patterns, or point ${USER_CONFIG_ENV} at a file without it",
            )
        elif criterion in ("host", "originalhost", "user", "localuser"):
            if not tokens:
                raise BadInput(f"{label}: `Match {criterion}` needs a pattern")
            patterns = tokens.pop(0).split(",")
            subject = {"host": state.current_hostname(), "originalhost": state.alias,
                       "user": state.get("user") or state.local_user, "localuser": state.local_user}[criterion]  # fmt: skip
            result = _pattern_list(subject, patterns)
        else:
            raise BadInput(f"{label}: unknown Match criterion {raw!r}")
        if result == negated:
            return False
    return True


_parsed_cache: dict[tuple, list[tuple[str, str, list[str]]]] = {}


def _parsed(file: ConfigFile) -> list[tuple[str, str, list[str]]]:
    """(label, keyword, args) of every line, parsed once per file version: a run looks up
    every target in the same files."""
    try:
        stat = file.path.stat()
        key = (str(file.path), file.label, stat.st_mtime_ns, stat.st_size)
        if key in _parsed_cache:
            return _parsed_cache[key]
        text = file.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file.label}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        label = f"{file.label}:{number}"
        found = _split(raw, label)
        if found is not None:
            lines.append((label, *found))
    _parsed_cache[key] = lines
    return lines


def read_into(file: ConfigFile, state: Lookup, depth: int) -> None:
    if depth > MAX_INCLUDE_DEPTH:
        raise BadInput(f"{file.label}: Include nested more than {MAX_INCLUDE_DEPTH} deep (a loop?)")
    active = True  # each file starts outside any Host/Match block
    for label, keyword, args in _parsed(file):
        if keyword == "host":
            active = _pattern_list(state.alias, args)
        elif keyword == "match":
            active = _match_line(args, state, label)
        elif not active:
            continue
        elif keyword == "include":
            for pattern in args:
                full = Path(os.path.expanduser(pattern))
                if not full.is_absolute():
                    full = file.include_base / full
                for found in sorted(glob.glob(str(full))):
                    if Path(found).is_file():
                        inner = ConfigFile(Path(found), _label(Path(found)), file.from_desk, file.include_base)
                        read_into(inner, state, depth + 1)
        elif args:
            state.put(keyword, args, label, file.from_desk)


def expand_percent_h(value: str, host: str) -> str:
    return re.sub(r"%(.)", lambda m: host if m[1] == "h" else "%" if m[1] == "%" else m[0], value)
