"""Where the packaged default desk lives: inside the installed package, or, in a source
checkout, the repository root (which is itself the default desk)."""

from __future__ import annotations

from pathlib import Path

DESK_FOLDERS = ("config", "sops", "templates", "kb")


def default_desk_dir() -> Path:
    package = Path(__file__).resolve().parents[1]  # deskctl/
    packaged = package / "default_desk"
    if (packaged / "config" / "deskctl.yaml").is_file():
        return packaged
    checkout = package.parents[1]  # src/deskctl -> the repository root
    if (checkout / "config" / "deskctl.yaml").is_file() and (checkout / "pyproject.toml").is_file():
        return checkout
    raise FileNotFoundError("the default desk content is missing from this installation")
