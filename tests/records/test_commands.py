"""`stride export fhir|csv` and `stride report` end to end through the CLI, on a seeded file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.storage import Store
from tests.records.seed import Seeded


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.delenv("STRIDE_CLOCK_FILE", raising=False)
    return {"DATABASE_URL": database_url}


async def _invoke(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, args, env=env)
    return result.exit_code, result.output


async def test_export_and_report_commands(
    store: Store, seeded: Seeded, env: dict[str, str], tmp_path: Path
) -> None:
    code, output = await _invoke(["export", "fhir", "--out", str(tmp_path / "fhir")], env)
    assert code == 0, output
    written = {p.stem for p in (tmp_path / "fhir").iterdir()}
    assert len(written) == 3 and {seeded.ana_code, seeded.ben_code} <= written
    code, output = await _invoke(
        [
            "export",
            "csv",
            "--out",
            str(tmp_path / "csv"),
            "--patient",
            seeded.ana_code,
            "--since",
            "2026-11-01",
        ],
        env,
    )
    assert code == 0, output
    sessions = (tmp_path / "csv" / "sessions.csv").read_text().splitlines()
    assert len(sessions) == 1 + 12  # header and Ana's sessions from November on
    code, output = await _invoke(["report", "--out", str(tmp_path / "report")], env)
    assert code == 0, output
    assert (tmp_path / "report" / "report.html").exists()
    code, output = await _invoke(
        ["export", "fhir", "--out", str(tmp_path / "none"), "--patient", "S-ZZZZZZ"], env
    )
    assert code == 1 and "no patient with code S-ZZZZZZ" in output
    code, output = await _invoke(["report", "--out", str(tmp_path / "x"), "--since", "soon"], env)
    assert code == 2
