"""One patient update, end to end, minus Telegram: load, decide, store — in one transaction.

The dialog runs, and the new state, records, escalations and their first alert deliveries
are committed together with the claim on the update (its inbox row marked done, with the
rendered replies it owes: `bot.inbox.current.claim`) *before* any reply is sent. A crash
after the commit loses nothing either: the stored replies are sent after the restart
(`bot.inbox.replies`); a crash before it loses nothing, because the update waits in the inbox
and is handled again. The claim comes last so that it can carry the replies in its one
statement; a duplicate (rare: the row is leased) rolls the whole transaction back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.alerts import routing
from bot.clock import Clock
from bot.config import Settings
from bot.inbox.current import claim, current
from bot.inbox.replies import REPLY_LEASE, stored_replies
from bot.leases import instance_name
from bot.render import Rendered, render
from bot.storage.repository import Store, Transaction
from content.texts import negotiate_language
from dialogs import router, safety
from dialogs.context import DialogContext, DialogDeps
from dialogs.effects import Effect
from dialogs.events import Event
from dialogs.screens import Screen
from dialogs.state import Outcome, PatientState

# More writes for the pipeline's transaction, given the patient's state and the time.
Also = Callable[[Transaction, PatientState, dt.datetime], Awaitable[None]]


class _Duplicate(Exception):
    """The update was handled already: roll back everything this transaction did."""


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as Telegram told us."""

    user_id: int
    chat_id: int
    language_code: str | None = None
    first_name: str | None = None


@dataclass
class Handled:
    replies: list[Screen] = field(default_factory=list)
    language: str = "en"
    escalation_ids: list[int] = field(default_factory=list)
    duplicate: bool = False
    # Data rights: what `bot.data_rights.carry_out` does after the commit, and for whom.
    effects: list[Effect] = field(default_factory=list)
    patient_id: int | None = None
    # `replies` as rendered to be stored with the inbox row, to send as they are (None where
    # a screen was not rendered: the crisis reply); None when nothing was stored.
    rendered: list[Rendered | None] | None = None


class PatientPipeline:
    def __init__(self, store: Store, deps: DialogDeps, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.deps = deps
        self.settings = settings
        self.clock = clock
        # Called after a commit that noted a group member's logged session (groups runner).
        self.on_group_activity: Callable[[], None] | None = None

    async def handle(self, sender: Sender, event: Event, update_id: int | None) -> Handled:
        return await self._run(
            sender, update_id, lambda state: router.handle(state, event, self.deps)
        )

    async def handle_group_risk(self, sender: Sender, text: str, update_id: int | None) -> Handled:
        """Risk language in a group: the crisis reply goes to the person's private chat."""
        return await self._run(
            sender, update_id, lambda state: router.handle_group_risk(state, text, self.deps)
        )

    async def handle_with(
        self,
        sender: Sender,
        update_id: int | None,
        decide: Callable[[PatientState], Outcome],
        also: Also | None = None,
    ) -> Handled:
        """Run `decide` instead of the dialogs, under the same rules (bot/care: a patient's
        reply relayed to their care team, still risk-screened); `also` writes more in the
        same transaction (the relayed reply's outbox row)."""
        return await self._run(sender, update_id, decide, also)

    async def handle_risk_fallback(self, sender: Sender, text: str, where: str) -> Handled:
        """The safety net when a flagged message's dialog failed: escalate and reply anyway.

        Uses the safety protocol's own entry point, so the escalation and the crisis reply
        are exactly those the dialog would have produced.
        """

        def decide(state: PatientState) -> Outcome:
            ctx = DialogContext(state=state, outcome=Outcome(), deps=self.deps)
            finding = self.deps.risk.screen(text[:10_000], state.patient.language)
            safety.crisis(ctx, safety.risk_language_trigger(finding, text, where=where))
            return ctx.outcome

        return await self._run(sender, None, decide)

    async def _run(
        self,
        sender: Sender,
        update_id: int | None,
        decide: Callable[[PatientState], Outcome],
        also: Also | None = None,
    ) -> Handled:
        now = self.clock.now()
        try:
            async with self.store.transaction() as tx:
                state = await self._load_or_create(tx, sender, now)
                outcome = decide(state)
                escalation_ids = await tx.save(state, outcome, now)
                await routing.open_escalations(
                    tx, escalation_ids, self.settings, now, patient_chat=state.patient.chat_id
                )
                if outcome.responses:
                    await self._record_responses(tx, state, outcome.responses)
                noted = await tx.queue_group_activity(state.patient.id, outcome.records, now)
                if also is not None:
                    await also(tx, state, now)
                rendered, replies = self._replies(outcome, state.patient.language)
                lease = (instance_name(), now + REPLY_LEASE)
                if not await claim(tx, update_id, now, replies, lease):  # the inbox row
                    raise _Duplicate
        except _Duplicate:
            return Handled(duplicate=True)
        if noted and self.on_group_activity is not None:
            self.on_group_activity()
        return Handled(
            replies=outcome.replies,
            language=state.patient.language,
            escalation_ids=escalation_ids,
            effects=outcome.effects,
            patient_id=state.patient.id,
            rendered=rendered,
        )

    def _replies(
        self, outcome: Outcome, language: str
    ) -> tuple[list[Rendered | None] | None, dict[str, Any] | None]:
        """The replies to store with the inbox row, when the private-chat handler sends them:
        rendered once, for the row and for the handler to send (issue 17)."""
        handling = current()
        if handling is None or handling.reply_chat is None:
            return None, None
        texts = self.deps.content.texts
        rendered = [
            None if screen.urgent else render(screen, texts, language)
            for screen in outcome.replies
        ]
        chat, pressed = handling.reply_chat, handling.pressed_message_id
        return rendered, stored_replies(rendered, chat, pressed)

    async def _load_or_create(
        self, tx: Transaction, sender: Sender, now: dt.datetime
    ) -> PatientState:
        state = await tx.load_patient(sender.user_id, now)
        if state is not None:
            if state.patient.chat_id != sender.chat_id:
                state.patient.chat_id = sender.chat_id
            return state
        language = negotiate_language(
            sender.language_code or self.settings.default_language,
            self.deps.content.texts.languages,
        )
        return await tx.create_patient(
            telegram_id=sender.user_id,
            chat_id=sender.chat_id,
            language=language,
            country=self.settings.default_country,
            timezone=self.settings.default_timezone,
            now=now,
        )

    async def _record_responses(
        self, tx: Transaction, state: PatientState, responses: list[str]
    ) -> None:
        """The patient's answer to a crisis reply is kept for the supervisor; it never closes."""
        for escalation in await tx.escalations_for_patient(state.patient.id, for_update=True):
            if escalation.state != "resolved":
                escalation.patient_response = responses[-1]
                await tx.update_escalation(escalation)
