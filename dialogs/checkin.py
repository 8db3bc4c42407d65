"""The PHQ-9 check-in: exact wording, one item per message, the standard answer buttons.

Progress lives in the conversation record and is saved with every answer, so a restart
resumes at the same item. A positive item 9 stops the check-in and starts the safety
protocol before anything else is asked.
"""

from __future__ import annotations

import datetime as dt

from content.clinical import phq9
from dialogs import flows, safety
from dialogs.context import DialogContext
from dialogs.flows import BaseFlow
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    EscalationRequest,
    EscalationTrigger,
    Priority,
)
from dialogs.screens import literal, say
from state_machines.checkin import CHECKIN, CheckinModel, CheckinState
from state_machines.engine import InvalidTransition

FLOW = "checkin"


class CheckinDialog(BaseFlow):
    name = FLOW

    def start(self, ctx: DialogContext, kind: CheckinKind) -> None:
        if ctx.state.conversation.flow == FLOW:
            ctx.show(say("checkin.resuming"))
            self.ask(ctx)
            return
        flows.enter(
            ctx,
            FLOW,
            CheckinState.ASKING.value,
            {
                "kind": kind.value,
                "started_at": ctx.state.now.isoformat(),
                "cursor": 0,
                "answers": {},
                "difficulty": None,
            },
        )
        ctx.show(say("checkin.intro", count=len(ctx.content.phq9.items)))
        self.ask(ctx)

    def _model(self, ctx: DialogContext) -> CheckinModel:
        instrument = ctx.content.phq9
        data = ctx.conversation_data
        return CheckinModel(
            state=CheckinState(ctx.state.conversation.state),
            item_ids=[item.id for item in instrument.items],
            safety_item=instrument.safety.item if instrument.safety else None,
            safety_threshold=instrument.safety.threshold if instrument.safety else 1,
            cursor=int(data.get("cursor", 0)),
            answers={k: int(v) for k, v in dict(data.get("answers", {})).items()},
            difficulty=data.get("difficulty"),
        )

    def _save(self, ctx: DialogContext, model: CheckinModel) -> None:
        ctx.state.conversation.state = model.state.value
        ctx.conversation_data.update(model.to_data())

    def ask(self, ctx: DialogContext, *, fresh: bool = True) -> None:
        if fresh:
            ctx.new_question()
        model = self._model(ctx)
        instrument = ctx.content.phq9
        lang = ctx.language
        back = [ctx.button("back", "checkin.button.back")] if model.cursor > 0 else []
        if model.state is CheckinState.DIFFICULTY and instrument.difficulty:
            question = instrument.difficulty
            rows = [
                [ctx.button(f"d{o.value}", literal=o.label.get(lang))] for o in question.options
            ]
            ctx.show(
                say("checkin.last_question"),
                literal(question.text.get(lang)),
                rows=[*rows, [ctx.button("back", "checkin.button.back")]],
            )
            return
        item = instrument.items[model.cursor]
        rows = [[ctx.button(f"a{o.value}", literal=o.label.get(lang))] for o in instrument.options]
        ctx.show(
            say("checkin.progress", number=model.cursor + 1, count=len(instrument.items)),
            literal(instrument.stem.get(lang)),
            literal(item.text.get(lang)),
            rows=[*rows, back] if back else rows,
        )

    def on_press(self, ctx: DialogContext, value: str) -> None:
        model = self._model(ctx)
        valid = {o.value for o in ctx.content.phq9.options}
        difficulty = ctx.content.phq9.difficulty
        try:
            if value == "back":
                CHECKIN.fire(model, "back")
            elif value[:1] == "a" and value[1:].isdigit() and int(value[1:]) in valid:
                CHECKIN.fire(model, "answer", value=int(value[1:]))
            elif (
                value[:1] == "d"
                and value[1:].isdigit()
                and difficulty
                and int(value[1:]) in {o.value for o in difficulty.options}
            ):
                CHECKIN.fire(model, "rate_difficulty", value=int(value[1:]))
            else:
                raise InvalidTransition(value)
        except InvalidTransition:
            ctx.show(say("common.button_unknown"))
            self.ask(ctx, fresh=False)
            return
        self._save(ctx, model)
        if model.state is CheckinState.SAFETY_STOP:
            self._complete(ctx, model)
            total = ctx.state.checkins[-1].total if ctx.state.checkins else None
            item = model.safety_item or ""
            safety.crisis(
                ctx,
                safety.CrisisTrigger(
                    EscalationTrigger.ITEM9,
                    {
                        "phq9_total": total,
                        "item9": model.answers.get(item),
                        "answered": len(model.answers),
                    },
                ),
            )
            flows.finish(ctx)
        elif model.state is CheckinState.COMPLETE:
            self._complete(ctx, model)
            self._result(ctx)
            flows.finish(ctx)
        else:
            self.ask(ctx)

    def abandon(self, ctx: DialogContext) -> None:
        ctx.audit("checkin.abandoned", answered=len(ctx.conversation_data.get("answers", {})))

    def _complete(self, ctx: DialogContext, model: CheckinModel) -> None:
        instrument = ctx.content.phq9
        data = ctx.conversation_data
        complete = len(model.answers) == len(instrument.items)
        result = phq9.score(instrument, model.answers) if complete else None
        record = CheckinRecord(
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            kind=CheckinKind(data.get("kind", CheckinKind.ON_DEMAND.value)),
            started_at=dt.datetime.fromisoformat(str(data["started_at"])),
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


CHECKIN_DIALOG = CheckinDialog()
flows.register(CHECKIN_DIALOG)
