"""One-question flows: a single question, answered with one tap, then back to what was on.

Declare the prompt, the answers and what an answer does; the flow runs on the shared
one-question table (asked → answered). Set `interrupts = True` for a question that must be
put in the middle of something else and hand back to it afterwards (a direct Yes / Not sure /
No safety question, for instance): the flow stack resumes the interrupted flow when it ends.

    class Concern(OneQuestionDialog):
        flow = Flow.CONCERN
        interrupts = True
        prompt = ("risk.concern.ask",)
        answers = (("yes", "common.yes"), ("not_sure", "common.not_sure"), ("no", "common.no"))

        def answered(self, ctx, answer): ...
"""

from __future__ import annotations

from typing import Any, ClassVar

from dialogs.base import FlowDialog, Option, Question
from dialogs.context import DialogContext
from dialogs.screens import say
from state_machines.question import QUESTION, QuestionModel, QuestionState


class OneQuestionDialog(FlowDialog[QuestionModel]):
    table = QUESTION
    model_type = QuestionModel
    resumable = False
    prompt: ClassVar[tuple[str, ...]] = ()
    # (value, text key) of each answer button, in order.
    answers: ClassVar[tuple[tuple[str, str], ...]] = ()
    columns: ClassVar[int] = 1

    def begin(self, ctx: DialogContext, **kwargs: Any) -> QuestionModel | None:
        return QuestionModel(QuestionState.ASKED)

    def options(self, ctx: DialogContext) -> list[Option]:
        return [
            Option(value, "answer", key=key, args={"value": value}) for value, key in self.answers
        ]

    def question(self, ctx: DialogContext, model: QuestionModel) -> Question:
        return Question([say(key) for key in self.prompt], self.options(ctx), columns=self.columns)

    def after(self, ctx: DialogContext, model: QuestionModel, option: Option) -> None:
        assert model.answer is not None
        self.answered(ctx, model.answer)
        if ctx.state.conversation.flow == self.flow:
            ctx.finish()

    def answered(self, ctx: DialogContext, answer: str) -> None:
        """What the answer does (the flow then ends and what it interrupted resumes)."""
        raise NotImplementedError
