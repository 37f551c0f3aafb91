"""Find the desk folder: `--desk`, then `DESKCTL_DESK`, then the nearest parent of the
current directory holding `config/deskctl.yaml`. Only `os` calls: this runs on every start."""

from __future__ import annotations

import os

CONFIG_FILE = os.path.join("config", "deskctl.yaml")


def find_desk_dir(explicit: str | None = None) -> str | None:
    """The chosen desk folder, or None when nothing names one and no parent holds one.

    An explicit choice (option or environment) is returned even if it is not a desk yet,
    so the caller can say precisely what is missing there.
    """
    chosen = explicit or os.environ.get("DESKCTL_DESK")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    here = os.getcwd()
    for _ in range(64):  # bounded: a path has far fewer components than this
        if os.path.isfile(os.path.join(here, CONFIG_FILE)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
    return None
