"""`deskctl report html` with a hostile payload in every value that reaches it: ticket titles,
categories, groups (also as `--group`), requester names and the desk's name. The file and
each of its SVG charts are parsed: nothing injected, every value shown as written."""

from __future__ import annotations

import json
import re

from tests.support.markup import PAYLOAD, assert_nothing_injected, parse_xml

NOW = "2026-11-23T10:30:00+01:00"
DESK_NAME = "Desk <img src=x onerror=alert(9)> &amp; ]]>"
CATEGORY = 'cat<img src=x onerror=alert(1)>"&amp;'
GROUP = 'grp"><script>alert(2)</script>'


def hostile_config(desk) -> None:
    path = desk / "config" / "deskctl.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  name: Example Service Desk" in text
    text = text.replace("  name: Example Service Desk", f"  name: {json.dumps(DESK_NAME)}")
    text += (f"\ntickets:\n  categories: [other, {json.dumps(CATEGORY)}]\n"
             f"  groups: [L1, {json.dumps(GROUP)}]\n  default_group: L1\n")
    path.write_text(text, encoding="utf-8")


def check_report(html: str, where: str) -> None:
    parsed = assert_nothing_injected(html, where)
    for value in (f"title {PAYLOAD}", CATEGORY, GROUP, DESK_NAME):
        assert value in parsed.text, f"{where}: {value!r} not shown as written"
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 7
    for i, svg in enumerate(svgs):
        parse_xml(svg, f"{where} chart {i}")  # each chart is well-formed SVG
    labels = " ".join(t.text or "" for svg in svgs for t in parse_xml(svg, where).iter("{http://www.w3.org/2000/svg}text"))
    assert CATEGORY in labels and GROUP not in labels  # category bars are labelled as written


def test_html_report_escapes_ticket_data_and_settings(drun, desk, tmp_path):
    hostile_config(desk)
    env = {"DESKCTL_NOW": NOW}
    for _ in range(3):
        created = drun("ticket", "create", "--title", f"title {PAYLOAD}", "--category", CATEGORY, "--group", GROUP,
                       "--requester-name", f"name {PAYLOAD}", "--priority", "high", "--json", env=env)
        assert created.code == 0, created
    out = tmp_path / "report.html"
    later = {"DESKCTL_NOW": "2026-11-30T10:30:00+01:00"}  # the tickets are old and breached by now
    result = drun("report", "html", "--out", str(out), env=later)
    assert result.code == 0, result
    check_report(out.read_text(encoding="utf-8"), "report.html")

    scoped = tmp_path / "group.html"
    result = drun("report", "html", "--out", str(scoped), "--group", GROUP, env=later)
    assert result.code == 0, result
    html = scoped.read_text(encoding="utf-8")
    check_report(html, "group report")
    sub = assert_nothing_injected(html.split('<p class="sub">', 1)[1].split("</p>", 1)[0], "sub")
    assert f"group {GROUP}" in sub.text
