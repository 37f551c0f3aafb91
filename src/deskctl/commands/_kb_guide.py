"""The glue of `deskctl kb guide`: ask on the terminal, walk the flow, show the outcome, then
record it in the ticket, escalate or resolve the ticket, or run the SOP."""

from __future__ import annotations

from typing import Any

import click

from deskctl import output
from deskctl.errors import BadInput, ValidationFailed


def _load_flow(desk, flow_id: str):
    from deskctl.kb.flow_check import validate_flow
    from deskctl.kb.flows import find_flow_file, read_flow

    flow, problems = read_flow(desk, find_flow_file(desk, flow_id))
    broken: dict[str, list[str]] = {}
    if flow is not None:
        problems, broken = validate_flow(desk, flow, problems)
    if flow is None or problems:
        raise ValidationFailed(problems, f"flow {flow_id!r} cannot be walked: {len(problems)} problem(s)",
                               "fix them, then check with `deskctl kb lint`")
    return flow, broken


def _terminal_asker(desk, flow):
    from deskctl.kb.guide import BACK, HELP_WORDS, QUIT, help_lines

    titles: dict[str, str] = {}

    def article_titles() -> dict[str, str]:
        if not titles:
            try:
                from deskctl.kb.index import load_index

                index = load_index(desk)
                titles.update({i.casefold(): t for i, t in zip(index.cols["id"], index.cols["title"], strict=True)})
            except Exception:  # help without titles is still help
                pass
        return titles

    def ask(node, path, error):
        # the flow's text and the operator's own answer (in `error`) are shown, never obeyed
        if error:
            click.echo(output.visible(f"  {error}"), err=True)
        while True:
            click.echo("", err=True)
            click.echo(click.style(output.visible(f"[{len(path) + 1}] {node.question}"), bold=True), err=True)
            if node.answers:
                labels = node.labels()
                if labels in (["yes", "no"], ["yes"], ["no"]):
                    click.echo("  yes / no", err=True)
                else:
                    click.echo(output.visible("  " + "   ".join(f"{i}) {label}" for i, label in enumerate(labels, 1))), err=True)
            click.echo("  (b = back, q = quit, ? = help)" if path else "  (q = quit, ? = help)", err=True)
            raw = click.prompt(">", prompt_suffix=" ", err=True, default="", show_default=False)
            word = raw.strip().casefold()
            if word in HELP_WORDS:
                click.echo("", err=True)
                for line in help_lines(flow, node, path, article_titles()):
                    click.echo(output.visible(line), err=True)
                continue  # and ask again
            if word in ("b", "back"):
                return BACK
            if word in ("q", "quit"):
                return QUIT
            return raw

    return ask


def _split_answers(value: str | None) -> list[str]:
    if not value:
        return []
    parts = [part.strip() for part in value.split(",")]
    for position, part in enumerate(parts, 1):
        if not part:
            raise BadInput(f"--answers {value!r}: answer {position} is empty", "write them like --answers yes,no,yes")
    return parts


def guide(app, *, flow_id: str, ticket_id: str | None, answers: str | None, keyed: dict[str, str],
          params: dict[str, str], run_sop: bool, assume_yes: bool, as_json: bool, can_ask: bool) -> None:
    from deskctl.kb import guide as walker
    from deskctl.kb import ticket_link

    desk = app.desk
    flow, broken = _load_flow(desk, flow_id)
    ticket = ticket_link.get_ticket(desk, ticket_id) if ticket_id else None
    if ticket is not None:
        ticket_id = ticket["id"]
    if can_ask and not as_json:
        output.info(f"{flow.title}  ({flow.id})")
    walk = walker.walk(flow, answers=_split_answers(answers), keyed=keyed,
                       ask=_terminal_asker(desk, flow) if can_ask else None)
    report: dict[str, Any] = {
        "flow": {"id": flow.id, "title": flow.title, "language": flow.language, "path": flow.label},
        "ticket": ticket_id,
        "path": [step.to_dict() for step in walk.path],
        "actions": {"recorded": False, "escalated": False, "resolved": False, "sop_run": None},
    }
    if walk.outcome is None:
        _stopped(desk, app, walk, ticket_id, report, as_json)
        return
    node = walk.outcome
    _check_outcome(flow, node, broken)
    rendered, missing, suggested = ({}, {}, {})
    if node.kind == "sop":
        rendered, missing = walker.render_params(node, walk, ticket)
        suggested = _hold_for_confirmation(app, node, rendered, missing, params)
        for key, value in params.items():
            rendered[key] = value
            missing.pop(key, None)
        if suggested and run_sop and not (can_ask and not as_json):
            # checked before anything is recorded: a refused run leaves the ticket as it was
            name, (value, _) = next(iter(suggested.items()))
            raise BadInput(f"kb guide: {node.sop} would act on {name}={value!r} taken from the ticket, which an "
                           f"operator must confirm: pass -p {name}=VALUE", "requester data never chooses the "
                           "account, path or host a SOP acts on; nothing was run or recorded")
    outcome = ticket_link.outcome_data(walk, rendered, missing)
    report["outcome"] = outcome
    if not as_json:
        _print_path(walk)
        _print_outcome(desk, node, outcome)
    if ticket is not None and node.kind == "escalate":
        ticket_link.check_can(ticket, "escalate")
    if ticket_id:
        ticket_link.record_walk(desk, ticket_id, actor=app.actor, walk=walk, outcome=outcome)
        report["actions"]["recorded"] = True
        output.info(f"recorded the path and outcome in {ticket_id}")
    code = 0
    if node.kind == "escalate":
        _escalate(desk, app, node, flow, ticket_id, report)
    elif node.kind == "resolve":
        _resolve(desk, app, node, flow, ticket, report, assume_yes, can_ask and not as_json)
    elif node.kind == "sop":
        code = _offer_sop(desk, app, node, rendered, missing, ticket_id, report, suggested,
                          run_sop=run_sop, assume_yes=assume_yes, can_ask=can_ask, as_json=as_json)
    elif node.kind == "article" and ticket_id and not as_json:
        output.info(f"if it solves the problem: deskctl ticket resolve {ticket_id} --kb {node.article} --resolution '...'")
    if as_json:
        if node.kind == "article":
            from deskctl.kb.articles import get_article

            report["article"] = get_article(desk, node.article).to_dict(desk.path)
        output.print_json(report)
    if code:
        raise click.exceptions.Exit(code)


def _check_outcome(flow, node, broken: dict[str, list[str]]) -> None:
    """Refuse an outcome that names a missing article, SOP or group, before anything is
    recorded; problems elsewhere in the flow do not stop this walk."""
    mine = broken.get(node.id)
    if mine:
        raise ValidationFailed(mine, f"flow {flow.id!r} ends in {node.id!r}, which cannot be carried out",
                               "fix the flow or add what it names, then check with `deskctl kb lint`")


def _stopped(desk, app, walk, ticket_id, report, as_json) -> None:
    from deskctl.errors import OperationFailed
    from deskctl.kb import ticket_link

    report["outcome"] = ticket_link.outcome_data(walk)
    if ticket_id and walk.path:
        ticket_link.record_walk(desk, ticket_id, actor=app.actor, walk=walk, outcome=report["outcome"])
        report["actions"]["recorded"] = True
    if as_json:
        output.print_json(report)
    where = f" (answers so far recorded in {ticket_id})" if report["actions"]["recorded"] else ""
    raise OperationFailed(f"guide stopped at question {walk.stopped_at.id!r}{where}")


def _print_path(walk) -> None:
    output.echo(walk.flow.title)
    for step in walk.path:
        output.echo(f"  {step.question}  -> {step.answer}")
    output.echo("")


def _print_outcome(desk, node, outcome: dict[str, Any]) -> None:
    from deskctl.kb import render

    if node.kind == "article":
        from deskctl.kb.articles import get_article
        from deskctl.kb.index import load_index

        article = get_article(desk, node.article)
        index = load_index(desk)
        titles = {i.casefold(): t for i, t in zip(index.cols["id"], index.cols["title"], strict=True)}
        output.echo(f"Outcome: read article {article.id}")
        output.echo("")
        color = render.use_color()
        for line in render.article_text(article, titles, [], color, render.wrap_width()):
            output.echo(line, styled=color)  # article_text made the article's text visible first
    elif node.kind == "sop":
        output.echo(f"Outcome: run SOP {node.sop}")
        for key, value in outcome.get("params", {}).items():
            output.echo(f"  {key} = {value}")
        for key, why in outcome.get("missing_params", {}).items():
            output.echo(f"  {key}: not set ({why}); give it with -p {key}=VALUE")
    elif node.kind == "escalate":
        output.echo(f"Outcome: escalate to {node.group}" + (f": {node.reason}" if node.reason else ""))
    elif node.kind == "resolve":
        output.echo(f"Outcome: solved: {node.resolution}")
    if node.note:
        output.echo(f"Note: {node.note}")


def _escalate(desk, app, node, flow, ticket_id, report) -> None:
    from deskctl.kb import ticket_link

    if not ticket_id:
        output.info(f"with --ticket ID the ticket is escalated to {node.group}")
        return
    reason = node.reason or f"escalated by KB flow {flow.id}"
    ticket_link.escalate(desk, ticket_id, actor=app.actor, group=node.group, reason=reason)
    report["actions"]["escalated"] = True
    output.info(f"{ticket_id} escalated to {node.group}")


def _resolve(desk, app, node, flow, ticket, report, assume_yes: bool, can_confirm: bool) -> None:
    from deskctl.kb import ticket_link

    if ticket is None:
        return
    ticket_id = ticket["id"]
    try:
        ticket_link.check_can(ticket, "resolve")
    except BadInput:
        output.info(f"{ticket_id} is {ticket['status']}: left as it is")
        return
    if not assume_yes and not (can_confirm and click.confirm(output.visible(f"Resolve {ticket_id} with this resolution?"), err=True, default=True)):
        output.info(f"not resolved; to resolve: deskctl kb guide {flow.id} --ticket {ticket_id} ... --yes, or deskctl ticket resolve {ticket_id}")
        return
    ticket_link.resolve(desk, ticket_id, actor=app.actor, resolution=node.resolution, flow_id=flow.id)
    report["actions"]["resolved"] = True
    output.info(f"{ticket_id} resolved")


def _hold_for_confirmation(app, node, rendered, missing, given) -> dict[str, tuple[str, str | None]]:
    """Take out of `rendered` what the ticket chose for an account, path or target host of
    the SOP: only a suggestion until the operator confirms it (at the prompt or with -p).
    Returns name -> (suggested value, why it cannot even be offered or None)."""
    from deskctl.kb import sop_link
    from deskctl.runbooks import params as params_mod

    held: dict[str, tuple[str, str | None]] = {}
    needs = sop_link.needs_confirmation(app.desk, app.plugins, node)
    if needs:
        params_mod.load_protected_accounts(app.desk)
    for name, param in needs.items():
        if name in given or name not in rendered:
            continue
        value = rendered.pop(name)
        problem = sop_link.suggestion_problem(param, value)
        held[name] = (value, problem)
        missing[name] = (f"the ticket suggests {value!r}, refused: {problem}" if problem
                         else f"the ticket suggests {value!r}; an operator confirms it")
    return held


def _confirm_params(rendered, missing, suggested) -> None:
    """Ask for every parameter still missing; a suggestion from the ticket is shown and is
    the default only when the operator may use it (Enter confirms it)."""
    for key in list(missing):
        value, problem = suggested.get(key, (None, None))
        if value is not None and problem:
            click.echo(output.visible(f"  the ticket suggests {key}={value!r}: refused ({problem})"), err=True)
        offered = value is not None and not problem
        # the suggestion is requester data: shown made visible, not as click's raw [default]
        label = f"  {key}" + (f" (from the ticket; Enter confirms it) [{output.visible(value)}]" if offered else "")
        rendered[key] = click.prompt(label, err=True, default=value if offered else None, show_default=False)
        missing.pop(key)


def _offer_sop(desk, app, node, rendered, missing, ticket_id, report, suggested, *, run_sop, assume_yes, can_ask,
               as_json) -> int:
    from deskctl.kb import sop_link

    if can_ask and not as_json:
        if not run_sop:
            run_sop = click.confirm(output.visible(f"Run SOP {node.sop} now?"), err=True, default=False)
        if run_sop:
            _confirm_params(rendered, missing, suggested)
    argv = sop_link.sop_command(desk, actor=app.actor, name=node.sop, params=rendered, ticket_id=ticket_id,
                                assume_yes=assume_yes, as_json=as_json)
    if not run_sop:
        report["actions"]["sop_command"] = sop_link.shown_command(argv, missing)
        output.info(f"to run it: {sop_link.shown_command(argv, missing)}")
        return 0
    output.info(f"running: {sop_link.shown_command(argv)}")
    result = sop_link.run_sop(argv, capture=as_json)
    report["actions"]["sop_run"] = result.to_dict()
    return result.exit_code
