"""matplotlib, imported on first use.

Importing pyplot is about a second of CPU on a small machine, and most processes (a replica,
a CLI command, a test's bot) and most updates never draw: the progress chart, the report and
the dose chart ask for it when they draw. The settings are the ones every Stride chart needs:
no display (Agg), and SVG text as paths with a fixed hash salt, so the same data draws the
same file.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType


@cache
def pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["svg.hashsalt"] = "stride"
    return plt
