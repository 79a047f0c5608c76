"""Geometry of the dashboard's inline SVG charts (no JavaScript, no external library).

The functions turn figures into coordinates; the templates draw them and always put the same
figures in a data table next to the chart, so nothing is shown only as a picture.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from core.formatting import format_yen

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 110, 16, 12, 36


@dataclass
class LineChart:
    width: int = WIDTH
    height: int = HEIGHT
    points: str = ""  # "x,y x,y …" for <polyline>
    dots: list[tuple[float, float]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM


def _nice_ticks(maximum: int, count: int = 4) -> list[int]:
    if maximum <= 0:
        return [0]
    return [maximum * index // count for index in range(count + 1)]


def line_chart(series: list[tuple[datetime.date, int]], maximum: int) -> LineChart | None:
    """A line through (day, value) points on a 0…maximum scale; None when there is nothing to draw."""
    if not series:
        return None
    chart = LineChart()
    top = max(maximum, max(value for _day, value in series), 1)
    first, last = series[0][0], series[-1][0]
    span = max((last - first).days, 1)
    plot_width = chart.right_edge - chart.left
    plot_height = chart.baseline - TOP

    def x(day: datetime.date) -> float:
        return round(chart.left + plot_width * (day - first).days / span, 1)

    def y(value: int) -> float:
        return round(chart.baseline - plot_height * value / top, 1)

    chart.dots = [(x(day), y(value)) for day, value in series]
    chart.points = " ".join(f"{px},{py}" for px, py in chart.dots)
    chart.y_ticks = [(y(value), format_yen(value)) for value in _nice_ticks(top)]
    labelled = {first, last}
    chart.x_ticks = [(x(day), f"{day:%-m/%-d}") for day in sorted(labelled)]
    return chart


@dataclass
class Bar:
    label: str
    y: float
    first_width: float
    second_width: float
    first: int
    second: int


@dataclass
class BarChart:
    width: int = WIDTH
    height: int = 0
    left: int = LEFT + 40
    bar_height: int = 12
    bars: list[Bar] = field(default_factory=list)


def bar_chart(rows: list[tuple[str, int, int]]) -> BarChart | None:
    """Two bars per row (e.g. approved and submitted per area), on one scale."""
    if not rows:
        return None
    chart = BarChart()
    top = max(max(first, second) for _label, first, second in rows) or 1
    plot_width = chart.width - chart.left - RIGHT
    row_height = chart.bar_height * 2 + 14
    for index, (label, first, second) in enumerate(rows):
        chart.bars.append(
            Bar(
                label=label,
                y=TOP + index * row_height,
                first_width=round(plot_width * first / top, 1),
                second_width=round(plot_width * second / top, 1),
                first=first,
                second=second,
            )
        )
    chart.height = TOP + len(rows) * row_height + 8
    return chart
