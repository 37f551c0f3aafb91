"""Create a desk folder from the packaged default content."""

from __future__ import annotations

import shutil
from pathlib import Path

from deskctl.desk.packaged import DESK_FOLDERS, default_desk_dir
from deskctl.errors import BadInput


def _files(source: Path) -> list[Path]:
    files = []
    for folder in DESK_FOLDERS:
        base = source / folder
        if base.is_dir():
            files += [p for p in sorted(base.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return files


def create_desk(directory: str | Path, *, force: bool = False) -> int:
    """Copy the default desk into `directory`; refuse to overwrite unless `force`.

    Every conflict is checked before anything is written, so a refusal leaves no half desk.
    """
    target = Path(directory).expanduser()
    if target.exists() and not target.is_dir():
        raise BadInput(f"{target} exists and is not a directory", "choose another path")
    source = default_desk_dir()
    files = _files(source)
    existing = [f for f in files if (target / f.relative_to(source)).exists()]
    if existing and not force:
        first = target / existing[0].relative_to(source)
        raise BadInput(
            f"{target} already holds a desk ({first} exists, {len(existing)} file(s) in the way)",
            "pass --force to overwrite them",
        )
    for f in files:
        dest = target / f.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, dest)
    for folder in (*DESK_FOLDERS, "templates/announcements", "kb/articles", "kb/flows", "plugins", "data"):
        (target / folder).mkdir(parents=True, exist_ok=True)
    return len(files)
