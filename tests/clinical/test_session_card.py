"""Session cards by modality: intervals add up, own efforts, Borg's words, heart-rate ranges."""

from __future__ import annotations

import pytest

from content.clinical.prescription import ClinicalParts, PrescriptionInput, prescribe
from content.clinical.session_card import card_lines, session_card, session_minutes_for
from content.loader import Content
from content.schemas.base import IntRange
from content.schemas.modalities import ProfileCondition


@pytest.mark.parametrize("minutes", [20, 25, 30, 40, 45, 50, 60])
def test_intervals_add_up(shipped: Content, parts: ClinicalParts, minutes: int) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5))
    card = session_card(shipped.modalities, p, "hiit", minutes)
    block = card.intervals
    assert block is not None
    round_minutes = (block.work_seconds + block.recovery_seconds) // 60
    assert card.minutes == card.warm_up_minutes + block.rounds * round_minutes + (
        card.cool_down_minutes
    )
    assert card.main_minutes == block.rounds * round_minutes
    assert 4 <= block.rounds <= 8
    assert card.minutes == session_minutes_for(shipped.modalities, "hiit", minutes)
    # Work bouts are hard (Borg 15–17), paced by feel: no heart-rate range for a bout.
    assert block.work.rpe == IntRange(low=15, high=17)
    assert card.effort == block.work
    assert card.target_bpm is None


def test_interval_card_reads_in_order(shipped: Content, parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5))
    card = session_card(shipped.modalities, p, "hiit", 40)
    lines = card_lines(shipped.texts, shipped.protocol, shipped.modalities, card, "en")
    keys = [key for key, _ in lines]
    assert keys == [
        "modality.hiit.work",
        "today.warm_up",
        "today.main",
        "card.intervals",
        "modality.hiit.recovery",
        "today.cool_down",
        "card.total",
    ]
    params = dict(lines)
    assert params["card.intervals"] == {
        "rounds": 8,
        "work": "1 minute",
        "recovery": "2 minutes",
    }
    assert params["modality.hiit.work"]["anchors"] == "15 is hard, 17 is very hard"
    assert params["card.total"] == {"minutes": 5 + 8 * 3 + 5}
    spanish = dict(card_lines(shipped.texts, shipped.protocol, shipped.modalities, card, "es"))
    assert spanish["card.intervals"]["work"] == "1 minuto"


def test_mind_body_keeps_its_own_light_to_moderate_effort(
    shipped: Content, parts: ClinicalParts
) -> None:
    for week in (1, 5, 9):
        p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=week))
        card = session_card(shipped.modalities, p, "mind_body", 30)
        assert card.effort.rpe == IntRange(low=9, high=13)
        assert card.effort.exertion_key == "exertion.mind_body"
        assert card.target_bpm is None and not card.paced_by_feel


def test_steady_aerobic_shows_the_heart_rate_and_adds_up(
    shipped: Content, parts: ClinicalParts
) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5))
    card = session_card(shipped.modalities, p, "aerobic", 45)
    assert card.minutes == 45 == card.warm_up_minutes + card.main_minutes + card.cool_down_minutes
    assert card.target_bpm == p.target_bpm
    assert card.effort.exertion_key == "exertion.vigorous"
    lines = dict(card_lines(shipped.texts, shipped.protocol, shipped.modalities, card, "en"))
    assert lines["exertion.vigorous"] == {"rpe": "14–16", "anchors": "15 is hard"}
    text = shipped.texts.get("en", "exertion.vigorous", **lines["exertion.vigorous"])
    assert "15 is hard" in text and "somewhat hard" not in text


def test_beta_blockers_pace_steady_work_by_feel(shipped: Content, parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5, beta_blockers=True))
    card = session_card(shipped.modalities, p, "aerobic", 40)
    assert card.target_bpm is None and card.paced_by_feel
    keys = [
        k for k, _ in card_lines(shipped.texts, shipped.protocol, shipped.modalities, card, "en")
    ]
    assert keys[0] == "today.by_feel"


def test_plans_give_interval_sessions_their_real_length(
    shipped: Content, parts: ClinicalParts
) -> None:
    import datetime as dt

    from content.clinical.weekly_plan import weekly_plan

    p = prescribe(
        parts,
        PrescriptionInput(
            age=40,
            resting_hr=60,
            week=5,
            conditions=frozenset({ProfileCondition.TREATMENT_RESISTANT}),
        ),
    )
    plan = weekly_plan(
        p,
        [0, 1, 3, 5],
        dt.date(2026, 1, 5),
        dt.time(8),
        catalogue=shipped.modalities,
        protocol=shipped.protocol,
    )
    by_modality = {s.modality: s.minutes for s in plan.sessions}
    assert by_modality["aerobic"] == 40
    assert by_modality["hiit"] == session_minutes_for(shipped.modalities, "hiit", 40)
