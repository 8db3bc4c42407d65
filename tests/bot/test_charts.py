"""The /progress chart renders to a PNG from the dialog's chart data."""

from __future__ import annotations

import datetime as dt

from bot.charts import render_chart
from content.loader import shipped_content
from dialogs.progress import Phq9Point, ProgressChart, WeekMinutes


def test_progress_chart_is_a_png() -> None:
    monday = dt.date(2026, 11, 2)
    weeks = tuple(
        WeekMinutes(
            week_start=monday + dt.timedelta(weeks=i),
            minutes=40 * i,
            target_low=60,
            target_high=90,
            label=f"W{i}",
        )
        for i in range(8)
    )
    phq = (
        Phq9Point(day=monday, total=14, label="2 Nov"),
        Phq9Point(day=monday + dt.timedelta(days=14), total=9, label="16 Nov"),
    )
    chart = ProgressChart(weeks=weeks, phq9=phq, phq9_max=27, weekly_minimum=150)
    image = render_chart(chart, shipped_content().texts, "es")
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(image) > 5_000


def test_the_chart_labels_the_minimum_and_the_phq9_bands() -> None:
    import matplotlib.pyplot as plt

    from bot.charts import draw_chart

    texts = shipped_content().texts
    monday = dt.date(2026, 11, 2)
    weeks = (WeekMinutes(monday, 60, 60, 90, "2 Nov"),)
    phq = (Phq9Point(day=monday, total=14, label="2 Nov"),)
    bands = ((0, 4, "minimal"), (5, 9, "mild"), (20, 27, "severe"))
    chart = ProgressChart(weeks=weeks, phq9=phq, phq9_max=27, weekly_minimum=150, phq9_bands=bands)
    figure = draw_chart(chart, texts, "en")
    try:
        minutes_axes, phq_axes = figure.axes
        legend = [t.get_text() for t in minutes_axes.get_legend().get_texts()]
        assert "150-minute weekly minimum" in legend
        assert "Lower is better" in phq_axes.get_title()
        assert {t.get_text() for t in phq_axes.texts} == {"minimal", "mild", "severe"}
        assert len(minutes_axes.get_xticklabels()) == 1  # from the first week on, nothing before
    finally:
        plt.close(figure)
