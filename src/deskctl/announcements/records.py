"""Reading an announcement record: the version shown and its languages. Light on purpose:
`ticket create` uses it to look for outage bulletins without importing the renderer."""

from __future__ import annotations

from deskctl.errors import BadInput


def version_of(record: dict, number: int | None = None) -> dict:
    versions = record.get("versions") or []
    if number is None:
        return versions[-1]
    for version in versions:
        if version["version"] == number:
            return version
    raise BadInput(f"{record['id']} has no version {number}", f"versions: 1..{len(versions)}")


def languages_of(record: dict, version: dict, config: dict) -> list[str]:
    return list((version.get("fields") or {}).get("languages") or config.get("languages") or ["en"])
