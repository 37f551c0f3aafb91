"""The desk config's schema check, remembered: every command checks the same file as it
starts, and checking it (compiling the desk's rule patterns among it) took a tenth of a
command's own time. An answer is kept (`deskctl.util.cache`) for one content of the file and
one deskctl: its version and the files of the checking code, so an edit of either checks afresh.
"""

from __future__ import annotations

import json
import os
from typing import Any

# the code `config_schema.validate` runs for deskctl's own schema
CHECKING_CODE = ("desk/config_schema.py", "desk/defaults.py", "tickets/forms.py", "sla/calendars.py",
                 "util/durations.py")


def validated(data: Any, label: str) -> tuple[Any, list[tuple]]:
    """`config_schema.validate(data, SCHEMA)`: (the data without its wrong values, the issues)."""
    from deskctl import __version__
    from deskctl.desk import yamlio
    from deskctl.util import cache

    encoded = yamlio._encode(data)
    if encoded is None:  # something JSON cannot hold: checked afresh
        return _validate(data)
    package = os.path.dirname(os.path.dirname(__file__))
    key = [label, cache.content_hash(json.dumps(encoded, sort_keys=True).encode("utf-8")), __version__,
           [cache.stat_key(os.path.join(package, name)) for name in CHECKING_CODE]]
    name = f"config-check-{cache.short_hash(label)}"
    hit = cache.read(name, key)
    if isinstance(hit, dict) and "clean" in hit:
        return yamlio._decode(hit["clean"]), [(tuple(path), message, error) for path, message, error in hit["issues"]]
    clean, issues = _validate(data)
    stored = yamlio._encode(clean)
    if stored is not None:
        cache.write(name, key, {"clean": stored, "issues": [[list(p), m, e] for p, m, e in issues]})
    return clean, issues


def _validate(data: Any) -> tuple[Any, list[tuple]]:
    from deskctl.desk import config_schema

    return config_schema.validate(data, config_schema.SCHEMA)
