"""The composition root's product: every long-lived part the handlers need, built once."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.inbox.replies import SentMarks
from bot.pipeline import PatientPipeline
from bot.storage.repository import Store
from content.clinical.risk import RiskScreen
from content.loader import Content, load_content
from dialogs.context import DialogDeps
from dialogs.registry import build_registry


@dataclass
class Services:
    settings: Settings
    store: Store
    content: Content
    deps: DialogDeps
    pipeline: PatientPipeline
    clock: Clock
    # "Replies sent" marks, many rows per statement (bot/inbox/replies.py).
    sent_marks: SentMarks = field(init=False)

    def __post_init__(self) -> None:
        self.sent_marks = SentMarks(self.store)

    @classmethod
    def build(cls, settings: Settings, clock: Clock, store: Store | None = None) -> Services:
        content = load_content(settings.content_dir)
        deps = DialogDeps(
            content=content,
            risk=RiskScreen(dict(content.risk)),
            default_country=settings.default_country,
            flows=build_registry(),  # every flow's dialog, listed once
        )
        store = store or Store.from_url(settings.database_url)
        pipeline = PatientPipeline(store, deps, settings, clock)
        return cls(
            settings=settings,
            store=store,
            content=content,
            deps=deps,
            pipeline=pipeline,
            clock=clock,
        )

    def is_supervisor(self, user_id: int) -> bool:
        return user_id in self.settings.all_supervisor_ids
