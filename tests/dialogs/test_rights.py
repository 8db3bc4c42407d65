"""The data-rights dialogs: confirmations, effects for `bot/`, re-consent and withdrawal."""

from __future__ import annotations

import datetime as dt

from dialogs.effects import EraseOwnData, SendOwnData, WithdrawConsent
from dialogs.events import Command, Text
from dialogs.records import IDLE, ConsentRecord
from dialogs.state import PatientState
from state_machines.journey import JourneyState
from tests.dialogs.factories import command, deps, keys, make_state, new_patient, press, run

CURRENT = deps().content.consent.current.version


def agreed(version: str) -> PatientState:
    state = make_state()
    state.consents = [
        ConsentRecord("stride-consent", version, dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    ]
    return state


def test_mydata_answers_at_once_and_leaves_the_file_to_the_bot() -> None:
    state = make_state()
    outcome = command(state, "mydata")
    assert keys(outcome) == ["data_rights.chat.mydata.preparing"]
    assert outcome.effects == [SendOwnData()]


def test_forgetme_asks_first_and_cancel_hands_back_to_the_check_in() -> None:
    state = make_state()
    command(state, "checkin")
    press(state, "a1")
    asked = command(state, "forgetme")
    assert "data_rights.forgetme.confirm" in keys(asked)
    assert asked.effects == []
    cancelled = press(state, "cancel")
    assert "data_rights.forgetme.cancelled" in keys(cancelled)
    assert cancelled.effects == []
    assert state.conversation.flow == "checkin"


def test_forgetme_confirmed_erases_after_the_commit_and_nothing_resumes() -> None:
    state = make_state()
    command(state, "checkin")
    command(state, "forgetme")
    outcome = press(state, "erase")
    assert outcome.effects == [EraseOwnData()]
    assert not any(k.startswith("checkin.") for k in keys(outcome))
    assert (state.conversation.flow, state.conversation.stack) == (IDLE, [])


def test_forgetme_can_be_confirmed_before_consent() -> None:
    state = new_patient()
    command(state, "forgetme")
    assert press(state, "erase").effects == [EraseOwnData()]


def test_withdrawal_confirmed_is_an_effect_and_then_only_consent_answers() -> None:
    state = make_state()
    assert "data_rights.withdraw.confirm" in keys(command(state, "withdraw"))
    assert press(state, "withdraw").effects == [WithdrawConsent()]
    state.patient.consent_withdrawn_at = state.now  # as the engine records it
    assert "consent.question" in keys(command(state, "today"))
    assert "consent.question" in keys(command(state, "withdraw"))
    assert "safety.not_emergency" in keys(command(state, "sos"))


def test_agreeing_after_a_withdrawal_renews_without_restarting_onboarding() -> None:
    state = make_state()
    state.patient.consent_withdrawn_at = state.now
    outcome = run(state, Text("hello"))
    agreed_outcome = press(state, "agree", outcome.replies[-1])
    assert "welcome.back" in keys(agreed_outcome)
    assert state.patient.consent_withdrawn_at is None
    assert state.patient.journey is JourneyState.ACTIVE
    assert [r.version for r in agreed_outcome.records if isinstance(r, ConsentRecord)] == [CURRENT]


def test_no_reconsent_for_the_current_version_or_unloaded_consents() -> None:
    assert "today.heading" in keys(command(agreed(CURRENT), "today"))
    assert "today.heading" in keys(command(make_state(), "today"))  # consents not loaded


def test_an_older_version_asks_again_then_hands_back() -> None:
    state = make_state()
    command(state, "checkin")
    state.consents = [ConsentRecord("stride-consent", "2026-11", state.now)]
    asked = run(state, Text("hi"))
    assert "data_rights.reconsent.intro" in keys(asked)
    changes = [
        s for s in asked.replies for line in s.lines if line.key == "data_rights.reconsent.intro"
    ]
    assert changes and "/forgetme" in str(changes[0].lines[0].params["changes"])
    assert state.conversation.flow == "reconsent"
    assert "data_rights.reconsent.intro" in keys(command(state, "today"))  # still first
    outcome = press(state, "agree")
    assert "data_rights.chat.reconsent.thanks" in keys(outcome)
    assert [r.version for r in outcome.records if isinstance(r, ConsentRecord)] == [CURRENT]
    assert state.conversation.flow == "checkin"  # handed back
    assert "data_rights.reconsent.intro" not in keys(command(state, "today"))


def test_safety_goes_before_a_due_reconsent() -> None:
    state = agreed("2026-11")
    sos = run(state, Command("sos"))
    assert sos.escalations and "data_rights.reconsent.intro" not in keys(sos)
    risk = run(agreed("2026-11"), Text("I want to die"))
    assert risk.escalations and "data_rights.reconsent.intro" not in keys(risk)


def test_declining_a_new_version_is_a_withdrawal() -> None:
    state = agreed("2026-11")
    run(state, Text("hi"))
    outcome = press(state, "decline")
    assert outcome.effects == [WithdrawConsent()]
    assert not any(isinstance(r, ConsentRecord) for r in outcome.records)


def test_the_reconsent_says_what_changed_in_spanish() -> None:
    state = agreed("2026-11")
    state.patient.language = "es"
    asked = run(state, Text("hola"))
    intro = next(
        line
        for s in asked.replies
        for line in s.lines
        if line.key == "data_rights.reconsent.intro"
    )
    assert "Ahora puede" in str(intro.params["changes"])


def test_an_open_crisis_question_is_not_pushed_aside_by_a_reconsent() -> None:
    state = make_state()
    run(state, Text("I want to die"))
    assert state.conversation.flow == "crisis"
    state.consents = [ConsentRecord("stride-consent", "2026-11", state.now)]
    outcome = command(state, "today")
    assert "data_rights.reconsent.intro" not in keys(outcome)
