"""The root command group, its global options, and `run()`: the one error boundary.

Command groups are added by plugins (deskctl's own through `plugins/builtin_commands.py`);
built-in groups are lazy: their module is imported only when that group runs.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from deskctl import __version__, output
from deskctl.cli.boundary import guarded, print_error
from deskctl.cli.context import AppContext, load_plugins_for
from deskctl.cli.lazy_group import LazyGroup
from deskctl.cli.root_options import parse_root_options
from deskctl.errors import DeskError, ExitCode

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _root_callback(ctx: click.Context, desk_option: str | None, actor: str | None, debug: bool, quiet: bool) -> None:
    """deskctl: run SOP runbooks, work ticket queues, talk with requesters by mail, publish
    announcements, search the knowledge base and report the desk's KPIs, from one command line."""
    app: AppContext = ctx.ensure_object(AppContext)
    app.desk_option = desk_option
    app.actor = actor
    app.debug = debug
    app.quiet = quiet
    output.QUIET = quiet
    if ctx.invoked_subcommand is None:
        output.echo(ctx.get_help())


def make_cli() -> LazyGroup:
    """A fresh root group with the global options and no commands: one per run, so the
    commands one desk's plugins add are never seen by the next run in the same process."""
    callback = click.pass_context(_root_callback)
    for decorator in (
        click.option("-q", "--quiet", is_flag=True, help="Print only data and errors, no progress."),
        click.option("--debug", is_flag=True, help="Show tracebacks for errors."),
        click.option("--actor", metavar="NAME", help="Who is acting, recorded in histories (default: $DESKCTL_ACTOR or your login name); on a desk with accounts, on whose behalf (needs act-as)."),
        click.option("--desk", "desk_option", metavar="DIR", type=click.Path(file_okay=False), help="Desk folder (default: $DESKCTL_DESK, then the nearest parent holding config/deskctl.yaml)."),
        click.version_option(__version__, "--version", prog_name="deskctl", message="%(prog)s %(version)s"),
    ):
        callback = decorator(callback)
    group = click.group("cli", cls=LazyGroup, context_settings=CONTEXT_SETTINGS, invoke_without_command=True)(callback)
    assert isinstance(group, LazyGroup)
    return group


def build_cli(desk_option: str | None) -> tuple[click.Group, Any, set[str]]:
    """Load every plugin and let each add its commands; remember what they did (the index).
    Returns the root group, the plugins, and the command names plugins added or changed."""
    from deskctl.cli.command_table import COMMANDS
    from deskctl.desk.finder import find_desk_dir
    from deskctl.plugins import index
    from deskctl.plugins.events import is_builtin

    def imported_groups() -> set[str]:
        # a plugin may take a built-in group from its module (`deskctl.commands.ticket`)
        # rather than through `cli.get_command`: importing it counts as changing it, at the
        # plugin's import as well as in its hook
        return {n for n, (path, _) in COMMANDS.items() if path.partition(":")[0] in sys.modules}

    cli = make_cli()
    imported_at_start = imported_groups()
    plugins = load_plugins_for(desk_option)
    # built-in plugins import no command module (they register them lazily): what got imported
    # while the plugins were loaded was imported by another plugin
    third_party: set[str] = imported_groups() - imported_at_start
    for impl in plugins.pm.hook.register_commands.get_hookimpls():
        before = set(cli.commands) | set(cli.lazy)
        imported_before = imported_groups()
        try:
            impl.function(cli=cli)
        except Exception as exc:
            info = next((i for i in plugins.infos if i.name == impl.plugin_name), None)
            if info is not None:
                info.error = f"register_commands failed: {type(exc).__name__}: {exc}"
        added = (set(cli.commands) | set(cli.lazy)) - before
        if not is_builtin(impl):
            third_party |= added | {n for n in cli.commands if n in COMMANDS} | (imported_groups() - imported_before)
    impls = {name: getattr(plugins.pm.hook, name).get_hookimpls() for name in dir(plugins.pm.hook)
             if not name.startswith("_")}
    hooks = {name for name, found in impls.items() if found}
    third_party_hooks = {name for name, found in impls.items() if any(not is_builtin(i) for i in found)}
    index.write(find_desk_dir(desk_option), hooks, third_party, plugins.warnings, third_party_hooks)
    return cli, plugins, third_party


def _fast_cli(args: list[str], desk_option: str | None) -> tuple[click.Group, dict] | None:
    """The root group with the built-in commands only, when the plugin index shows that no
    plugin changes the command being run; None when a full load is needed."""
    from deskctl.cli.command_table import COMMANDS

    name = parse_root_options(args).command
    if name not in COMMANDS:
        return None
    from deskctl.desk.finder import find_desk_dir
    from deskctl.plugins import index

    found = index.read(find_desk_dir(desk_option))
    if found is None or name in found["commands"]:
        return None
    cli = make_cli()
    for command, (import_path, summary) in COMMANDS.items():
        cli.add_lazy_command(command, import_path, summary)
    return cli, found


def _click_exit_code(exc: BaseException) -> int | None:
    """Exit codes for click's own exceptions (the rest is `boundary.guarded`'s business)."""
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code
    if isinstance(exc, click.exceptions.Abort):
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            output.error("interrupted")
            return int(ExitCode.INTERRUPTED)
        output.error("aborted")  # Ctrl-D at a prompt
        return int(ExitCode.FAILED)
    if isinstance(exc, click.UsageError):
        # one line naming the problem and where to read more, as for every user mistake
        where = exc.ctx.command_path if exc.ctx else "deskctl"
        output.error(f"{exc.format_message()} (see '{where} --help')")
        return int(ExitCode.BAD_INPUT)
    if isinstance(exc, click.ClickException):
        output.error(exc.format_message())
        return int(ExitCode.BAD_INPUT) if exc.exit_code == 2 else exc.exit_code
    return None


def run(args: list[str]) -> int:
    """Run the CLI on `args`; map every outcome to an exit code (see errors.ExitCode)."""
    root_options = parse_root_options(args)
    debug, desk_option = root_options.debug, root_options.desk
    from deskctl.plugins import events
    from deskctl.util import progress

    # per-run global state starts fresh: an earlier run in this process (tests) left its own
    output.QUIET = root_options.quiet
    progress.reset()
    events.use_plugins(None)
    try:
        fast = _fast_cli(args, desk_option)
        if fast is not None:
            root, index = fast
            warnings = index["warnings"]
            app = AppContext(desk_option=desk_option, warnings=warnings)
            # hooks no plugin implements are never worth loading the plugins for
            events.use_plugins(loader=lambda: app.plugins, hooks=set(index["hooks"]),
                               third_party_hooks=set(index.get("third_party_hooks", index["hooks"])))
        else:
            root, plugins, _ = build_cli(desk_option)
            warnings = plugins.warnings
            app = AppContext(desk_option=desk_option, loaded_plugins=plugins, warnings=warnings)
            events.use_plugins(plugins)
    except DeskError as exc:
        print_error(exc)
        return int(exc.exit_code)
    for line in warnings:
        output.stderr_line(line)
    if args in ([], ["--help"], ["-h"]):
        with click.Context(root, info_name="deskctl", obj=app, **root.context_settings) as ctx:
            text = root.get_help(ctx) + "\n"
        sys.stdout.write(text)
        from deskctl.cli.help_cache import store_help

        store_help(text, warnings)
        return 0

    def call() -> int | None:
        # without standalone mode click returns an `Exit`'s code instead of exiting
        code = root.main(args=args, prog_name="deskctl", obj=app, standalone_mode=False)
        return code if type(code) is int else None

    from deskctl.audit import trail

    trail.begin()
    code = guarded(call, debug, _click_exit_code)
    notices = sys.modules.get("deskctl.mail.notices")  # imported only by a command that queued mail
    if notices is not None and notices.queued():
        _send_notices(app, notices)
    # bad input (exit 2) changed nothing and is no attempt worth keeping; a refusal (3) is
    if trail.pending(code) and code != ExitCode.BAD_INPUT:
        _audit(app, code, args)
    return code


def _send_notices(app: AppContext, notices) -> None:
    """Send the requester notices the command queued; one that cannot go now waits in the
    outbox (said in a warning: the command itself succeeded)."""
    queued = notices.queued()
    notices.begin()
    desk = app.opened_desk
    if desk is None:
        return
    try:
        report = notices.send_pending(desk, queued, actor=app.actor)
    except DeskError as exc:
        output.warn(f"requester notices not sent now ({exc}); `deskctl mail flush` sends them")
        return
    for failed in report.failed:
        output.warn(f"the {failed['kind']} notice to {failed['to']} ({failed['ticket']}) was not sent: "
                    f"{failed['error']}; it waits in the outbox (`deskctl mail flush`)")


def _audit(app: AppContext, code: int, args: list[str]) -> None:
    """Append the command's audit record; a failure to do so is said, the exit code kept
    (the command's own outcome is what scripts act on)."""
    from deskctl.audit import trail
    from deskctl.cli.context import default_actor

    desk = app.opened_desk
    if desk is None:  # nothing was opened, so nothing of a desk changed
        return
    words = [a for a in args if not a.startswith("-")][:2]
    quiet = code != 0  # the command said why it failed; the same cause (a lost server) needs no second line
    try:
        identity = app.resolved_identity
        trail.finish(desk, account=identity.account if identity else default_actor(), exit_code=code, argv_command=" ".join(words))
    except DeskError as exc:
        if not quiet:
            output.warn(f"the audit record of this command was not written: {exc}")
    except OSError as exc:
        if not quiet:
            output.warn(f"the audit record of this command was not written: {exc.strerror or exc}")


COMPLETE_VAR = "_DESKCTL_COMPLETE"


def completion_script(shell: str) -> str:
    """What the shell sources to complete deskctl (click's script for bash, zsh or fish)."""
    from click.shell_completion import get_completion_class

    comp_cls = get_completion_class(shell)
    if comp_cls is None:
        raise ValueError(f"no shell completion for {shell!r}")
    # the script only names the program and the variable: no command table is needed
    return comp_cls(None, {}, "deskctl", COMPLETE_VAR).source()  # type: ignore[arg-type]


def _print_completion_script(shell: str) -> int:
    sys.stdout.write(completion_script(shell) + "\n")
    return 0


def complete(instruction: str) -> int:
    """Answer the shell's request in `_DESKCTL_COMPLETE` (`bash_complete`, `zsh_source`, ...)
    with click's shell completion, through the same command table as a run (the plugin index
    fast path when it applies). A completion never prints a traceback or a warning into the
    user's prompt: any failure gives no candidates and exit 0."""
    import io

    from click.shell_completion import get_completion_class

    shell, _, action = instruction.partition("_")
    comp_cls = get_completion_class(shell)
    if comp_cls is None or action not in ("source", "complete"):
        return 1  # as click does for an instruction it does not know
    real_stderr = sys.stderr
    sys.stderr = io.StringIO()  # plugin and config warnings would land in the middle of the line
    try:
        if action == "source":  # the script names no command
            return _print_completion_script(shell)
        # the words before the one being completed decide, as for a run, whether plugins load
        args, _ = comp_cls(None, {}, "deskctl", COMPLETE_VAR).get_completion_args()  # type: ignore[arg-type]
        root_options = parse_root_options(args)
        output.QUIET = True
        from deskctl.plugins import events

        fast = _fast_cli(args, root_options.desk)
        if fast is not None:  # as in `run`: the stores the completers open see the same plugins
            root, index = fast
            app = AppContext(desk_option=root_options.desk)
            events.use_plugins(loader=lambda: app.plugins, hooks=set(index["hooks"]),
                               third_party_hooks=set(index.get("third_party_hooks", index["hooks"])))
        else:
            root, plugins, _ = build_cli(root_options.desk)
            app = AppContext(desk_option=root_options.desk, loaded_plugins=plugins)
            events.use_plugins(plugins)
        # as click's `shell_complete` does, without its empty line when nothing matches
        found = comp_cls(root, {"obj": app}, "deskctl", COMPLETE_VAR).complete()
        if found:
            sys.stdout.write(found + "\n")
        return 0
    except (Exception, KeyboardInterrupt):  # Ctrl-C at the prompt included: no traceback
        return 0
    finally:
        sys.stderr = real_stderr


def main() -> int:  # pragma: no cover - kept for `python -m deskctl.cli.root`
    return run(sys.argv[1:])
