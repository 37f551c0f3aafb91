"""Rendered announcements as files: `<dir>/<lang>/email.txt`, `email.html`, `sms.txt`,
`chat.md`, `web.html`, `bulletin.txt`... Used by `announce render --out` and the `file`
channel. Each file is replaced atomically."""

from __future__ import annotations

from pathlib import Path

from deskctl.announcements.render import Rendered
from deskctl.util.fileio import atomic_write

FILE_NAMES: dict[tuple[str, str], str] = {
    ("email", "subject"): "email.subject.txt",
    ("email", "text"): "email.txt",
    ("email", "html"): "email.html",
    ("sms", "text"): "sms.txt",
    ("chat", "text"): "chat.md",
    ("web", "title"): "web.title.txt",
    ("web", "html"): "web.html",
    ("bulletin", "title"): "bulletin.title.txt",
    ("bulletin", "text"): "bulletin.txt",
}


def _write(path: Path, text: str) -> None:
    atomic_write(path, text if text.endswith("\n") else text + "\n")


def write_rendered(folder: Path, rendered: Rendered) -> list[Path]:
    """Write every part of one rendered channel into `folder`; returns the files written."""
    written = []
    for part, text in rendered.parts.items():
        name = FILE_NAMES.get((rendered.channel, part), f"{rendered.channel}.{part}.txt")
        path = Path(folder) / name
        _write(path, text)
        written.append(path)
    return written
