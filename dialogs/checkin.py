"""The PHQ-9 check-in: exact wording, one item per message, the standard answer buttons.

Progress lives in the check-in model, saved with every answer, so a restart resumes at the
same item. A check-in interrupts: onboarding or a session waits beneath it and carries on
after. A positive item 9 stops the check-in and starts the crisis flow in its place before
anything else is asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from content.clinical import phq9
from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.flow import Flow
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    EscalationRequest,
    EscalationTrigger,
    Priority,
)
from dialogs.screens import literal, say
from state_machines.checkin import CHECKIN, CheckinModel, CheckinState


class CheckinDialog(FlowDialog[CheckinModel]):
    flow = Flow.CHECKIN
    table = CHECKIN
    model_type = CheckinModel
    interrupts = True
    hands_over = frozenset({Flow.CRISIS})

    def transients(self, ctx: DialogContext) -> dict[str, Any]:
        instrument = ctx.content.phq9
        return {
            "item_ids": [item.id for item in instrument.items],
            "safety_item": instrument.safety.item if instrument.safety else None,
            "safety_threshold": instrument.safety.threshold if instrument.safety else 1,
        }

    def begin(self, ctx: DialogContext, **kwargs: Any) -> CheckinModel:
        kind = CheckinKind(kwargs.get("kind", CheckinKind.ON_DEMAND))
        return CheckinModel(
            CheckinState.ASKING,
            **self.transients(ctx),
            kind=kind.value,
            started_at=ctx.state.now.isoformat(),
        )

    def opened(self, ctx: DialogContext, model: CheckinModel, **kwargs: Any) -> None:
        ctx.show(say("checkin.intro", count=len(ctx.content.phq9.items)))
        self.ask(ctx)

    def restart(self, ctx: DialogContext, **kwargs: Any) -> None:
        ctx.show(say("checkin.resuming"))
        self.ask(ctx)

    def resume(self, ctx: DialogContext, finished: Flow) -> None:
        ctx.show(say("checkin.resuming"))
        self.ask(ctx)

    def question(self, ctx: DialogContext, model: CheckinModel) -> Question:
        instrument = ctx.content.phq9
        lang = ctx.language
        back = Option("back", "back", key="checkin.button.back")
        if model.state is CheckinState.DIFFICULTY and instrument.difficulty:
            difficulty = instrument.difficulty
            return Question(
                [say("checkin.last_question"), literal(difficulty.text.get(lang))],
                [
                    *(
                        Option(
                            f"d{o.value}",
                            "rate_difficulty",
                            literal=o.label.get(lang),
                            args={"value": o.value},
                        )
                        for o in difficulty.options
                    ),
                    back,
                ],
            )
        item = instrument.items[model.cursor]
        answers = [
            Option(f"a{o.value}", "answer", literal=o.label.get(lang), args={"value": o.value})
            for o in instrument.options
        ]
        return Question(
            [
                say("checkin.progress", number=model.cursor + 1, count=len(instrument.items)),
                literal(instrument.stem.get(lang)),
                literal(item.text.get(lang)),
            ],
            [*answers, back] if model.cursor > 0 else answers,
        )

    def after(self, ctx: DialogContext, model: CheckinModel, option: Option) -> None:
        if model.state is CheckinState.SAFETY_STOP:
            self._complete(ctx, model)
            total = ctx.state.checkins[-1].total if ctx.state.checkins else None
            item = model.safety_item or ""
            details = {
                "phq9_total": total,
                "item9": model.answers.get(item),
                "answered": len(model.answers),
            }
            ctx.finish(then=Flow.CRISIS, trigger=EscalationTrigger.ITEM9, details=details)
        elif model.state is CheckinState.COMPLETE:
            self._complete(ctx, model)
            self._result(ctx)
            ctx.finish()
        else:
            self.ask(ctx)

    def abandon(self, ctx: DialogContext) -> None:
        ctx.audit("checkin.abandoned", answered=len(self.model(ctx).answers))

    def _complete(self, ctx: DialogContext, model: CheckinModel) -> None:
        instrument = ctx.content.phq9
        complete = len(model.answers) == len(instrument.items)
        result = phq9.score(instrument, model.answers) if complete else None
        record = CheckinRecord(
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            kind=CheckinKind(model.kind),
            started_at=dt.datetime.fromisoformat(model.started_at)
            if model.started_at
            else ctx.state.now,
            answers=dict(model.answers),
            completed_at=ctx.state.now,
            difficulty=model.difficulty,
            total=result.total if result else None,
            band=result.band if result else None,
            safety_positive=phq9.is_safety_positive(instrument, model.answers),
        )
        ctx.state.checkins.append(record)
        ctx.outcome.store(record)
        self._routine_flags(ctx, record)

    def _routine_flags(self, ctx: DialogContext, record: CheckinRecord) -> None:
        """Non-urgent flags for the supervisor: a severe total, or deterioration."""
        if record.total is None:
            return
        instrument = ctx.content.phq9
        if record.band == instrument.bands[-1].id:
            ctx.outcome.escalations.append(
                EscalationRequest(
                    EscalationTrigger.SEVERE_SCORE,
                    Priority.ROUTINE,
                    {"phq9_total": record.total, "band": record.band},
                )
            )
        baseline = ctx.state.baseline
        if baseline is not None and baseline is not record and baseline.total is not None:
            change = phq9.compare(instrument, baseline.total, record.total)
            if change.deterioration:
                ctx.outcome.escalations.append(
                    EscalationRequest(
                        EscalationTrigger.DETERIORATION,
                        Priority.ROUTINE,
                        {"phq9_total": record.total, "baseline": baseline.total},
                    )
                )

    def _result(self, ctx: DialogContext) -> None:
        record = ctx.state.checkins[-1]
        instrument = ctx.content.phq9
        assert record.total is not None
        band = phq9.band_for(instrument, record.total)
        lines = [
            say(
                "checkin.result",
                total=record.total,
                maximum=instrument.max_total,
                band=band.label.get(ctx.language),
            )
        ]
        baseline = ctx.state.baseline
        if baseline is not None and baseline is not record and baseline.total is not None:
            change = phq9.compare(instrument, baseline.total, record.total)
            if change.remission:
                lines.append(say("checkin.change.remission"))
            elif change.response:
                lines.append(say("checkin.change.response"))
            elif change.meaningful_improvement:
                lines.append(say("checkin.change.improved", points=-change.delta))
            elif change.deterioration:
                lines.append(say("checkin.change.worse"))
            else:
                lines.append(say("checkin.change.steady"))
        lines.append(say("checkin.not_diagnosis"))
        ctx.show(*lines)
