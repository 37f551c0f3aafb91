"""Where announcements are kept: the desk's store backend (`deskctl.store.interface.AnnouncementRecords`)."""

from __future__ import annotations

import re

from deskctl.announcements import ID_PREFIX
from deskctl.errors import NotFound

_ID = re.compile(r"^(?:ann-?)?0*(\d{1,9})$", re.IGNORECASE)


def normalise_id(text: str) -> str:
    """`ANN-0007`, `ann-7` and `7` all name ANN-0007."""
    match = _ID.match(str(text).strip())
    if not match:
        raise NotFound(f"{text!r} is not an announcement id", "ids look like ANN-0001; see `deskctl announce list`")
    return f"{ID_PREFIX}{int(match.group(1)):04d}"


class Announcements:
    """The backend's announcement records, with ids as people type them."""

    def __init__(self, records):
        self.records = records

    @classmethod
    def for_desk(cls, desk, actor: str | None = None) -> Announcements:
        from deskctl.store import open_backend

        return cls(open_backend(desk, actor).announcements)

    def ids(self) -> list[str]:
        return self.records.ids()

    def get(self, ann_id: str) -> dict:
        return self.records.get(normalise_id(ann_id))

    def all(self) -> list[dict]:
        return self.records.all()

    def create(self, build) -> dict:
        from deskctl.audit import trail

        record = self.records.create(build)
        trail.touched("announcement", record.get("id"))
        return record

    def update(self, ann_id: str, change) -> dict:
        from deskctl.audit import trail

        trail.touched("announcement", normalise_id(ann_id))
        return self.records.update(normalise_id(ann_id), change)

    def lock(self, name: str, what: str):
        return self.records.lock(name, what)
