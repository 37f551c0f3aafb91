"""`deskctl announce ...`: outage and maintenance notices from draft to archive, and
`deskctl bulletin`: what front-line staff tell callers today."""

from __future__ import annotations

from pathlib import Path

import click

from deskctl import output
from deskctl.commands import _completers as completers
from deskctl.commands._common import examples, json_option, pass_app

set_option = click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
                          help="A field value; repeat it. Lists: services=mail,calendar; one language: impact.it=...")
from_option = click.option("--from", "from_file", type=click.Path(dir_okay=False), metavar="FILE.yaml",
                           help="Read the fields from a YAML file (--set values win).")


@click.group()
def announce() -> None:
    """Outage and maintenance announcements: create, approve, publish, update, resolve, cancel."""


def _raw_fields(app, from_file: str | None, assignments: tuple[str, ...]):
    """The raw fields and a function naming where each came from (file:line or --set)."""
    from deskctl.announcements.fields import parse_assignments
    from deskctl.commands._common import parse_assignments as split_pairs
    from deskctl.desk import yamlio
    from deskctl.errors import BadInput

    raw: dict = {}
    lines: dict = {}
    label = ""
    if from_file:
        path = Path(from_file)
        label = str(from_file)
        data = yamlio.load(path, label, use_cache=False)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise BadInput(f"{label}:1: expected a mapping of fields (services: ..., start: ...)")
        raw.update({str(k): v for k, v in data.items()})
        lines = yamlio.line_index(path)
    from_set = parse_assignments(split_pairs(assignments, "--set"))
    raw.update(from_set)

    def where(name: str) -> str:
        if name in from_set or not label:
            return f"--set {name}"
        return f"{label}:{lines.get((name,), 1)}: {name}"

    return raw, where


def _channels(app) -> dict:
    from deskctl.plugins.manager import Registry

    registry = Registry("channel").collect(app.plugins, "register_channels")
    for problem in registry.errors:
        output.warn(problem)
    return registry.items


def _print_report(report, as_json: bool, record: dict | None = None) -> None:
    from deskctl.errors import OperationFailed

    data = report.to_dict()
    if record is not None:
        data["status"] = record["status"]
    for warning in report.warnings:
        output.warn(warning)
    if as_json:
        output.print_json(data)
    else:
        for note in report.notes:
            output.info(note)
        rows = [{**d, "result": "sent"} for d in report.sent] + [{**d, "result": "FAILED: " + d["error"]} for d in report.failed]
        rows += [{**d, "result": "already sent"} for d in report.skipped]
        if rows:
            output.print_table(rows, [("channel", "CHANNEL"), ("language", "LANG"), ("recipients", "TO"), ("result", "RESULT")])
        output.info(f"{report.id} v{report.version}: {len(report.sent)} sent, {len(report.skipped)} already sent, {len(report.failed)} failed")
    if report.failed:
        raise OperationFailed(f"{len(report.failed)} delivery(ies) of {report.id} failed",
                              f"fix the cause and run `deskctl announce publish {report.id}` again: only those are retried")


def _publish(app, ann_id: str, as_json: bool, only: tuple[str, ...] = (), *, allow_fallback: bool = False,
             short_notice: str | None = None) -> None:
    from deskctl.announcements.publish import publish
    from deskctl.announcements.store import Announcements

    report = publish(app.desk, ann_id, actor=app.actor, channels=_channels(app), only=list(only) or None,
                     allow_fallback=allow_fallback, short_notice=short_notice)
    _print_report(report, as_json, Announcements.for_desk(app.desk).get(ann_id))


def _translation_warnings(app, record: dict) -> None:
    """Warn about each free-text field without its own text in a language the newest version
    goes to: those notices would show another language's text."""
    from deskctl.announcements.publish import fallback_problems

    for problem in fallback_problems(app.desk, record, record["versions"][-1]):
        output.warn(problem)


def _short_notice_line(record: dict) -> None:
    from deskctl.announcements.notice import summary

    if summary(record) and record["versions"][-1].get("notice", "announcement") == "announcement":
        output.warn(f"{record['id']} goes out at short notice: {summary(record)}")


def _done(record: dict, as_json: bool, message: str) -> None:
    if as_json:
        output.print_json(record)
    else:
        output.echo(record["id"])
        output.info(message)


@announce.command(epilog=examples(
    'deskctl announce create planned-maintenance --from maintenance.yaml  # prints ANN-0001',
    'deskctl announce create unplanned-outage --set services=vpn --set start=now \\',
    '    --set impact.en="The VPN is down." --ticket INC-7',
    'deskctl announce kinds  # the kinds and the fields each needs',
))
@click.argument("kind")
@set_option
@from_option
@click.option("--ticket", metavar="ID", help="The incident ticket this announcement is about.")
@json_option
@pass_app
def create(app, kind: str, assignments, from_file, ticket, as_json: bool) -> None:
    """Create a draft KIND announcement (see `announce kinds`); all problems are listed at once."""
    from deskctl.announcements import workflow

    raw, where = _raw_fields(app, from_file, assignments)
    if ticket:
        ticket = _check_ticket(app, ticket)
    record = workflow.create(app.desk, kind, raw, actor=app.actor, where=where, ticket=ticket)
    from deskctl.announcements.notice import short_notice

    found = short_notice(app.desk.config, record, record["versions"][-1])
    if found:  # said now, not only when it is sent for approval
        output.warn(f"{record['id']}: {found.describe()}: submitting it will need --short-notice REASON")
    _done(record, as_json, f"created {record['id']} ({kind}, draft); next: deskctl announce preview {record['id']}, then submit it")


def _check_ticket(app, ticket: str) -> str:
    """The incident ticket's id as the ticket store writes it; an unknown one is refused."""
    try:
        from deskctl.tickets import operations
    except ImportError:  # a build without tickets: keep the reference as given
        return ticket
    return str(operations.get_ticket(app.desk, ticket)["id"])


@announce.command()
@json_option
@pass_app
def kinds(app, as_json: bool) -> None:
    """The announcement kinds with their required and optional fields."""
    from deskctl.announcements.kinds import load_kinds

    rows = [k.to_dict() for k in load_kinds(app.desk.config).values()]
    if as_json:
        output.print_json(rows)
        return
    for i, row in enumerate(rows):  # field lists are too long for table columns
        output.echo(("\n" if i else "") + f"{row['name']}: {row['summary']}")
        output.echo(f"  required: {', '.join(row['required'])}")
        output.echo(f"  optional: {', '.join(row['optional'])}")


def _render_selection(app, ann_id: str, langs: tuple[str, ...], channels: tuple[str, ...], version: int | None):
    from deskctl.announcements.records import languages_of, version_of
    from deskctl.announcements.render import TEMPLATE_CHANNELS, Renderer
    from deskctl.announcements.store import Announcements

    record = Announcements.for_desk(app.desk).get(ann_id)
    chosen = version_of(record, version)
    offered = languages_of(record, chosen, app.desk.config)
    for lang in langs:
        if lang not in offered:
            from deskctl.errors import BadInput

            raise BadInput(f"--lang {lang!r}: {record['id']} is not written in that language",
                           f"it is in {', '.join(offered)}; a new language needs the desk's `languages:` "
                           "and templates in it")
    languages = list(langs) or offered
    return record, Renderer(app.desk).render_version(record, chosen, languages, list(channels) or list(TEMPLATE_CHANNELS))


def _sms_summary(sms: dict) -> str:
    return f"{sms['length']} characters, {sms['encoding']}, {sms['segments']} segment{'s' if sms['segments'] != 1 else ''}"


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--lang", "langs", multiple=True, metavar="L", help="Only this language (repeatable).")
@click.option("--channel", "channels", multiple=True, type=click.Choice(["email", "sms", "chat", "web", "bulletin"]), help="Only this channel (repeatable).")
@click.option("--version", type=int, help="An earlier version (default: the current one).")
@json_option
@pass_app
def preview(app, ann_id: str, langs, channels, version, as_json: bool) -> None:
    """Show the rendered texts; SMS parts report their length and segments."""
    _, results = _render_selection(app, ann_id, langs, channels, version)
    for warning in dict.fromkeys(w for r in results for w in r.warnings):
        output.warn(warning)
    if as_json:
        output.print_json([r.to_dict() for r in results])
        return
    for i, rendered in enumerate(results):
        extra = f" ({_sms_summary(rendered.sms)})" if rendered.sms else ""
        output.echo(("\n" if i else "") + f"=== {rendered.language} {rendered.channel}{extra} · {rendered.template}")
        for part, text in rendered.parts.items():
            if len(rendered.parts) > 1:
                output.echo(f"--- {part}")
            output.echo(text)


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write <lang>/<channel> files into.")
@click.option("--version", type=int, help="An earlier version (default: the current one).")
@json_option
@pass_app
def render(app, ann_id: str, out_dir: str, version, as_json: bool) -> None:
    """Render every language x channel into files under --out."""
    from deskctl.announcements.files import write_rendered

    record, results = _render_selection(app, ann_id, (), (), version)
    rows = []
    for rendered in results:
        files = write_rendered(Path(out_dir) / rendered.language, rendered)
        rows.append({**rendered.to_dict(), "files": [str(f) for f in files]})
    for warning in dict.fromkeys(w for r in results for w in r.warnings):
        output.warn(warning)
    if as_json:
        output.print_json({"id": record["id"], "out": out_dir, "rendered": rows})
        return
    output.print_table(
        [{"language": r["language"], "channel": r["channel"], "files": len(r["files"]),
          "notes": _sms_summary(r["sms"]) if r.get("sms") else ""} for r in rows],
        [("language", "LANG"), ("channel", "CHANNEL"), ("files", "FILES"), ("notes", "NOTES")],
    )
    output.info(f"wrote {sum(len(r['files']) for r in rows)} files to {out_dir}")


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--note", default="", help="A note for the approvers.")
@click.option("--short-notice", "short_notice", metavar="REASON",
              help="Why it is announced later than its kind's minimum notice (announcements.min_notice).")
@json_option
@pass_app
def submit(app, ann_id: str, note: str, short_notice, as_json: bool) -> None:
    """Send a draft for approval; a missing translation of a field is a warning."""
    from deskctl.announcements import workflow

    record = workflow.submit(app.desk, ann_id, actor=app.actor, note=note, short_notice=short_notice)
    _translation_warnings(app, record)
    _done(record, as_json, f"{record['id']} submitted: {record['timeline'][-1].get('note', '')}")


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--comment", default="", help="Recorded with the approval.")
@json_option
@pass_app
def approve(app, ann_id: str, comment: str, as_json: bool) -> None:
    """Approve a submitted announcement (needs an approver role; major needs more)."""
    from deskctl.announcements import workflow

    record = workflow.approve(app.desk, ann_id, actor=app.actor, comment=comment)
    _short_notice_line(record)
    ready = record["status"] == "approved" or (record["status"] == "published" and not record.get("pending")
                                                and record.get("public_version", record["version"]) != record["version"])
    _done(record, as_json, f"{record['id']} approved by {app.actor}; status {record['status']}"
          + (f"; next: deskctl announce publish {record['id']}" if ready else ""))


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--reason", required=True, help="Why: what must change.")
@json_option
@pass_app
def reject(app, ann_id: str, reason: str, as_json: bool) -> None:
    """Send a submitted announcement back with the reason."""
    from deskctl.announcements import workflow

    record = workflow.reject(app.desk, ann_id, actor=app.actor, reason=reason)
    _done(record, as_json, f"{record['id']} rejected: {reason}")


@announce.command(epilog=examples(
    'deskctl announce publish ANN-1  # once approved: every publish channel',
    'deskctl announce publish ANN-1 --channel statuspage  # one channel only',
    'deskctl announce publish ANN-1 --short-notice "security fix"  # less notice than the kind wants',
))
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--channel", "only", multiple=True, metavar="NAME", help="Only this channel (default: announcements.publish_channels).")
@click.option("--short-notice", "short_notice", metavar="REASON",
              help="Why it goes out later than its kind's minimum notice (announcements.min_notice).")
@click.option("--allow-fallback", is_flag=True,
              help="Publish even though a field has no text in one of its languages (the default language's is shown).")
@json_option
@pass_app
def publish(app, ann_id: str, only, short_notice, allow_fallback: bool, as_json: bool) -> None:
    """Deliver the current version; sends only what was not delivered yet (exit 1 on failures)."""
    _publish(app, ann_id, as_json, only, allow_fallback=allow_fallback, short_notice=short_notice)


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@set_option
@from_option
@click.option("--note", default="", help="What changed, for the timeline.")
@click.option("--no-publish", is_flag=True, hidden=True, help="No effect: a change is never sent before it is approved.")
@json_option
@pass_app
def update(app, ann_id: str, assignments, from_file, note: str, no_publish: bool, as_json: bool) -> None:
    """Change fields (a new version). A change to a published announcement needs approval
    before `publish` sends it; until then the public sees the published version."""
    from deskctl.announcements import workflow
    from deskctl.errors import BadInput

    raw, where = _raw_fields(app, from_file, assignments)
    if not raw:
        raise BadInput("nothing to update", "pass --set field=value or --from FILE.yaml")
    record = workflow.update(app.desk, ann_id, raw, actor=app.actor, where=where, note=note)
    if record.get("pending"):
        # what the public sees changes only once the change is approved, then published
        _done(record, as_json, f"{record['id']}: version {record['version']} recorded; it awaits approval "
              f"(`deskctl announce approve {record['id']}` by an approver, then `deskctl announce publish "
              f"{record['id']}`); until then the public sees version {record['public_version']}")
        return
    _done(record, as_json, f"{record['id']}: version {record['version']} recorded ({record['status']})")


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@set_option
@click.option("--at", "at", metavar="TIME", help="When it was resolved (default: now).")
@click.option("--no-publish", is_flag=True, help="Record the closing notice without sending it yet.")
@click.option("--allow-fallback", is_flag=True,
              help="Publish even though a field has no text in one of its languages (the default language's is shown).")
@json_option
@pass_app
def resolve(app, ann_id: str, assignments, at, no_publish: bool, allow_fallback: bool, as_json: bool) -> None:
    """Close a published announcement: record the closing notice (e.g. --set resolution.en=...
    --set resolution.it=...: one text per language). It awaits approval like an update (then
    `announce publish` sends it), unless announcements.preapproved_updates lists the kind:
    then it is published at once."""
    from deskctl.announcements import workflow

    raw, where = _raw_fields(app, None, assignments)
    record = workflow.resolve(app.desk, ann_id, raw, actor=app.actor, where=where, at=at,
                              refuse_fallbacks=not no_publish and not allow_fallback)
    if (record.get("pending") or {}).get("notice") == "closing":
        _translation_warnings(app, record)
        _done(record, as_json, f"{record['id']}: closing notice recorded as version {record['version']}; it awaits "
              f"approval (`deskctl announce approve {record['id']}` by an approver, then `deskctl announce publish "
              f"{record['id']}`); until then the public sees version {record['public_version']}")
        return
    if not no_publish:
        _publish(app, record["id"], as_json, allow_fallback=allow_fallback)
        return
    _translation_warnings(app, record)
    _done(record, as_json, f"{record['id']} resolved; publish the closing notice with `deskctl announce publish {record['id']}`")


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@click.option("--reason", required=True, help="Why it will not happen (recorded, shown to the approvers).")
@set_option
@json_option
@pass_app
def cancel(app, ann_id: str, reason: str, assignments, as_json: bool) -> None:
    """Cancel an announcement that will not happen. A published one gets a cancellation notice
    (approved like an update, then `publish` sends it where the announcement went; --set
    cancellation.LANG=... adds a text); one never published is simply cancelled."""
    from deskctl.announcements import workflow
    from deskctl.announcements.publish import went_to

    raw, where = _raw_fields(app, None, assignments)
    record = workflow.cancel(app.desk, ann_id, raw, actor=app.actor, where=where, reason=reason)
    if record["status"] == "cancelled":
        _done(record, as_json, f"{record['id']} cancelled; it was never published, so nothing is sent")
        return
    _translation_warnings(app, record)
    channels = ", ".join(went_to(record, record["version"])) or "the publish channels"
    _done(record, as_json, f"{record['id']}: cancellation notice recorded as version {record['version']}; it awaits "
          f"approval (`deskctl announce approve {record['id']}` by an approver), then `deskctl announce publish "
          f"{record['id']}` sends it to {channels} in {', '.join(record['versions'][-1]['fields'].get('languages') or [])}")


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@json_option
@pass_app
def archive(app, ann_id: str, as_json: bool) -> None:
    """Archive a resolved or cancelled (or abandoned draft) announcement."""
    from deskctl.announcements import workflow

    record = workflow.archive(app.desk, ann_id, actor=app.actor)
    _done(record, as_json, f"{record['id']} archived")


def _since(desk, text: str):
    from deskctl.util.moments import desk_moment

    return desk_moment(desk, text, "--since")


@announce.command("list")
@click.option("--status", type=click.Choice(["draft", "submitted", "rejected", "approved", "published", "resolved", "cancelled", "archived"]), help="Only this status.")
@click.option("--kind", help="Only this kind.")
@click.option("--search", metavar="TEXT", help="Text in id, kind, services, ticket or any field.")
@click.option("--since", metavar="WHEN", help="Created since: 7d (ago), 2026-11-01, an ISO time.")
@json_option
@pass_app
def list_(app, status, kind, search, since, as_json: bool) -> None:
    """Announcements, newest first."""
    from deskctl.announcements.query import search_records

    rows = search_records(app.desk, status=status, kind=kind, text=search, since=_since(app.desk, since) if since else None)
    if as_json:
        output.print_json(rows)
        return
    if not rows:
        output.info("no announcements match")
        return
    output.print_table(rows, [("id", "ID"), ("kind", "KIND"), ("status", "STATUS"), ("version", "VER"),
                              ("severity", "SEVERITY"), ("services", "SERVICES"), ("start", "START"), ("end", "END")])


@announce.command()
@click.argument("ann_id", metavar="ID", shell_complete=completers.announcement_id)
@json_option
@pass_app
def show(app, ann_id: str, as_json: bool) -> None:
    """Fields, versions, approvals, deliveries and timeline of one announcement."""
    from deskctl.announcements.query import describe

    data = describe(app.desk, ann_id)
    if as_json:
        output.print_json(data)
        return
    from deskctl.util.moments import desk_local

    def local(rows: list[dict], key: str) -> list[dict]:
        return [{**row, key: desk_local(app.desk, row.get(key))} for row in rows]

    output.print_keyvalues([
        ("id", data["id"]), ("kind", data["kind"]), ("status", data["status"]), ("version", data["version"]),
        ("ticket", data.get("ticket") or "-"),
        ("created", f"{desk_local(app.desk, data['created_at'])} by {data['created_by']}"),
        ("approval", data["approval"]["summary"]),
        *([("short notice", data["approval"]["short_notice"])] if data["approval"].get("short_notice") else []),
        *([("cancelled", data["cancel_reason"])] if data.get("cancel_reason") else []),
    ])
    output.echo("\nFIELDS")
    output.print_keyvalues([(k, v if not isinstance(v, dict) else "; ".join(f"{l}: {t}" for l, t in v.items()))
                            for k, v in data["fields"].items()])
    for title, key, when, columns in (
        ("VERSIONS", "versions", "created_at", [("version", "VER"), ("notice", "NOTICE"), ("created_at", "AT"), ("created_by", "BY"), ("note", "NOTE")]),
        ("APPROVALS", "approvals", "at", [("decision", "DECISION"), ("actor", "BY"), ("roles", "ROLES"), ("version", "VER"), ("at", "AT"), ("comment", "COMMENT")]),
        ("DELIVERIES", "deliveries", "at", [("channel", "CHANNEL"), ("language", "LANG"), ("recipients", "TO"), ("version", "VER"), ("status", "STATUS"), ("attempts", "TRIES"), ("at", "AT"), ("error", "ERROR")]),
        ("TIMELINE", "timeline", "at", [("at", "AT"), ("actor", "ACTOR"), ("action", "ACTION"), ("version", "VER"), ("note", "NOTE")]),
    ):
        if data.get(key):
            output.echo(f"\n{title}")
            output.print_table(local(data[key], when), columns)


@announce.command()
@json_option
@pass_app
def statuspage(app, as_json: bool) -> None:
    """Rebuild the status page and Atom feeds now (for cron: a planned maintenance turns
    "in progress" when its window starts, without a new publish)."""
    from deskctl.announcements.statuspage import build, output_dir

    settings = dict((app.desk.config.get("channels") or {}).get("statuspage") or {})
    settings["_desk"] = app.desk
    written = build(app.desk, settings)
    if as_json:
        output.print_json({"written": [app.desk.rel(p) for p in written]})
    elif written:
        output.info(f"status page rebuilt: {len(written)} file(s) changed under {app.desk.rel(output_dir(app.desk, settings))}")
    else:
        output.info(f"status page up to date under {app.desk.rel(output_dir(app.desk, settings))}: nothing changed")


@click.command()
@click.option("--lang", metavar="L", help="Language (default: the desk's default language).")
@json_option
@pass_app
def bulletin(app, lang, as_json: bool) -> None:
    """Active bulletins for front-line staff: what to tell callers and what to register."""
    from deskctl.announcements.active import active_bulletins

    items = active_bulletins(app.desk, lang=lang)
    for warning in dict.fromkeys(w for b in items for w in b.pop("warnings", [])):
        output.warn(warning)
    if as_json:
        output.print_json(items)
        return
    if not items:
        output.info("no active bulletins: no announced outage or maintenance today")
        return
    for i, item in enumerate(items):
        output.echo(("\n" if i else "") + f"[{item['state']}] " + item["text"])
