"""`python -m bot.bench_profile OUT bot run`: Stride under cProfile, start-up excluded.

`stride bench load --profile OUT` starts the bot this way. Profiling begins when the inbox's
`getUpdates` loop starts, so imports, content loading and regex compilation (seconds of
work done once) do not drown the per-update costs; the stats are written to OUT when the
process exits (SIGTERM stops Stride gracefully). Read them with `python -m pstats OUT`.
"""

from __future__ import annotations

import atexit
import cProfile
import runpy
import sys


def main(argv: list[str]) -> None:
    out, rest = argv[0], argv[1:]
    profiler = cProfile.Profile()
    from bot.inbox import poller

    original = poller.Poller.run

    async def run(self: poller.Poller) -> None:
        profiler.enable()
        await original(self)

    poller.Poller.run = run  # type: ignore[method-assign]

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(out)

    atexit.register(dump)
    sys.argv = rest  # ["bot", "run", ...]: as `python -m bot run ...` sees them
    runpy.run_module("bot", run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
