"""The `stride` commands, driven through typer's CliRunner in an empty working directory."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot import cli
from bot.cli import app
from bot.config import Settings
from content.loader import SHIPPED_CONTENT

RUNNABLE = {"TELEGRAM_BOT_TOKEN": "123:test-token", "SUPERVISOR_IDS": "42"}


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


# content check


def test_content_check_passes_on_shipped_content(runner: CliRunner) -> None:
    result = runner.invoke(app, ["content", "check"])
    assert result.exit_code == 0, result.output
    summary = one_line(result.stdout)
    assert summary.startswith("content OK")
    assert "languages en, es" in summary


def test_content_check_lists_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, broken)
    (broken / "phq9.yaml").unlink()
    result = runner.invoke(app, ["content", "check", str(broken)])
    assert result.exit_code == 1
    assert any(line.startswith("phq9.yaml") for line in result.stdout.splitlines())
    assert "Traceback" not in result.output


def test_content_check_uses_content_dir(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["content", "check"], env={"CONTENT_DIR": str(empty)})
    assert result.exit_code == 1
    assert "phq9.yaml: file is missing" in result.stdout


# diagrams


def test_diagrams_check_exit_codes(runner: CliRunner, tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    stale = runner.invoke(app, ["diagrams", "--check", "--directory", str(flows)])
    assert stale.exit_code == 1
    assert str(flows / "checkin.md") in stale.stdout.splitlines()

    written = runner.invoke(app, ["diagrams", "--directory", str(flows)])
    assert written.exit_code == 0
    assert (flows / "checkin.md").exists()
    assert runner.invoke(app, ["diagrams", "--check", "--directory", str(flows)]).exit_code == 0

    (flows / "checkin.md").write_text("drawn by hand\n")
    edited = runner.invoke(app, ["diagrams", "--check", "--directory", str(flows)])
    assert edited.exit_code == 1
    assert edited.stdout.splitlines() == [str(flows / "checkin.md")]


def test_diagrams_default_to_docs_flows_in_the_working_directory(runner: CliRunner) -> None:
    assert runner.invoke(app, ["diagrams"]).exit_code == 0
    assert Path("docs/flows/journey.md").exists()


# run


def test_run_without_a_token_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["run", "--no-migrate"])
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN" in one_line(result.stderr)
    assert "Traceback" not in result.output


def test_run_without_a_supervisor_is_refused(runner: CliRunner) -> None:
    """Crisis replies promise a person has been told: no supervisor, no bot."""
    env = {"TELEGRAM_BOT_TOKEN": "123:test-token", "SUPERVISOR_IDS": ""}
    result = runner.invoke(app, ["run", "--no-migrate"], env=env)
    assert result.exit_code == 2
    assert "SUPERVISOR_IDS" in one_line(result.stderr)


def test_run_webhook_needs_a_secret(runner: CliRunner) -> None:
    result = runner.invoke(app, ["run", "--webhook-url", "https://x.example/tg"], env=RUNNABLE)
    assert result.exit_code == 2
    assert "WEBHOOK_SECRET" in one_line(result.stderr)


@pytest.mark.parametrize("listen", ["8443", "host:port", ":8443", "host:70000"])
def test_run_rejects_a_bad_listen_address(runner: CliRunner, listen: str) -> None:
    args = ["run", "--webhook-url", "https://x.example/tg", "--listen", listen]
    result = runner.invoke(app, args, env={**RUNNABLE, "WEBHOOK_SECRET": "s3cret"})
    assert result.exit_code == 2
    assert "--listen" in one_line(result.stderr)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def migrate(self, settings: Settings) -> None:
        self.calls.append(("migrate", settings.database_url))

    def start(self, settings: Settings, webhook: cli.Webhook | None) -> None:
        self.calls.append(("start", webhook))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(cli, "_migrate", recorder.migrate)
    monkeypatch.setattr(cli, "_start_bot", recorder.start)
    return recorder


def test_run_migrates_then_polls(runner: CliRunner, recorder: Recorder) -> None:
    result = runner.invoke(app, ["run"], env=RUNNABLE)
    assert result.exit_code == 0, result.output
    assert recorder.calls == [("migrate", "sqlite+aiosqlite:///stride.db"), ("start", None)]


def test_run_no_migrate_webhook(runner: CliRunner, recorder: Recorder) -> None:
    args = ["run", "--no-migrate", "--webhook-url", "https://x.example/tg", "--listen", "[::]:88"]
    result = runner.invoke(app, args, env={**RUNNABLE, "WEBHOOK_SECRET": "s3cret"})
    assert result.exit_code == 0, result.output
    assert recorder.calls == [("start", cli.Webhook("https://x.example/tg", "::", 88))]


# migrate


def test_migrate_creates_the_database(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(app, ["migrate"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh.db").exists()


# tools written later


def test_a_module_not_written_yet_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as raised:
        cli._optional_module("bot.not_written_yet", "stride later")
    assert raised.value.exit_code == 2
    message = one_line(capsys.readouterr().err)
    assert (
        message
        == "stride: `stride later` is not available yet (bot.not_written_yet is not written)"
    )


def test_a_missing_dependency_inside_a_module_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "stride_half_written.py").write_text("import no_such_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency"):
        cli._optional_module("stride_half_written", "stride later")


def test_sandbox_checks_the_configuration_first(runner: CliRunner) -> None:
    result = runner.invoke(app, ["sandbox"], env={"DEFAULT_LANGUAGE": "fr"})
    assert result.exit_code == 2
    assert "DEFAULT_LANGUAGE" in one_line(result.stderr)


# prescribe


def test_prescribe_heart_rate_targets(runner: CliRunner) -> None:
    result = runner.invoke(app, ["prescribe", "--age", "40", "--resting-hr", "60", "--week", "1"])
    assert result.exit_code == 0, result.output
    # Tanaka: 208 - 0.7 * 40 = 180; Karvonen 50-60 % of (180 - 60) reserve + 60 = 120-132.
    assert re.search(r"120\s*[–-]\s*132", result.stdout), result.stdout


def test_prescribe_without_resting_hr_is_rpe_only(runner: CliRunner) -> None:
    result = runner.invoke(app, ["prescribe", "--age", "40", "--language", "es"])
    assert result.exit_code == 0, result.output
    assert not re.search(r"120\s*[–-]\s*132", result.stdout)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--age", "7"], "--age"),
        (["--age", "101"], "--age"),
        (["--age", "40", "--resting-hr", "200"], "--resting-hr"),
        (["--age", "40", "--week", "0"], "--week"),
        (["--age", "40", "--formula", "fox"], "--formula"),
        (["--age", "40", "--language", "fr"], "--language"),
    ],
)
def test_prescribe_rejects_out_of_range_input(
    runner: CliRunner, args: list[str], option: str
) -> None:
    result = runner.invoke(app, ["prescribe", *args])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith(f"stride: {option} must be")


# screen-text


def test_screen_text_one_verdict_per_line(runner: CliRunner) -> None:
    messages = "I want to die\nthis workout is killing me\n"
    result = runner.invoke(app, ["screen-text"], input=messages)
    assert result.exit_code == 0, result.output
    risk, hyperbole = result.stdout.splitlines()
    assert risk.startswith("risk\t") and len(risk.split("\t")) == 2
    assert hyperbole == "none"


# simulate


def test_simulate_prints_and_writes_the_week_table(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "sim.md"
    args = ["simulate", "--persona", "three-misses-then-back", "--weeks", "5", "--write", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == 5
    assert "step_back:" in rows[3]
    assert out.read_text(encoding="utf-8") == result.stdout


def test_simulate_refuses_an_unknown_persona_in_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["simulate", "--persona", "nobody"])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("stride: unknown persona 'nobody'")
