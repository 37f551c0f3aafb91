"""What the last full plugin load found, cached: which hooks any plugin implements, which
command names and hooks non-built-in plugins add, and the warnings it printed.

`cli.run` uses it to run a built-in command without loading pluggy and every plugin first:
plugins are loaded on first use (a hook that some plugin implements, `config check`, ...).
The entry is keyed by the installed distributions, the desk's plugins/ folder and deskctl's
version, so installing or editing a plugin always leads to a full load again.
"""

from __future__ import annotations

from deskctl import __version__
from deskctl.util import cache


def _key(desk: str | None) -> list:
    return [__version__, str(desk) if desk else None, cache.installed_fingerprint(),
            cache.desk_plugins_fingerprint(desk)]


def _name(key: list) -> str:
    return "plugin-index-" + cache.short_hash(repr([key[1], [k[0] for k in key[2]]]))


def read(desk: str | None) -> dict | None:
    key = _key(desk)
    value = cache.read(_name(key), key)
    return value if isinstance(value, dict) else None


def write(desk: str | None, hooks: set[str], third_party_commands: set[str], warnings: list[str],
          third_party_hooks: set[str]) -> None:
    key = _key(desk)
    cache.write(_name(key), key, {
        "hooks": sorted(hooks), "third_party_hooks": sorted(third_party_hooks),
        "commands": sorted(third_party_commands), "warnings": warnings,
    })
