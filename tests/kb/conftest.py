"""A desk whose KB is lint-clean: every SOP the shipped articles and flows name exists.

The SOPs written here are small local runbooks (no SSH), so `kb guide --run` can run one for
real through `deskctl sop run`; a SOP the desk already ships is replaced only where a test
needs to know exactly what it does (network-diagnostics)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

LOCAL_SOP = """\
name: {name}
description: Test runbook for the KB tests.
version: 1
params:
  target: {{type: string, required: false, default: none}}
targets: localhost
steps:
  - name: say
    local: echo "{name} on {{{{ target }}}}"
"""


def referenced_sops(desk: Path) -> set[str]:
    names: set[str] = set()
    for path in (desk / "kb").rglob("*"):
        if path.suffix == ".md":
            match = re.search(r"^sops:\s*\[(.*)\]", path.read_text(encoding="utf-8"), re.M)
            names |= {n.strip() for n in (match.group(1) if match else "").split(",") if n.strip()}
        elif path.suffix == ".yaml":
            names |= set(re.findall(r"^\s+sop:\s*([\w.-]+)", path.read_text(encoding="utf-8"), re.M))
    return names


def write_sop(desk: Path, name: str) -> Path:
    path = desk / "sops" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(LOCAL_SOP.format(name=name), encoding="utf-8")
    return path


@pytest.fixture
def kbdesk(desk) -> Path:
    for name in sorted(referenced_sops(desk)):
        if not (desk / "sops" / f"{name}.yaml").exists():
            write_sop(desk, name)
    write_sop(desk, "network-diagnostics")
    return desk


@pytest.fixture
def krun(run, kbdesk):
    """Run deskctl inside the lint-clean desk."""

    def _run(*args: str, **kwargs):
        kwargs.setdefault("cwd", kbdesk)
        return run(*args, **kwargs)

    return _run


def create_ticket(krun, *extra: str) -> str:
    result = krun("ticket", "create", "--title", "No network on the PC", "--description", "cable looks fine",
                  "--system", "hostname=pc-042", *extra)
    assert result.code == 0, result
    return result.stdout.strip()
