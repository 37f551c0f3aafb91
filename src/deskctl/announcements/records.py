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


def public_version(record: dict) -> dict:
    """The version the public sees (status page, feed, bulletins): the one last published.
    A change to a published announcement that still awaits approval is never it."""
    number = record.get("public_version")
    if number is None:  # never changed since publishing (or an older record): the newest
        return version_of(record)
    return version_of(record, int(number))


def release_version(record: dict) -> dict:
    """The version `announce publish` delivers: the newest one, unless it is a change to a
    published announcement still awaiting approval (then the version the public has)."""
    if record.get("pending"):
        return public_version(record)
    return version_of(record)
