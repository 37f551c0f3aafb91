"""`deskctl config check` for runbooks: every SOP in sops/ and config/inventory.yaml."""

from __future__ import annotations

from deskctl.desk import yamlio
from deskctl.errors import DeskError
from deskctl.hookspecs import hookimpl


def check_inventory(desk) -> tuple[object | None, list[str]]:
    from deskctl.executor.inventory import INVENTORY_FILE, check, load_inventory

    path = desk.path / INVENTORY_FILE
    # with inventory.sources, load_inventory reads (and checks) only the files listed
    if path.is_file() and not desk.setting("inventory", "sources"):
        label = desk.rel(path)
        try:
            data = yamlio.load(path, label, use_cache=False)
        except DeskError as exc:
            return None, [exc.message]
        problems = check(data, label, yamlio.line_index(path))
        if problems:
            return None, problems
    try:
        return load_inventory(desk), []
    except DeskError as exc:
        # a deskctl file among inventory.sources lists each of its problems
        return None, list(getattr(exc, "problems", None) or [str(exc)])


def check_sops(desk, plugins, inventory=None) -> list[str]:
    from deskctl.runbooks.engine import library_for

    try:
        library = library_for(desk, plugins, inventory)
    except DeskError as exc:
        return list(getattr(exc, "problems", [])) or [str(exc)]
    problems: list[str] = []
    for path in library.files():
        problems += library.check(path)[1]
    return problems


@hookimpl
def check_desk(desk):
    from deskctl.plugins.manager import load_plugins

    inventory, problems = check_inventory(desk)
    # the step types come from every plugin of this desk (a desk plugin may add one)
    problems += check_sops(desk, load_plugins(desk.path), inventory)
    return sorted(set(problems))
