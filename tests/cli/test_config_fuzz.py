"""Acceptance 3 of issue 18: a fuzz of wrong-typed values over every key of the shipped config
gives no internal error and no traceback; `config check` names the file, line and key.

Every key path of config/deskctl.yaml (walked from the loaded YAML) gets each wrong value in
turn. The bulk goes through the loader in this process (`Desk.config`, then the features that
read the sections); a seeded sample (one case per section) runs `deskctl config check` and an
ordinary command that reads that section as real subprocesses, two at a time.
"""

from __future__ import annotations

import random
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

SEED = 18
WRONG = ["text", -5, 10**30, [1, 2], {"a": 1}, None, True, "Mars/Olympus", "99999999999d"]
DURATION = re.compile(r"\d+[smhdw]")
# where a different kind of value is still right: one word for a list of them, null for "off"
SCALAR_FOR_LIST = re.compile(r"rules\.\d+\.(match\.[a-z_]+|set\.tags)$")
NULL_IS_OFF = re.compile(r"sla\.[a-z]+\.(response|resolution)|sweep\.(resolved_autoclose|pending_\w+)|surveys\.window")
# an ordinary command that reads each section (besides `config check`)
READER = {
    "rules": ("ticket", "create", "--title", "VPN down, printer jammed", "--channel", "phone"),
    "tickets": ("ticket", "list", "--all"),
    "sla": ("ticket", "sweep", "--dry-run"), "calendars": ("ticket", "sweep", "--dry-run"),
    "sweep": ("ticket", "sweep", "--dry-run"), "surveys": ("survey", "pending"),
    "timezone": ("report", "kpi"), "runbooks": ("sop", "list"),
    "announcements": ("bulletin",), "channels": ("bulletin",), "roles": ("announce", "list"),
}
DEFAULT_READER = ("kb", "search", "password")


def key_paths(value, prefix: tuple = ()) -> list[tuple]:
    """Every key path below `value`: mapping keys and list indexes."""
    found = []
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return found
    for key, sub in items:
        found.append(prefix + (key,))
        found += key_paths(sub, prefix + (key,))
    return found


def get(data, path: tuple):
    for key in path:
        data = data[key]
    return data


def replaced(data, path: tuple, value):
    from deskctl.desk import plain_copy

    copy = plain_copy(data)
    get(copy, path[:-1])[path[-1]] = value
    return copy


def write_config(path: Path, data) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


def kind(value) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    return "number" if isinstance(value, int | float) else type(value).__name__


def dotted(path: tuple) -> str:
    return ".".join(map(str, path))


def must_be_rejected(path: tuple, original, value) -> bool:
    """True when `value` is certainly wrong for the key (the check must say so)."""
    key = dotted(path)
    if kind(value) != kind(original):
        if value is None and NULL_IS_OFF.fullmatch(key):
            return False
        return not (isinstance(value, str) and SCALAR_FOR_LIST.search(key))
    if kind(original) == "number":
        return value in (-5, 10**30)
    if path[-1] == "timezone":
        return value == "Mars/Olympus"
    return isinstance(original, str) and bool(DURATION.fullmatch(original)) and value == "99999999999d"


SHIPPED = yaml.safe_load((REPO / "config" / "deskctl.yaml").read_text(encoding="utf-8"))
CASES = [(path, value) for path in key_paths(SHIPPED) for value in WRONG]


def names_key_and_line(message: str, path: tuple, config: Path) -> bool:
    """`message` is `config/deskctl.yaml:LINE: ...` naming the key at that key's line: the key
    itself, the key above it whose value it rejects, or a part of the wrong value."""
    from deskctl.desk import yamlio

    lines = yamlio.line_index(config)
    keys = [path[:n] for n in range(len(path), 0, -1)] + [k for k in lines if k[:len(path)] == path]
    for key in keys:
        where = f"config/deskctl.yaml:{lines.get(key)}: "
        if where in message and dotted(key) in message.split(where, 1)[1]:
            return True
    return False


def read_sections(desk) -> None:
    """What the features read from the config, in this process (their errors are DeskErrors)."""
    from deskctl.announcements.kinds import load_kinds
    from deskctl.announcements.roles import rules_for
    from deskctl.reports.surveys import load_settings
    from deskctl.sla.policy import load_policy
    from deskctl.sla.sweep import settings_problems
    from deskctl.tickets.operations import classify

    classify(desk, {"title": "VPN down, printer jammed", "description": "", "channel": "phone"})
    load_policy(desk)
    load_settings(desk)
    settings_problems(desk.config["sweep"])
    load_kinds(desk.config)
    rules_for(desk.config, "major")


def names_key(message: str, path: tuple) -> bool:
    """`message` names the key, the key above it, or a part of the wrong value."""
    text = message.split(": ", 1)[1]
    return any(dotted(path[:n]) in text for n in range(len(path), 0, -1))


def test_every_key_with_every_wrong_value_through_the_loader(tmp_path, monkeypatch):
    """Desk.config (the load-time check of every command) and the features that read the
    sections, with the parsed file given directly: YAML parsing is the subprocesses' part."""
    from deskctl.desk import Desk
    from deskctl.errors import DeskError

    monkeypatch.setenv("DESKCTL_CACHE_DIR", str(tmp_path / "cache"))
    assert len(CASES) > 500
    rejected = 0
    for path, value in CASES:
        desk = Desk(tmp_path)
        desk.__dict__["file_config"] = replaced(SHIPPED, path, value)
        try:
            desk.config  # noqa: B018 - the load-time check
            read_sections(desk)
        except DeskError as exc:
            if must_be_rejected(path, get(SHIPPED, path), value):
                rejected += 1
                assert exc.message.startswith("config/deskctl.yaml:"), (dotted(path), value, exc.message)
                assert names_key(exc.message, path), (dotted(path), value, exc.message)
            continue
        except Exception as exc:  # noqa: BLE001 - exactly what must never happen
            pytest.fail(f"{dotted(path)} = {value!r}: {type(exc).__name__}: {exc}")
        assert not must_be_rejected(path, get(SHIPPED, path), value), f"{dotted(path)} = {value!r} was accepted"
    assert rejected > len(CASES) // 2


def sample() -> list[tuple[tuple, object]]:
    """Seeded: one case per top-level section, one accepted value, and the past crashes."""
    rng = random.Random(SEED)
    chosen = [(("rules", 0, "match"), [1, 2]), (("sweep",), -5), (("calendars", "office", "country"), "Mars/Olympus"),
              (("rules", 0, "set", "tags", 0), [1, 2]), (("runbooks", "lock_timeout"), "text")]
    for section in SHIPPED:
        chosen.append(rng.choice([c for c in CASES if c[0][0] == section]))
    chosen.append(rng.choice([c for c in CASES if not must_be_rejected(c[0], get(SHIPPED, c[0]), c[1])]))
    return chosen


def test_a_sample_through_config_check_and_a_command_that_reads_it(run, tmp_path):
    template = tmp_path / "template"
    for folder in ("config", "sops", "templates", "kb"):
        shutil.copytree(REPO / folder, template / folder)
    cases = sample()

    def one(i: int) -> list[str]:
        path, value = cases[i]
        desk = tmp_path / f"desk{i}"
        shutil.copytree(template, desk)
        config = desk / "config" / "deskctl.yaml"
        write_config(config, replaced(SHIPPED, path, value))
        wrong = must_be_rejected(path, get(SHIPPED, path), value)
        failures = []
        env = {"DESKCTL_NOW": "2026-11-20T10:00:00Z"}
        check = run("config", "check", cwd=desk, env=env)
        reader = run(*READER.get(str(path[0]), DEFAULT_READER), cwd=desk, env=env)
        for result in (check, reader):
            if "internal error" in result.stderr or "Traceback" in result.stderr:
                failures.append(f"{dotted(path)} = {value!r}: {result}")
        if wrong:
            if check.code != 2 or not any(names_key_and_line(line, path, config) for line in check.stderr.splitlines()):
                failures.append(f"{dotted(path)} = {value!r}: config check did not name it: {check}")
            if reader.code != 2 or reader.stderr.count("\n") != 1 or "config/deskctl.yaml:" not in reader.stderr:
                failures.append(f"{dotted(path)} = {value!r}: {READER.get(str(path[0]), DEFAULT_READER)}: {reader}")
        elif check.code not in (0, 2):
            failures.append(f"{dotted(path)} = {value!r}: config check exit {check.code}: {check}")
        return failures

    with ThreadPoolExecutor(max_workers=2) as pool:
        failures = [f for found in pool.map(one, range(len(cases))) for f in found]
    assert failures == []
