"""Progress charts as PNG images (matplotlib, no display needed).

The minutes panel starts at the patient's first week and labels the minimum weekly dose line;
the check-in panel shades the PHQ-9 bands behind the scores and says that lower is better, so
a falling line reads as good news without explanation.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from bot.plotting import pyplot
from content.texts import Texts
from dialogs.progress import ProgressChart

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Band shading from light (minimal) to darker (severe): presentation only.
BAND_COLOURS = ("#e8f5e9", "#f1f8e9", "#fffde7", "#fff3e0", "#fbe9e7")


def render_chart(chart: object, texts: Texts, language: str) -> bytes:
    """Weekly minutes against the target band and the minimum dose; PHQ-9 totals over time."""
    if not isinstance(chart, ProgressChart):
        raise TypeError(f"cannot draw {type(chart).__name__}")
    figure = draw_chart(chart, texts, language)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot().close(figure)
    return buffer.getvalue()


def draw_chart(chart: ProgressChart, texts: Texts, language: str) -> Figure:
    """The figure itself (the caller closes it), so tests can read what it says."""
    rows = 2 if chart.phq9 else 1
    figure, axes = pyplot().subplots(rows, 1, figsize=(6, 2.8 * rows), dpi=100, squeeze=False)
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
    minutes.axhline(
        chart.weekly_minimum,
        color="#2e8b57",
        linewidth=1,
        linestyle="--",
        label=texts.get(language, chart.minimum_key, minutes=chart.weekly_minimum),
    )
    minutes.set_xticks(list(positions), [w.label for w in chart.weeks], fontsize=7)
    minutes.set_title(texts.get(language, chart.title_key))
    minutes.legend(fontsize=7, loc="upper left")
    if chart.phq9:
        phq = axes[1][0]
        for index, (low, high, label) in enumerate(chart.phq9_bands):
            colour = BAND_COLOURS[min(index, len(BAND_COLOURS) - 1)]
            phq.axhspan(low - 0.5, high + 0.5, color=colour, zorder=0)
            phq.text(
                1.01,
                (low + high) / 2,
                label,
                transform=phq.get_yaxis_transform(),
                fontsize=6,
                va="center",
            )
        phq.plot(
            [p.label for p in chart.phq9],
            [p.total for p in chart.phq9],
            marker="o",
            color="#6a3d9a",
            zorder=2,
        )
        phq.set_ylim(-0.5, chart.phq9_max + 0.5)
        title = texts.get(language, chart.phq9_key)
        phq.set_title(f"{title} ({texts.get(language, chart.lower_better_key)})")
        phq.tick_params(axis="x", labelsize=7)
    figure.tight_layout()
    return figure
