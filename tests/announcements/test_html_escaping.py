"""Every HTML and XML output of announcements (e-mail HTML, web article, status page, Atom
feed, the language index, the e-mail sent over SMTP), with a hostile payload in every field
of every kind, in every language, and in the desk's own settings: produced through the real
CLI, parsed, and checked for injected elements and attributes and for text that comes back
exactly as written. Plus the order of compiles in a shared cache folder, and changes to a
published announcement that must not reach the public before they are approved."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.announcements.conftest import add_config, replace_config, resolve_and_publish
from tests.support.markup import PAYLOAD, assert_nothing_injected, parse_xml

LANGS = ("en", "it", "ru", "ro")
TEXT_FIELDS = ("title", "impact", "workaround", "cause", "audience", "changes", "features", "resolution",
               "what_happened", "what_was_fixed", "preventive_measures", "cancellation")
SERVICE = 'm<b>x</b>&amp;"]]>'
DESK_NAME = "Desk <img src=x onerror=alert(9)> &amp; ]]>"
DESK_PHONE = '+39 02 "><script>alert(3)</script>'
ATOM = "{http://www.w3.org/2005/Atom}"


def marker(name: str, lang: str) -> str:
    return f"{name}-{lang} {PAYLOAD}"


@pytest.fixture
def hostile_desk(desk) -> Path:
    """The test desk with a hostile desk name and phone and a hostile service name."""
    replace_config(desk, "  name: Example Service Desk", f"  name: {json.dumps(DESK_NAME)}")
    replace_config(desk, '  phone: "+39 02 1234 5678"', f"  phone: {json.dumps(DESK_PHONE)}")
    add_config(desk, f"tickets:\n  services: [mail, calendar, {json.dumps(SERVICE)}]\n")
    return desk


def kinds(arun) -> list[dict]:
    result = arun("announce", "kinds", "--json")
    assert result.code == 0, result
    return result.json()


def hostile_fields(kind: dict) -> dict:
    """Every field of the kind, each text in every language, each with the payload."""
    fields: dict = {}
    for name in kind["required"] + kind["optional"]:
        if name == "services":
            fields[name] = ["mail", SERVICE]
        elif name == "start":
            fields[name] = "2026-12-05T22:00:00+01:00"
        elif name == "end":
            fields[name] = "2026-12-06T02:00:00+01:00"
        elif name == "severity":
            fields[name] = "major"
        elif name == "languages":
            fields[name] = list(LANGS)
        elif name == "contact":
            fields[name] = f"contact {PAYLOAD}"
        elif name in TEXT_FIELDS:
            fields[name] = {lang: marker(name, lang) for lang in LANGS}
        else:
            raise AssertionError(f"a field this test does not know: {name}")
    return fields


def create(arun, desk: Path, kind: dict) -> str:
    source = desk / f"{kind['name']}.yaml"
    source.write_text(json.dumps(hostile_fields(kind)), encoding="utf-8")  # JSON is YAML
    created = arun("announce", "create", kind["name"], "--from", source.name)
    assert created.code == 0, created
    return created.stdout.strip()


def shown_markers(text: str, kind: dict, lang: str) -> set[str]:
    return {name for name in TEXT_FIELDS if name in kind["required"] + kind["optional"] and marker(name, lang) in text}


def check_plain(text: str, where: str) -> None:
    """A plain-text part has the payload as written: never HTML-escaped."""
    assert "&lt;img" not in text and "&#34;" not in text, f"{where}: escaped text in a plain-text part"


def check_html(markup: str, where: str, expected: set[str], kind: dict, lang: str) -> None:
    parsed = assert_nothing_injected(markup, where)
    got = shown_markers(parsed.text, kind, lang)
    assert got == expected, f"{where}: fields not shown as written: {sorted(expected - got)}"


def test_every_field_of_every_kind_is_escaped_in_rendered_html(arun, hostile_desk, tmp_path):
    for kind in kinds(arun):
        ann_id = create(arun, hostile_desk, kind)
        out = tmp_path / kind["name"]
        rendered = arun("announce", "render", ann_id, "--out", str(out))
        assert rendered.code == 0, rendered
        for lang in LANGS:
            folder = out / lang
            plain = (folder / "email.txt").read_text(encoding="utf-8")
            check_plain(plain, f"{kind['name']} {lang} email.txt")
            # the headline is in the subject, not the text; every other field set is in the text
            expected = shown_markers(plain, kind, lang) | {"title"}
            assert "impact" in expected and SERVICE in plain and f"contact {PAYLOAD}" in plain
            for name in ("email.subject.txt", "web.title.txt", "bulletin.title.txt", "bulletin.txt", "chat.md", "sms.txt"):
                check_plain((folder / name).read_text(encoding="utf-8"), f"{kind['name']} {lang} {name}")
            subject = (folder / "email.subject.txt").read_text(encoding="utf-8").strip()
            assert subject.endswith(marker("title", lang)), subject
            for name in ("email.html", "web.html"):
                markup = (folder / name).read_text(encoding="utf-8")
                check_html(markup, f"{kind['name']} {lang} {name}", expected, kind, lang)
            email_html = assert_nothing_injected((folder / "email.html").read_text(encoding="utf-8"), "email.html")
            assert SERVICE in email_html.text and DESK_NAME in email_html.text and DESK_PHONE in email_html.text
            head_title = (folder / "email.html").read_text(encoding="utf-8").split("<title>", 1)[1].split("</title>", 1)[0]
            assert assert_nothing_injected(head_title, "<title>").text == marker("title", lang)


def publish_hostile(arun, desk: Path, approver: str = "carol") -> str:
    planned = next(k for k in kinds(arun) if k["name"] == "planned-maintenance")
    ann_id = create(arun, desk, planned)
    assert arun("announce", "submit", ann_id).code == 0
    assert arun("--actor", approver, "announce", "approve", ann_id).code == 0
    published = arun("announce", "publish", "--allow-fallback", ann_id)
    assert published.code == 0, published
    return ann_id


def check_status_outputs(desk: Path, expect_titles: dict[str, list[str]]) -> None:
    """Every language's page and feed, and the language index: parsed, nothing injected,
    the desk name and each announcement's title shown as written."""
    status = desk / "public" / "status"
    index = assert_nothing_injected((status / "index.html").read_text(encoding="utf-8"), "status/index.html")
    assert DESK_NAME in index.text
    for lang in LANGS:
        page = assert_nothing_injected((status / lang / "index.html").read_text(encoding="utf-8"), f"status/{lang}/index.html")
        assert DESK_NAME in page.text and SERVICE in page.text
        for title in expect_titles[lang]:
            assert title in page.text, f"{lang}: {title!r} not on the page"
        feed = parse_xml((status / lang / "feed.xml").read_text(encoding="utf-8"), f"status/{lang}/feed.xml")
        assert feed.find(f"{ATOM}title").text.endswith(DESK_NAME)
        assert feed.find(f"{ATOM}author/{ATOM}name").text == DESK_NAME
        entries = feed.findall(f"{ATOM}entry")
        titles = [e.find(f"{ATOM}title").text for e in entries]
        assert len(titles) == len(expect_titles[lang])
        for title, want in zip(titles, expect_titles[lang], strict=True):
            assert title.endswith(want), (title, want)
        for entry in entries:
            content = entry.find(f"{ATOM}content")
            assert content.get("type") == "html"
            article = assert_nothing_injected(content.text, f"status/{lang}/feed.xml content")
            assert SERVICE in article.text and marker("impact", lang) in article.text


def test_status_page_feed_and_index_escape_every_field(arun, hostile_desk):
    publish_hostile(arun, hostile_desk)
    check_status_outputs(hostile_desk, {lang: [marker("title", lang)] for lang in LANGS})
    # the cron rebuild (a second process, compiled templates now cached) is as safe
    assert arun("announce", "statuspage").code == 0
    check_status_outputs(hostile_desk, {lang: [marker("title", lang)] for lang in LANGS})

    # the closing notice, shown under "recently resolved", with its own free text
    after = {"DESKCTL_NOW": "2026-12-06T03:00:00+01:00"}
    resolution = {f"resolution.{lang}": marker("resolution", lang) for lang in LANGS}
    sets = [x for k, v in resolution.items() for x in ("--set", f"{k}={v}")]
    resolved = resolve_and_publish(arun, "ANN-0001", "--allow-fallback", *sets, env=after, approver="carol")
    assert resolved.code == 0, resolved
    check_status_outputs(hostile_desk, {lang: [marker("title", lang)] for lang in LANGS})
    for lang in LANGS:
        page = (hostile_desk / "public" / "status" / lang / "index.html").read_text(encoding="utf-8")
        assert marker("resolution", lang) in assert_nothing_injected(page, lang).text


def test_a_control_character_does_not_break_the_feed(arun, desk, maintenance):
    created = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml",
                   "--set", "title=Bell\x07 and form feed\x0c in a title")
    assert created.code == 0, created
    ann_id = created.stdout.strip()
    assert arun("announce", "submit", ann_id).code == 0
    assert arun("--actor", "alice", "announce", "approve", ann_id).code == 0
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    for lang in LANGS:
        feed = parse_xml((desk / "public" / "status" / lang / "feed.xml").read_text(encoding="utf-8"), lang)
        assert "Bell and form feed" in feed.find(f"{ATOM}entry/{ATOM}title").text


def test_smtp_messages_escape_every_field(arun, hostile_desk, smtp_sink):
    replace_config(hostile_desk, "\nchannels:\n", (
        f"\nchannels:\n  smtp: {{host: 127.0.0.1, port: {smtp_sink.port}, from: servicedesk@example.com, starttls: false}}\n"
    ))
    replace_config(hostile_desk, "publish_channels: [file, statuspage]", "publish_channels: [smtp]\n"
                   "  recipients: {en: [staff@example.com], it: [it@example.com], ru: [ru@example.com], ro: [ro@example.com]}")
    publish_hostile(arun, hostile_desk)
    by_lang = {m["message"]["Content-Language"]: m["message"] for m in smtp_sink.messages}
    assert sorted(by_lang) == sorted(LANGS)
    for lang, message in by_lang.items():
        assert str(message["Subject"]).endswith(marker("title", lang))
        plain = message.get_body(("plain",)).get_content()
        check_plain(plain, f"{lang} mail text")
        assert marker("impact", lang) in plain and marker("cause", lang) in plain
        html = message.get_body(("html",)).get_content()
        parsed = assert_nothing_injected(html, f"{lang} mail html")
        for name in ("title", "impact", "workaround", "cause", "audience"):
            assert marker(name, lang) in parsed.text, name
        assert SERVICE in parsed.text and DESK_NAME in parsed.text


def test_text_compiled_first_never_serves_html(arun, desk, maintenance, tmp_path):
    """The same template is compiled for text (subject, title) and for HTML: in one process
    and across processes sharing the cache folder, each gets its own compile."""
    cache = tmp_path / "shared-cache"
    env = {"DESKCTL_CACHE_DIR": str(cache)}
    created = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml",
                   "--set", f"title={PAYLOAD}", env=env)
    assert created.code == 0, created
    ann_id = created.stdout.strip()
    # text only first (a bulletin shares the facts and labels), then text then HTML, twice
    assert arun("announce", "preview", ann_id, "--channel", "bulletin", env=env).code == 0
    for attempt in range(2):
        shown = arun("announce", "preview", ann_id, "--lang", "en", "--channel", "email", "--channel", "web",
                     "--json", env=env)
        assert shown.code == 0, shown
        for item in shown.json():
            parts = item["parts"]
            title = parts.get("subject") or parts["title"]
            assert title.endswith(PAYLOAD), (attempt, title)
            parsed = assert_nothing_injected(parts["html"], f"{item['channel']} html, run {attempt}")
            assert PAYLOAD in parsed.text
    folder = cache / "jinja2-bytecode"
    assert sorted(p.name for p in folder.iterdir()) == ["html", "text"]
    for path in [folder, *folder.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert any((folder / "html").iterdir()) and any((folder / "text").iterdir())


def test_a_cache_folder_others_can_write_is_not_trusted(arun, desk, maintenance, tmp_path):
    cache = tmp_path / "cache"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.mkdir()
    os.symlink(elsewhere, cache / "jinja2-bytecode")  # a folder someone else may control
    env = {"DESKCTL_CACHE_DIR": str(cache)}
    created = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml",
                   "--set", f"title={PAYLOAD}", env=env)
    ann_id = created.stdout.strip()
    shown = arun("announce", "preview", ann_id, "--lang", "en", "--channel", "email", "--json", env=env)
    assert shown.code == 0, shown
    assert PAYLOAD in assert_nothing_injected(shown.json()[0]["parts"]["html"], "email html").text
    assert list(elsewhere.iterdir()) == []  # nothing compiled was written through the link

    (cache / "jinja2-bytecode").unlink()
    (cache / "jinja2-bytecode").mkdir(mode=0o777)
    os.chmod(cache / "jinja2-bytecode", 0o777)
    assert arun("announce", "preview", ann_id, "--channel", "web", env=env).code == 0
    assert stat.S_IMODE((cache / "jinja2-bytecode").stat().st_mode) == 0o700


def test_a_published_title_changes_only_after_approval(arun, desk, maintenance):
    created = arun("announce", "create", "planned-maintenance", "--from", "maintenance.yaml",
                   "--set", "title=Mail maintenance")
    ann_id = created.stdout.strip()
    assert arun("announce", "submit", ann_id).code == 0
    assert arun("--actor", "alice", "announce", "approve", ann_id).code == 0
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    status = desk / "public" / "status"

    def public_titles() -> set[str]:
        """The titles in every language's feed and in the bulletin, and "Hacked" if any
        status page shows it."""
        seen = set()
        for lang in LANGS:
            feed = parse_xml((status / lang / "feed.xml").read_text(encoding="utf-8"), lang)
            seen.add(feed.find(f"{ATOM}entry/{ATOM}title").text)
            page = assert_nothing_injected((status / lang / "index.html").read_text(encoding="utf-8"), lang)
            if "Hacked" in page.text:
                seen.add("Hacked")
        bulletins = arun("bulletin", "--json", env={"DESKCTL_NOW": "2026-12-05T21:00:00+01:00"})
        assert bulletins.code == 0, bulletins
        seen.update(b["title"] for b in bulletins.json())
        return seen

    changed = arun("--actor", "mallory", "announce", "update", ann_id, "--set", "title=Hacked <img src=x onerror=alert(1)>",
                   "--json")
    assert changed.code == 0, changed
    assert public_titles() == {"Mail maintenance"}
    assert changed.json()["status"] == "published" and changed.json()["pending"]["status"] == "submitted"
    again = arun("announce", "publish", "--allow-fallback", ann_id, "--json")
    assert again.code == 0 and again.json()["version"] == 1 and again.json()["sent"] == []
    assert arun("announce", "statuspage").code == 0
    assert public_titles() == {"Mail maintenance"}
    assert not list((desk / "public" / "announcements" / ann_id).glob("v2"))

    # its writer may not approve it; rejecting keeps the public version
    assert arun("--actor", "mallory", "announce", "approve", ann_id).code == 3
    assert arun("--actor", "bob", "announce", "reject", ann_id, "--reason", "no").code == 0
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 2
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    assert public_titles() == {"Mail maintenance"}

    # sent in again and approved by someone else: now it goes out, escaped
    assert arun("--actor", "mallory", "announce", "submit", ann_id).code == 0
    assert arun("--actor", "bob", "announce", "approve", ann_id).code == 0
    assert public_titles() == {"Mail maintenance"}  # approved, not yet published
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    # resolving is no way round it: the closing notice takes only the closing facts
    during = {"DESKCTL_NOW": "2026-12-06T01:00:00+01:00"}
    sneaky = arun("announce", "resolve", "--allow-fallback", ann_id, "--set", "title=Hacked again", "--set", "resolution=done", env=during)
    assert sneaky.code == 3 and "resolve sets only end, resolution, not title" in sneaky.stderr, sneaky
    prefixes = ("Update", "Aggiornamento", "Обновление", "Actualizare")
    assert public_titles() == {f"{p}: Hacked <img src=x onerror=alert(1)>" for p in prefixes} | {"Hacked"}


def test_config_check_refuses_templates_that_turn_escaping_off(drun, desk):
    root = desk / "templates" / "announcements"
    (root / "planned-maintenance" / "web.it.j2").write_text(
        '{% extends "_layouts/web.j2" %}\n{% block subject %}Manutenzione{% endblock %}\n'
        "{% block lead %}\n{{ impact|safe }}\n{% endblock %}\n", encoding="utf-8")
    (root / "planned-maintenance" / "email.ro.j2").write_text(
        '{% extends "_layouts/email.j2" %}\n{% block subject %}Mentenanță{% endblock %}\n'
        "{% block lead %}\n{% autoescape false %}{{ impact }}{% endautoescape %}\n{% endblock %}\n", encoding="utf-8")
    result = drun("config", "check")
    assert result.code == 2, result
    lines = result.stderr.splitlines()
    assert any(l.startswith("templates/announcements/planned-maintenance/web.it.j2:4: `|safe` shows a value unescaped")
               for l in lines), lines
    assert any(l.startswith("templates/announcements/planned-maintenance/email.ro.j2:4: `autoescape false`")
               for l in lines), lines


def test_config_check_refuses_a_script_url_for_the_feed_links(drun, desk):
    replace_config(desk, "statuspage: {out: public/status}",
                   'statuspage: {out: public/status, base_url: "javascript:alert(1)//"}')
    result = drun("config", "check")
    assert result.code == 2, result
    assert ("channels.statuspage.base_url 'javascript:alert(1)//' must be an absolute http(s) URL or a path"
            in result.stderr), result.stderr
