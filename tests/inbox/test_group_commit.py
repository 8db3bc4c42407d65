"""Under load the inbox shares statements between patients (`bot.batching`): the queues an
intake batch fills are read together, and the "replies sent" marks of handlers that finish
together are one UPDATE. Every patient still gets their own answer, once."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.storage.updates import REPLIES_SENT
from tests.inbox.conftest import Rig
from tests.inbox.test_inbox_storage import message
from tests.storage.test_statement_budget import counted

PATIENTS = [61_000 + n for n in range(8)]


async def test_one_batch_of_patients_shares_its_queue_reads_and_reply_marks(rig: Rig) -> None:
    for user in PATIENTS:
        await rig.users.create_user(user, "P", language_code="en")
    rig.intake.on_stored = rig.dispatcher.stored
    with counted(rig.services.store) as statements:
        await rig.intake.store_once(
            [message(900 + n, user, "/help") for n, user in enumerate(PATIENTS)]
        )
        async with asyncio.timeout(30):
            while rig.dispatcher.handled < len(PATIENTS) or rig.dispatcher.active_queues:  # noqa: ASYNC110 (the dispatcher has no event to wait on)
                await asyncio.sleep(0.05)
    reads = [s for s in statements if "row_number()" in s.lower()]
    marks = [s for s in statements if "SET claimed_by" in s and "replies_state" in s]
    assert 1 <= len(reads) < len(PATIENTS), len(reads)
    assert 1 <= len(marks) < len(PATIENTS), len(marks)
    for user in PATIENTS:  # each their own answer, once
        texts = await rig.bot_texts(user)
        assert len(texts) == 1 and "/today" in texts[0], texts
    async with rig.services.store.transaction() as tx:
        states = (await tx._session.scalars(text("SELECT replies_state FROM inbox"))).all()
    assert states == [REPLIES_SENT] * len(PATIENTS)
