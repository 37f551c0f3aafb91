"""`deskctl ticket sweep`: apply the SLA escalation policy (for cron; safe to repeat)."""

from __future__ import annotations

import click

from deskctl import output
from deskctl.commands._common import json_option, pass_app


@click.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be done; change and send nothing.")
@json_option
@pass_app
def sweep(app, dry_run, as_json) -> None:
    """Apply the SLA escalation policy (for cron; safe to repeat).

    Notify at-risk tickets, escalate breached ones, remind and auto-close (config `sweep`)."""
    from deskctl.errors import OperationFailed
    from deskctl.sla.sweep import run_sweep

    def notify(topic, message, recipients):
        results = app.plugins.pm.hook.notify(desk=app.desk, topic=topic, message=message, recipients=recipients)
        return [d for found in results if found for d in found]

    report = run_sweep(app.desk, dry_run=dry_run, notify=notify, actor=app.actor)
    failed = list(report["failures"]) + [
        f"{a['ticket']}: {d.get('channel')} to {d.get('to')}: {d.get('error')}"
        for a in report["actions"] for d in a["deliveries"] if not d.get("ok", True)]
    if as_json:
        output.print_json(report)
    else:
        if report["actions"]:
            for a in report["actions"]:
                a["via"] = ", ".join(sorted({d.get("channel", "?") for d in a["deliveries"]}))
            output.print_table(report["actions"], [("ticket", "TICKET"), ("action", "ACTION"),
                                                    ("detail", "DETAIL"), ("via", "NOTIFIED VIA")])
        verb = "would take" if dry_run else "took"
        output.info(f"sweep checked {report['checked']} ticket(s), {verb} {len(report['actions'])} action(s)"
                    + (" (dry run: nothing changed)" if dry_run else ""))
    if failed:
        for line in failed:
            output.warn(line)
        raise OperationFailed(f"{len(failed)} sweep step(s) or notification(s) failed", "see the warnings above")
