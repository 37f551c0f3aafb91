"""`deskctl report html`: one self-contained file that headless Chromium renders with its charts."""

from __future__ import annotations

import re

from tests.support.browser import console_messages, run_chromium

NOW = "2026-11-23T10:30:00+01:00"


def test_html_report_is_self_contained_and_renders_its_charts(drun, desk, tmp_path):
    seeded = drun("demo", "seed", "--tickets", "400", "--days", "60", "--seed", "7", env={"DESKCTL_NOW": NOW})
    assert seeded.code == 0, seeded
    out = tmp_path / "report.html"
    result = drun("report", "html", "--out", str(out), env={"DESKCTL_NOW": NOW})
    assert result.code == 0, result
    html = out.read_text(encoding="utf-8")
    # one file: no scripts, no external references of any kind
    assert "<script" not in html and not re.search(r'(src|href)=["\']?(https?:)?//', html)
    assert "@import" not in html and "url(" not in html
    assert html.count("<svg") >= 7 and "Arrivals by weekday and hour" in html

    shot = tmp_path / "report.png"
    render = run_chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--window-size=1280,2400",
                    f"--screenshot={shot}", out.as_uri())
    assert render.returncode == 0, render.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 30_000  # a real page, not a blank one
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert console_messages(render.stderr) == []

    dom = run_chromium(tmp_path, "--dump-dom", out.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    charts = re.findall(r'<svg class="chart (\w+)"', dom.stdout)
    assert charts.count("heat") == 1 and charts.count("line") == 1 and charts.count("bar") >= 5
    assert dom.stdout.count("<rect") > 7 * 24  # the heatmap's cells are in the rendered DOM
    assert "Oldest open tickets" in dom.stdout and "SLA breaches" in dom.stdout


def test_html_report_refuses_a_missing_folder(drun, tmp_path):
    result = drun("report", "html", "--out", str(tmp_path / "nope" / "r.html"))
    assert result.code == 2 and "no such folder" in result.stderr, result
