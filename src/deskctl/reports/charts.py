"""Inline SVG charts for the HTML report: no scripts, no external assets, printable.

Each function returns one `<svg>` element as text; every label and title is escaped.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 420, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), largest scale = the largest value."""
    bar_h, gap, label_w = 18, 6, 130
    height = max(1, len(items)) * (bar_h + gap) + 30
    peak = max((v for _, v in items), default=0) or 1
    parts = [f'<svg class="chart bar" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
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
    return "".join(parts)


def line_chart(labels: list[str], series: dict[str, list[float]], *, title: str, width: int = 860,
               height: int = 260) -> str:
    """Lines over the same x labels (weeks), with a legend and a y axis from 0."""
    left, right, top, bottom = 44, 16, 28, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for values in series.values() for v in values), default=0) or 1
    step = plot_w / max(1, len(labels) - 1)
    parts = [f'<svg class="chart line" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for k in range(5):  # grid lines and y labels
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="val">{_num(value)}</text>')
    every = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="val">{escape(label[5:])}</text>')
    for n, (name, values) in enumerate(series.items()):
        color = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{left + i * step:.1f},{top + plot_h - plot_h * v / peak:.1f}" for i, v in enumerate(values))
        if len(values) == 1:
            x, y = points.split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{color}"/>')
        elif values:
            parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
        lx = left + n * 150
        parts.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="12" fill="{color}"/>'
                     f'<text x="{lx + 16}" y="{height - 8}" class="lbl">{escape(name)}</text>')
    if not labels:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="lbl">no data</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(matrix: list[list[int]], rows: list[str], *, title: str, width: int = 860) -> str:
    """Weekday x hour counts; darker = more arrivals."""
    left, top, cell_h = 44, 22, 24
    cell_w = (width - left - 8) / 24
    height = top + cell_h * len(rows) + 8
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = [f'<svg class="chart heat" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
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
    return "".join(parts)
