"""Built-in `check_desk` for the knowledge base: `deskctl config check` runs `kb lint`."""

from __future__ import annotations

from deskctl.hookspecs import hookimpl


@hookimpl
def check_desk(desk):
    from deskctl.kb.lint import lint

    # unreadable files (YAML or front-matter syntax) are reported by desk_checks already
    return lint(desk, syntax=False)
