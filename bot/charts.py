"""Progress charts as PNG images (matplotlib, no display needed)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from content.texts import Texts


def render_chart(chart: Any, texts: Texts, language: str) -> bytes:
    """Weekly minutes against the target band, and PHQ-9 totals over time."""
    weeks = list(getattr(chart, "weeks", []))
    phq = list(getattr(chart, "phq9", []))
    figure, axes = plt.subplots(
        2 if phq else 1, 1, figsize=(6, 5 if phq else 3), dpi=100, squeeze=False
    )
    minutes_axis = axes[0][0]
    labels = [str(w.label) for w in weeks]
    minutes_axis.bar(labels, [w.minutes for w in weeks], color="#3b7dd8")
    if weeks:
        minutes_axis.fill_between(
            range(len(weeks)),
            [w.target_low for w in weeks],
            [w.target_high for w in weeks],
            color="#4caf50",
            alpha=0.2,
            step="mid",
        )
    minutes_axis.set_title(texts.get(language, "progress.chart.minutes"))
    minutes_axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    if phq:
        phq_axis = axes[1][0]
        phq_axis.plot(
            [str(p.label) for p in phq], [p.total for p in phq], marker="o", color="#8e44ad"
        )
        phq_axis.set_ylim(0, 27)
        phq_axis.set_title(texts.get(language, "progress.chart.phq9"))
        phq_axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
