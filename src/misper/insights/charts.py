"""Bar charts for the reports, drawn on the server as SVG: no script, nothing fetched, and
nothing the Content Security Policy refuses (presentation attributes, no ``style``).

A chart is an image with a text alternative: ``role="img"``, named by its ``<title>`` and
described by its ``<desc>``, which gives every figure the bars show. The table beside it
holds the same numbers. Each bar is labelled with its value (and, for a percentage, its
count), so colour never carries a figure on its own: a red, amber and green chart names
each bar's colour in words as well."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

from misper.insights.reports import PERCENT, Table, shown

WIDTH = 640
BAR_AREA = 460  # the longest bar; the rest of the width is for its value
BAR = 20
GAP = 4
LABEL = 22
ROW_GAP = 12
TEXT = "#0b0c0c"


def _number(value: object) -> Decimal:
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return Decimal(0)


def _bar_text(row: dict[str, object], key: str, kind: str, count_key: str | None) -> str:
    text = shown(row.get(key), kind)
    if count_key is not None:
        text += f" ({shown(row.get(count_key), 'count')})"
    return text


def bar_chart(table: Table, chart_id: str) -> Markup:
    """The table's chart (its rows, not its total) as an inline SVG; empty when the table
    has no chart."""
    chart = table.chart
    if chart is None:
        return Markup("")
    kinds = {c.key: c.kind for c in table.columns}
    series = chart.series
    # Percentages are drawn on a scale to 100%; other values to the largest.
    if all(kinds.get(s.key) == PERCENT for s in series):
        top = Decimal(100)
    else:
        values = [_number(row.get(s.key)) for row in table.rows for s in series]
        top = max(values, default=Decimal(0))
    many = len(series) > 1

    parts: list[str] = []
    described: list[str] = []
    y = 0
    for row in table.rows:
        label = str(row["label"])
        y += LABEL
        parts.append(f'<text x="0" y="{y - 6}" font-weight="bold">{escape(label)}</text>')
        figures = []
        for s in series:
            kind = kinds.get(s.key, "count")
            value = _number(row.get(s.key))
            width = 0 if top == 0 else int((value / top * BAR_AREA).to_integral_value())
            if value > 0:
                width = max(width, 2)
            text = _bar_text(row, s.key, kind, s.count_key)
            words = f"{s.label}: {text}" if many else text
            parts.append(
                f'<rect x="0" y="{y}" width="{width}" height="{BAR}" fill="{escape(s.colour)}"/>'
            )
            parts.append(f'<text x="{width + 6}" y="{y + BAR - 5}">{escape(words)}</text>')
            figures.append(f"{s.label} {text}" if many else text)
            y += BAR + GAP
        described.append(f"{label}: {', '.join(figures)}")
        y += ROW_GAP
    height = max(y, LABEL)
    title = chart.title
    desc = f"{title}. " + ("; ".join(described) if described else "No figures.") + "."
    return Markup(  # noqa: S704 - every text in it is escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" class="misper-chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" data-testid="chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
        f'<g font-family="arial, sans-serif" font-size="16" fill="{TEXT}">'
        + "".join(parts)
        + "</g></svg>"
    )
