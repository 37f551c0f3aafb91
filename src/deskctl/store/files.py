"""The `files` backend: the embedded store of one person or one server, in the desk's data
folder (tickets in TinyDB-format shards, see `tinydb_store`; other records in `file_records`).

Kept apart from its plugin module so opening the default store never imports pluggy (the
ticket commands' hot path); each store is built on first use, so a ticket command builds only
the ticket store."""

from __future__ import annotations

from functools import cached_property


class FilesBackend:
    name = "files"

    def __init__(self, desk, settings: dict | None = None, actor: str | None = None):
        self.desk = desk
        self.settings = settings or {}
        self.actor = actor

    @cached_property
    def tickets(self):
        from deskctl.store.tinydb_store import TinyTicketStore

        return TinyTicketStore(self.desk, actor=self.actor)

    @property
    def _lock_timeout(self) -> float:
        return float(self.desk.setting("lock_timeout", default=10))

    @cached_property
    def announcements(self):
        from deskctl.store.file_records import FileAnnouncements

        return FileAnnouncements(self.desk.data_dir / "announcements", lock_timeout=self._lock_timeout,
                                 actor=self.actor)

    @cached_property
    def runs(self):
        from deskctl.store.file_records import FileRunRecords

        return FileRunRecords(self.desk.data_dir / "runs")

    @cached_property
    def attachments(self):
        from deskctl.store.file_records import FileAttachments

        return FileAttachments(self.desk.data_dir)

    @cached_property
    def audit(self):
        from deskctl.store.file_audit import FileAuditLog

        return FileAuditLog(self.desk.data_dir, lock_timeout=self._lock_timeout, rel=self.desk.rel)

    @cached_property
    def notifications(self):
        from deskctl.store.file_records import FileNotificationLog

        return FileNotificationLog(self.desk.data_dir / "notifications.log")

    @cached_property
    def cmdb(self):
        from deskctl.store.file_records import FileCmdb

        return FileCmdb(self.desk.data_dir / "cmdb", lock_timeout=self._lock_timeout, actor=self.actor)

    @cached_property
    def locks(self):
        from deskctl.store.file_records import FileLocks

        return FileLocks(self.desk.data_dir, lock_timeout=self._lock_timeout, actor=self.actor)

    def check(self, summarise, repair: bool = False) -> dict:
        """The ticket store's check (and repair), then every other record: announcements and
        run records parse, every attachment a ticket names is there with its size."""
        from deskctl.store.maintenance import check
        from deskctl.util.progress import progress

        report = check(self.tickets, summarise, repair=repair)
        problems = self.announcements.problems() + self.runs.problems() + self.cmdb.problems()
        ids = [row["id"] for row in self.tickets.rows(active=True, closed=True, archived=True)]
        with progress("checking attachments", len(ids)) as bar:
            for start in range(0, len(ids), 500):
                for ticket in self.tickets.load(ids[start:start + 500]):
                    bar.advance()
                    for info in ticket.get("attachments") or []:
                        path = self.desk.data_dir / str(info.get("path", ""))
                        if not path.is_file() or path.stat().st_size != info.get("size"):
                            problems.append(f"{path}: attachment {info.get('name')!r} of {ticket['id']} is "
                                            "missing or has another size; restore it from a backup")
        report["problems"] = report["problems"] + problems
        return report

    def archive(self, older_than: str, dry_run: bool = False) -> list[str]:
        from deskctl.store.maintenance import archive

        return archive(self.tickets, older_than, dry_run=dry_run)

    def bulk_insert(self, make, summarise) -> dict:
        from deskctl.store.bulk import bulk_load

        return bulk_load(self.tickets, make, summarise)

    def is_empty(self) -> bool:
        from deskctl.store.file_records import is_empty

        return is_empty(self.desk.data_dir)


def open_files_backend(desk, settings, actor) -> FilesBackend:
    return FilesBackend(desk, settings, actor)
