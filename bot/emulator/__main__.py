"""`python -m bot.emulator --port 8081`: run the Bot API emulator standalone.

Why: the sandbox and manual testing point a real bot at a long-running emulator; this is its
command line. It only binds to loopback unless told otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from .core import DEFAULT_TOKEN
from .server import serve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot's token")
    parser.add_argument("--token-check", action="store_true", help="accept only --token")
    parser.add_argument("--username", default="stride_test_bot", help="the bot's username")
    parser.add_argument("--name", default="Stride", help="the bot's first name")
    parser.add_argument("--no-limits", action="store_true", help="disable flood limits")
    parser.add_argument("--no-validate", action="store_true", help="skip request validation")
    parser.add_argument("--privacy-mode", action="store_true", help="group privacy mode")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                args.host,
                args.port,
                bot_token=args.token,
                token_check=args.token_check,
                bot_username=args.username,
                bot_first_name=args.name,
                limits=not args.no_limits,
                validate=not args.no_validate,
                privacy_mode=args.privacy_mode,
            )
        )


if __name__ == "__main__":
    main()
