"""Reusable chart builders: Altair (Vega-Lite) charts that every engine's reports share.

Each builder takes plain Python data (lists, a pandas DataFrame) and returns an Altair chart;
:class:`~salesorg.report.document.Chart` wraps it and the renderers turn it into inline SVG.
Charts are built from aggregated data (tens of rows), never from raw history, so the specs stay
small and render in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

__all__ = ["bar", "histogram", "trend", "waterfall"]

_WIDTH = 560
_HEIGHT = 240
_UP, _DOWN, _TOTAL = "#1e7b34", "#b3261e", "#2f5aa8"


def waterfall(
    steps: Sequence[tuple[str, float]],
    *,
    start_label: str = "Start",
    end_label: str = "End",
    start: float,
    end: float | None = None,
    title: str = "",
    unit: str = "",
) -> alt.Chart:
    """A bridge from ``start`` through signed ``steps`` to ``end`` (default: start + steps).

    Totals are blue bars from zero; increases green and decreases red, each floating from the
    running total. Labels show the signed amount.
    """
    rows: list[dict[str, Any]] = [
        {
            "label": start_label,
            "y0": 0.0,
            "y1": float(start),
            "kind": "total",
            "value": float(start),
        }
    ]
    running = float(start)
    for label, amount in steps:
        amount = float(amount)
        rows.append(
            {
                "label": label,
                "y0": running,
                "y1": running + amount,
                "kind": "increase" if amount >= 0 else "decrease",
                "value": amount,
            }
        )
        running += amount
    final = running if end is None else float(end)
    rows.append({"label": end_label, "y0": 0.0, "y1": final, "kind": "total", "value": final})
    data = pd.DataFrame(rows)
    data["order"] = range(len(data))
    data["text"] = [
        f"{v:,.0f}" if k == "total" else f"{v:+,.0f}"
        for v, k in zip(data["value"], data["kind"], strict=True)
    ]
    data["top"] = data[["y0", "y1"]].max(axis=1)
    x = alt.X("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelAngle=-35))
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        x=x,
        y=alt.Y("y0:Q", title=unit or None),
        y2="y1:Q",
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=["total", "increase", "decrease"], range=[_TOTAL, _UP, _DOWN]),
            legend=None,
        ),
    )
    text = base.mark_text(dy=-6, fontSize=10).encode(x=x, y="top:Q", text="text:N")
    return (bars + text).properties(width=_WIDTH, height=_HEIGHT, title=title)


def histogram(
    values: Sequence[float],
    *,
    step: float | None = None,
    maxbins: int = 20,
    title: str = "",
    x_title: str = "",
    rule_at: float | None = None,
    x_format: str = "",
) -> alt.Chart:
    """A histogram of ``values`` (fixed ``step`` or up to ``maxbins`` bins), with an optional
    vertical rule (e.g. at 100 % attainment)."""
    data = pd.DataFrame({"value": [float(v) for v in values]})
    binning = alt.Bin(step=step) if step else alt.Bin(maxbins=maxbins)
    axis = alt.Axis(format=x_format) if x_format else alt.Axis()
    chart = (
        alt.Chart(data)
        .mark_bar(color=_TOTAL)
        .encode(
            x=alt.X("value:Q", bin=binning, title=x_title or None, axis=axis),
            y=alt.Y("count():Q", title="people"),
        )
    )
    if rule_at is not None:
        rule = alt.Chart(pd.DataFrame({"at": [rule_at]})).mark_rule(color=_DOWN).encode(x="at:Q")
        chart = chart + rule
    return chart.properties(width=_WIDTH, height=_HEIGHT, title=title)


def trend(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    lower: str | None = None,
    upper: str | None = None,
    color: str | None = None,
    title: str = "",
    y_title: str = "",
    y_format: str = "",
    x_type: str = "T",
) -> alt.Chart:
    """A line over ``x`` with an optional band from ``lower`` to ``upper`` (a P10–P90 range or a
    confidence interval) and optional ``color`` series."""
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    enc: dict[str, Any] = {
        "x": alt.X(f"{x}:{x_type}", title=None),
        "y": alt.Y(f"{y}:Q", title=y_title or None, axis=axis),
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    base = alt.Chart(frame)
    line = base.mark_line(point=True).encode(**enc)
    if lower and upper:
        band_enc: dict[str, Any] = {
            "x": f"{x}:{x_type}",
            "y": alt.Y(f"{lower}:Q"),
            "y2": f"{upper}:Q",
        }
        if color:
            band_enc["color"] = alt.Color(f"{color}:N", legend=None)
        band = base.mark_area(opacity=0.2).encode(**band_enc)
        chart: Any = band + line
    else:
        chart = line
    return chart.properties(width=_WIDTH, height=_HEIGHT, title=title)


def bar(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    horizontal: bool = False,
    title: str = "",
    y_title: str = "",
    y_format: str = "",
    sort: Sequence[str] | None = None,
) -> alt.Chart:
    """Bars of ``y`` by category ``x`` (vertical, or horizontal for long labels)."""
    axis = alt.Axis(format=y_format) if y_format else alt.Axis()
    cat = alt.X(f"{x}:N", title=None, sort=list(sort) if sort else None)
    val = alt.Y(f"{y}:Q", title=y_title or None, axis=axis)
    if horizontal:
        cat = alt.Y(f"{x}:N", title=None, sort=list(sort) if sort else None)
        val = alt.X(f"{y}:Q", title=y_title or None, axis=axis)
        enc: dict[str, Any] = {"y": cat, "x": val}
    else:
        enc = {"x": cat, "y": val}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None)
    mark = alt.Chart(frame).mark_bar(color=None if color else _TOTAL)
    return mark.encode(**enc).properties(width=_WIDTH, height=_HEIGHT, title=title)
