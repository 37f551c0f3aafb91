"""The `files` backend's factory, kept apart from its plugin module so opening the default
store never imports pluggy (the ticket commands' hot path)."""

from __future__ import annotations


def open_files_store(desk, settings, actor):
    from deskctl.store.tinydb_store import TinyTicketStore

    return TinyTicketStore(desk, actor=actor)
