"""`stride export fhir|csv` and `stride report`: a small sub-app that `bot/cli.py` mounts.

Heavy imports (fhir.resources, matplotlib, SQLAlchemy) happen inside the commands, so
`stride --help` stays instant.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from bot.config import load_settings

export_app = typer.Typer(help="Export records for a clinic's systems.", no_args_is_help=True)

Out = Annotated[Path, typer.Option("--out", help="Folder to write into (created if missing).")]
Since = Annotated[
    dt.datetime | None,
    typer.Option("--since", formats=["%Y-%m-%d"], help="Only records from this day (YYYY-MM-DD)."),
]
PatientCode = Annotated[
    str | None, typer.Option("--patient", help="Only the patient with this code (S-XXXXXX).")
]


def _export(kind: str, out: Path, since: dt.datetime | None, patient: str | None) -> None:
    from bot.clock import clock_from_environment
    from bot.records.export import export
    from bot.storage import Store
    from content.loader import load_content

    settings = load_settings()
    content = load_content(settings.content_dir)
    now = clock_from_environment().now()

    async def run() -> list[Path]:
        store = Store.from_url(settings.database_url)
        try:
            return await export(
                kind,
                store,
                content,
                out,
                now,
                since=since.date() if since else None,
                patient_code=patient,
            )
        finally:
            await store.close()

    written = asyncio.run(run())
    if patient is not None and not written and kind == "fhir":
        typer.echo(f"stride: no patient with code {patient}", err=True)
        raise typer.Exit(1)
    typer.echo(f"wrote {len(written)} file(s) to {out}")


@export_app.command("fhir")
def export_fhir(out: Out, since: Since = None, patient: PatientCode = None) -> None:
    """One FHIR R4 Bundle (JSON) per patient: PHQ-9, sessions, programme, escalations."""
    _export("fhir", out, since, patient)


@export_app.command("csv")
def export_csv(out: Out, since: Since = None, patient: PatientCode = None) -> None:
    """The same records as CSV, one file per record kind."""
    _export("csv", out, since, patient)


def report(out: Out, since: Since = None) -> None:
    """The clinic report: one self-contained HTML page and the CSVs behind it."""
    from bot.clock import clock_from_environment
    from bot.records.report import make_report
    from bot.storage import Store
    from content.loader import load_content

    settings = load_settings()
    content = load_content(settings.content_dir)
    now = clock_from_environment().now()

    async def run() -> Path:
        store = Store.from_url(settings.database_url)
        try:
            return await make_report(store, content, out, now, since.date() if since else None)
        finally:
            await store.close()

    typer.echo(f"wrote {asyncio.run(run())}")
