"""The status page in a real browser (headless Chromium): it renders, shows the
announcement, logs no console error, and screenshots as a real page. Plus the Atom feed."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

from tests.announcements.conftest import create_approved, replace_config, resolve_and_publish
from tests.support import browser
from tests.support.browser import console_messages

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def run_chromium(tmp_path: Path, url: str, *args: str):
    return browser.run_chromium(tmp_path, "--enable-logging=stderr", "--v=0", *args, url)


def png_facts(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the image data) of a PNG file."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    for _ in range(100_000):
        if pos >= len(data):
            break
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels))


def test_console_errors_are_detected(tmp_path):
    # the check below must be able to fail: a page with an error does show up
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('broken'); nope();</script></body></html>")
    result = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert any("broken" in line for line in console_messages(result.stderr))


def test_status_page_renders_in_chromium_without_errors(arun, desk, maintenance, tmp_path):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    page = desk / "public" / "status" / "it" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and 'src="http' not in html and "stylesheet" not in html  # self-contained

    dom = run_chromium(tmp_path, page.as_uri(), "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert "<h1>Stato dei servizi</h1>" in dom.stdout
    assert 'id="ANN-0001"' in dom.stdout
    assert "Manutenzione programmata: mail e calendar dal 5 al 6 dicembre 2026" in dom.stdout
    assert "programmato" in dom.stdout  # not started yet at DESKCTL_NOW
    assert 'href="../ru/index.html"' in dom.stdout

    shot = tmp_path / "status-it.png"
    result = run_chromium(tmp_path, page.as_uri(), f"--screenshot={shot}", "--window-size=1000,1400",
                          "--hide-scrollbars")
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    width, height, distinct = png_facts(shot)
    assert (width, height) == (1000, 1400)
    assert shot.stat().st_size > 20_000 and distinct > 50  # text and colours, not a blank page

    root = (desk / "public" / "status" / "index.html").read_text(encoding="utf-8")
    assert 'url=en/index.html' in root


def test_atom_feed_lists_current_and_recent_announcements(arun, desk, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    feed = ET.parse(desk / "public" / "status" / "en" / "feed.xml").getroot()
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entries = feed.findall("a:entry", ATOM)
    assert len(entries) == 1
    entry = entries[0]
    assert entry.findtext("a:id", namespaces=ATOM) == "tag:example.com,2026:example-service-desk/en/ANN-0001"
    assert entry.findtext("a:title", namespaces=ATOM) == "Planned maintenance: mail and calendar on December 5, 2026"
    content = entry.find("a:content", ATOM)
    assert content.get("type") == "html" and '<article class="notice kind-planned-maintenance' in content.text

    later = {"DESKCTL_NOW": "2026-12-06T02:30:00+01:00"}
    assert resolve_and_publish(arun, ann_id, "--allow-fallback", env=later).code == 0
    feed = ET.parse(desk / "public" / "status" / "en" / "feed.xml").getroot()
    titles = [e.findtext("a:title", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    assert titles == ["Completed: mail and calendar are working normally again"]
    page = (desk / "public" / "status" / "en" / "index.html").read_text(encoding="utf-8")
    assert "No disruption is known at the moment" in page and "Recently resolved" in page


def test_statuspage_command_turns_a_started_maintenance_active_without_a_new_publish(arun, desk, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    page = desk / "public" / "status" / "en" / "index.html"
    assert "state-upcoming" in page.read_text(encoding="utf-8")
    during = {"DESKCTL_NOW": "2026-12-05T23:00:00+01:00"}  # inside the maintenance window
    result = arun("announce", "statuspage", "--json", env=during)
    assert result.code == 0, result
    assert "public/status/en/index.html" in result.json()["written"]
    html = page.read_text(encoding="utf-8")
    assert "state-active" in html and "state-upcoming" not in html
    shown = arun("announce", "show", ann_id, "--json").json()
    assert len([d for d in shown["deliveries"] if d["channel"] == "statuspage"]) == 4  # nothing re-sent


def read_feed(path, served_at: str = "http://status.test/"):
    """The feed as a feed reader gets it from a web server serving public/status at `served_at`."""
    import feedparser

    location = served_at + "/".join(path.parts[-2:])
    parsed = feedparser.parse(path.read_bytes(), response_headers={"content-location": location,
                                                                   "content-type": "application/atom+xml"})
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_feed_links_resolve_to_the_written_files_without_a_base_url(arun, desk, maintenance):
    from urllib.parse import urlsplit

    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    for lang in ("en", "it", "ru", "ro"):
        feed = read_feed(desk / "public" / "status" / lang / "feed.xml")
        links = [feed.feed.link, *(link.href for link in feed.feed.links), feed.entries[0].link]
        for link in links:
            assert link.startswith("http://status.test/"), link
            target = desk / "public" / "status" / urlsplit(link).path.lstrip("/")
            assert target.is_file(), (lang, link)  # not en/en/feed.xml
        assert urlsplit(feed.entries[0].link).fragment == ann_id


def test_feed_links_with_a_base_url_without_its_final_slash(arun, desk, maintenance):
    replace_config(desk, "statuspage: {out: public/status}",
                   'statuspage: {out: public/status, base_url: "https://status.example.com"}')
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    feed = read_feed(desk / "public" / "status" / "it" / "feed.xml")
    assert feed.entries[0].link == "https://status.example.com/it/index.html#ANN-0001"
    assert {link.href for link in feed.feed.links} == {"https://status.example.com/it/feed.xml",
                                                       "https://status.example.com/it/index.html"}
    assert feed.entries[0].id == "tag:status.example.com,2026:example-service-desk/it/ANN-0001"


def test_a_base_url_that_is_not_a_url_is_named_by_config_check(arun, desk):
    replace_config(desk, "statuspage: {out: public/status}", "statuspage: {out: public/status, base_url: status.example.com}")
    result = arun("config", "check")
    assert result.code == 2
    assert "channels.statuspage.base_url 'status.example.com' must be an absolute http(s) URL or a path" in result.stderr


def test_entry_ids_are_unique_across_languages_and_desks(arun, run, desk, maintenance, tmp_path):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    other = tmp_path / "other-desk"
    assert run("init", str(other)).code == 0
    replace_config(other, "email: servicedesk@example.com", "email: help@example.org")
    (other / "maintenance.yaml").write_text((desk / "maintenance.yaml").read_text())
    for args in (("announce", "create", "planned-maintenance", "--from", "maintenance.yaml"),
                 ("announce", "submit", ann_id), ("--actor", "alice", "announce", "approve", ann_id),
                 ("announce", "publish", "--allow-fallback", ann_id)):
        assert arun(*args, cwd=other).code == 0, args
    ids = [read_feed(d / "public" / "status" / lang / "feed.xml").entries[0].id
           for d in (desk, other) for lang in ("en", "it", "ru", "ro")]
    assert len(set(ids)) == 8, ids


def test_nothing_is_rewritten_when_nothing_changed(arun, desk, maintenance):
    ann_id = create_approved(arun)
    assert arun("announce", "publish", "--allow-fallback", ann_id).code == 0
    feed = desk / "public" / "status" / "en" / "feed.xml"
    before = (feed.read_bytes(), feed.stat().st_mtime_ns)
    later = {"DESKCTL_NOW": "2026-12-01T10:05:00+01:00"}  # the next cron run: nothing changed
    result = arun("announce", "statuspage", "--json", env=later)
    assert result.code == 0, result
    assert result.json()["written"] == []
    assert (feed.read_bytes(), feed.stat().st_mtime_ns) == before
    human = arun("announce", "statuspage", env=later)
    assert human.code == 0 and "nothing changed" in human.stderr, human
    # the window starts: the page and the feed change, and say when
    during = arun("announce", "statuspage", "--json", env={"DESKCTL_NOW": "2026-12-05T23:00:00+01:00"})
    assert "public/status/en/feed.xml" in during.json()["written"]
    assert read_feed(feed).feed.updated == "2026-12-05T21:00:00+00:00"  # 22:00 in Rome
