"""Server-rendered SVG time-series charts: one unit per chart, axes, a legend and a title/description for
screen readers. No JavaScript, no inline style or script (the page's CSP allows neither); colours come from
classes in static/css/incentives.css. The numbers are always also in a table beside the chart."""

import math

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 520, 230
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 12, 30


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1  # the series are counts, hours and credits: no fractional ticks
    ticks, value = [], 0.0
    while value < top + step / 2:
        ticks.append(value)
        if value >= top:
            break
        value += step
    return ticks


def _num(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    return number_format(int(value), use_l10n=True, force_grouping=True)


def time_series(*, chart_id: str, title: str, desc: str, unit: str, x_labels: list[str], current: list[float],
                previous: list[float]) -> SafeString:
    """Columns for this period and a dashed line for the previous one, bucket by bucket. The legend is the
    page's (HTML, readable on a phone); the description says the same for a screen reader."""
    n = len(x_labels)
    if n == 0:
        return mark_safe("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ticks = nice_ticks(max([*current, *previous, 0]))
    top = ticks[-1] or 1
    slot = plot_w / n
    col = max(2.0, slot * 0.6)

    def y(value):
        return round(TOP + plot_h - plot_h * value / top, 1)

    grid = format_html_join(
        "", '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"/>'
        '<text x="{}" y="{}" class="chart-tick" text-anchor="end">{}</text>',
        ((LEFT, y(t), WIDTH - RIGHT, y(t), LEFT - 6, y(t) + 4, _num(t)) for t in ticks),
    )
    every = max(1, math.ceil(n / 8))  # at most eight x labels, so they never overlap on a phone
    xlabels = format_html_join(
        "", '<text x="{}" y="{}" class="chart-tick" text-anchor="middle">{}</text>',
        ((round(LEFT + slot * (i + 0.5), 1), TOP + plot_h + 16, label)
         for i, label in enumerate(x_labels) if i % every == 0),
    )
    columns = format_html_join(
        "", '<rect x="{}" y="{}" width="{}" height="{}" class="chart-col"><title>{}: {} {}</title></rect>',
        ((round(LEFT + slot * i + (slot - col) / 2, 1), y(v), round(col, 1), round(TOP + plot_h - y(v), 1),
          x_labels[i], _num(v), unit) for i, v in enumerate(current)),
    )
    points = " ".join(f"{round(LEFT + slot * (i + 0.5), 1)},{y(v)}" for i, v in enumerate(previous[:n]))
    line = format_html('<polyline points="{}" class="chart-previous"/>', points) if previous else ""
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-axis-line"/>'
        '<text x="12" y="{}" class="chart-tick chart-unit" transform="rotate(-90 12 {})" text-anchor="middle">{}</text>',
        LEFT, TOP + plot_h, WIDTH - RIGHT, TOP + plot_h, TOP + plot_h / 2, TOP + plot_h / 2, unit,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-t {}-d" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-t">{}</title><desc id="{}-d">{}</desc>{}{}{}{}{}</svg>',
        WIDTH, HEIGHT, chart_id, chart_id, chart_id, title, chart_id, desc,
        grid, axis, columns, line, xlabels,
    )

