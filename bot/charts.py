"""Progress charts as PNG images (matplotlib, no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from content.texts import Texts
from dialogs.progress import ProgressChart


def render_chart(chart: object, texts: Texts, language: str) -> bytes:
    """Weekly minutes against the target band and the minimum dose; PHQ-9 totals over time."""
    if not isinstance(chart, ProgressChart):
        raise TypeError(f"cannot draw {type(chart).__name__}")
    rows = 2 if chart.phq9 else 1
    figure, axes = plt.subplots(rows, 1, figsize=(6, 2.8 * rows), dpi=100, squeeze=False)
    minutes = axes[0][0]
    positions = range(len(chart.weeks))
    minutes.bar(
        positions,
        [w.minutes for w in chart.weeks],
        color="#2f6fbf",
        label=texts.get(language, chart.minutes_key),
    )
    minutes.fill_between(
        positions,
        [w.target_low for w in chart.weeks],
        [w.target_high for w in chart.weeks],
        step="mid",
        color="#2e8b57",
        alpha=0.25,
        label=texts.get(language, chart.target_key),
    )
    minutes.axhline(chart.weekly_minimum, color="#2e8b57", linewidth=1, linestyle="--")
    minutes.set_xticks(list(positions), [w.label for w in chart.weeks], fontsize=7)
    minutes.set_title(texts.get(language, chart.title_key))
    minutes.legend(fontsize=7, loc="upper left")
    if chart.phq9:
        phq = axes[1][0]
        phq.plot(
            [p.label for p in chart.phq9],
            [p.total for p in chart.phq9],
            marker="o",
            color="#6a3d9a",
        )
        phq.set_ylim(0, chart.phq9_max)
        phq.set_title(texts.get(language, chart.phq9_key))
        phq.tick_params(axis="x", labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
