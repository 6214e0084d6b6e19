"""Small server-side SVG charts for the leader dashboards.

Every chart is an `<svg role="img">` named by its own <title> and <desc>, and never lets
colour carry meaning alone: each series also has its own fill pattern (bars) or marker and dash
(lines), a legend that shows them, and every bar carries its value as text. The data table
beneath each chart on the page holds the exact figures."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Dark enough for text contrast on white; told apart by pattern and marker as well.
_COLOURS = ("#005b82", "#a8590c", "#06893a")
_DASHES = ("", "6 4", "2 3")
_TEXT = "#23262a"
_MUTED = "#596173"
_GRID = "#cfd3d8"
_FONT = 'font-family="inherit" font-size="12"'


@dataclass(frozen=True)
class Series:
    """One series: a value per category (None: nothing to draw) and the text shown for it."""

    name: str
    values: list[float | None]
    labels: list[str]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one group per category, one bar per series in each group. A marker
    (for example a target) may be drawn per category as a dashed vertical tick."""

    chart_id: str
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    markers: list[float | None] = field(default_factory=list)
    marker_name: str = ""
    max_value: float | None = None


@dataclass(frozen=True)
class LineChart:
    chart_id: str
    title: str
    description: str
    x_labels: list[str]
    series: list[Series]


def _short(label: str, room: int = 30) -> str:
    """A category name that fits left of the bars (the table beneath has it in full)."""
    return label if len(label) <= room else label[: room - 1] + "…"


def _patterns(chart_id: str) -> str:
    """Solid, diagonal hatching and dots: one per series."""
    c0, c1, c2 = _COLOURS
    return (
        "<defs>"
        f'<pattern id="{chart_id}-p0" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{c0}"/></pattern>'
        f'<pattern id="{chart_id}-p1" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/><rect width="3" height="6" fill="{c1}"/>'
        "</pattern>"
        f'<pattern id="{chart_id}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.8" fill="{c2}"/>'
        "</pattern>"
        "</defs>"
    )


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="inntak-chart" '
        # No style attribute (the content security policy): .inntak-chart caps the width.
        f'id="{chart_id}" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _legend(chart: BarChart | LineChart, y: int, kind: str) -> list[str]:
    parts: list[str] = []
    x = 0
    for index, series in enumerate(chart.series):
        colour = _COLOURS[index % 3]
        if kind == "bar":
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="14" height="12" '
                f'fill="url(#{chart.chart_id}-p{index % 3})" stroke="{colour}"/>'
            )
        else:
            parts.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 14}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="2" stroke-dasharray="{_DASHES[index % 3]}"/>'
                + _marker(index, x + 7, y - 4)
            )
        parts.append(
            f'<text x="{x + 20}" y="{y}" fill="{_TEXT}" {_FONT}>{escape(series.name)}</text>'
        )
        x += 40 + 7 * len(series.name)
    if isinstance(chart, BarChart) and chart.marker_name:
        parts.append(
            f'<line x1="{x + 7}" y1="{y - 12}" x2="{x + 7}" y2="{y + 2}" stroke="{_TEXT}" '
            'stroke-width="2" stroke-dasharray="3 2"/>'
            f'<text x="{x + 20}" y="{y}" fill="{_TEXT}" {_FONT}>{escape(chart.marker_name)}</text>'
        )
    return parts


def _marker(index: int, x: float, y: float) -> str:
    colour = _COLOURS[index % 3]
    if index % 3 == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if index % 3 == 1:
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    return (
        f'<path d="M{x:.1f},{y - 4.5:.1f} L{x + 4.5:.1f},{y + 3.5:.1f} '
        f'L{x - 4.5:.1f},{y + 3.5:.1f} Z" fill="{colour}"/>'
    )


def bar_chart(chart: BarChart) -> SafeString:
    width, label_width, value_room = 720, 200, 70
    bar_height, gap = 14, 10
    plot = width - label_width - value_room
    values = [v for s in chart.series for v in s.values if v is not None]
    values += [m for m in chart.markers if m is not None]
    top = chart.max_value or max(values, default=0) or 1
    group_height = bar_height * len(chart.series) + gap
    height = 30 + group_height * max(len(chart.categories), 1) + 10
    parts = _open(chart.chart_id, chart.title, chart.description, width, height)
    parts.append(_patterns(chart.chart_id))
    parts += _legend(chart, 14, "bar")
    parts.append(
        f'<line x1="{label_width}" y1="26" x2="{label_width}" y2="{height - 6}" stroke="{_GRID}"/>'
    )
    if not chart.categories:
        parts.append(f'<text x="{label_width + 8}" y="48" fill="{_MUTED}" {_FONT}>–</text>')
    for row, category in enumerate(chart.categories):
        y0 = 30 + row * group_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y0 + group_height / 2 + 2:.1f}" text-anchor="end" '
            f'fill="{_TEXT}" {_FONT}>{escape(_short(category))}</text>'
        )
        for index, series in enumerate(chart.series):
            value = series.values[row]
            y = y0 + index * bar_height
            length = 0.0 if value is None else plot * min(value, top) / top
            if length > 0:
                parts.append(
                    f'<rect x="{label_width}" y="{y + 1}" width="{length:.1f}" '
                    f'height="{bar_height - 2}" fill="url(#{chart.chart_id}-p{index % 3})" '
                    f'stroke="{_COLOURS[index % 3]}"/>'
                )
            parts.append(
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 3}" '
                f'fill="{_TEXT}" {_FONT}>{escape(series.labels[row])}</text>'
            )
        marker = chart.markers[row] if row < len(chart.markers) else None
        if marker is not None:
            x = label_width + plot * min(marker, top) / top
            parts.append(
                f'<line x1="{x:.1f}" y1="{y0 - 2}" x2="{x:.1f}" y2="{y0 + group_height - gap + 2}" '
                f'stroke="{_TEXT}" stroke-width="2" stroke-dasharray="3 2"/>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def line_chart(chart: LineChart) -> SafeString:
    width, height, left, right, top_y, bottom = 720, 260, 50, 20, 34, 30
    plot_w, plot_h = width - left - right, height - top_y - bottom
    values = [v for s in chart.series for v in s.values if v is not None]
    # An even whole number at the top, so that the middle gridline is whole too.
    top = max(2, math.ceil(max(values, default=0)))
    top += top % 2
    count = max(len(chart.x_labels), 1)
    step = plot_w / max(count - 1, 1)
    parts = _open(chart.chart_id, chart.title, chart.description, width, height)
    parts += _legend(chart, 14, "line")
    for tick in (0, top // 2, top):
        y = top_y + plot_h - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{_GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{_MUTED}" {_FONT}>'
            f"{tick}</text>"
        )
    for index, label in enumerate(chart.x_labels):
        x = left + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" fill="{_MUTED}" '
            f"{_FONT}>{escape(label)}</text>"
        )
    for index, series in enumerate(chart.series):
        drawn = [(i, v) for i, v in enumerate(series.values) if v is not None]
        if not drawn:
            continue
        points = {i: (left + i * step, top_y + plot_h - plot_h * v / top) for i, v in drawn}
        # A value not shown (a hidden small cell) breaks the line rather than being bridged.
        runs: list[list[tuple[float, float]]] = []
        for i, point in points.items():
            if i - 1 in points:
                runs[-1].append(point)
            else:
                runs.append([point])
        for run in runs:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{_COLOURS[index % 3]}" '
                f'stroke-width="2" stroke-dasharray="{_DASHES[index % 3]}"/>'
            )
        parts += [_marker(index, x, y) for x, y in points.values()]
        last_x, last_y = points[drawn[-1][0]]
        parts.append(
            f'<text x="{last_x:.1f}" y="{last_y - 8:.1f}" text-anchor="end" fill="{_TEXT}" '
            f"{_FONT}>{escape(series.labels[drawn[-1][0]])}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
