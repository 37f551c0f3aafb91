"""Dynamic values for shell completion: `shell_complete=` callbacks of arguments and options.

Each one is called while the user presses Tab, so it reads as little as it can (summary rows,
file names, the desk's settings) and imports the domain inside the function: importing this
module costs the commands that use it nothing. A completion must never show a traceback or
hang the prompt: any failure gives no candidates (`deskctl ... --help` still explains).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import click
    from click.shell_completion import CompletionItem

def _app(ctx: click.Context):
    """The run's AppContext (the root command's `obj`), made here when a test calls a
    completer outside a run."""
    from deskctl.cli.context import AppContext

    app = ctx.find_object(AppContext)
    if app is None:
        app = AppContext(desk_option=ctx.find_root().params.get("desk_option"))
    return app


def _completer(values: Callable[[click.Context], Iterable[tuple[str, str]]]):
    """A `shell_complete` callback offering `values(ctx)` that start with what was typed
    (ignoring case: `in<Tab>` finds INC-1), in their order, and nothing on any error."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        wanted = incomplete.casefold()
        try:
            return [CompletionItem(value, help=help_text or None) for value, help_text in values(ctx)
                    if value.casefold().startswith(wanted)]
        except Exception:  # noqa: BLE001 - a prompt is no place for an error
            return []

    complete.__name__ = getattr(values, "__name__", "complete")
    return complete


def _comma_list(values: Callable[[click.Context], Iterable[tuple[str, str]]]):
    """As `_completer` for an option holding `A,B,C`: completes the last item, keeping the ones
    before it."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        done, _, last = incomplete.rpartition(",")
        head = done + "," if done else ""
        taken = set(done.split(",")) if done else set()
        wanted = last.casefold()
        try:
            return [CompletionItem(head + value, help=help_text or None) for value, help_text in values(ctx)
                    if value.casefold().startswith(wanted) and value not in taken]
        except Exception:  # noqa: BLE001 - a prompt is no place for an error
            return []

    return complete


def _ticket_ids(ctx: click.Context) -> list[tuple[str, str]]:
    """Open tickets first, then resolved ones, oldest first: from the summary rows only (no
    ticket file is read; closed and archived tickets are left out, as the queue leaves them)."""
    from deskctl.store import open_store
    from deskctl.store.interface import RowQuery
    from deskctl.tickets.model import OPEN

    store = open_store(_app(ctx).desk)
    statuses = OPEN | {"resolved"}
    if hasattr(store, "brief_rows"):  # the built-in stores: only what completion shows, cached
        rows = sorted(store.brief_rows(statuses), key=lambda r: (r.get("created_at") or "", r["id"]))
    else:
        rows = store.select(RowQuery(statuses=statuses, sort="age"))
    ordered = [r for r in rows if r["status"] in OPEN] + [r for r in rows if r["status"] not in OPEN]
    return [(r["id"], f"{r['status']}: {r.get('title') or ''}") for r in ordered]


def _sop_names(ctx: click.Context) -> list[tuple[str, str]]:
    """The SOPs in the desk's `sops/` folder, by file name (no YAML is parsed)."""
    from deskctl.desk.finder import find_desk_dir

    desk = find_desk_dir(_app(ctx).desk_option)
    if desk is None:
        return []
    folder = os.path.join(desk, "sops")
    names = {stem for stem, ext in map(os.path.splitext, os.listdir(folder)) if ext in (".yaml", ".yml")}
    return [(name, "") for name in sorted(names)]


def _sop_params(ctx: click.Context) -> list[tuple[str, str]]:
    """`KEY=` for each parameter of the SOP named before (`sop run NAME -p <Tab>`), from its
    file's `params:` (read, not validated: `sop validate` does that)."""
    from deskctl.desk.finder import find_desk_dir
    from deskctl.desk.yamlio import load

    name, desk = ctx.params.get("name") or _positional_from_command_line(ctx), find_desk_dir(_app(ctx).desk_option)
    if not name or desk is None or "/" in name or name.startswith("."):
        return []
    for ext in (".yaml", ".yml"):
        path = os.path.join(desk, "sops", name + ext)
        if os.path.isfile(path):
            params = (load(path) or {}).get("params") or {}
            return [(f"{key}=", str((spec or {}).get("description") or "") if isinstance(spec, dict) else "")
                    for key, spec in params.items()]
    return []


def _positional_from_command_line(ctx: click.Context) -> str | None:
    """The first argument of `ctx.command` as the shell's request (COMP_WORDS) holds it.

    Needed while an option's value is completed (`sop run NAME -p <Tab>`): click's resilient
    parsing stops at the option missing its value, before it assigns the arguments."""
    from click.shell_completion import split_arg_string

    words = split_arg_string(os.environ.get("COMP_WORDS", ""))
    takes_value = {opt for p in ctx.command.params if not getattr(p, "is_flag", True)
                   for opt in p.opts}
    if ctx.info_name not in words:
        return None
    rest = words[words.index(ctx.info_name) + 1:-1]  # the last word is the one being completed
    i = 0
    while i < len(rest):
        word = rest[i]
        if word in takes_value:
            i += 2
            continue
        if not word.startswith("-"):
            return word
        i += 1
    return None


def _inventory(ctx: click.Context):
    from deskctl.executor.inventory import load_inventory

    return load_inventory(_app(ctx).desk)


def _hosts(ctx: click.Context) -> list[tuple[str, str]]:
    return [(name, host.description or "") for name, host in _inventory(ctx).hosts.items()]


def _host_groups(ctx: click.Context) -> list[tuple[str, str]]:
    return [(name, str(spec.get("description") or "")) for name, spec in _inventory(ctx).groups.items()]


def _hosts_then_groups(ctx: click.Context) -> list[tuple[str, str]]:
    return _hosts(ctx) + [(g, h or "group") for g, h in _host_groups(ctx)]


def _groups_then_hosts(ctx: click.Context) -> list[tuple[str, str]]:
    return [(g, h or "group") for g, h in _host_groups(ctx)] + _hosts(ctx)


def _announcement_ids(ctx: click.Context) -> list[tuple[str, str]]:
    from deskctl.store import open_backend

    return [(ann_id, "") for ann_id in open_backend(_app(ctx).desk).announcements.ids()]


def _kb_ids(ctx: click.Context) -> list[tuple[str, str]]:
    from deskctl.kb.index import load_index

    return [(article_id, "") for article_id in load_index(_app(ctx).desk).ids()]


def _desk_choices(key: str) -> Callable[[click.Context], list[tuple[str, str]]]:
    def values(ctx: click.Context) -> list[tuple[str, str]]:
        from deskctl.tickets.model import choices

        return [(str(value), "") for value in choices(_app(ctx).desk, key)]

    return values


ticket_id = _completer(_ticket_ids)
sop_name = _completer(_sop_names)
sop_param = _completer(_sop_params)
host = _completer(_hosts)
hosts = _comma_list(_hosts_then_groups)
host_pattern = _completer(_groups_then_hosts)
announcement_id = _completer(_announcement_ids)
kb_article_id = _completer(_kb_ids)
category = _completer(_desk_choices("categories"))
group = _completer(_desk_choices("groups"))
