"""`stride screen-text`: bytes in, one verdict per line out, never fatal (issue 13)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from content.clinical.risk.lines import decoded_lines

STRIDE = Path(sys.executable).with_name("stride")


def run(data: bytes, *options: str) -> list[str]:
    done = subprocess.run(
        [str(STRIDE), "screen-text", *options],
        input=data,
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode("utf-8").split("\n")[:-1]


def test_invalid_utf8_is_replaced_and_every_line_gets_a_verdict() -> None:
    data = b"I want to die\n\xff\xfe broken bytes \xc3\n\xe2\x80 i want to kill myself\nhello\n"
    verdicts = run(data)
    assert len(verdicts) == 4
    assert verdicts[0].startswith("risk\twish_to_die:")
    assert verdicts[1] == "none"
    assert verdicts[2].startswith("risk\twish_to_die:kill_myself")
    assert verdicts[3] == "none"


def test_a_carriage_return_inside_a_line_does_not_split_it() -> None:
    data = b"fine thanks\rreally\nI want to die\r\nlogging off for good"
    verdicts = run(data)
    assert len(verdicts) == 3  # the last line has no newline and still counts
    assert verdicts[0] == "none"
    assert verdicts[1].startswith("risk\t")
    assert verdicts[2] == "risk\tgoodbye:logging_off_for_good"


def test_level_and_categories_can_be_printed() -> None:
    data = (
        "nadie me extrañaría\nthis workout is killing me\n"
        "I've saved up my pills, goodbye everyone\n"
    )
    verdicts = run(data.encode(), "--level", "--categories", "--language", "es")
    assert verdicts[0] == "concern\tburden:nadie_me_extranaria\tburden"
    assert verdicts[1] == "none"
    level, reason, categories = verdicts[2].split("\t")
    assert (level, reason.split(":")[0]) == ("risk", "means")
    assert set(categories.split(",")) >= {"means", "goodbye"}


def test_decoded_lines_split_on_line_feeds_only() -> None:
    stream = io.BytesIO("a\rb\nc\x85d\u2028e\r\n".encode() + b"\xfff")
    assert list(decoded_lines(stream)) == ["a\rb", "c\x85d\u2028e", "\ufffdf"]
