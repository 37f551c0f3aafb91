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


def test_html_report_passes_axe_and_its_charts_carry_their_numbers(drun, desk, tmp_path):
    from html.parser import HTMLParser

    from tests.support.browser import axe_violations

    assert drun("demo", "seed", "--tickets", "400", "--days", "60", "--seed", "7", env={"DESKCTL_NOW": NOW}).code == 0
    out = tmp_path / "report.html"
    assert drun("report", "html", "--out", str(out), env={"DESKCTL_NOW": NOW}).code == 0
    assert axe_violations(tmp_path, out) == []

    class Figures(HTMLParser):
        """Each figure's caption, whether its SVG is hidden from screen readers, its table rows."""

        def __init__(self):
            super().__init__()
            self.figures, self.where = [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "figure":
                self.figures.append({"caption": "", "hidden_svg": None, "rows": 0, "dashes": set()})
            elif self.figures and tag == "svg":
                self.figures[-1]["hidden_svg"] = attrs.get("aria-hidden") == "true"
            elif self.figures and tag == "tr":
                self.figures[-1]["rows"] += 1
            elif self.figures and tag == "polyline":
                self.figures[-1]["dashes"].add(attrs.get("stroke-dasharray", ""))
            self.where.append(tag)

        def handle_endtag(self, tag):
            if self.where:
                self.where.pop()

        def handle_data(self, data):
            if self.figures and self.where and self.where[-1] == "figcaption":
                self.figures[-1]["caption"] += data

    parser = Figures()
    html = out.read_text(encoding="utf-8")
    parser.feed(html)
    assert len(parser.figures) >= 8
    for figure in parser.figures:
        assert figure["caption"] and figure["hidden_svg"] is True, figure  # read from the table instead
        assert figure["rows"] >= 2, figure  # a header and at least one row of numbers
    captions = [f["caption"] for f in parser.figures]
    assert "Tickets created in the period, by channel" in captions and "Open tickets now, by age" in captions
    trend = next(f for f in parser.figures if f["caption"].startswith("Tickets per week"))
    assert len(trend["dashes"]) == 3  # three series, three line styles: not colour alone
    # the y axis ticks at round numbers
    line_svg = html[html.index('<svg class="chart line"'):]
    ticks = [float(t) for t in re.findall(r'text-anchor="end" class="val">([0-9.]+)</text>', line_svg[:line_svg.index("</svg>")])]
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and all(abs((b - a) - step) < 1e-9 for a, b in zip(ticks, ticks[1:], strict=False))
    assert any(abs(step - m * 10 ** e) < 1e-9 for m in (1, 2, 2.5, 5) for e in range(-1, 5)), ticks


def test_nice_ticks_are_round():
    from deskctl.reports.charts import nice_ticks

    assert nice_ticks(219.5) == [0, 100, 200, 300]  # not 54.9, 109.8, 164.6, 219.5
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(0.8) == [0, 0.2, 0.4, 0.6, 0.8]
