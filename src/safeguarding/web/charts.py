"""Small server-drawn SVG bar charts: no JavaScript, no inline style (the CSP forbids it), and each
chart sits beside a table of the same numbers so nothing is told by colour or shape alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from safeguarding.web.data.stats import Series

# Colour-blind-safe palette (Okabe-Ito); series are also named in the legend and the table.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 220, 40, 30, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, int]]
    legend: list[tuple[str, str]]
    weeks: list[date]
    series: list[Series]
    period_label: str = "Week starting"  # the table's first column heading
    date_format: str = "%d %b %Y"  # how the table names each period


def stacked_bars(
    weeks: list[date], series: list[Series], label_format: str = "%d %b %y", period_label: str = "Week starting"
) -> Chart:
    """A stacked bar per week (or per month: label_format "%b %y", period_label "Month"); axis labels carry the year."""
    totals = [sum(s.values[i] for s in series) for i in range(len(weeks))]
    top = max([*totals, 1])
    plot_h = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT) / max(len(weeks), 1)
    bars: list[Bar] = []
    for i, week in enumerate(weeks):
        base = float(HEIGHT - BOTTOM)
        for n, s in enumerate(series):
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            bars.append(
                Bar(
                    LEFT + i * step + 2,
                    base,
                    step - 4,
                    h,
                    PALETTE[n % len(PALETTE)],
                    f"{s.name}: {value} ({week.strftime(label_format)})",
                )
            )
    ticks = sorted({0, top // 2, top})
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        x_labels=[(LEFT + i * step + step / 2, w.strftime(label_format)) for i, w in enumerate(weeks) if i % 2 == 0],
        y_ticks=[(HEIGHT - BOTTOM - plot_h * t / top, t) for t in ticks],
        legend=[(s.name, PALETTE[n % len(PALETTE)]) for n, s in enumerate(series)],
        weeks=weeks,
        series=series,
        period_label=period_label,
        date_format="%d %b %Y" if period_label == "Week starting" else "%B %Y",
    )
