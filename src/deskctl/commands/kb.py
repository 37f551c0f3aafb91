"""`deskctl kb`: search the knowledge base, read and write articles, walk flows, lint, stats."""

from __future__ import annotations

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


@click.group()
def kb() -> None:
    """Search the knowledge base, read articles, walk troubleshooting flows."""


def _check_language(desk, language: str | None) -> str | None:
    from deskctl.errors import BadInput

    if language is None:
        return None
    language = language.strip().lower()
    known = desk.setting("languages", default=[]) or []
    if known and language not in known:
        raise BadInput(f"--lang {language!r} is not one of the desk's languages", f"use one of: {', '.join(known)}")
    return language


@kb.command(short_help="Find articles by keywords, best first, matches highlighted.", epilog=examples(
    'deskctl kb search mail not sending',
    'deskctl kb search --lang it stampante --limit 3',
    "deskctl kb search --from-ticket INC-7  # with the ticket's title and description",
    "deskctl kb search vpn --json | jq -r '.[0].id'",
))
@click.argument("words", nargs=-1)
@click.option("--lang", "language", metavar="LANG", help="Only articles in this language (en, it, ...).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="How many results.")
@click.option("--from-ticket", "ticket_id", metavar="ID", help="Search with this ticket's title and description.")
@json_option
@pass_app
def search(app, words: tuple[str, ...], language: str | None, limit: int, ticket_id: str | None, as_json: bool) -> None:
    """Find articles by keywords: best matches first, with the matching words highlighted."""
    from deskctl.kb import render
    from deskctl.kb.search import search as run_search

    desk = app.desk
    query = " ".join(words)
    if ticket_id:
        from deskctl.kb.ticket_link import get_ticket, search_text

        query = " ".join(part for part in (query, search_text(get_ticket(desk, ticket_id))) if part)
    elif not query.strip():
        raise click.UsageError("give words to search for, or --from-ticket ID")
    result = run_search(desk, query, language=_check_language(desk, language), limit=limit)
    if result.skipped:
        output.warn(f"{len(result.skipped)} article(s) left out of the search: {result.skipped[0]} (run `deskctl kb lint`)")
    if as_json:
        output.print_json({**result.to_dict(), "ticket": ticket_id})
        return
    if not result.hits:
        output.info(f"no article matches {query[:80]!r}; try other words, or `deskctl kb list`")
        return
    color = render.use_color()
    width = max(len(hit.doc["id"]) for hit in result.hits)
    for hit in result.hits:
        title = render.mark(hit.doc["title"], hit.title_highlights, color)
        extra = f" [{hit.doc['language']}]" if language is None and len(result.hits) > 1 else ""
        # mark() made the article's text visible before colouring it: styled keeps the colour
        output.echo(f"{output.visible(hit.doc['id']).ljust(width)}  {title}{extra}", styled=color)
        if hit.snippet:
            output.echo(f"{' ' * width}  {render.mark(hit.snippet, hit.highlights, color)}", styled=color)
        if hit.translations:
            also = ", ".join(f"{t['language']} {t['id']}" for t in hit.translations)
            output.echo(f"{' ' * width}  also in: {also}")
    shown = len(result.hits)
    more = f" of {result.total}" if result.total > shown else ""
    output.info(f"{shown}{more} article(s); read one with `deskctl kb show ID`")


@kb.command()
@click.argument("article_id", metavar="ID", shell_complete=completers.kb_article_id)
@json_option
@pass_app
def show(app, article_id: str, as_json: bool) -> None:
    """Print an article for reading on a terminal."""
    from deskctl.kb import render
    from deskctl.kb.articles import get_article
    from deskctl.kb.index import load_index

    desk = app.desk
    article = get_article(desk, article_id)
    index = load_index(desk)
    group = (article.translation_of or article.id).casefold()
    translations = [
        {"id": doc_id, "language": language, "title": title}
        for doc_id, language, title, doc_group in zip(
            index.cols["id"], index.cols["language"], index.cols["title"], index.cols["group"], strict=True)
        if doc_id != article.id and doc_group == group
    ]
    if as_json:
        output.print_json({**article.to_dict(desk.path), "translations": translations})
        return
    titles = {i.casefold(): t for i, t in zip(index.cols["id"], index.cols["title"], strict=True)}
    color = render.use_color()
    for line in render.article_text(article, titles, translations, color, render.wrap_width()):
        output.echo(line, styled=color)  # article_text made the article's text visible first


@kb.command("list", short_help="List the articles: id, language, category, title.")
@click.option("--lang", "language", metavar="LANG", help="Only articles in this language.")
@click.option("--category", metavar="NAME", shell_complete=completers.category, help="Only articles of this category.")
@click.option("--tag", metavar="TAG", help="Only articles with this tag.")
@json_option
@pass_app
def list_(app, language: str | None, category: str | None, tag: str | None, as_json: bool) -> None:
    """Every article: id, language, category, title."""
    from deskctl.kb.index import documents

    desk = app.desk
    language = _check_language(desk, language)
    docs = [
        d for d in documents(desk)
        if (not language or d["language"] == language)
        and (not category or d["category"] == category)
        and (not tag or tag.casefold() in (t.casefold() for t in d["tags"]))
    ]
    docs.sort(key=lambda d: d["id"].casefold())
    if as_json:
        output.print_json([{k: v for k, v in d.items() if k not in ("len", "group")} for d in docs])
        return
    output.print_table(docs, [("id", "ID"), ("language", "LANG"), ("category", "CATEGORY"), ("updated", "UPDATED"), ("title", "TITLE")])


@kb.command(short_help="List the troubleshooting flows.")
@json_option
@pass_app
def flows(app, as_json: bool) -> None:
    """Every troubleshooting flow: id, language, title (walk one with `kb guide ID`)."""
    from deskctl.kb.flows import flow_files, read_flow

    desk = app.desk
    rows = []
    for path in flow_files(desk):
        flow, problems = read_flow(desk, path)
        if flow is None:
            rows.append({"id": path.stem, "language": "", "title": "", "path": desk.rel(path), "problems": len(problems)})
            continue
        rows.append({**flow.to_dict(), "problems": len(problems)})
    if as_json:
        output.print_json(rows)
        return
    output.print_table(rows, [("id", "ID"), ("language", "LANG"), ("questions", "QUESTIONS"), ("title", "TITLE")])


def _split_csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@kb.command(short_help="Create an article from the template; prints its path.")
@click.option("--title", help="The article's title (asked on a terminal when missing).")
@click.option("--id", "article_id", metavar="ID", help="Article id (default: KB- and the title's words).")
@click.option("--tags", metavar="A,B", help="Comma-separated tags.")
@click.option("--category", metavar="NAME", shell_complete=completers.category, help="A ticket category of the desk (default: other).")
@click.option("--lang", "language", metavar="LANG", help="Language (default: the desk's default_language).")
@click.option("--sops", metavar="A,B", help="Comma-separated SOPs the article uses.")
@click.option("--translation-of", metavar="ID", help="The article this one translates.")
@click.option("--force", is_flag=True, help="Overwrite an existing article file.")
@json_option
@pass_app
def new(app, title, article_id, tags, category, language, sops, translation_of, force, as_json) -> None:
    """Create a new article with a valid front matter and the usual sections; prints its path."""
    from deskctl.errors import BadInput
    from deskctl.kb.scaffold import new_article

    desk = app.desk
    if not title:
        if not interactive():
            raise BadInput("kb new needs --title when not run on a terminal", "pass --title 'Printer shows Offline'")
        title = click.prompt("Title", err=True)
    path = new_article(
        desk, title=title, article_id=article_id, tags=_split_csv(tags), category=category,
        language=_check_language(desk, language), sops=_split_csv(sops), translation_of=translation_of, force=force,
    )
    if as_json:
        output.print_json({"id": path.stem, "path": desk.rel(path)})
        return
    output.echo(desk.rel(path))
    output.info("edit it, then check it with `deskctl kb lint`")


@kb.command(short_help="Check every article and flow; list problems as file:line.")
@json_option
@pass_app
def lint(app, as_json: bool) -> None:
    """Check every article and flow: front matter, links, cycles, dead ends, missing references."""
    from deskctl.errors import ValidationFailed
    from deskctl.kb.lint import lint as run_lint

    desk = app.desk
    problems = run_lint(desk)
    if as_json:
        output.print_json({"ok": not problems, "problems": problems})
    if problems:
        hint = "fix each line above, then run `deskctl kb lint` again"
        raise ValidationFailed([] if as_json else problems, f"{len(problems)} problem(s) in the knowledge base", None if as_json else hint)
    output.info("knowledge base OK: articles and flows are valid")


@kb.command(short_help="Tickets each article and flow resolved, last time useful.")
@click.option("--since", metavar="WHEN", help="Only tickets resolved since then: 30d (ago), 2026-11-01, an ISO time, now.")
@json_option
@pass_app
def stats(app, since: str | None, as_json: bool) -> None:
    """Per article and flow: tickets it resolved and when it was last useful."""
    from deskctl.kb.stats import kb_stats

    desk = app.desk
    data = kb_stats(desk, since=_since(desk, since))
    if as_json:
        output.print_json(data)
        return
    from deskctl.util.moments import format_local

    zone = str(desk.setting("timezone", default="UTC"))
    rows = [{**r, "last_useful": format_local(r["last_useful"], zone) or "-"} for r in data["rows"]]
    output.print_table(rows, [("id", "ID"), ("kind", "KIND"), ("resolved", "RESOLVED"), ("last_useful", "LAST USEFUL"), ("title", "TITLE")])
    share = f" ({data['kb_share']:.0%})" if data["kb_share"] is not None else ""
    output.info(
        f"{data['tickets_resolved_with_kb']} of {data['tickets_resolved']} resolved ticket(s) used the KB{share}; "
        f"{data['articles_used']} of {data['articles']} article(s) resolved at least one"
    )


def _since(desk, value: str | None) -> str | None:
    if not value:
        return None
    from deskctl.util.moments import desk_moment, utc_iso

    return utc_iso(desk_moment(desk, value, "--since"))


@kb.command(short_help="Walk a flow to an article, SOP, resolution or escalation.")
@click.argument("flow_id", metavar="FLOW")
@click.option("--ticket", "ticket_id", metavar="ID", help="Record the path and outcome in this ticket; escalate it if the flow says so.")
@click.option("--answers", metavar="A,B,...", help="Answers to the questions in the order they come (yes,no,...).")
@click.option("--answer", "keyed", multiple=True, metavar="NODE=VALUE", help="The answer to one question (repeatable).")
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="Set or override a parameter of the SOP the flow offers.")
@click.option("--run", "run_sop", is_flag=True, help="Run the SOP the flow ends in (with the same rules as `sop run`).")
@yes_option
@json_option
@pass_app
def guide(app, flow_id, ticket_id, answers, keyed, params, run_sop, assume_yes, as_json) -> None:
    """Walk a troubleshooting flow: answer its questions, get an article, a SOP, a resolution
    or an escalation. On a terminal it asks (b = back, q = quit); in scripts give --answers."""
    from deskctl.commands import _kb_guide

    _kb_guide.guide(
        app, flow_id=flow_id, ticket_id=ticket_id, answers=answers, keyed=parse_assignments(keyed, "--answer"),
        params=parse_assignments(params, "--param"), run_sop=run_sop, assume_yes=assume_yes, as_json=as_json,
        can_ask=interactive(assume_yes),
    )
