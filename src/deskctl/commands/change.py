"""`deskctl change`: change requests (CHG tickets): create (also from CI), assess, submit,
approve or reject, implement in their window, verify, review, close; wait for a decision."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import (
    csv_list,
    examples,
    json_option,
    parse_assignments,
    pass_app,
    show_result,
)

multi = {"multiple": True}
IMPACT_OPTIONS = (("items", "--impact-item"), ("services", "--impact-service"),
                  ("applications", "--impact-application"), ("groups", "--impact-group"))


@click.group()
def change() -> None:
    """Change requests: assess, approve (CAB), implement in their window, verify, close."""


def _impact(items, services, applications, groups) -> dict | None:
    given = {"items": csv_list(items), "services": csv_list(services),
             "applications": csv_list(applications), "groups": csv_list(groups)}
    return {k: v for k, v in given.items() if v} or None


def impact_options(f):
    for key, flag in reversed(IMPACT_OPTIONS):
        f = click.option(flag, f"impact_{key}", metavar="NAME", **multi,
                         help=f"Impacted {key} given by hand (repeatable or comma-separated); replaces the CMDB's.")(f)
    return f


def wait_options(f):
    f = click.option("--poll", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True,
                     help="Seconds between two looks at the change while waiting.")(f)
    f = click.option("--timeout", default="30m", show_default=True, metavar="DURATION",
                     help="How long --wait-approval waits (30s, 10m, 2h); then exit 4.")(f)
    return click.option("--wait-approval", is_flag=True,
                        help="Block until the change is approved (exit 0), rejected (3) or the timeout (4).")(f)


def _seconds(timeout: str) -> float:
    from deskctl.util.durations import parse_duration

    return parse_duration(timeout, "--timeout")


def _wait(app, change_id: str, timeout: str, poll: float) -> None:
    """Wait for the decision, a line on stderr each time the status changes; exit 0/3/4."""
    from deskctl.changes.wait import wait_for_decision
    from deskctl.errors import Busy, NotPermitted

    seconds = _seconds(timeout)

    def said(status: str, change: dict) -> None:
        output.info(f"{change_id}: {status}" + (f" ({_approvals(change)})" if change.get("approvals") else ""))

    outcome = wait_for_decision(app.desk, change_id, timeout=seconds, poll=poll, on_status=said)
    if outcome == "rejected":
        from deskctl.changes.workflow import change_of, get

        change = change_of(get(app.desk, change_id))
        last = next((a for a in reversed(change.get("approvals") or []) if a.get("decision") == "rejected"), None)
        why = f" by {last['actor']}: {last.get('comment')}" if last else f" (it is {change['status']})"
        raise NotPermitted(f"{change_id} was rejected{why}", "do not deploy; change it and submit it again")
    if outcome == "timeout":
        raise Busy(f"{change_id} was not approved within {timeout}", f"wait again: deskctl change wait {change_id}")
    output.info(f"{change_id}: approved")


def _verification(text: str | None, sop: str | None, params: tuple[str, ...]) -> dict | None:
    if not (text or sop):
        return None
    found: dict = {"text": text} if text else {}
    if sop:
        found.update(sop=sop, params=parse_assignments(params, "--verify-param"))
    return found


def _approvals(change: dict) -> str:
    return ", ".join(f"{a['decision']} by {a['actor']}" for a in change.get("approvals") or [])


@change.command(epilog=examples(
    'deskctl change create --title "Upgrade nginx" --item web1 --sop restart-service -p service=nginx \\',
    '    --window-start 2026-12-05T22:00 --window-end 2026-12-06T02:00 --window-zone Europe/Rome --risk low',
    'deskctl change create --from-ci --item web1 --sop deploy --wait-approval --timeout 30m  # a CI gate',
    'deskctl change create --standard restart-web --item web1  # pre-approved from changes.catalogue',
))
@click.option("--title", help="Short summary (default from CI: repository, commit, pipeline).")
@click.option("--description", default="", help="Details.")
@click.option("--reason", default="", help="Why the change is needed.")
@click.option("--risk", type=click.Choice(["low", "medium", "high"]), help="The change's risk (default medium).")
@click.option("--type", "type_", type=click.Choice(["standard", "normal", "emergency"]), help="Default normal.")
@click.option("--standard", metavar="NAME", help="A standard change of the catalogue (changes.catalogue): pre-approved.")
@click.option("--item", "items", metavar="NAME", **multi, help="An affected configuration item (host, service...); repeatable.")
@click.option("--sop", metavar="NAME", help="The implementation plan: a SOP run on the change's hosts.")
@click.option("-p", "--param", "params", metavar="KEY=VALUE", **multi, help="A parameter of the plan's SOP.")
@click.option("--rollback-sop", metavar="NAME", help="The rollback plan: a SOP run when the implementation fails.")
@click.option("--rollback-param", "rollback_params", metavar="KEY=VALUE", **multi, help="A parameter of the rollback SOP.")
@click.option("--verify", "verify_text", metavar="TEXT", help="The verification plan, in words.")
@click.option("--verify-sop", metavar="NAME", help="The verification plan as a SOP, run by `change verify`.")
@click.option("--verify-param", "verify_params", metavar="KEY=VALUE", **multi, help="A parameter of the verification SOP.")
@click.option("--window-start", metavar="TIME", help="Start of the window (ISO 8601; without offset: in --window-zone).")
@click.option("--window-end", metavar="TIME", help="End of the window.")
@click.option("--window-zone", metavar="ZONE", help="The window's time zone (default: the desk's timezone).")
@impact_options
@click.option("--from-ci", is_flag=True, help="Read the pipeline (GitHub Actions, GitLab CI, Jenkins): one change per run.")
@click.option("--submit", "submit_too", is_flag=True, help="Submit it for approval at once.")
@wait_options
@json_option
@pass_app
def create(app, title, description, reason, risk, type_, standard, items, sop, params, rollback_sop, rollback_params,
           verify_text, verify_sop, verify_params, window_start, window_end, window_zone, impact_items, impact_services, impact_applications,
           impact_groups, from_ci, submit_too, wait_approval, timeout, poll, as_json) -> None:
    """Open a change request (a CHG ticket); prints its id. With --from-ci a retried job gets
    the change its pipeline run already opened."""
    import os

    from deskctl.changes import ci, window, workflow
    from deskctl.errors import BadInput

    if wait_approval:
        _seconds(timeout)  # a bad --timeout is refused before anything is created
    if bool(window_start) != bool(window_end):
        raise BadInput("a window needs both --window-start and --window-end")
    span = window.make(window_start, window_end, window_zone, str(app.desk.setting("timezone", default="UTC"))) \
        if window_start else None
    ticket, created = workflow.create(
        app.desk, actor=app.actor, title=title, description=description, reason=reason, risk=risk, type=type_,
        standard=standard, items=csv_list(items),
        plan={"sop": sop, "params": parse_assignments(params, "-p")} if sop else None,
        rollback={"sop": rollback_sop, "params": parse_assignments(rollback_params, "--rollback-param")} if rollback_sop else None,
        verification=_verification(verify_text, verify_sop, verify_params), window=span,
        impact=_impact(impact_items, impact_services, impact_applications, impact_groups),
        ci=ci.facts(os.environ) if from_ci else None)
    if (submit_too or wait_approval) and ticket["change"]["status"] in ("draft", "assessed"):
        ticket = workflow.submit(app.desk, ticket["id"], actor=app.actor)
    show_result(ticket, as_json, f"{ticket['id']} {'created' if created else 'already open for this pipeline run'}"
                           f" ({ticket['change']['status']})", created=created)
    if wait_approval:
        _wait(app, ticket["id"], timeout, poll)


@change.command(epilog=examples('deskctl change show CHG-3', 'deskctl change show CHG-3 --json | jq .change.status'))
@click.argument("change_id")
@json_option
@pass_app
def show(app, change_id: str, as_json: bool) -> None:
    """A change: status, plans, window, impact, approvals, runs."""
    from deskctl.changes import window as window_mod
    from deskctl.changes.model import abandoned
    from deskctl.changes.workflow import get

    ticket = get(app.desk, change_id, reader=app.actor)
    c = ticket["change"]
    gone = abandoned(c)
    if as_json:
        output.print_json({**ticket, "change": {**c, "abandoned": gone}})
        return
    impact = c.get("impact") or {}

    def plan(p: dict | None) -> str:
        if not p:
            return ""
        if p.get("sop"):
            return p["sop"] + "".join(f" {k}={v}" for k, v in (p.get("params") or {}).items())
        return str(p.get("text") or "")

    output.print_keyvalues([
        ("id", ticket["id"]), ("title", ticket["title"]),
        ("status", f"{c['status']} (abandoned: {gone})" if gone else c["status"]), ("type", c["type"]),
        ("standard", c.get("standard")), ("risk", c["risk"]), ("reason", c.get("reason")),
        ("requested by", c.get("requested_by")), ("items", ", ".join(c.get("items") or [])),
        *((f"impact {k}", ", ".join(impact.get(k) or [])) for k in ("items", "services", "applications", "groups")),
        ("plan", plan(c.get("plan"))), ("rollback", plan(c.get("rollback"))), ("verification", plan(c.get("verification"))),
        ("window", window_mod.describe(c["window"]) if c.get("window") else ""),
        ("approvals", _approvals(c)),
        ("ci", " ".join(f"{k}={v}" for k, v in (c.get("ci") or {}).items() if v)),
        ("runs", ", ".join(f"{r['purpose']} {r['run_id']} {r['status']}" for r in c.get("runs") or [])),
        ("review", (c.get("review") or {}).get("note")),
    ])


@change.command("list", epilog=examples('deskctl change list', 'deskctl change list --status submitted --json'))
@click.option("--status", help="Only changes in this status.")
@click.option("--all", "include_closed", is_flag=True, help="Closed changes too.")
@json_option
@pass_app
def list_(app, status: str | None, include_closed: bool, as_json: bool) -> None:
    """Change requests, oldest first (not the closed ones, unless --all)."""
    from deskctl.changes.workflow import list_changes

    rows = list_changes(app.desk, status=status, include_closed=include_closed, reader=app.actor)
    if as_json:
        output.print_json(rows)
        return
    shown = [{**r, "items": ", ".join(r["items"]), "window_start": r["window_start"] or "",
              "status": r["status"] + (" (abandoned)" if r["abandoned"] else "")} for r in rows]
    output.print_table(shown, [("id", "ID"), ("status", "STATUS"), ("type", "TYPE"), ("risk", "RISK"),
                               ("items", "ITEMS"), ("window_start", "WINDOW"), ("title", "TITLE")])


@change.command(epilog=examples('deskctl change assess CHG-3  # impact from the CMDB',
                                'deskctl change assess CHG-3 --impact-service mail --risk high'))
@click.argument("change_id")
@click.option("--item", "items", metavar="NAME", **multi, help="Add an affected item.")
@click.option("--risk", type=click.Choice(["low", "medium", "high"]), help="Change the risk.")
@impact_options
@json_option
@pass_app
def assess(app, change_id, items, risk, impact_items, impact_services, impact_applications, impact_groups, as_json) -> None:
    """Record the change's impact (computed from the CMDB when there is one; given by hand)."""
    from deskctl.changes import workflow

    ticket = workflow.assess(app.desk, change_id, actor=app.actor, risk=risk, items=csv_list(items),
                             impact=_impact(impact_items, impact_services, impact_applications, impact_groups))
    show_result(ticket, as_json, ticket["history"][-1]["note"])


@change.command(epilog=examples('deskctl change submit CHG-3', 'deskctl change submit CHG-3 --wait-approval --timeout 1h'))
@click.argument("change_id")
@click.option("--note", default="", help="A note for the approvers.")
@wait_options
@json_option
@pass_app
def submit(app, change_id, note, wait_approval, timeout, poll, as_json) -> None:
    """Send the change for approval (a standard change is approved at once)."""
    from deskctl.changes import workflow

    if wait_approval:
        _seconds(timeout)
    ticket = workflow.submit(app.desk, change_id, actor=app.actor, note=note)
    show_result(ticket, as_json, f"{ticket['id']} {ticket['change']['status']}: {ticket['history'][-1]['note']}")
    if wait_approval:
        _wait(app, ticket["id"], timeout, poll)


@change.command(epilog=examples('deskctl change wait CHG-3 --timeout 30m  # exit 0 approved, 3 rejected, 4 timeout'))
@click.argument("change_id")
@click.option("--timeout", default="30m", show_default=True, metavar="DURATION", help="How long to wait; then exit 4.")
@click.option("--poll", type=click.FloatRange(0.05, 3600), default=2.0, show_default=True, help="Seconds between looks.")
@pass_app
def wait(app, change_id, timeout, poll) -> None:
    """Block until the change is approved (exit 0), rejected (3) or the timeout passes (4)."""
    from deskctl.changes.workflow import get

    _wait(app, get(app.desk, change_id)["id"], timeout, poll)


@change.command(epilog=examples('deskctl --actor alice change approve CHG-3 --comment "ok for Saturday"'))
@click.argument("change_id")
@click.option("--comment", default="", help="A comment with the approval.")
@json_option
@pass_app
def approve(app, change_id, comment, as_json) -> None:
    """Approve the change (an approver of its risk; never the one who requested it)."""
    from deskctl.changes import workflow

    ticket = workflow.approve(app.desk, change_id, actor=app.actor, comment=comment)
    show_result(ticket, as_json, f"{ticket['id']} {ticket['change']['status']}: {ticket['history'][-1]['note']}")


@change.command(epilog=examples('deskctl --actor bob change reject CHG-3 --reason "no rollback plan"'))
@click.argument("change_id")
@click.option("--reason", required=True, help="Why it is rejected.")
@json_option
@pass_app
def reject(app, change_id, reason, as_json) -> None:
    """Reject the change (it goes back to its requester)."""
    from deskctl.changes import workflow

    ticket = workflow.reject(app.desk, change_id, actor=app.actor, reason=reason)
    show_result(ticket, as_json, f"{ticket['id']} rejected")


def _progress(host: str, section: str, step: str, result) -> None:
    where = "" if section == "steps" else f"{section}: "
    output.info(f"[{host}] {where}{step}: {result.status} ({result.duration:.1f}s)"
                + (f" - {result.message}" if result.status in ("failed", "ignored") and result.message else ""))


@change.command(epilog=examples('deskctl change implement CHG-3  # only inside its window, only on its hosts'))
@click.argument("change_id")
@json_option
@pass_app
def implement(app, change_id, as_json) -> None:
    """Run the plan's SOP on the change's hosts inside its approved window (exit 3 outside);
    on failure the rollback plan runs and the change is failed (exit 1)."""
    from deskctl.changes.implement import implement as run_plan
    from deskctl.errors import OperationFailed

    done = run_plan(app.desk, app.plugins, change_id, actor=app.actor, progress=_progress, notify=output.info)
    ticket, record, rollback = done["ticket"], done["run"], done["rollback"]
    if as_json:
        output.print_json({"change": ticket, "run": record, "rollback": rollback, "rollback_error": done["rollback_error"]})
    if record["status"] == "interrupted":
        from deskctl.errors import Interrupted

        raise Interrupted(f"{ticket['id']} failed: run {record['id']} interrupted by {record.get('signal')}; "
                          "the rollback plan was not run", f"details: deskctl sop show-run {record['id']}",
                          exit_code=int(record.get("exit_code") or 130))
    if record["status"] != "ok":
        back = f"; rollback run {rollback['id']}: {rollback['status']}" if rollback else (
            f"; the rollback plan did not run: {done['rollback_error']}" if done["rollback_error"] else "; no rollback plan")
        raise OperationFailed(f"{ticket['id']} failed: run {record['id']} {record['status']}{back}",
                              f"details: deskctl sop show-run {record['id']}")
    if not as_json:
        output.info(f"{ticket['id']} implemented (run {record['id']})")


@change.command(epilog=examples('deskctl change verify CHG-3 --note "site answers, errors normal"',
                                'deskctl change verify CHG-3 --failed --note "latency doubled"'))
@click.argument("change_id")
@click.option("--failed", is_flag=True, help="The verification did not hold: the change is failed.")
@click.option("--note", default="", help="What was checked.")
@json_option
@pass_app
def verify(app, change_id, failed, note, as_json) -> None:
    """Record the verification of an implemented change; a verification SOP runs first on its
    hosts (the change fails, exit 1, when it does)."""
    from deskctl.changes.implement import verify as check
    from deskctl.errors import OperationFailed

    done = check(app.desk, app.plugins, change_id, actor=app.actor, failed=failed, note=note,
                 progress=_progress, notify=output.info)
    ticket, record = done["ticket"], done["run"]
    if as_json:
        output.print_json({"change": ticket, "run": record})
    if record is not None and record["status"] != "ok":
        raise OperationFailed(f"{ticket['id']} failed its verification (run {record['id']} {record['status']})",
                              f"details: deskctl sop show-run {record['id']}")
    if not as_json:
        output.info(f"{ticket['id']} {ticket['change']['status']}")


@change.command(epilog=examples('deskctl change review CHG-4 --note "hotfix for the outage of INC-9; tested after"'))
@click.argument("change_id")
@click.option("--note", required=True, help="The review: why it was urgent, what happened, what follows.")
@json_option
@pass_app
def review(app, change_id, note, as_json) -> None:
    """Record the review an emergency change needs after its implementation."""
    from deskctl.changes import workflow

    ticket = workflow.review(app.desk, change_id, actor=app.actor, note=note)
    show_result(ticket, as_json, f"{ticket['id']} reviewed")


@change.command(epilog=examples('deskctl change close CHG-3', 'deskctl change close CHG-4 --review "post-incident review done"'))
@click.argument("change_id")
@click.option("--note", default="", help="A closing note.")
@click.option("--review", "review_note", metavar="TEXT", help="Record the review (an emergency change) and close.")
@json_option
@pass_app
def close(app, change_id, note, review_note, as_json) -> None:
    """Close the change and its ticket."""
    from deskctl.changes import workflow

    ticket = workflow.close(app.desk, change_id, actor=app.actor, note=note, review_note=review_note)
    show_result(ticket, as_json, f"{ticket['id']} closed")


@change.command(epilog=examples(
    'deskctl change announce CHG-3  # a planned-maintenance draft from the window and services',
    'deskctl change announce CHG-3 --impact "The shop is read-only." --set workaround="Call us"',
))
@click.argument("change_id")
@click.option("--impact", "impact_text", metavar="TEXT", help="What users will notice (default: the change's title).")
@click.option("--service", "services", metavar="NAME", **multi, help="Announce these services instead of the impacted ones.")
@click.option("--set", "assignments", metavar="FIELD=VALUE", **multi, help="Another field of the announcement.")
@json_option
@pass_app
def announce(app, change_id, impact_text, services, assignments, as_json) -> None:
    """Raise a planned-maintenance announcement (a draft) for an approved change."""
    from deskctl.announcements.fields import parse_assignments as per_language
    from deskctl.changes.announce import announce as raise_announcement

    ticket, record = raise_announcement(app.desk, change_id, actor=app.actor, impact=impact_text,
                                        services=csv_list(services) or None,
                                        extra=per_language(parse_assignments(assignments, "--set")))
    if as_json:
        output.print_json(record)
        return
    output.echo(record["id"])
    output.info(f"{record['id']} drafted for {ticket['id']}: next `deskctl announce submit {record['id']}`")
