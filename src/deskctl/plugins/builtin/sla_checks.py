"""Built-in `check_desk` for the `calendars`, `sla`, `sweep` and `surveys` sections: every
mistake as `config/deskctl.yaml:LINE: what is wrong`."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl


def _problems(config: dict) -> list[tuple[tuple, str]]:
    from deskctl.reports.surveys import settings_problems as survey_problems
    from deskctl.sla.calendars import CalendarError, check_country
    from deskctl.sla.policy import problems as sla_problems
    from deskctl.sla.sweep import settings_problems as sweep_problems

    found = sla_problems(config)
    for name, spec in (config.get("calendars") or {}).items() if isinstance(config.get("calendars"), dict) else []:
        if isinstance(spec, dict) and spec.get("country"):
            try:
                check_country(str(spec["country"]).upper(), spec.get("subdiv"))
            except CalendarError as exc:
                found.append((("calendars", name, "country"), f"calendar {name!r}: {exc}"))
    found += sweep_problems(config.get("sweep") or {})
    groups = set((config.get("tickets") or {}).get("groups") or [])
    path = (config.get("sweep") or {}).get("escalation_path") if isinstance(config.get("sweep"), dict) else None
    for i, group in enumerate(path if isinstance(path, list) else []):
        if groups and group not in groups:
            found.append((("sweep", "escalation_path", i), f"sweep.escalation_path: {group!r} is not a group "
                          f"(groups: {', '.join(sorted(groups))})"))
    found += survey_problems(config.get("surveys") or {})
    return found


@hookimpl
def check_desk(desk):
    from deskctl.desk import yamlio
    from deskctl.errors import BadInput

    try:
        config = desk.config
    except BadInput:
        return []  # the core check reports the syntax error
    lines = yamlio.line_index(desk.config_file)
    label = desk.rel(desk.config_file)
    problems = []
    for keypath, message in _problems(config):
        line = next((lines[keypath[:n]] for n in range(len(keypath), 0, -1) if keypath[:n] in lines), 1)
        problems.append(f"{label}:{line}: {message}")
    return problems
