"""Replays a conversation story (YAML) through the real pipeline: dialogs + storage.

Each step is one update: it is handled in its own database transaction and the patient is
reloaded from the database for the next step, exactly as the bot does, so a story also
proves that every place in every flow survives a restart.

Step actions:
- `send`: text or a /command (`times: N` repeats the text, for very long input);
- `press`: a button label on the latest message that has it; `press_stale`: on an older one;
- `press_data`: raw, possibly forged, callback data;
- `unsupported`: sticker, photo, voice, edited…;
- `advance`: hours on the clock;
- `consent_version`: the patient's consents become this (older) version, as if they had
  agreed before the current consent was published.

After each update the data-rights effects (`bot.data_rights.carry_out`) run as the bot runs
them; what they would send counts among the replies' keys for `says` (`files`: file names
sent). Once a patient is erased, `flow` and `journey` need a new message to refer to.

Expectations:
- `says` / `not_says`: text keys among the replies; `shows`: a substring of the rendered text;
- `buttons`: labels on the last reply; `escalates`: triggers raised so far (`trigger` or
  `trigger:priority`, e.g. `concern:routine`);
- `flow`: "flow/state" after the step; `journey`; `records`: table → expected row count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select, update

from bot import data_rights
from bot.config import Settings, load_settings
from bot.pipeline import PatientPipeline, Sender
from bot.storage import models
from bot.storage.repository import Store
from content.clinical.risk import RiskScreen
from content.loader import shipped_content
from dialogs.context import DialogDeps
from dialogs.events import Command, Contact, Event, Press, Text, Unsupported
from dialogs.screens import Screen

STORIES = Path(__file__).parent
TABLES = {
    "checkins": models.CheckinRow,
    "sessions": models.SessionRow,
    "moods": models.MoodRow,
    "barrier_plans": models.BarrierPlanRow,
    "escalations": models.EscalationRow,
    "consents": models.ConsentRow,
    "alert_deliveries": models.DeliveryRow,
    "patients": models.PatientRow,
    "erasure_tombstones": models.ErasureTombstoneRow,
}


class FixedClock:
    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current


@dataclass
class StoryRun:
    store: Store
    settings: Settings
    clock: FixedClock
    user_id: int = 1001
    language_code: str = "en"
    update_id: int = 0
    history: list[Screen] = field(default_factory=list)
    pending_version: str | None = None

    async def set_consent_version(self) -> None:
        """`consent_version`: rewrite the patient's consents to an older version."""
        if self.pending_version is None:
            return
        async with self.store.engine.begin() as connection:
            await connection.execute(
                update(models.ConsentRow).values(version=self.pending_version)
            )
        self.pending_version = None

    @cached_property
    def pipeline(self) -> PatientPipeline:
        content = shipped_content()
        deps = DialogDeps(
            content=content,
            risk=RiskScreen(dict(content.risk)),
            default_country=self.settings.default_country,
        )
        return PatientPipeline(self.store, deps, self.settings, self.clock)

    async def step(self, step: dict[str, Any], number: int) -> None:
        event = self._event(step)
        await self.set_consent_version()
        if event is None:
            return
        self.update_id += 1
        sender = Sender(self.user_id, self.user_id, self.language_code, "Sam")
        handled = await self.pipeline.handle(sender, event, self.update_id)
        self.history.extend(handled.replies)
        sent: list[data_rights.Outgoing] = []
        if handled.effects and handled.patient_id is not None:
            sent = await data_rights.carry_out(
                self.store,
                shipped_content(),
                self.settings,
                self.clock.now(),
                patient_id=handled.patient_id,
                chat_id=self.user_id,
                language=handled.language,
                effects=handled.effects,
            )
        await self._check(step, handled.replies, handled.language, number, sent)

    def _event(self, step: dict[str, Any]) -> Event | None:
        if "advance" in step:
            self.clock.current += dt.timedelta(hours=float(step["advance"]))
            return None
        if "consent_version" in step:
            self.pending_version = str(step["consent_version"])
            return None
        if "send" in step:
            text = str(step["send"]) * int(step.get("times", 1))
            if text.startswith("/"):
                name, _, args = text[1:].partition(" ")
                return Command(name, args)
            return Text(text)
        if "press" in step or "press_stale" in step:
            label = str(step.get("press", step.get("press_stale")))
            screens = [s for s in self.history if s.choices]
            candidates = screens if "press" in step else screens[:-1]
            for screen in reversed(candidates):
                for row in screen.choices:
                    for choice in row:
                        if choice.label(shipped_content().texts, self._language()) == label:
                            return Press(choice.data)
            texts, language = shipped_content().texts, self._language()
            last = [
                c.label(texts, language)
                for row in (screens[-1].choices if screens else ())
                for c in row
            ]
            raise AssertionError(f"no button labelled {label!r}; the latest offers {last}")
        if "press_data" in step:
            return Press(str(step["press_data"]))
        if "unsupported" in step:
            return Unsupported(str(step["unsupported"]))
        if "contact" in step:  # the contact button: the patient's own number
            return Contact(str(step["contact"]), own=True)
        if "contact_of_other" in step:  # a forwarded card: someone else's number
            return Contact(str(step["contact_of_other"]), own=False)
        raise AssertionError(f"unknown step {step}")

    def _language(self) -> str:
        return "es" if self.language_code.startswith("es") else "en"

    async def _check(
        self,
        step: dict[str, Any],
        replies: list[Screen],
        language: str,
        number: int,
        sent: list[data_rights.Outgoing],
    ) -> None:
        where = f"step {number} {step}"
        texts = shipped_content().texts
        keys = [key for screen in replies for key in screen.keys] + [m.key for m in sent]
        rendered = "\n".join(
            [s.render_text(texts, language) for s in replies] + [m.text for m in sent]
        )
        files = [m.filename for m in sent if m.document is not None]
        for name in step.get("files", []):
            assert any(f and f.startswith(name) for f in files), (
                f"{where}: no file {name} in {files}"
            )
        for key in step.get("says", []):
            assert key in keys, f"{where}: expected {key!r} among {keys}"
        for key in step.get("not_says", []):
            assert key not in keys, f"{where}: did not expect {key!r} in {keys}"
        for fragment in step.get("shows", []):
            assert fragment in rendered, f"{where}: expected {fragment!r} in:\n{rendered}"
        if "buttons" in step:
            last = next((s for s in reversed(replies) if s.choices), None)
            labels = [
                c.label(texts, language) for row in (last.choices if last else ()) for c in row
            ]
            for label in step["buttons"]:
                assert label in labels, f"{where}: expected button {label!r} in {labels}"
        async with self.store.transaction() as tx:
            state = await tx.load_patient(self.user_id, self.clock.now())
            if state is None:  # erased: only table counts can be checked
                assert not {"flow", "journey", "escalates"} & set(step), f"{where}: erased"
                escalations = []
            else:
                escalations = await tx.escalations_for_patient(state.patient.id)
            if state is not None and "flow" in step:
                actual = f"{state.conversation.flow}/{state.conversation.state}"
                assert actual == step["flow"], f"{where}: flow is {actual}"
            if state is not None and "journey" in step:
                assert state.patient.journey == step["journey"], f"{where}: journey"
            if state is not None and "phone" in step:
                assert state.patient.phone == step["phone"], f"{where}: phone"
        if "escalates" in step:
            raised = [e.trigger.value for e in escalations]
            raised += [f"{e.trigger.value}:{e.priority.value}" for e in escalations]
            for trigger in step["escalates"]:
                assert trigger in raised, f"{where}: expected escalation {trigger} in {raised}"
        if "audited" in step:  # how many audit records of each action so far
            async with self.store.engine.connect() as connection:
                for action, expected in step["audited"].items():
                    count = await connection.scalar(
                        select(func.count())
                        .select_from(models.AuditRow)
                        .where(models.AuditRow.action == action)
                    )
                    assert count == expected, f"{where}: {count} {action}, expected {expected}"
        for table, expected in step.get("records", {}).items():
            async with self.store.engine.connect() as connection:
                count = await connection.scalar(select(func.count()).select_from(TABLES[table]))
            assert count == expected, f"{where}: {table} has {count}, expected {expected}"


def load_story(path: Path) -> dict[str, Any]:
    story: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return story


def expand(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`repeat: N` on a step repeats it N times (nine PHQ-9 answers read better that way)."""
    out: list[dict[str, Any]] = []
    for step in steps:
        times = int(step.get("repeat", 1))
        clean = {k: v for k, v in step.items() if k != "repeat"}
        out.extend([clean] * times)
    return out


def story_settings(**overrides: str) -> Settings:
    env = {
        "SUPERVISOR_IDS": "900001,900002",
        "BACKUP_SUPERVISOR_IDS": "900003",
        "DEFAULT_COUNTRY": "US",
        **overrides,
    }
    return load_settings(env)
