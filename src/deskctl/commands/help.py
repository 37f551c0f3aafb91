"""`deskctl help`: any command's help, and man pages for every command (`--man DIR`).

The man pages are made from the click commands themselves (their help, options and
examples), so they never say other than `--help`; `deskctl.util.roff` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from deskctl import output
from deskctl.commands._common import examples

EXAMPLES = "Examples:"


@click.command("help", epilog=examples(
    "deskctl help ticket create  # the same as: deskctl ticket create --help",
    "deskctl help --man man/  # man/deskctl.1, man/deskctl-ticket.1, ...",
    "man -l man/deskctl-ticket-create.1  # read one without installing it",
    "deskctl help sop --man man/  # only the pages of `deskctl sop` and its commands",
))
@click.argument("words", nargs=-1, metavar="[COMMAND]...")
@click.option("--man", "man_dir", is_flag=False, flag_value="man", default=None, metavar="[DIR]",
              type=click.Path(file_okay=False),
              help="Write a man page per command into DIR (default: ./man): deskctl.1, deskctl-ticket.1, "
                   "deskctl-ticket-create.1, ...")
@click.pass_context
def help_(ctx: click.Context, words: tuple[str, ...], man_dir: str | None) -> None:
    """Show the help of COMMAND (`deskctl help ticket create`), or of deskctl itself; with
    --man, write man pages instead, for COMMAND and every command under it."""
    root_ctx = ctx.find_root()
    command, command_ctx, path = _resolve(root_ctx, list(words))
    if man_dir is None:
        output.echo(command.get_help(command_ctx))
        return
    from deskctl import __version__
    from deskctl.util import clock

    folder = Path(man_dir)
    folder.mkdir(parents=True, exist_ok=True)
    date = clock.now().date().isoformat()
    written = 0
    for page_path, cmd, cmd_ctx, children in _walk(command, command_ctx, path):
        text = man_page(page_path, cmd, cmd_ctx, children, date=date, version=__version__)
        (folder / f"{'-'.join(page_path)}.1").write_text(text, encoding="utf-8")
        written += 1
    output.echo(str(folder))
    output.info(f"wrote {written} man page(s) to {folder} (read one with: man -l {folder / '-'.join(path)}.1)")


def _resolve(root_ctx: click.Context, words: list[str]) -> tuple[click.Command, click.Context, list[str]]:
    """The command named by `words` (`ticket create`), its context, and its full path."""
    from deskctl.errors import BadInput

    command, ctx, path = root_ctx.command, root_ctx, ["deskctl"]
    for word in words:
        sub = command.get_command(ctx, word) if isinstance(command, click.Group) else None
        if sub is None:
            raise BadInput(f"no command `{' '.join([*path, word])}`", f"`{' '.join(path)} --help` lists its commands")
        command, ctx, path = sub, click.Context(sub, info_name=word, parent=ctx), [*path, word]
    return command, ctx, path


def _walk(command: click.Command, ctx: click.Context, path: list[str]
          ) -> Iterator[tuple[list[str], click.Command, click.Context, list[tuple[str, click.Command]]]]:
    """Every command from `command` down (hidden ones left out), with its visible children."""
    children: list[tuple[str, click.Command]] = []
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            try:
                sub = command.get_command(ctx, name)
            except Exception as exc:  # a plugin's command that cannot load: the others still get pages
                output.warn(f"no man page for `{' '.join([*path, name])}`: {type(exc).__name__}: {exc}")
                continue
            if sub is not None and not sub.hidden:
                children.append((name, sub))
    yield path, command, ctx, children
    for name, sub in children:
        yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx), [*path, name])


def _paragraphs(text: str) -> Iterator[tuple[bool, str]]:
    """(verbatim, text) per paragraph of a click help text: a paragraph whose first line is
    `\\b` is kept as it is (click does not rewrap it either)."""
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        if block.lstrip("\n").startswith("\b"):
            yield True, block.lstrip("\n")[1:].lstrip("\n")
        else:
            yield False, block


def _help_text(command: click.Command) -> str:
    import inspect

    text = inspect.cleandoc(command.help or "")
    return text.split("\f", 1)[0]  # click's marker: what follows is not help


def _option_term(names: str) -> str:
    """`-q, --quiet` or `--title TEXT` as roff: names bold, the value's placeholder italic."""
    from deskctl.util import roff

    parts = []
    for piece in names.split(", "):
        name, _, metavar = piece.partition(" ")
        # `\:` lets a long list of choices (`[draft|submitted|...]`) break after a bar
        parts.append(roff.bold(name) + (" " + roff.italic(metavar).replace("|", "|\\:") if metavar else ""))
    return ", ".join(parts)


def man_page(path: list[str], command: click.Command, ctx: click.Context,
             children: list[tuple[str, click.Command]], *, date: str, version: str) -> str:
    """The man page of `command` (at `path`, e.g. ["deskctl", "ticket", "create"]) in roff."""
    from deskctl.util import roff

    name = "-".join(path)
    page = roff.Page(name, "1", date, f"deskctl {version}", "deskctl manual")
    help_text = _help_text(command)
    if len(path) > 1:
        summary = command.get_short_help_str(limit=120)
    else:  # the root's help starts "deskctl: run SOP runbooks, ..."
        summary = help_text.split(".")[0].removeprefix(f"{path[0]}:")
    summary = " ".join(summary.split())
    page.heading("name")
    page.raw(f"{roff.escape(name)} \\- {roff.escape(summary.rstrip('.'))}")
    page.heading("synopsis")
    usage = " ".join(command.collect_usage_pieces(ctx))
    page.raw(f"{roff.bold(' '.join(path))} {roff.escape(usage)}".rstrip())
    if help_text.strip():
        page.heading("description")
        for verbatim, text in _paragraphs(help_text):
            (page.verbatim if verbatim else page.paragraph)(text)
    options = [record for param in command.get_params(ctx) if (record := param.get_help_record(ctx))]
    if options:
        page.heading("options")
        for names, text in options:
            page.definition(_option_term(names), text)
    if children:
        page.heading("commands")
        for child_name, child in children:
            page.definition(roff.bold(child_name), f"{child.get_short_help_str(limit=120)} "
                                                   f"See {'-'.join([*path, child_name])}(1).")
    epilog = inspect_epilog(command)
    if epilog:
        examples = epilog.startswith(EXAMPLES)
        page.heading("examples" if examples else "notes")
        for verbatim, text in _paragraphs(epilog[len(EXAMPLES):] if examples else epilog):
            (page.verbatim if verbatim or examples else page.paragraph)(text)
    related = ["-".join(path[:-1])] if len(path) > 1 else []
    related += ["-".join([*path, child_name]) for child_name, _ in children]
    if related:
        page.heading("see also")
        page.raw(",\n".join(f".BR {roff.escape(other)} (1)" for other in related))
    return page.text()


def inspect_epilog(command: click.Command) -> str:
    import inspect

    return inspect.cleandoc(command.epilog or "")
