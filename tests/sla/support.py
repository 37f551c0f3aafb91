"""A desk configuration with known SLA rules, and helpers to drive tickets at fixed clocks."""

from __future__ import annotations

from pathlib import Path

CONFIG = """\
desk: {{name: Test Desk, email: desk@example.com}}
timezone: {tz}
rules: []
calendars:
  office: {{timezone: {tz}, days: [mon, tue, wed, thu, fri], hours: '09:00-18:00', holidays: ['2026-12-25']}}
  always: {{timezone: UTC, days: all, hours: '00:00-24:00'}}
sla:
  critical: {{calendar: always, response: 15m, resolution: 4h}}
  high:     {{calendar: office, response: 1h,  resolution: 4h}}
  medium:   {{calendar: office, response: 4h,  resolution: 2d}}
  low:      {{calendar: office, response: 1d,  resolution: 5d}}
  at_risk: 80%
sweep:
  breached: {{escalate: true, raise_priority: true}}
  resolved_autoclose: 5d
  pending_reminder: 3d
  pending_autoclose: 10d
surveys: {{sample: 100%, window: 14d}}
{extra}"""


def write_config(desk: Path, tz: str = "Europe/Rome", extra: str = "") -> None:
    (desk / "config" / "deskctl.yaml").write_text(CONFIG.format(tz=tz, extra=extra), encoding="utf-8")


def at(drun, when: str, *args: str, json: bool = True):
    """Run deskctl with DESKCTL_NOW=when; assert success; the JSON result (or the Result)."""
    result = drun(*args, *(["--json"] if json else []), env={"DESKCTL_NOW": when})
    assert result.code == 0, result
    return result.json() if json else result


def snapshot(desk: Path) -> dict[str, bytes]:
    root = desk / "data"
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}
