"""Heart-rate arithmetic, phases, and the prescription written from a patient profile."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.clinical.prescription import (
    ClinicalParts,
    PrescriptionInput,
    hr_max,
    karvonen,
    phase_for_week,
    prescribe,
    target_bpm,
    text_keys,
    whole_beats,
)
from content.schemas.base import IntRange
from content.schemas.modalities import ModalityCatalogue, ProfileCondition
from content.schemas.protocol import Protocol


def test_worked_example_age_40_resting_60_week_1(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=1))
    assert p.hr_max == 180
    assert p.target_bpm == IntRange(low=120, high=132)
    assert p.hrr_percent == IntRange(low=50, high=60)
    assert p.minutes == IntRange(low=20, high=30)
    assert p.sessions_per_week == IntRange(low=3, high=3)
    assert (p.phase_id, p.week, p.first_week_of_phase) == (1, 1, True)
    assert p.intensity_mode == "heart_rate"
    assert p.rpe_reason_key is None
    assert p.hrmax_formula == "tanaka"
    assert not p.start_low
    assert not p.supervised_initiation
    assert p.modality_ids == ("aerobic",)


def test_beta_blockers_give_rpe_only(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=1, beta_blockers=True))
    assert (p.hr_max, p.target_bpm, p.intensity_mode) == (None, None, "rpe")
    # 50–60 % HRR by ACSM's table: 50 % is moderate (RPE 12), 60 % vigorous (RPE 14).
    assert p.rpe == IntRange(low=12, high=14)
    assert p.exertion_key == "exertion.moderate_vigorous"
    assert p.rpe_reason_key == "prescription.rpe_reason.beta_blockers"


def test_unknown_resting_hr_gives_rpe_only(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=None, week=1))
    assert (p.hr_max, p.target_bpm, p.intensity_mode) == (None, None, "rpe")
    assert p.rpe_reason_key == "prescription.rpe_reason.resting_hr_unknown"


def test_formulas(protocol: Protocol) -> None:
    tanaka, classic = protocol.hrmax_formulas["tanaka"], protocol.hrmax_formulas["classic"]
    assert hr_max(40, tanaka) == hr_max(40, classic) == 180
    assert hr_max(50, tanaka) == 173
    assert hr_max(50, classic) == 170
    assert hr_max(33, tanaka) == Decimal("184.9")  # exact, not 184.89999…


def test_classic_formula_is_selectable(parts: ClinicalParts) -> None:
    tanaka = prescribe(parts, PrescriptionInput(age=50, resting_hr=60))
    classic = prescribe(parts, PrescriptionInput(age=50, resting_hr=60, hrmax_formula="classic"))
    assert (tanaka.hr_max, classic.hr_max) == (173, 170)
    assert classic.hrmax_formula == "classic"
    assert classic.target_bpm == IntRange(low=115, high=126)  # 60 + .5×110, 60 + .6×110
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=50, resting_hr=60, hrmax_formula="astrand"))


def test_karvonen_rounds_half_beats_up() -> None:
    assert whole_beats(Decimal("122.5")) == 123
    assert whole_beats(Decimal("123.5")) == 124  # round() would give 124 and 122: inconsistent
    assert whole_beats(Decimal("122.49")) == 122
    # age 33 (HRmax 184.9), resting 60: 60 + 0.5 × 124.9 = 122.45 → 122
    assert target_bpm(60, Decimal("184.9"), IntRange(low=50, high=60)) == IntRange(
        low=122, high=135
    )
    # resting 61, HRmax 180: 61 + 0.5 × 119 = 120.5 → 121
    assert whole_beats(karvonen(61, Decimal(180), Decimal("0.5"))) == 121


@given(
    age=st.integers(13, 100),
    resting=st.integers(30, 120),
    low=st.integers(0, 100),
    high=st.integers(0, 100),
)
def test_target_range_is_ordered_and_between_rest_and_max(
    protocol: Protocol, age: int, resting: int, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    maximum = hr_max(age, protocol.hrmax_formulas["tanaka"])
    target = target_bpm(resting, maximum, IntRange(low=low, high=high))
    assert target.low <= target.high
    bounds = sorted((resting, whole_beats(maximum)))
    assert bounds[0] - 1 <= target.low and target.high <= bounds[1] + 1


@pytest.mark.parametrize(
    ("week", "phase"),
    [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (12, 4), (13, None), (52, None)],
)
def test_phase_for_week(protocol: Protocol, week: int, phase: int | None) -> None:
    found = phase_for_week(protocol, week)
    assert (found.id if found else None) == phase


def test_week_0_is_refused(protocol: Protocol) -> None:
    with pytest.raises(ValueError):
        phase_for_week(protocol, 0)


@pytest.mark.parametrize(
    ("week", "minutes", "percent", "sessions"),
    [
        (3, (30, 40), (60, 65), (3, 4)),
        (5, (40, 50), (65, 70), (4, 5)),
        (9, (45, 60), (65, 75), (4, 5)),
    ],
)
def test_phase_doses_come_from_the_protocol(
    parts: ClinicalParts,
    week: int,
    minutes: tuple[int, int],
    percent: tuple[int, int],
    sessions: tuple[int, int],
) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=week))
    assert (p.minutes.low, p.minutes.high) == minutes
    assert (p.hrr_percent.low, p.hrr_percent.high) == percent
    assert (p.sessions_per_week.low, p.sessions_per_week.high) == sessions


def test_week_13_is_maintenance(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=13))
    assert p.phase_id is None
    assert p.maintenance
    assert p.weekly_minutes == IntRange(low=150, high=300)
    assert p.minutes == IntRange(low=30, high=60)
    # 150 min needs at least 3 sessions of 60; 300 allows up to one a day.
    assert p.sessions_per_week == IntRange(low=3, high=7)


def test_explicit_phase_overrides_the_week(parts: ClinicalParts) -> None:
    held = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5, phase_id=2))
    assert held.phase_id == 2
    assert held.week == 5
    assert held.first_week_of_phase  # outside the phase's own weeks: the gentler start
    second = prescribe(parts, PrescriptionInput(age=40, week=6, phase_id=2, phase_week=2))
    assert not second.first_week_of_phase
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=40, phase_id=9))


START_LOW_INPUTS = [
    PrescriptionInput(age=40, resting_hr=60, week=1, low_energy=True),
    PrescriptionInput(age=40, resting_hr=60, week=2, phq9_band="severe"),
    PrescriptionInput(age=40, resting_hr=60, week=1, readiness_positive=True),
    PrescriptionInput(age=40, resting_hr=60, week=2, safety_flag=True),
]


@pytest.mark.parametrize("inp", START_LOW_INPUTS)
def test_start_low_begins_at_the_phase_1_bottom(
    parts: ClinicalParts, inp: PrescriptionInput
) -> None:
    p = prescribe(parts, inp)
    assert p.start_low
    assert p.phase_id == 1
    assert p.minutes == IntRange(low=20, high=20)
    assert p.hrr_percent == IntRange(low=50, high=50)
    # 60 + 0.5 × 120 = 120 beats: one value, widened to a 5-beat range (mostly downwards).
    assert p.target_bpm == IntRange(low=117, high=122)
    assert p.rpe == IntRange(low=12, high=13)
    assert p.exertion_key == "exertion.moderate"
    assert p.week == inp.week


@pytest.mark.parametrize("inp", START_LOW_INPUTS)
def test_start_low_is_a_start_not_a_ceiling(parts: ClinicalParts, inp: PrescriptionInput) -> None:
    """Once the ladder has moved the patient up, the start-low criteria do not pin the dose."""
    moved_on = replace(inp, week=7, phase_id=3, start_step=False)
    p = prescribe(parts, moved_on)
    assert not p.start_low
    assert p.minutes == IntRange(low=40, high=50)
    assert p.hrr_percent == IntRange(low=65, high=70)


def test_a_heart_rate_range_is_never_narrower_than_five_beats(parts: ClinicalParts) -> None:
    for age in range(13, 101, 3):
        for resting in (40, 60, 80, 100):
            for week in (1, 3, 5, 9, 13):
                p = prescribe(parts, PrescriptionInput(age=age, resting_hr=resting, week=week))
                assert p.target_bpm is not None
                assert p.target_bpm.high - p.target_bpm.low >= 5


@pytest.mark.parametrize(
    ("week", "rpe", "key"),
    [
        (1, (12, 14), "exertion.moderate_vigorous"),
        (3, (14, 15), "exertion.vigorous"),
        (5, (14, 16), "exertion.vigorous"),
        (9, (14, 16), "exertion.vigorous"),
        (13, (12, 13), "exertion.moderate"),
    ],
)
def test_effort_follows_the_hrr_band_by_acsm(
    parts: ClinicalParts, week: int, rpe: tuple[int, int], key: str
) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=week))
    assert (p.rpe.low, p.rpe.high) == rpe
    assert p.exertion_key == key


def test_very_hard_lowers_the_target_a_notch(parts: ClinicalParts) -> None:
    usual = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, week=5))
    notched = PrescriptionInput(age=40, resting_hr=60, week=5, effort_lowered=True)
    lowered = prescribe(parts, notched)
    assert lowered.hrr_percent == IntRange(low=60, high=65)
    assert usual.target_bpm is not None and lowered.target_bpm is not None
    assert lowered.target_bpm.high < usual.target_bpm.high
    assert lowered.effort_lowered


def test_treatment_resistance_offers_intervals_body_image_strength(
    parts: ClinicalParts,
) -> None:
    trd = prescribe(
        parts,
        PrescriptionInput(
            age=40, week=5, conditions=frozenset({ProfileCondition.TREATMENT_RESISTANT})
        ),
    )
    assert "hiit" in trd.modality_ids
    body = prescribe(
        parts,
        PrescriptionInput(age=40, week=5, conditions=frozenset({ProfileCondition.BODY_IMAGE})),
    )
    assert "resistance" in body.modality_ids
    flagged = prescribe(
        parts,
        PrescriptionInput(
            age=40,
            week=5,
            safety_flag=True,
            conditions=frozenset({ProfileCondition.TREATMENT_RESISTANT}),
        ),
    )
    assert "hiit" not in flagged.modality_ids
    assert [r.modality for r in flagged.refused] == ["hiit"]


def test_supervised_initiation_reasons(parts: ClinicalParts) -> None:
    base = PrescriptionInput(age=40, resting_hr=60)
    assert not prescribe(parts, base).supervised_initiation
    for band in ("minimal", "mild", "moderate", "moderately_severe"):
        inp = PrescriptionInput(age=40, resting_hr=60, phq9_band=band)
        assert not prescribe(parts, inp).supervised_initiation
    severe = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, phq9_band="severe"))
    assert severe.supervision_reason_keys == ("prescription.supervised.severe_band",)
    everything = prescribe(
        parts,
        PrescriptionInput(
            age=40, resting_hr=60, phq9_band="severe", safety_flag=True, readiness_positive=True
        ),
    )
    assert everything.supervised_initiation
    assert len(everything.supervision_reason_keys) == 3
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=40, phq9_band="awful"))


def test_readiness_yes_advises_seeing_a_doctor(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, readiness_positive=True))
    assert parts.readiness.positive_advice_key in p.advice
    assert p.supervised_initiation and p.start_low


def _conditions(*names: ProfileCondition) -> frozenset[ProfileCondition]:
    return frozenset(names)


def test_rules_add_suggested_modalities_after_the_backbone(parts: ClinicalParts) -> None:
    p = prescribe(
        parts,
        PrescriptionInput(
            age=40,
            conditions=_conditions(ProfileCondition.ANXIETY, ProfileCondition.LOW_SELF_ESTEEM),
        ),
    )
    assert p.modality_ids == ("aerobic", "mind_body", "resistance")
    reasons = {c.modality: c.reason_keys for c in p.modalities}
    assert reasons["mind_body"] == ("modality.reason.anxiety",)
    assert reasons["resistance"] == ("modality.reason.low_self_esteem",)


def test_pain_suggests_mind_body_and_clinician_advice(parts: ClinicalParts) -> None:
    p = prescribe(parts, PrescriptionInput(age=40, conditions=_conditions(ProfileCondition.PAIN)))
    assert "mind_body" in p.modality_ids
    assert "prescription.advice.pain" in p.advice


def test_older_adults_get_multicomponent_with_balance_first(
    parts: ClinicalParts, catalogue: ModalityCatalogue
) -> None:
    p = prescribe(parts, PrescriptionInput(age=catalogue.older_adult_age, resting_hr=60))
    assert "multicomponent" in p.modality_ids
    balance = {a.id for a in catalogue.activities if a.balance}
    for choice in p.modalities:
        flags = [a in balance for a in choice.activities]
        assert flags == sorted(flags, reverse=True), choice.modality
    younger = prescribe(parts, PrescriptionInput(age=catalogue.older_adult_age - 1))
    assert "multicomponent" not in younger.modality_ids


def test_minors_get_group_activities_first(
    parts: ClinicalParts, catalogue: ModalityCatalogue
) -> None:
    p = prescribe(parts, PrescriptionInput(age=catalogue.minor_age - 1))
    aerobic = next(c for c in p.modalities if c.modality == "aerobic")
    group = {a.id for a in catalogue.activities if a.group}
    assert aerobic.activities[0] in group
    assert [pref.tag for pref in p.activity_preferences] == ["group"]
    adult = prescribe(parts, PrescriptionInput(age=catalogue.minor_age))
    assert adult.activity_preferences == ()


def test_access_barrier_puts_at_home_activities_first(
    parts: ClinicalParts, catalogue: ModalityCatalogue
) -> None:
    p = prescribe(
        parts,
        PrescriptionInput(
            age=40, access_barrier=True, conditions=_conditions(ProfileCondition.ANXIETY)
        ),
    )
    at_home = {a.id for a in catalogue.activities if a.at_home}
    for choice in p.modalities:
        assert choice.activities[0] in at_home
        assert set(choice.activities) == {a.id for a in catalogue.activities_for(choice.modality)}


def test_little_time_suggests_hiit_unless_excluded(parts: ClinicalParts) -> None:
    little_time = _conditions(ProfileCondition.LITTLE_TIME)
    p = prescribe(parts, PrescriptionInput(age=40, resting_hr=60, conditions=little_time))
    assert p.modality_ids == ("aerobic", "hiit")
    assert p.refused == ()
    base = PrescriptionInput(age=40, resting_hr=60, conditions=little_time)
    for flag, inp in (
        ("beta_blockers", replace(base, beta_blockers=True)),
        ("safety_flag", replace(base, safety_flag=True)),
        ("readiness_positive", replace(base, readiness_positive=True)),
    ):
        refused = prescribe(parts, inp)
        assert "hiit" not in refused.modality_ids
        assert [r.modality for r in refused.refused] == ["hiit"]
        assert refused.refused[0].reason_keys == (f"prescription.hiit_excluded.{flag}",)
    severe = prescribe(
        parts, PrescriptionInput(age=40, conditions=little_time, phq9_band="severe")
    )
    assert severe.refused[0].reason_keys == ("prescription.hiit_excluded.severe_band",)


def test_stated_preference_wins_and_comes_first(parts: ClinicalParts) -> None:
    p = prescribe(
        parts,
        PrescriptionInput(
            age=40,
            preferred_modalities=("resistance", "aerobic"),
            conditions=_conditions(ProfileCondition.STRESS),
        ),
    )
    assert p.modality_ids == ("resistance", "aerobic", "mind_body")
    aerobic = next(c for c in p.modalities if c.modality == "aerobic")
    assert aerobic.reason_keys == (
        "prescription.reason.preference",
        "prescription.reason.backbone",
    )
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=40, preferred_modalities=("zumba",)))


def test_hiit_preference_is_refused_when_excluded(parts: ClinicalParts) -> None:
    p = prescribe(
        parts, PrescriptionInput(age=40, preferred_modalities=("hiit",), beta_blockers=True)
    )
    assert p.modality_ids == ("aerobic",)
    assert p.refused[0].reason_keys == ("prescription.hiit_excluded.beta_blockers",)
    allowed = prescribe(parts, PrescriptionInput(age=40, preferred_modalities=("hiit",)))
    assert allowed.modality_ids == ("hiit", "aerobic")


@given(
    age=st.integers(13, 100),
    conditions=st.frozensets(st.sampled_from(list(ProfileCondition))),
    low_energy=st.booleans(),
    safety=st.booleans(),
    readiness=st.booleans(),
    beta=st.booleans(),
    week=st.integers(1, 60),
)
def test_backbone_always_offered_and_hiit_never_when_excluded(
    parts: ClinicalParts,
    age: int,
    conditions: frozenset[ProfileCondition],
    low_energy: bool,
    safety: bool,
    readiness: bool,
    beta: bool,
    week: int,
) -> None:
    p = prescribe(
        parts,
        PrescriptionInput(
            age=age,
            resting_hr=60,
            week=week,
            conditions=conditions,
            low_energy=low_energy,
            safety_flag=safety,
            readiness_positive=readiness,
            beta_blockers=beta,
        ),
    )
    assert "aerobic" in p.modality_ids
    assert len(set(p.modality_ids)) == len(p.modality_ids)
    if safety or readiness or beta:
        assert "hiit" not in p.modality_ids
    assert (p.target_bpm is None) == beta
    assert p.supervised_initiation == (safety or readiness)
    if p.target_bpm is not None:
        assert p.target_bpm.low <= p.target_bpm.high


def test_out_of_range_inputs_are_refused(parts: ClinicalParts) -> None:
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=5))
    with pytest.raises(ValueError):
        prescribe(parts, PrescriptionInput(age=40, resting_hr=250))


def test_text_keys_cover_every_exclusion(catalogue: ModalityCatalogue) -> None:
    keys = text_keys(catalogue)
    for reason in catalogue.hiit_excluded_when:
        assert f"prescription.hiit_excluded.{reason.value}" in keys
