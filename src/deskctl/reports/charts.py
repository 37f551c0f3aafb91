"""Inline SVG charts for the HTML report: no scripts, no external assets, printable.

Each chart is a `<figure>`: a visible caption saying what it counts, the SVG (hidden from
screen readers, which read the figure's data table instead), and that table in a
`<details>` element any reader can open. Series differ by line style and marker, not by
colour alone; axes tick at round numbers. Every label and title is escaped.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")
DASHES = ("", "6 3", "2 3", "8 3 2 3")  # a line's own pattern: colour is never the only cue
MARKERS = ("circle", "square", "triangle", "diamond")


def nice_ticks(peak: float, count: int = 4) -> list[float]:
    """Round axis values from 0 past `peak`: steps of 1, 2, 2.5 or 5 times a power of ten
    (0, 50, 100, 150, 200, 250 rather than 0, 54.9, 109.8...)."""
    import math

    if peak <= 0:
        return [0.0, 1.0]
    raw = peak / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if peak >= 1 and step < 1:
        step = 1.0
    ticks = [0.0]
    while ticks[-1] < peak:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def figure(title: str, svg: str, headers: list[str], rows: list[list]) -> str:
    """The chart with its caption and the numbers it draws, as a table."""
    head = "".join(f'<th scope="col">{escape(str(h))}</th>' for h in headers)
    body = "".join("<tr>" + "".join((f'<th scope="row">{escape(str(c))}</th>' if i == 0 else f"<td>{escape(str(c))}</td>")
                                    for i, c in enumerate(row)) + "</tr>" for row in rows)
    table = (f"<details><summary>Data: {escape(title)}</summary><table><thead><tr>{head}</tr></thead>"
             f"<tbody>{body}</tbody></table></details>") if rows else '<p class="muted">No data.</p>'
    return f'<figure class="chart-figure"><figcaption>{escape(title)}</figcaption>{svg}{table}</figure>'


def _marker(shape: str, x: float, y: float, color: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{color}"/>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 4:.1f} {x - 4:.1f},{y + 3:.1f} {x + 4:.1f},{y + 3:.1f}" fill="{color}"/>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 4:.1f} {x - 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x + 4:.1f},{y:.1f}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>'


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 420, unit: str = "",
              what: str = "Tickets") -> str:
    """Horizontal bars, one per (label, value), largest scale = the largest value; `what`
    names the column of numbers in the data table."""
    bar_h, gap, label_w = 18, 6, 130
    height = max(1, len(items)) * (bar_h + gap) + 30
    peak = max((v for _, v in items), default=0) or 1
    parts = [f'<svg class="chart bar" aria-hidden="true" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, value) in enumerate(items):
        y = 20 + i * (bar_h + gap)
        w = (width - label_w - 60) * value / peak
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" class="lbl">{escape(str(label))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{_num(w)}" height="{bar_h}" fill="{PALETTE[i % len(PALETTE)]}">'
                     f'<title>{escape(str(label))}: {_num(value)}{escape(unit)}</title></rect>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" class="val">{_num(value)}{escape(unit)}</text>')
    if not items:
        parts.append(f'<text x="{width / 2}" y="20" text-anchor="middle" class="lbl">no data</text>')
    parts.append("</svg>")
    header = title.split(" by ", 1)[1].capitalize() if " by " in title else "Item"
    return figure(title, "".join(parts), [header, what + (f" ({unit})" if unit else "")],
                  [[label, _num(value)] for label, value in items])


def line_chart(labels: list[str], series: dict[str, list[float]], *, title: str, width: int = 860,
               height: int = 260) -> str:
    """Lines over the same x labels (weeks), with a legend and a y axis from 0 at round ticks;
    each series has its own colour, line style and marker."""
    left, right, top, bottom = 44, 16, 28, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks(max((v for values in series.values() for v in values), default=0))
    peak = ticks[-1]
    step = plot_w / max(1, len(labels) - 1)
    parts = [f'<svg class="chart line" aria-hidden="true" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for value in ticks:  # grid lines and y labels
        y = top + plot_h - plot_h * value / peak
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="val">{_num(value)}</text>')
    every = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="val">{escape(label[5:])}</text>')
    for n, (name, values) in enumerate(series.items()):
        color, dash, shape = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)], MARKERS[n % len(MARKERS)]
        coords = [(left + i * step, top + plot_h - plot_h * v / peak) for i, v in enumerate(values)]
        if len(coords) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"{dashed}/>')
        parts.extend(_marker(shape, x, y, color) for x, y in coords)
        lx = left + n * 150
        parts.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{height - 12}" y2="{height - 12}" stroke="{color}" '
                     f'stroke-width="2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
                     + _marker(shape, lx + 11, height - 12, color)
                     + f'<text x="{lx + 28}" y="{height - 8}" class="lbl">{escape(name)}</text>')
    if not labels:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="lbl">no data</text>')
    parts.append("</svg>")
    names = list(series)
    rows = [[label, *(_num(series[name][i]) if i < len(series[name]) else "" for name in names)]
            for i, label in enumerate(labels)]
    return figure(title, "".join(parts), ["Week", *names], rows)


def heatmap(matrix: list[list[int]], rows: list[str], *, title: str, width: int = 860) -> str:
    """Weekday x hour counts; darker = more arrivals."""
    left, top, cell_h = 44, 22, 24
    cell_w = (width - left - 8) / 24
    height = top + cell_h * len(rows) + 8
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = [f'<svg class="chart heat" aria-hidden="true" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    for h in range(24):
        parts.append(f'<text x="{left + h * cell_w + cell_w / 2:.1f}" y="{top - 6}" text-anchor="middle" class="val">{h:02d}</text>')
    for d, name in enumerate(rows):
        y = top + d * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 16}" text-anchor="end" class="lbl">{escape(name)}</text>')
        for h in range(24):
            value = matrix[d][h] if d < len(matrix) and h < len(matrix[d]) else 0
            shade = value / peak
            fill = f"rgba(37,99,235,{0.06 + 0.94 * shade:.3f})" if value else "#f3f4f6"
            parts.append(f'<rect x="{left + h * cell_w:.1f}" y="{y}" width="{cell_w - 1:.1f}" height="{cell_h - 1}" '
                         f'fill="{fill}"><title>{escape(name)} {h:02d}:00: {value}</title></rect>')
    parts.append("</svg>")
    table = [[name, *(matrix[d][h] if d < len(matrix) and h < len(matrix[d]) else 0 for h in range(24))]
             for d, name in enumerate(rows)]
    return figure(title, "".join(parts), ["Day", *(f"{h:02d}" for h in range(24))], table)
