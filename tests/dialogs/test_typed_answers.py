"""A button's label typed instead of tapped is the same answer as the tap.

Patients type. A PHQ-9 answer typed in the instrument's own words must be scored, and a
typed item-9 answer must escalate exactly as the press does: re-asking someone in crisis to
find a button is a way to lose them. Anything looser than the whole label is not an answer.
"""

from __future__ import annotations

import datetime as dt

from factories import PROGRAMME_START, at_local, command, keys, make_state, new_patient, press, run

from dialogs.events import Press, Text
from dialogs.records import EscalationTrigger

TYPED = ["not at all", "Several days.", "MORE THAN HALF THE DAYS", "  nearly   every day! "]
PRESSED = ["a0", "a1", "a2", "a3"]


def _checkin(answers: list[str], typed: bool, language: str = "en") -> tuple[object, list[object]]:
    state = make_state(language=language)
    command(state, "checkin")
    outcomes = []
    for answer in answers:
        outcomes.append(run(state, Text(answer)) if typed else press(state, answer))
    return state, outcomes


def test_a_typed_phq9_is_scored_as_the_same_presses() -> None:
    # Items 1–8 typed in every wording variant, item 9 "Not at all", then the difficulty.
    typed = [TYPED[n % 4] for n in range(8)] + ["Not at all", "somewhat difficult"]
    pressed = [PRESSED[n % 4] for n in range(8)] + ["a0", "d1"]
    by_text, _ = _checkin(typed, typed=True)
    by_press, _ = _checkin(pressed, typed=False)
    [typed_record] = by_text.checkins  # type: ignore[attr-defined]
    [pressed_record] = by_press.checkins  # type: ignore[attr-defined]
    assert typed_record.answers == pressed_record.answers
    assert typed_record.total == pressed_record.total == 12
    assert typed_record.difficulty == pressed_record.difficulty == 1


def test_a_typed_item_9_answer_escalates_like_the_press() -> None:
    answers = ["not at all"] * 8 + ["More than half the days"]
    state, outcomes = _checkin(answers, typed=True)
    last = outcomes[-1]
    [escalation] = last.escalations  # type: ignore[attr-defined]
    assert escalation.trigger is EscalationTrigger.ITEM9
    assert escalation.details["item9"] == 2
    assert state.conversation.flow == "crisis"  # type: ignore[attr-defined]


def test_spanish_labels_answer_in_spanish() -> None:
    state, outcomes = _checkin(["Casi todos los dias"], typed=True, language="es")  # no accent
    assert not {"free_text.reask", "free_text.reask_buttons"} & set(keys(outcomes[0]))  # type: ignore[arg-type]
    assert state.conversation.data["answers"] == {"phq9_1": 3}  # type: ignore[attr-defined]


def test_anything_looser_than_a_whole_label_is_asked_again_and_stores_nothing() -> None:
    for text in ("3", "every day", "not at all really", "nearly", "a3"):
        state, outcomes = _checkin([text], typed=True)
        assert "free_text.reask_buttons" in keys(outcomes[0]), text  # type: ignore[arg-type]
        assert not state.conversation.data.get("answers"), text  # type: ignore[attr-defined]


def test_a_typed_label_answers_a_one_question_dialog_too() -> None:
    # The weekly "add a day?" question on a training day: "Keep my days" typed keeps them.
    state = make_state(training_days=[2], now=at_local(PROGRAMME_START + dt.timedelta(days=2)))
    assert "plan.extra_day" in keys(command(state, "today"))
    outcome = run(state, Text("keep my days"))
    assert keys(outcome)[0] == "extra_day.kept"
    assert state.profile.training_days == [2]
    assert state.conversation.flow == "session"


def test_typed_i_need_help_now_is_the_crisis_button_not_the_help_page() -> None:
    for language, words in (
        ("en", "I need help now"),
        ("es", "necesito ayuda ya"),  # the button
        ("es", "Necesito ayuda ahora"),  # /sos in the command menu
    ):
        by_text, by_press = make_state(language=language), make_state(language=language)
        for state in (by_text, by_press):
            command(state, "sos")
        typed = run(by_text, Text(words))
        pressed = run(by_press, Press("m:help"))
        assert keys(typed) == keys(pressed), language
        assert "flow.help_now" in keys(typed)
        assert "help.text" not in keys(typed)
        [escalation] = typed.escalations
        assert escalation.details == {"button": "needs_help_now"}
        assert typed.responses == pressed.responses == ["needs_help_now"]


def test_typed_i_am_safe_right_now_answers_the_crisis_question() -> None:
    state = make_state()
    command(state, "sos")
    outcome = run(state, Text("I'm safe right now."))
    assert keys(outcome)[:2] == ["safety.thanks_safe", "safety.team_still_in_touch"]
    assert outcome.responses == ["safe_now"]


def test_consent_typed_in_the_buttons_words_is_consent_and_nothing_looser() -> None:
    for words, consented in (("I agree", True), ("i agree!", True), ("yes", False), ("ok", False)):
        state = new_patient()
        command(state, "start")
        outcome = run(state, Text(words))
        assert (state.patient.journey == "onboarding") is consented, words
        assert ("consent.question" in keys(outcome)) is not consented, words
