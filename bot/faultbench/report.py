"""`stride bench faults`: every scenario, many times per database, tallied into the docs.

Writes the table between the markers of `docs/reliability.md` (the rest of the page is
prose kept by hand), so running the bench again refreshes the figures and nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.faultbench.harness import world
from bot.faultbench.scenarios import SCENARIOS, Tally

log = logging.getLogger(__name__)
BEGIN = "<!-- fault-tallies:begin -->"
END = "<!-- fault-tallies:end -->"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Row:
    scenario: str
    backend: str
    runs: int
    tally: Tally
    seconds: float
    errors: int = 0


async def run_all(
    runs_for: Callable[[str], int],
    postgres_url: str | None,
    only: set[str] | None = None,
    seed: int = 11,
    say: Callable[[str], None] = print,
) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for name, (_what, scenario, backends) in SCENARIOS.items():
        if only and name not in only:
            continue
        for backend in backends:
            if backend == "postgresql" and not postgres_url:
                say(f"{name} on PostgreSQL skipped (no --postgres-url)")
                continue
            row = Row(name, backend, runs_for(name), Tally(), 0.0)
            started = time.monotonic()
            for attempt in range(row.runs):
                try:
                    async with world(backend, postgres_url) as w:
                        row.tally.add(await scenario(w, rng))
                except Exception as error:  # a run that broke down is reported, not hidden
                    row.errors += 1
                    say(f"  {name}/{backend} run {attempt + 1} broke: {error!r}"[:400])
            row.seconds = time.monotonic() - started
            say(
                f"{name:22} {LABELS[backend]:10} tries {row.tally.tries:4} "
                f"lost {row.tally.lost:3} duplicated {row.tally.duplicated:3} "
                f"(labelled {row.tally.labelled}) "
                f"broken runs {row.errors} ({row.seconds:.0f} s)"
            )
            rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        BEGIN,
        f"Measured {when} on {platform.machine()} ({platform.python_version()}), "
        "`stride bench faults`.",
        "",
        "| fault | database | runs | tries | lost | duplicated | of which labelled | broken runs "
        "| notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        what = SCENARIOS[row.scenario][0]
        notes = "; ".join(sorted(set(row.tally.notes))[:4]).replace("|", "/")
        lines.append(
            f"| {what} | {LABELS[row.backend]} | {row.runs} | {row.tally.tries} | "
            f"{row.tally.lost} | {row.tally.duplicated} | {row.tally.labelled} | {row.errors} | "
            f"{notes} |"
        )
    lines.append(END)
    return "\n".join(lines)


def write(rows: list[Row], doc: Path) -> None:
    text = doc.read_text() if doc.exists() else f"# Reliability\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    doc.write_text(head + table(rows) + tail)
