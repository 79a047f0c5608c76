"""Geometry of the survey results' inline SVG charts (dashboard and PDF report; no JavaScript).

Like `claims.charts`, the functions only turn figures into coordinates; the templates draw them and
always put the same figures in a table next to the chart, and every bar has its number written
beside it, so nothing is told by length or colour alone. WeasyPrint renders the same SVG in the PDF.
"""

from __future__ import annotations

import datetime
import math
import unicodedata
from dataclasses import dataclass, field

from .results import DayCount, Option

WIDTH = 640
LABEL_WIDTH = 200  # room for the option labels left of the bars
VALUE_WIDTH = 120  # room for "1,234（56.7%）" right of the longest bar
BAR_HEIGHT, BAR_GAP, TOP = 16, 6, 6
LABEL_UNITS = 26  # half-width characters of a label in the chart (the table has the full label)
PLOT_HEIGHT, AXIS_LEFT, AXIS_BOTTOM = 180, 56, 28


def short_label(text: str, units: int = LABEL_UNITS) -> str:
    """The label cut to about `units` half-width characters (full-width ones count two), with …."""
    used, kept = 0, []
    for char in text:
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > units:
            return "".join(kept).rstrip() + "…"
        kept.append(char)
    return text


def nice_ticks(maximum: int, count: int = 4) -> list[int]:
    """Round tick values 0…≥maximum (steps of 1, 2 or 5 × 10^n)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


@dataclass
class Bar:
    label: str
    full_label: str
    y: float
    width: float
    value: str

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 4  # baseline of 11px text centred on the bar

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + 6


@dataclass
class BarChart:
    width: int = WIDTH
    height: int = 0
    left: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    bars: list[Bar] = field(default_factory=list)


def option_chart(options: list[Option]) -> BarChart | None:
    """One horizontal bar per option, on the scale of the largest count, with count and % beside it."""
    if not options:
        return None
    chart = BarChart()
    top = max(option.count for option in options) or 1
    plot_width = chart.width - chart.left - VALUE_WIDTH
    for index, option in enumerate(options):
        value = f"{option.count:,}"
        if option.percent is not None:
            value += f"（{option.percent}%）"
        chart.bars.append(
            Bar(
                label=short_label(option.label),
                full_label=option.label,
                y=TOP + index * (BAR_HEIGHT + BAR_GAP),
                width=round(plot_width * option.count / top, 1),
                value=value,
            )
        )
    chart.height = TOP + len(options) * (BAR_HEIGHT + BAR_GAP) + TOP
    return chart


@dataclass
class Column:
    x: float
    y: float
    width: float
    height: float
    day: datetime.date
    count: int


@dataclass
class DayChart:
    width: int = WIDTH
    height: int = PLOT_HEIGHT + AXIS_BOTTOM + 12
    left: int = AXIS_LEFT
    right_edge: int = WIDTH - 8
    baseline: int = PLOT_HEIGHT + 12  # room above the top tick's label
    columns: list[Column] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    line: str = ""  # cumulative, "x,y x,y …" for <polyline>, on its own scale (right axis)
    line_ticks: list[tuple[float, str]] = field(default_factory=list)


def day_chart(days: list[DayCount], *, cumulative: bool = False) -> DayChart | None:
    """Responses per day as columns; with `cumulative`, the running total as a line on a right axis."""
    if not days:
        return None
    chart = DayChart()
    if cumulative:
        chart.right_edge = WIDTH - AXIS_LEFT
    plot_width = chart.right_edge - chart.left
    slot = plot_width / len(days)
    ticks = nice_ticks(max(d.count for d in days))
    top = ticks[-1] or 1

    def y(value: int, scale: int) -> float:
        return round(chart.baseline - PLOT_HEIGHT * value / scale, 1)

    chart.y_ticks = [(y(value, top), f"{value:,}") for value in ticks]
    for index, day in enumerate(days):
        height = round(PLOT_HEIGHT * day.count / top, 1)
        chart.columns.append(
            Column(
                x=round(chart.left + index * slot + slot * 0.1, 1),
                y=round(chart.baseline - height, 1),
                width=round(max(slot * 0.8, 0.5), 1),
                height=height,
                day=day.day,
                count=day.count,
            )
        )
    every = max(1, math.ceil(len(days) / 8))
    labelled = set(range(0, len(days), every))
    if len(days) - 1 - max(labelled) < every / 2:  # keep the last day's label clear of its neighbour
        labelled.discard(max(labelled))
    labelled |= {0, len(days) - 1}
    chart.x_ticks = [
        (round(chart.left + index * slot + slot / 2, 1), f"{days[index].day:%-m/%-d}")
        for index in sorted(labelled)
    ]
    if cumulative:
        line_ticks = nice_ticks(days[-1].cumulative)
        line_top = line_ticks[-1] or 1
        chart.line = " ".join(
            f"{round(chart.left + index * slot + slot / 2, 1)},{y(day.cumulative, line_top)}"
            for index, day in enumerate(days)
        )
        chart.line_ticks = [(y(value, line_top), f"{value:,}") for value in line_ticks]
    return chart
