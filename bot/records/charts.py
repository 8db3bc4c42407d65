"""The report's charts: matplotlib drawn to inline SVG (the page) or PNG (a chat image).

Inline SVG keeps the report one self-contained file with no request to anywhere: text is
drawn as paths (`svg.fonttype = path`), so not even a font is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.plotting import pyplot
from bot.records.dataset import PatientRecords
from bot.records.dose import WeekDose, weekly_dose
from bot.records.metrics import WeekOutcomes
from content.loader import Content

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DELIVERED = "#2f6fbf"
TARGET = "#2e8b57"
PHQ9 = "#6a3d9a"
# SVG text as paths and a fixed hash salt (the same data draws the same file): `pyplot()`.


def dose_fidelity_figure(
    weeks: Sequence[WeekDose], phq9: Sequence[tuple[dt.date, int]], title: str, phq9_max: int = 27
) -> Figure:
    """Delivered minutes per programme week against the prescribed band; PHQ-9 beside it."""
    figure, minutes = pyplot().subplots(figsize=(6.4, 2.8), dpi=100)
    positions = [w.week for w in weeks]
    minutes.bar(
        positions, [w.delivered_minutes for w in weeks], color=DELIVERED, label="delivered min"
    )
    minutes.fill_between(
        positions,
        [w.weekly_minutes_low for w in weeks],
        [w.weekly_minutes_high for w in weeks],
        step="mid",
        color=TARGET,
        alpha=0.25,
        label="prescribed min",
    )
    minutes.set_xlabel("programme week")
    minutes.set_ylabel("minutes")
    minutes.set_xticks(positions)
    minutes.set_title(title, fontsize=10)
    if phq9 and weeks:
        start = weeks[0].start
        scores = minutes.twinx()
        scores.plot(
            [1 + (day - start).days / 7 for day, _ in phq9],
            [total for _, total in phq9],
            marker="o",
            color=PHQ9,
            label="PHQ-9",
        )
        scores.set_ylim(0, phq9_max)
        scores.set_ylabel("PHQ-9", color=PHQ9)
    minutes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure


def outcomes_figure(weeks: Sequence[WeekOutcomes]) -> Figure:
    figure, axis = pyplot().subplots(figsize=(6.4, 2.6), dpi=100)
    positions = [w.week for w in weeks]
    for name, color in (
        ("response", "#2e8b57"),
        ("remission", DELIVERED),
        ("meaningful_improvement", "#e6a100"),
        ("deterioration", "#c0392b"),
    ):
        axis.plot(
            positions,
            [getattr(w, name) for w in weeks],
            marker="o",
            color=color,
            label=name.replace("_", " "),
        )
    axis.plot(
        positions, [w.patients for w in weeks], linestyle="--", color="#777777", label="patients"
    )
    axis.set_xlabel("programme week")
    axis.set_ylabel("patients")
    from matplotlib.ticker import MaxNLocator  # with pyplot, on first use

    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_xticks(positions)
    axis.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as an `<svg>` element to paste into HTML (no XML prolog)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    pyplot().close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def to_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot().close(figure)
    return buffer.getvalue()


def phq9_points(records: PatientRecords) -> list[tuple[dt.date, int]]:
    return [
        ((c.completed_at or c.started_at).date(), c.total)
        for c in records.checkins
        if c.total is not None
    ]


def dose_fidelity_png(records: PatientRecords, content: Content, today: dt.date) -> bytes:
    """A supervisor's per-patient view, as an image to send in chat (by code, no name)."""
    weeks = weekly_dose(records, content, today)
    figure = dose_fidelity_figure(
        weeks, phq9_points(records), f"{records.code}: dose and PHQ-9", content.phq9.max_total
    )
    return to_png(figure)
