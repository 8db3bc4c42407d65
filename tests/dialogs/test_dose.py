"""The dose follows the patient through the dialogs: start low then climb, clearance, safety
flags from any trigger, treatment resistance, felt effort."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import PROGRAMME_START, at_local, command, content, keys, make_state, params, press

from dialogs import programme
from dialogs.records import SessionRecord, SessionStatus


def _do_every_session(state: object, days: int, effort: str = "eff_right") -> None:
    """Each day at 08:30: /today, and on a training day Done with the planned minutes."""
    for offset in range(days):
        day = PROGRAMME_START + dt.timedelta(days=offset)
        state.now = at_local(day)  # type: ignore[attr-defined]
        outcome = command(state, "today")  # type: ignore[arg-type]
        if "today.heading" not in keys(outcome):
            continue
        for value in ("done", "min30", effort, "mood5", "mood6"):
            press(state, value)  # type: ignore[arg-type]


def test_five_weeks_of_every_session_are_offered_more_than_day_one() -> None:
    state = make_state(low_energy=True)
    first = command(state, "today")
    assert params(first, "today.heading")["minutes"] == 20
    assert "today.start_low" in keys(first)
    day_one_bpm = params(first, "today.target_hr")["bpm_high"]
    press(state, "cant")  # leave the card; the skip is overwritten below by Done
    state.sessions.clear()
    _do_every_session(state, 35)
    state.now = at_local(PROGRAMME_START + dt.timedelta(days=35))  # Monday of week 6
    offered = command(state, "today")
    assert params(offered, "today.heading")["minutes"] > 20
    assert params(offered, "today.target_hr")["bpm_high"] > day_one_bpm  # type: ignore[operator]
    assert "today.start_low" not in keys(offered)


def test_readiness_yes_holds_until_clearance_and_says_why() -> None:
    state = make_state(readiness_answers={"heart_condition": True})
    card = command(state, "today")
    assert "progression.hold_readiness" in keys(card)
    assert programme.current_step(state, content()).start_low
    _do_every_session(state, 15)
    assert programme.current_step(state, content()).start_low  # gate met, still held
    state.profile.medical_clearance_at = state.now
    _do_every_session(state, 29)
    assert not programme.current_step(state, content()).start_low


def test_any_urgent_trigger_shapes_the_prescription_like_item_9() -> None:
    state = make_state(conditions=["metabolic"])
    assert "hiit" in programme.current_prescription(state, content()).modality_ids
    state.profile.safety_flag_at = state.now - dt.timedelta(days=1)  # risk language or /sos
    flagged = programme.current_prescription(state, content())
    assert "hiit" not in flagged.modality_ids
    assert "prescription.supervised.safety_flag" in flagged.supervision_reason_keys
    assert flagged.hold_key == "progression.hold_safety"
    # A clearance after the trigger lifts it; so does time.
    state.profile.medical_clearance_at = state.now
    assert programme.current_prescription(state, content()).hold_key is None
    state.profile.medical_clearance_at = None
    state.now += dt.timedelta(days=content().protocol.safety_flag.days)
    assert "hiit" in programme.current_prescription(state, content()).modality_ids


def test_treatment_resistance_set_by_a_supervisor_offers_intervals() -> None:
    state = make_state(treatment_resistant=True)
    assert "hiit" in programme.current_prescription(state, content()).modality_ids


def test_two_very_hard_sessions_lower_the_card_a_notch() -> None:
    state = make_state()
    usual = params(command(state, "today"), "today.target_hr")
    press(state, "cant")
    records = [
        SessionRecord(
            day=PROGRAMME_START + dt.timedelta(days=d),
            status=SessionStatus.DONE,
            planned=True,
            modality="aerobic",
            minutes=20,
            exertion=17,
        )
        for d in (-5, -3)
    ]
    state.sessions[:] = records
    card = command(state, "today")
    assert "prescription.effort_lowered" in keys(card)
    assert params(card, "today.target_hr")["bpm_high"] < usual["bpm_high"]  # type: ignore[operator]


@pytest.mark.parametrize("weekday", range(7))
def test_every_session_kept_climbs_and_never_steps_back_whatever_the_start_day(
    weekday: int,
) -> None:
    # A patient may start on any day of the week; keeping every session (and keeping their
    # three days when asked to add one) for twelve weeks reads as kept: no step back, and
    # the step only ever goes up.
    start = PROGRAMME_START + dt.timedelta(days=weekday)
    state = make_state(programme_start=start, phase_started=start)
    offered: list[int] = []
    phases: list[int] = []
    for offset in range(84):
        state.now = at_local(start + dt.timedelta(days=offset))
        card = command(state, "today")
        if "plan.extra_day" in keys(card):
            card = press(state, "keep")
        shown = keys(card)
        assert "progression.step_back" not in shown, (offset, shown)
        assert "progression.hold" not in shown, (offset, shown)
        phases.append(programme.current_step(state, content()).phase_id or 5)
        if "today.heading" not in shown:
            continue
        offered.append(int(params(card, "today.heading")["minutes"]))  # type: ignore[call-overload]
        for value in ("done", "min30", "eff_right", "mood5", "mood6"):
            press(state, value)
    assert offered[0] == 20
    assert phases == sorted(phases), phases
    assert phases[-1] == 4  # phase 4 from week 9, as the protocol says
