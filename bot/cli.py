"""The `stride` command: run the bot, check content, and the tools around them.

Each command imports what it needs inside its function, so `stride --help` is instant and a
command keeps working while a module another command needs is broken or not yet written.
Errors an operator can fix are one line on stderr and exit status 2; a check that finds
problems exits 1.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from bot import log_redaction
from bot.config import ConfigurationError, Settings, load_settings
from bot.records.cli import export_app
from bot.records.cli import report as report_command

if TYPE_CHECKING:
    from typer._click import Context

    from content.loader import Content
    from content.schemas.base import IntRange

USAGE_ERROR = 2
CHECK_FAILED = 1
DEFAULT_LISTEN = "0.0.0.0:8443"


class _StrideGroup(TyperGroup):
    """The one place a `ConfigurationError` from any command becomes its one-line message."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as error:
            fail(f"configuration error: {error}")


app = typer.Typer(
    cls=_StrideGroup,
    name="stride",
    help="Stride: exercise as medicine for depression, as a Telegram companion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals would include the bot token
)


def _add_invite_app() -> None:
    from bot.care.invite_cli import app as invite_app

    app.add_typer(invite_app, name="invite")


content_app = typer.Typer(help="Clinical content files.", no_args_is_help=True)
bench_app = typer.Typer(help="Measure Stride under load.", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(bench_app, name="bench")
app.add_typer(export_app, name="export")
_add_invite_app()  # care (issue 15): `stride invite create`


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Print `stride: message` as one line on stderr and exit."""
    typer.echo(f"stride: {message}", err=True)
    raise typer.Exit(code)


def _optional_module(name: str, command: str) -> ModuleType:
    """A module that may not be written yet; its absence is a one-line error, not a trace."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is None or not (name == error.name or name.startswith(f"{error.name}.")):
            raise  # the module exists but something it imports is missing: a real bug
        fail(f"`{command}` is not available yet ({name} is not written)")


def _exit_with(result: object) -> None:
    """Tools may return an exit status (int), a verdict (bool) or nothing."""
    if isinstance(result, bool):
        raise typer.Exit(0 if result else CHECK_FAILED)
    if isinstance(result, int):
        raise typer.Exit(result)


def _load_content(settings: Settings) -> Content:
    from content.loader import ContentError, load_content

    try:
        return load_content(settings.content_dir)
    except ContentError as error:
        fail(
            f"{len(error.problems)} problem(s) in {settings.content_dir}; "
            "run `stride content check` to list them"
        )


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Whatever a library logs, no token and no patient's words reach the log (any level).
    token = settings.telegram_bot_token
    log_redaction.install(
        [token.get_secret_value()] if token is not None else [],
        logging.getLevelName(settings.log_level),
    )
    # Per-transition and per-job chatter would drown what an operator needs to see.
    for noisy in ("transitions", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(
            max(logging.WARNING, logging.getLevelName(settings.log_level))
        )


@content_app.command("check")
def content_check(
    directory: Annotated[
        Path | None,
        typer.Argument(help="Content directory (default: CONTENT_DIR or the shipped content)."),
    ] = None,
) -> None:
    """Validate every content file and cross-reference; list every problem found."""
    from content.loader import check_content

    directory = directory or load_settings().content_dir
    content, problems = check_content(directory)
    if content is None:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"stride: {len(problems)} problem(s) in {directory}", err=True)
        raise typer.Exit(CHECK_FAILED)
    typer.echo(_summary(content))


def _summary(content: Content) -> str:
    languages = ", ".join(content.texts.languages)
    english = content.texts.by_language.get("en", {})
    return (
        f"content OK ({content.directory}): languages {languages}; "
        f"{content.phq9.id} {len(content.phq9.items)} items, "
        f"{len(content.protocol.phases)} phases, "
        f"{len(content.modalities.modalities)} modalities, "
        f"{len(content.barriers.barriers)} barriers, "
        f"crisis lines for {len(content.crisis.countries)} countries, "
        f"{len(content.risk)} risk lexicons, {len(english)} text keys"
    )


@app.command()
def prescribe(
    age: Annotated[int, typer.Option(help="Age in years.")],
    resting_hr: Annotated[
        int | None, typer.Option(help="Resting heart rate (bpm); leave out for RPE only.")
    ] = None,
    week: Annotated[int, typer.Option(help="Programme week, from 1.")] = 1,
    beta_blockers: Annotated[bool, typer.Option(help="Takes beta-blockers (RPE only).")] = False,
    language: Annotated[
        str | None, typer.Option(help="en or es (default: DEFAULT_LANGUAGE).")
    ] = None,
    formula: Annotated[
        str | None, typer.Option(help="HRmax formula: tanaka or classic (default: protocol's).")
    ] = None,
) -> None:
    """Print the exercise prescription for one patient, as a clinician would check it."""
    from content.clinical.prescription import PrescriptionInput
    from content.clinical.prescription import prescribe as write_prescription
    from content.clinical.prescription_text import describe_prescription

    settings = load_settings()
    content = _load_content(settings)
    protocol = content.protocol
    if age not in protocol.age_range:
        fail(f"--age must be {_span(protocol.age_range)} years (got {age})")
    if resting_hr is not None and resting_hr not in protocol.resting_hr_range:
        fail(f"--resting-hr must be {_span(protocol.resting_hr_range)} bpm (got {resting_hr})")
    if week < 1:
        fail(f"--week must be 1 or more (got {week})")
    if formula is not None and formula not in protocol.hrmax_formulas:
        fail(f"--formula must be one of {', '.join(protocol.hrmax_formulas)} (got {formula!r})")
    language = language or settings.default_language
    if language not in content.texts.languages:
        fail(f"--language must be one of {', '.join(content.texts.languages)} (got {language!r})")
    inp = PrescriptionInput(
        age=age,
        resting_hr=resting_hr,
        beta_blockers=beta_blockers,
        week=week,
        hrmax_formula=formula,
    )
    try:
        prescription = write_prescription(content, inp)
    except ValueError as error:
        fail(str(error))
    typer.echo(describe_prescription(content, prescription, language))


def _span(values: IntRange) -> str:
    return f"between {values.low} and {values.high}"


@app.command("screen-text")
def screen_text(
    language: Annotated[
        str | None, typer.Option(help="The patient's language, tried first (all are used).")
    ] = None,
    level: Annotated[
        bool, typer.Option("--level", help="Start each verdict with risk, concern or none.")
    ] = False,
    categories: Annotated[
        bool, typer.Option("--categories", help="Add every warning-sign category found.")
    ] = False,
) -> None:
    """Screen messages from stdin, one per line: prints `risk<TAB>reason` or `none` for each.

    Input is read as bytes: invalid UTF-8 is replaced, never fatal, and only a line feed ends
    a message (a carriage return inside a line stays in it), so verdict N is always line N.
    """
    from pydantic import ValidationError

    from content.clinical.risk import (
        RiskScreen,
        load_normalisation_table,
        load_risk_lexicons,
        screen_lines,
    )
    from content.clinical.risk.lines import decoded_lines

    directory = load_settings().content_dir
    try:
        screen = RiskScreen(load_risk_lexicons(directory), load_normalisation_table(directory))
    except ValidationError as error:  # a ValueError too, so caught first
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        fail(
            f"invalid risk lexicon in {directory / 'risk'} ({detail}); "
            "run `stride content check` to list every problem"
        )
    except ValueError as error:
        fail(f"risk lexicons: {error}")
    stdin = typer.get_binary_stream("stdin")
    verdicts = screen_lines(
        screen, decoded_lines(stdin), language, show_level=level, show_categories=categories
    )
    out = typer.get_text_stream("stdout")
    for verdict in verdicts:
        out.write(verdict + "\n")
    out.flush()


@app.command("understand-text")
def understand_text(
    language: Annotated[
        str | None, typer.Option(help="The patient's language, tried first (all are used).")
    ] = None,
    why: Annotated[
        bool, typer.Option("--why", help="Add a third column: the pattern that decided.")
    ] = False,
) -> None:
    """Understand messages from stdin, one per line: prints `intent<TAB>slots` for each.

    Slots are `key=value` pairs separated by spaces (`minutes=20 modality=aerobic`), or `-`.
    Risk is not screened here: run `stride screen-text` for that.
    """
    from content.clinical.understanding import understander_for, understanding_lines

    understander = understander_for(_load_content(load_settings()))
    for line in understanding_lines(understander, _stdin_lines(), language, why=why):
        typer.echo(line)


def _stdin_lines() -> list[str]:
    """Standard input as lines of text, whatever its bytes: invalid UTF-8 is replaced, not fatal.

    Patients' messages pasted from anywhere must never crash a tool that checks them.
    """
    data = typer.get_binary_stream("stdin").read()
    return data.decode("utf-8", errors="replace").splitlines()


@app.command()
def diagrams(
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 listing diagrams that are out of date.")
    ] = False,
    directory: Annotated[Path, typer.Option(help="Where the diagrams live.")] = Path("docs/flows"),
) -> None:
    """Write each flow's mermaid diagram, generated from its state machine."""
    from dialogs import diagrams as flow_diagrams

    if not check:
        for path in flow_diagrams.write(directory):
            typer.echo(str(path))
        return
    stale = flow_diagrams.stale(directory)
    for filename in stale:
        typer.echo(str(directory / filename))
    if stale:
        typer.echo(f"stride: {len(stale)} diagram(s) out of date; run `stride diagrams`", err=True)
        raise typer.Exit(CHECK_FAILED)
    typer.echo(f"diagrams in {directory} are up to date")


_HELD_FILES: list[object] = []  # locks that must live as long as the process


def _hold_database(settings: Settings) -> None:
    """One process per SQLite file: a second `stride run` stops here with one line."""
    from bot.storage.database import DatabaseInUse, hold_sqlite_file

    try:
        _HELD_FILES.append(hold_sqlite_file(settings.database_url))
    except DatabaseInUse as error:
        fail(str(error))


def _migrate(settings: Settings) -> None:
    from bot.storage.migrate import upgrade_to_head

    asyncio.run(upgrade_to_head(settings.database_url))


@app.command()
def migrate() -> None:
    """Upgrade the database at DATABASE_URL to the latest schema."""
    _migrate(load_settings())
    typer.echo("database schema is up to date")


@dataclass(frozen=True)
class Webhook:
    url: str
    host: str
    port: int


def _webhook(url: str | None, listen: str | None) -> Webhook | None:
    if url is None:
        if listen is not None:
            fail("--listen is only used with --webhook-url")
        return None
    if not url.startswith(("https://", "http://")):
        fail(
            f"--webhook-url must start with https:// (or http:// for a local server), got {url!r}"
        )
    host, _, port = (listen or DEFAULT_LISTEN).rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        fail(f"--listen must be HOST:PORT such as {DEFAULT_LISTEN} (got {listen!r})")
    return Webhook(url, host.strip("[]"), int(port))


def _start_bot(settings: Settings, webhook: Webhook | None) -> None:
    """Hand over to the composition root in `bot.app`; this call blocks until shutdown."""
    bot_app = _optional_module("bot.app", "stride run")
    if webhook is None:
        bot_app.run_polling(settings)
    else:
        bot_app.run_webhook(settings, webhook.url, webhook.host, webhook.port)


@app.command()
def run(
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Do not upgrade the database first.")
    ] = False,
    webhook_url: Annotated[
        str | None, typer.Option(help="Receive updates by webhook at this public URL.")
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(help=f"HOST:PORT the webhook server binds (default {DEFAULT_LISTEN})."),
    ] = None,
) -> None:
    """Run the bot: long polling by default, or a webhook server with --webhook-url."""
    settings = load_settings()
    settings.require_token()
    if not settings.supervisor_ids:
        # Every crisis reply tells the patient a person has been told: never run without one.
        fail("SUPERVISOR_IDS is empty: set at least one supervisor's Telegram user id")
    webhook = _webhook(webhook_url, listen)
    if webhook is not None:
        settings.require_webhook_secret()
    _configure_logging(settings)
    _hold_database(settings)
    if not no_migrate:
        _migrate(settings)
    _start_bot(settings, webhook)


@app.command()
def doctor() -> None:
    """Check configuration, database, content and Telegram connectivity."""
    settings = load_settings()
    _exit_with(_optional_module("bot.doctor", "stride doctor").run(settings))


@app.command()
def sandbox(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the local web chat.")
    ] = 8080,
) -> None:
    """Try Stride offline: the bot against the local Bot API emulator, in a browser."""
    settings = load_settings()
    _configure_logging(settings)
    _exit_with(_optional_module("bot.sandbox", "stride sandbox").run(settings, port))


@app.command()
def simulate(
    persona: Annotated[
        str, typer.Option(help="Persona name from bot/simulation/personas.yaml, or 'all'.")
    ] = "all",
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Programme weeks.")] = 12,
    write: Annotated[
        Path | None, typer.Option(help="Also write the table here (Markdown).")
    ] = None,
) -> None:
    """Run a persona through the programme and print the week-by-week prescription."""
    from content.loader import shipped_content

    module = _optional_module("bot.simulate", "stride simulate")
    try:
        _exit_with(module.run(shipped_content(), persona, weeks, write))
    except ValueError as error:
        fail(str(error))


@bench_app.command("faults")
def bench_faults(
    runs: Annotated[int, typer.Option(help="Runs of the SIGKILL-after-item-9 case.")] = 10,
    other_runs: Annotated[int, typer.Option(help="Runs of every other case.")] = 3,
    postgres_url: Annotated[
        str | None,
        typer.Option(envvar="TEST_POSTGRES_URL", help="PostgreSQL server for fresh databases."),
    ] = None,
    only: Annotated[list[str] | None, typer.Option(help="Run only these cases.")] = None,
    doc: Annotated[Path, typer.Option(help="Page whose tally table is rewritten.")] = Path(
        "docs/reliability.md"
    ),
) -> None:
    """Fault injection against the real bot; tries, lost and duplicated into the docs."""
    from bot.faultbench import report

    logging.basicConfig(level=logging.WARNING)
    rows = asyncio.run(
        report.run_all(
            lambda name: runs if name == "kill-after-item9" else other_runs,
            postgres_url,
            set(only) if only else None,
        )
    )
    report.write(rows, doc)
    typer.echo(f"wrote {doc}")
    if any(r.tally.lost or r.tally.duplicated or r.errors for r in rows):
        raise typer.Exit(1)


@bench_app.command("nudges")
def bench_nudges(
    patients: Annotated[int, typer.Option(min=1, help="Simulated patients.")] = 1000,
    fanout: Annotated[
        int | None, typer.Option(min=1, help="Nudges in the morning fan-out (default 10,000).")
    ] = None,
) -> None:
    """Time a day of scheduled nudges for many patients against the emulator."""
    settings = load_settings()
    bench = _optional_module("bot.bench", "stride bench nudges")
    _exit_with(bench.nudges(settings, patients, fanout=fanout))


app.command("report")(report_command)


@bench_app.command("load")
def bench_load(
    patients: Annotated[int, typer.Option(min=1, help="Simulated patients, all at once.")] = 100,
    database: Annotated[
        str | None,
        typer.Option(help="A PostgreSQL server URL: a fresh database is made there and dropped."),
    ] = None,
    limits: Annotated[
        bool, typer.Option("--limits/--no-limits", help="Telegram's flood limits in the emulator.")
    ] = True,
    think: Annotated[
        float, typer.Option(min=0, help="Seconds a patient reads each question (mean).")
    ] = 1.5,
    profile: Annotated[
        Path | None,
        typer.Option(help="Write a cProfile of the Stride process here (start-up excluded)."),
    ] = None,
    repeat: Annotated[
        int, typer.Option(min=1, help="Run the pair this many times; print the median ratio.")
    ] = 1,
) -> None:
    """The real bot under N patients answering a PHQ-9, beside a bare python-telegram-bot bot."""
    bench = _optional_module("bot.bench_load", "stride bench load")
    _exit_with(bench.load(patients, database, limits, think, profile, repeat))


@bench_app.command("scale")
def bench_scale(
    database: Annotated[
        str, typer.Option(help="A PostgreSQL server URL: a fresh database is made there.")
    ],
    patients: Annotated[int, typer.Option(min=1, help="Patients to seed.")] = 1_000_000,
    sample: Annotated[
        int, typer.Option(min=1, help="Patients planned (the rest is extrapolated).")
    ] = 20_000,
) -> None:
    """Seed many patients in PostgreSQL; time the nudge tick, memory and a day's send plan."""
    bench = _optional_module("bot.bench_scale", "stride bench scale")
    _exit_with(bench.scale(load_settings(), patients, database, sample))


def main() -> None:
    """The `stride` console script and `python -m bot`."""
    app(prog_name="stride")


__all__ = ["app", "fail", "main"]
