"""Charts drawn on the server as inline SVG: no JavaScript library, no CDN, printable.

Each chart carries ``role="img"`` with a text summary, and the page shows the same numbers in
words or a table beside it, so nothing is said by colour or shape alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# The national alert colours. Light fills (yellow, orange) get a dark outline so every mark
# keeps 3:1 against white (WCAG non-text contrast); the grade is always written out as well.
GRADE_FILL = {
    "정상": "#1e7b34",
    "관심": "#1f5fbf",
    "주의": "#f2c200",
    "경계": "#ef7d00",
    "심각": "#c62828",
}
UP, DOWN, INK, GRID, MUTED = "#b3261e", "#1f5fbf", "#1a1a1a", "#d0d4da", "#4a5260"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # probability points (0.027 = 2.7 %p) or a count
    text: str  # what is written at the end of the row


@dataclass(frozen=True)
class Point:
    label: str  # x-axis label, e.g. "2025-06-30"
    value: float  # a probability
    grade: str | None = None  # the grade's Korean name: picks the dot's colour
    grade_label: str | None = None  # the grade as the page's language writes it (the tooltip)


def _svg(width: int, height: int, summary: str, body: str, css_class: str) -> Markup:
    return Markup(
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(summary)}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="inherit" font-size="14"><title>{escape(summary)}</title>{body}</svg>'
    )


def points_text(value: float) -> str:
    """Probability points as staff read them: +2.7%p, −0.4%p (and 0.0%p, never −0.0%p)."""
    if round(abs(value) * 100, 1) == 0:
        return "0.0%p"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{abs(value) * 100:.1f}%p"


def percent(value: float, digits: int = 1) -> str:
    return f"{value * 100:.{digits}f}%"


def reason_bars(bars: Sequence[Bar], summary: str) -> Markup:
    """Diverging horizontal bars around zero: red raises the PD, blue lowers it."""
    row, top, label_w, area_x, area_w, width = 30, 8, 250, 262, 350, 720
    height = top * 2 + row * max(len(bars), 1)
    largest_up = max((b.value for b in bars if b.value > 0), default=0.0)
    largest_down = max((-b.value for b in bars if b.value < 0), default=0.0)
    span = (largest_up + largest_down) or 1.0
    zero = area_x + area_w * largest_down / span
    parts = [
        f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - top + 4}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    ]
    for i, bar in enumerate(bars):
        y = top + i * row
        length = area_w * abs(bar.value) / span
        x = zero if bar.value >= 0 else zero - length
        fill = UP if bar.value >= 0 else DOWN
        parts.append(
            f'<text x="{label_w}" y="{y + 19}" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{x:.1f}" y="{y + 6}" width="{max(length, 1.0):.1f}" height="{row - 12}" '
            f'fill="{fill}" rx="2"/>'
            f'<text x="{width - 4}" y="{y + 19}" text-anchor="end" fill="{INK}" '
            f'font-variant-numeric="tabular-nums">{escape(bar.text)}</text>'
        )
    return _svg(width, height, summary, "".join(parts), "chart-reasons")


def count_bars(bars: Sequence[Bar], fills: Sequence[str], summary: str) -> Markup:
    """Horizontal bars of counts from zero (grade distributions), each in its own fill."""
    row, top, label_w, area_x, area_w, width = 30, 6, 90, 100, 470, 720
    height = top * 2 + row * max(len(bars), 1)
    largest = max((b.value for b in bars), default=0.0) or 1.0
    parts = []
    for i, (bar, fill) in enumerate(zip(bars, fills, strict=True)):
        y = top + i * row
        length = area_w * bar.value / largest
        parts.append(
            f'<text x="{label_w}" y="{y + 19}" text-anchor="end" fill="{INK}">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{area_x}" y="{y + 5}" width="{max(length, 1.0):.1f}" height="{row - 10}" '
            f'fill="{fill}" stroke="{INK}" stroke-width="0.75" rx="2"/>'
            f'<text x="{area_x + length + 8:.1f}" y="{y + 19}" fill="{INK}">'
            f"{escape(bar.text)}</text>"
        )
    return _svg(width, height, summary, "".join(parts), "chart-counts")


@dataclass(frozen=True)
class _Frame:
    """Where a line chart's values land: n points across, 0…``highest`` up."""

    n: int
    highest: float
    width: int = 720
    height: int = 250
    left: int = 56
    right: int = 16
    top: int = 14
    bottom: int = 40

    def x(self, i: int) -> float:
        span = self.width - self.left - self.right
        return self.left + (span * i / (self.n - 1) if self.n > 1 else span / 2)

    def y(self, value: float) -> float:
        span = self.height - self.top - self.bottom
        return self.top + span * (1 - value / self.highest)


def _ticks(highest: float) -> list[float]:
    """Three or four round probabilities below ``highest`` (0.5%, 1%, 2%, 2.5%, 5% steps …)."""
    raw = highest / 4
    scale = 10 ** math.floor(math.log10(raw))
    step = next(m * scale for m in (1, 2, 2.5, 5, 10) if m * scale >= raw)
    return [step * k for k in range(1, 5) if step * k < highest]


def _guides(frame: _Frame, guides: Sequence[tuple[float, str]]) -> list[str]:
    """Dashed horizontal lines with the value on the left and a name on the right; a label
    too close to the one below it is left out so that none overlap."""
    parts, last_y = [], frame.y(0.0)
    right = frame.width - frame.right
    for value, name in sorted(guides):
        y = frame.y(value)
        parts.append(
            f'<line x1="{frame.left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-dasharray="4 4"/>'
        )
        if last_y - y < 14:
            continue
        last_y = y
        digits = 0 if value >= 0.01 else 1
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + 5:.1f}" text-anchor="end" fill="{MUTED}" '
            f'font-size="12">{percent(value, digits)}</text>'
            f'<text x="{right}" y="{y - 4:.1f}" text-anchor="end" fill="{MUTED}" '
            f'font-size="12">{escape(name)}</text>'
        )
    return parts


def _path(frame: _Frame, values: Sequence[float]) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(values)
    )


def _dots(frame: _Frame, points: Sequence[Point]) -> list[str]:
    parts, step = [], max(1, len(points) // 6)
    for i, point in enumerate(points):
        fill = GRADE_FILL.get(point.grade or "", INK)
        parts.append(
            f'<circle cx="{frame.x(i):.1f}" cy="{frame.y(point.value):.1f}" r="5" '
            f'fill="{fill}" stroke="{INK}" stroke-width="1"><title>{escape(point.label)}: '
            f"{percent(point.value)} {escape(point.grade_label or point.grade or '')}"
            "</title></circle>"
        )
        if (len(points) - 1 - i) % step == 0:  # counted from the latest, which is always named
            parts.append(
                f'<text x="{frame.x(i):.1f}" y="{frame.height - 14}" '
                f'text-anchor="middle" fill="{MUTED}" font-size="12">'
                f"{escape(point.label)}</text>"
            )
    return parts


def line(
    points: Sequence[Point],
    summary: str,
    bands: Sequence[tuple[float, str]] = (),
    reference: Sequence[float] = (),
    reference_label: str = "",
) -> Markup:
    """A probability over time: dots coloured by grade, dashed lines at the grade cut-points
    (or at round values when there are none), and optionally a dashed grey ``reference``
    series (e.g. the national rate) on the same dates."""
    highest = max([p.value for p in points] + list(reference) + [0.01]) * 1.2
    shown = [(cut, name) for cut, name in bands if cut <= highest]
    highest = max([highest] + [cut * 1.1 for cut, _ in shown])
    frame = _Frame(len(points), highest)
    base = frame.y(0.0)
    parts = [
        f'<line x1="{frame.left}" y1="{base}" x2="{frame.width - frame.right}" '
        f'y2="{base}" stroke="{MUTED}"/><text x="{frame.left - 6}" y="{base + 5}" '
        f'text-anchor="end" fill="{MUTED}" font-size="12">0%</text>'
    ]
    parts += _guides(frame, shown or [(tick, "") for tick in _ticks(highest)])
    if len(reference) == len(points) > 1:
        parts.append(
            f'<path d="{_path(frame, reference)}" fill="none" stroke="{MUTED}" '
            f'stroke-width="2" stroke-dasharray="6 4"/><text x="{frame.x(len(points) - 1):.1f}" '
            f'y="{frame.y(reference[-1]) + 18:.1f}" text-anchor="end" fill="{MUTED}" '
            f'font-size="12">{escape(reference_label)}</text>'
        )
    if len(points) > 1:
        parts.append(
            f'<path d="{_path(frame, [p.value for p in points])}" fill="none" '
            f'stroke="{INK}" stroke-width="2"/>'
        )
    parts += _dots(frame, points)
    return _svg(frame.width, frame.height, summary, "".join(parts), "chart-line")


def percentile_strip(percentile: float | None, summary: str) -> Markup:
    """Where a firm sits among its peers, 0 to 100, as a marker on a scale."""
    if percentile is None:
        return Markup("")
    x = 4 + 152 * max(0.0, min(percentile, 100.0)) / 100
    body = (
        f'<rect x="4" y="8" width="152" height="6" rx="3" fill="{GRID}"/>'
        f'<line x1="80" y1="4" x2="80" y2="18" stroke="{MUTED}"/>'
        f'<circle cx="{x:.1f}" cy="11" r="6" fill="{INK}"/>'
    )
    return _svg(160, 22, summary, body, "chart-strip")
