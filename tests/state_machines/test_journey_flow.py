"""The journey: nobody reaches onboarding, or the programme, without agreeing first."""

from __future__ import annotations

import pytest

from state_machines.engine import InvalidTransition
from state_machines.journey import JOURNEY, JourneyModel, JourneyState, consented

S = JourneyState


def walk(*triggers: str) -> JourneyModel:
    model = JourneyModel(S.NEW)
    for trigger in triggers:
        JOURNEY.fire(model, trigger)
    return model


def test_happy_path_from_first_contact_to_active() -> None:
    model = JourneyModel(S.NEW)
    assert model.state is S.NEW
    seen = []
    for trigger in ("start", "agree", "complete_onboarding"):
        JOURNEY.fire(model, trigger)
        seen.append(model.state)
    assert seen == [S.CONSENT, S.ONBOARDING, S.ACTIVE]
    assert model.consented


def test_start_again_while_reading_consent_stays_on_consent() -> None:
    assert walk("start", "start").state is S.CONSENT


def test_decline_returns_to_new_without_consent() -> None:
    model = walk("start", "decline")
    assert model.state is S.NEW
    assert not model.consented


@pytest.mark.parametrize("state", [S.NEW, S.ONBOARDING, S.ACTIVE, S.PAUSED])
def test_agree_only_while_consent_is_shown(state: JourneyState) -> None:
    model = JourneyModel(state)
    with pytest.raises(InvalidTransition):
        JOURNEY.fire(model, "agree")
    assert model.state is state


@pytest.mark.parametrize("state", [S.NEW, S.CONSENT])
@pytest.mark.parametrize("trigger", ["complete_onboarding", "pause", "resume"])
def test_nothing_before_consent_skips_ahead(state: JourneyState, trigger: str) -> None:
    model = JourneyModel(state)
    with pytest.raises(InvalidTransition):
        JOURNEY.fire(model, trigger)
    assert model.state is state
    assert not model.consented


def test_every_path_to_onboarding_goes_through_agree() -> None:
    """Graph check over the table: without `agree` rows, no consented state is reachable."""
    seen = {JOURNEY.initial}
    frontier = [JOURNEY.initial]
    while frontier:
        here = frontier.pop()
        for row in JOURNEY.transitions:
            row_sources = row["source"] if isinstance(row["source"], list) else [row["source"]]
            if row["trigger"] == "agree" or here not in row_sources:
                continue
            dest = row["dest"] or here
            if dest not in seen:
                seen.add(dest)
                frontier.append(dest)
    assert not any(consented(state) for state in seen)
    assert seen == {S.NEW, S.CONSENT, S.ERASED}


def test_pause_and_resume() -> None:
    model = walk("start", "agree", "complete_onboarding", "pause")
    assert model.state is S.PAUSED
    assert model.consented
    JOURNEY.fire(model, "resume")
    assert model.state is S.ACTIVE


@pytest.mark.parametrize("state", [s for s in S if s is not S.ACTIVE])
def test_pause_only_from_active(state: JourneyState) -> None:
    model = JourneyModel(state)
    with pytest.raises(InvalidTransition):
        JOURNEY.fire(model, "pause")
    assert model.state is state


@pytest.mark.parametrize("state", [s for s in S if s is not S.PAUSED])
def test_resume_only_from_paused(state: JourneyState) -> None:
    model = JourneyModel(state)
    with pytest.raises(InvalidTransition):
        JOURNEY.fire(model, "resume")
    assert model.state is state
