"""`deskctl sop`: list, show, validate and run SOP runbooks; their run history."""

from __future__ import annotations

import os
import sys

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import (
    examples,
    interactive,
    json_option,
    parse_assignments,
    pass_app,
    yes_option,
)
from deskctl.errors import OperationFailed


@click.group()
def sop() -> None:
    """List, validate and run SOP runbooks locally and over SSH."""


def _library(app, with_inventory: bool = True):
    from deskctl.executor.inventory import load_inventory
    from deskctl.runbooks.engine import library_for

    return library_for(app.desk, app.plugins, load_inventory(app.desk) if with_inventory else None)


@sop.command("list", epilog=examples(
    'deskctl sop list',
    "deskctl sop list --json | jq -r '.[] | select(.valid) | .name'",
))
@json_option
@pass_app
def list_(app, as_json: bool) -> None:
    """Every SOP of the desk with its description and parameters."""
    library = _library(app)
    rows = []
    for path in library.files():
        runbook, problems = library.check(path)
        rows.append({
            "name": runbook.name if runbook else path.stem, "file": app.desk.rel(path),
            "description": runbook.description if runbook else "",
            "params": [p.name for p in runbook.params.values()] if runbook else [],
            "tags": runbook.tags if runbook else [], "valid": not problems,
        })  # fmt: skip
    if as_json:
        output.print_json(rows)
        return
    for row in rows:
        row["state"] = "" if row["valid"] else "INVALID"
    output.print_table(rows, [("name", "NAME"), ("params", "PARAMS"), ("description", "DESCRIPTION"), ("state", "")])


@sop.command()
@click.argument("name", shell_complete=completers.sop_name)
@json_option
@pass_app
def show(app, name: str, as_json: bool) -> None:
    """A SOP's parameters and steps."""
    runbook = _library(app).load(name)
    data = runbook.to_dict()
    if as_json:
        output.print_json(data)
        return
    output.print_keyvalues([("name", runbook.name), ("file", runbook.label), ("description", runbook.description),
                            ("targets", runbook.targets), ("confirm", runbook.confirm), ("lock", runbook.lock),
                            ("tags", runbook.tags)])
    if runbook.params:
        output.echo("\nPARAMETERS")
        rows = [{**p, "required": "yes" if p["required"] else "", "default": p["default"] if p["default"] is not None else ("<generated>" if p["generate"] else "")} for p in data["params"]]
        output.print_table(rows, [("name", "NAME"), ("type", "TYPE"), ("required", "REQUIRED"), ("default", "DEFAULT"), ("description", "DESCRIPTION")])
    for section, steps in (("STEPS", runbook.steps), ("ROLLBACK", runbook.rollback), ("FINALLY", runbook.finally_)):
        if steps:
            output.echo(f"\n{section}")
            rows = [{"n": i, "name": s.name, "type": s.type, "action": str(s.action).strip(), "when": s.when or ""} for i, s in enumerate(steps, 1)]
            output.print_table(rows, [("n", "#"), ("name", "NAME"), ("type", "TYPE"), ("action", "ACTION"), ("when", "WHEN")])


@sop.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@json_option
@pass_app
def validate(app, files: tuple[str, ...], as_json: bool) -> None:
    """Check SOP files (default: every SOP of the desk); list every problem as file:line."""
    from pathlib import Path

    from deskctl.errors import ValidationFailed

    library = _library(app)
    paths = [Path(f).resolve() for f in files] or library.files()
    problems: list[str] = []
    for path in paths:
        if not path.is_file():
            problems.append(f"{path}: file not found")
            continue
        problems += library.check(path)[1]
    problems = sorted(set(problems), key=_problem_key)
    if as_json:
        output.print_json({"ok": not problems, "files": [app.desk.rel(p) for p in paths], "problems": problems})
    if problems:
        raise ValidationFailed([] if as_json else problems, f"{len(problems)} problem(s) in {len(paths)} SOP file(s)")
    output.info(f"{len(paths)} SOP file(s) valid")


def _problem_key(problem: str) -> tuple:
    file, _, rest = problem.partition(":")
    line = rest.partition(":")[0]
    return (file, int(line) if line.isdigit() else 0, problem)


def _ask(question: str, choices: list[str], default: str | None, cancel=None) -> str:
    """Ask on the terminal (with no progress bar drawn over the question)."""
    from deskctl.util.progress import paused

    with paused():
        return _ask_now(question, choices, default, cancel)


def _ask_now(question: str, choices: list[str], default: str | None, cancel=None) -> str:
    """The question waits in a host's thread, where a signal cannot break a blocking read:
    the answer is read only once a line is there, and `cancel` (the run's stop) ends the wait."""
    import select

    if cancel is None or not sys.stdin.isatty():
        kind = click.Choice(choices) if choices else str
        return str(click.prompt(output.visible(question), type=kind, default=default, err=True))
    shown = output.visible(question) + (f" ({', '.join(choices)})" if choices else "") + (f" [{default}]" if default is not None else "")
    for _ in range(1000):  # bounded: an operator retyping a wrong answer a thousand times
        sys.stderr.write(shown + ": ")
        sys.stderr.flush()
        while not select.select([sys.stdin], [], [], 0.2)[0]:
            if cancel.is_set():
                sys.stderr.write("\n")
                raise OperationFailed("prompt not answered: the run was interrupted")
        line = sys.stdin.readline()
        if not line:
            raise OperationFailed("prompt not answered: end of input")
        value = line.strip() or default
        if value is None:
            continue
        if choices and value not in choices:
            output.error(f"{value!r} is not one of {', '.join(choices)}")
            continue
        return value
    raise OperationFailed("prompt not answered")


def _progress(host: str, section: str, step: str, result) -> None:
    where = "" if section == "steps" else f"{section}: "
    line = f"[{host}] {where}{step}: {result.status} ({result.duration:.1f}s)"
    if result.status in ("failed", "ignored", "interrupted") and result.message:
        line += f" - {result.message}"
    output.info(line)
    for warning in getattr(result, "warnings", ()):  # a plugin's result may predate them
        output.warn(f"[{host}] {step}: {warning}")


@sop.command(epilog=examples(
    'deskctl sop run restart-service -p service=postfix --hosts mx1 --ticket INC-7 --yes',
    'deskctl sop run disk-cleanup -p target=fs1 -p path=/var/tmp --dry-run  # connects nowhere',
    'deskctl sop run restart-service -p service=nginx --limit web --serial 5  # rolling batches',
    'deskctl -q sop run disk-cleanup -p target=fs1 -p path=/var/tmp --yes  # cron',
))
@click.argument("name", shell_complete=completers.sop_name)
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", shell_complete=completers.sop_param, help="A parameter value (repeatable); DESKCTL_PARAM_KEY=VALUE in the environment keeps a secret out of `ps`.")
@click.option("--hosts", metavar="H1,H2", shell_complete=completers.hosts, help="Run on these inventory hosts instead of the SOP's targets.")
@click.option("--limit", metavar="GROUP", shell_complete=completers.host_pattern, help="Only the SOP's targets in this group (or host pattern).")
@click.option("--ticket", "ticket_id", metavar="ID", help="Link the run to this ticket (history event; resolves it if the SOP says so).")
@click.option("--dry-run", is_flag=True, help="Render every step for every host; connect nowhere.")
@click.option("--answer", "answers", multiple=True, metavar="NAME=VALUE", help="Answer a prompt step (keyed by its register).")
@click.option("--forks", type=click.IntRange(1, 500), help="Hosts in parallel (default: runbooks.forks, 10).")
@click.option("--serial", type=click.IntRange(1), help="Rolling batches of N hosts; stop after a failed batch.")
@yes_option
@json_option
@pass_app
def run(app, name, params, hosts, limit, ticket_id, dry_run, answers, forks, serial, assume_yes, as_json) -> None:
    """Run SOP NAME on its targets (exit 0 all ok, 1 a host failed, 2 bad input, 4 busy,
    130/143 stopped by Ctrl-C/SIGTERM after rollback and finally ran)."""
    from deskctl.errors import BadInput, Interrupted
    from deskctl.runbooks import engine, hostlocks, interrupts

    tty = interactive(False)
    # DESKCTL_PARAM_<name> passes a value (a secret above all) without showing it in `ps`
    raw = {k[len("DESKCTL_PARAM_"):]: v for k, v in os.environ.items() if k.startswith("DESKCTL_PARAM_") and len(k) > 14}
    raw.update(parse_assignments(params, "-p"))
    plan = engine.prepare(
        app.desk, app.plugins, name, raw_params=raw, actor=app.actor,
        hosts=hosts, limit=limit, answers=parse_assignments(answers, "--answer"), ticket_id=ticket_id,
        dry_run=dry_run, interactive=tty, forks=forks, serial=serial,
    )  # fmt: skip
    runbook = plan.runbook
    if dry_run:
        result = engine.dry_run(plan)
        if as_json:
            output.print_json(result)
            return
        for host in result["hosts"]:
            output.echo(f"{host['host']} ({host['connection']} {host['address']})")
            for s in host["steps"]:
                when = f"   [when {s['when']}]" if s["when"] else ""
                where = "" if s["section"] == "steps" else f"{s['section']}: "
                output.echo(f"  {where}{s['name']}: {s['would'].strip()}{when}")
        output.info(f"dry run: {len(plan.hosts)} host(s), nothing connected, nothing changed")
        return
    if runbook.confirm and not assume_yes:
        if not tty:
            raise BadInput(f"{runbook.name} asks for confirmation and there is no terminal", "pass --yes to run it unattended; nothing was run")
        targets = ", ".join(h.name for h in plan.hosts)
        if not click.confirm(output.visible(f"Run {runbook.name} on {targets}?"), default=False, err=True):
            raise OperationFailed("not confirmed; nothing was run")
    plan.run.ask = _ask if tty else None
    plan.run.progress = _progress
    plan.run.notify = output.info
    # SIGINT/SIGTERM from here on stop the run properly (runbooks/interrupts.py): commands
    # killed on every host, rollback and finally run, the record says `interrupted`
    stop = plan.run.stop
    stop.armed = False  # while waiting for host locks a signal ends the command at once
    with interrupts.trapped(stop):
        with hostlocks.host_locks(plan):
            stop.armed = True
            output.info(f"run {plan.run.run_id}: {runbook.name} on {len(plan.hosts)} host(s)")
            record = engine.execute(plan)
        _report(app, plan, record, ticket_id, as_json)
        stop.sync(output.info)
    # what the disk refused to record (the run record, the ticket's event): the run happened
    refused = [e for e in (record.get("record_error"), record.get("ticket_error")) if e]
    if stop.requested:
        for problem in refused:
            output.warn(problem["message"])
        done = sum(1 for h in record["hosts"] if h["status"] == "ok")
        raise Interrupted(
            f"{runbook.name} interrupted by {stop.name}: ok on {done} of {len(record['hosts'])} host(s) (run {record['id']})",
            f"details: deskctl sop show-run {record['id']}", exit_code=stop.exit_code,
        )  # fmt: skip
    if refused:  # one line: the first refusal, and the other's outcome after it
        raise OperationFailed("; and ".join(e["message"] for e in refused), refused[0]["hint"])
    failed = [h for h in record["hosts"] if h["status"] != "ok"]
    if failed:
        raise OperationFailed(f"{runbook.name} failed on {len(failed)} of {len(record['hosts'])} host(s) (run {record['id']})", f"details: deskctl sop show-run {record['id']}")
    output.info(f"{runbook.name}: ok on {len(record['hosts'])} host(s) (run {record['id']})")


def _report(app, plan, record: dict, ticket_id: str | None, as_json: bool) -> None:
    """Generated secrets, the ticket's history event, and the summary (also after a stop)."""
    from deskctl.runbooks import secret_sink

    generated = {n: str(plan.run.params[n]) for n in plan.run.generated}
    for line in secret_sink.deliver(app.desk, record, generated):
        # shown once, to the person who ran it; the record holds only ***
        sys.stderr.write(output.visible(f"{line}   (shown once, not stored)") + "\n")
    if ticket_id:
        from deskctl.runbooks import ticketing
        from deskctl.util.fileio import DiskError

        try:
            record["ticket_actions"] = ticketing.report_run(app.desk, ticket_id, record, actor=app.actor, resolves=plan.runbook.resolves)
        except DiskError as exc:  # the run happened: say so, with what the disk refused
            record["ticket_error"] = {"message": exc.with_outcome(
                f"ticket {ticket_id} has no event of run {record['id']} ({record['status']})").message, "hint": exc.hint}
    if as_json:
        output.print_json(record)
    else:
        rows = [{**h, "duration": f"{h['duration']:.1f}s", "failed_step": h["failed_step"] or ""} for h in record["hosts"]]
        output.print_table(rows, [("host", "HOST"), ("status", "RESULT"), ("failed_step", "FAILED STEP"), ("reason", "REASON"), ("duration", "TIME")])


@sop.command()
@click.option("--sop", "sop_name", metavar="NAME", help="Only runs of this SOP.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="How many runs, newest first.")
@json_option
@pass_app
def history(app, sop_name: str | None, limit: int, as_json: bool) -> None:
    """Past runs, newest first."""
    from deskctl.runbooks import records

    rows = records.history(app.desk, sop_name, limit)
    if as_json:
        output.print_json(rows)
        return
    from deskctl.util.moments import desk_local

    rows = [{**row, "started_at": desk_local(app.desk, row.get("started_at"))} for row in rows]
    output.print_table(rows, [("id", "RUN"), ("sop", "SOP"), ("status", "STATUS"), ("hosts", "HOSTS"), ("failed", "FAILED"), ("started_at", "STARTED"), ("actor", "ACTOR"), ("ticket", "TICKET")])


@sop.command("show-run")
@click.argument("run_id")
@json_option
@pass_app
def show_run(app, run_id: str, as_json: bool) -> None:
    """One run: parameters (secrets masked), hosts, every step's status and output tail."""
    from deskctl.runbooks import records

    record = records.load(app.desk, run_id)
    if as_json:
        output.print_json(record)
        return
    from deskctl.util.moments import desk_local

    shown = {**record, "started_at": desk_local(app.desk, record.get("started_at"))}
    output.print_keyvalues([(k, shown.get(k)) for k in ("id", "sop", "sop_hash", "status", "actor", "ticket", "started_at", "duration")]
                           + [("params", ", ".join(f"{k}={v}" for k, v in record.get("params", {}).items()))])
    for host in record.get("hosts", []):
        output.echo(f"\n{host['host']}: {host['status']}" + (f" - {host['reason']}" if host.get("reason") else ""))
        rows = [{**s, "rc": "" if s["rc"] is None else s["rc"], "out": (s.get("message") or s.get("stdout_tail", "")).strip()} for s in host.get("steps", [])]
        output.print_table(rows, [("section", "SECTION"), ("name", "STEP"), ("status", "STATUS"), ("rc", "RC"), ("out", "OUTPUT")])


@sop.command()
@json_option
@pass_app
def types(app, as_json: bool) -> None:
    """The step types available (built in and from plugins)."""
    from deskctl.plugins.manager import Registry

    registry = Registry("step type").collect(app.plugins, "register_step_types")
    rows = [{"name": n, "plugin": registry.owners[n], "summary": getattr(t, "summary", "")} for n, t in sorted(registry.items.items())]
    if as_json:
        output.print_json(rows)
        return
    output.print_table(rows, [("name", "TYPE"), ("plugin", "PLUGIN"), ("summary", "WHAT IT DOES")])


@sop.command()
@pass_app
def schema(app) -> None:
    """The JSON Schema of the SOP format (for editors and CI)."""
    from deskctl.runbooks.schema import json_schema

    output.print_json(json_schema(sorted(_library(app, False).step_types)))
