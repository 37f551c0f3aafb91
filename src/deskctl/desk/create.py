"""Create a desk folder from the packaged default content."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from deskctl.desk.packaged import DESK_FOLDERS, default_desk_dir
from deskctl.errors import BadInput, NotPermitted


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


SHARED_DIR_MODE = 0o2770  # the group works here; setgid: new files belong to the group
SHARED_FILE_MODE = 0o660
READ_DIR_MODE = 0o2750  # config, SOPs, templates, KB: the group reads, the owner (admin) edits
READ_FILE_MODE = 0o640


def share_desk(directory: str | Path, group: str) -> dict:
    """Make the desk usable by the members of the OS group `group` and by nobody else: the
    group owns everything; it reads the configuration, SOPs, templates and knowledge base and
    writes the data folder; others get no access. (A member can still do with the files what
    the modes allow: deskctl's own permission checks are not a boundary against them.)"""
    import grp

    target = Path(directory).expanduser()
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise BadInput(f"--shared {group}: no such OS group", f"create it first (groupadd {group}) "
                       "and add the team's logins to it") from None
    changed = 0
    for path in [target, *sorted(target.rglob("*"))]:
        if path.is_symlink():
            continue  # never follow a link out of the desk
        writable = path != target and path.relative_to(target).parts[0] == "data"
        if path.is_dir():
            mode = SHARED_DIR_MODE if writable else READ_DIR_MODE
        else:
            mode = SHARED_FILE_MODE if writable else READ_FILE_MODE
        try:
            os.chown(path, -1, gid)
            os.chmod(path, mode)
        except PermissionError:
            raise NotPermitted(f"--shared {group}: cannot give {path} to the group {group}",
                               "run as the desk's owner, who must be a member of the group (or as root)") from None
        changed += 1
    return {"group": group, "gid": gid, "paths": changed}
