"""`run()`, behind `stride sandbox --port N`: one call brings everything up and prints one
line with the URL; Ctrl-C (SIGINT) stops it cleanly with exit status 0.

In-process rather than as a subprocess: a fresh interpreter spends seconds importing Stride.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.sandbox import run

NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_serves_until_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    port = free_port()
    states: list[dict[str, Any]] = []

    def press_ctrl_c_once_up() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not states:
            try:
                with NO_PROXY.open(f"http://127.0.0.1:{port}/api/state", timeout=2) as answer:
                    states.append(json.load(answer))
            except OSError:
                time.sleep(0.1)
        if states:  # only while run() serves: a stray SIGINT would stop pytest itself
            os.kill(os.getpid(), signal.SIGINT)

    # Ctrl-C as a terminal delivers it: to Python's default handler (another test in this
    # worker may have left its own, which would swallow the SIGINT and hang this one).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        visitor = threading.Thread(target=press_ctrl_c_once_up, daemon=True)
        visitor.start()
        assert run(load_settings({}), port) == 0
        visitor.join()
    finally:
        signal.signal(signal.SIGINT, previous)

    assert states and states[0]["database"] == str(tmp_path / "stride-sandbox.db")
    printed = capsys.readouterr().out
    assert printed.startswith(f"Stride sandbox: http://127.0.0.1:{port} ")
    assert printed.count("\n") == 1
    assert (tmp_path / "stride-sandbox.db").exists()


def test_a_port_in_use_is_one_line_and_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        assert run(load_settings({}), port) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"stride: cannot serve the sandbox on 127.0.0.1:{port}")
    assert error.count("\n") == 1
    assert not (tmp_path / "stride-sandbox.db").exists()  # nothing was started
