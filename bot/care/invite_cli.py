"""`stride invite create`: the `invite` CLI sub-app. Imports only typer at load, so
`stride --help` stays instant; the rest is imported when the command runs."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

app = typer.Typer(help="Invitations for ENROLMENT=invite.", no_args_is_help=True)


@app.command("create")
def create(
    ref: Annotated[str, typer.Option("--ref", help="The clinic's own reference (no names).")],
    clinician: Annotated[
        int | None, typer.Option("--clinician", help="Telegram id of the assigned clinician.")
    ] = None,
    bot_username: Annotated[
        str | None, typer.Option("--bot", help="The bot's username, for the t.me link.")
    ] = None,
) -> None:
    """Create a single-use invitation link for one patient."""
    from bot.care.enrolment import create_invite, invite_link
    from bot.clock import clock_from_environment
    from bot.config import load_settings
    from bot.storage import Store
    from bot.storage.migrate import upgrade_to_head

    settings = load_settings()
    if not ref.strip():
        raise typer.BadParameter("the clinic reference must not be empty", param_hint="--ref")

    async def make() -> str:
        await upgrade_to_head(settings.database_url)
        store = Store.from_url(settings.database_url)
        try:
            invite = await create_invite(
                store, clock_from_environment(), settings, ref, clinician, "cli"
            )
        finally:
            await store.close()
        return (
            f"{invite_link(bot_username, invite.code)}\n"
            f"clinic ref {invite.clinic_ref}, single use, expires "
            f"{invite.expires_at:%Y-%m-%d %H:%M UTC}"
        )

    typer.echo(asyncio.run(make()))
