"""Readiness screen, modalities and barrier scripts say what CLINICAL_SPEC.md asks of them."""

from __future__ import annotations

import re

import pytest

from content.loader import Content
from content.schemas.modalities import HiitExclusion, ProfileCondition
from content.texts import placeholders

# --- Readiness (section 2) -----------------------------------------------------------------


def test_readiness_has_the_seven_general_questions(content: Content) -> None:
    ids = [q.id for q in content.readiness.questions]
    assert ids == [
        "heart",
        "chest_pain",
        "dizziness",
        "chronic_condition",
        "medication",
        "musculoskeletal",
        "supervised_only",
    ]
    assert all(q.text_key == f"readiness.q.{q.id}" for q in content.readiness.questions)


def test_readiness_questions_are_questions(content: Content) -> None:
    for language in content.texts.languages:
        for question in content.readiness.questions:
            assert "?" in content.texts.get(language, question.text_key), question.id


def test_positive_readiness_advice(content: Content) -> None:
    advice = content.texts.get("en", content.readiness.positive_advice_key).lower()
    assert "gently" in advice
    assert "doctor" in advice
    assert "care team" in advice


# --- Modalities (section 3) ----------------------------------------------------------------


def test_modalities_and_intensity(content: Content) -> None:
    catalogue = content.modalities
    intensity = {m.id: m.intensity for m in catalogue.modalities}
    assert set(intensity) == {"aerobic", "resistance", "mind_body", "hiit", "multicomponent"}
    assert intensity["aerobic"] == intensity["hiit"] == "heart_rate"
    assert intensity["multicomponent"] == "rpe"
    assert catalogue.backbone == "aerobic"
    assert catalogue.hiit == "hiit"
    assert catalogue.older_adult_age == 65
    assert catalogue.minor_age == 18


def test_matching_rules(content: Content) -> None:
    rules = {r.when: (r.suggest, r.prefer) for r in content.modalities.rules}
    assert rules == {
        ProfileCondition.ANXIETY: ("mind_body", None),
        ProfileCondition.STRESS: ("mind_body", None),
        ProfileCondition.LOW_SELF_ESTEEM: ("resistance", None),
        ProfileCondition.OLDER_ADULT: ("multicomponent", "balance"),
        ProfileCondition.MINOR: (None, "group"),
        ProfileCondition.LITTLE_TIME: ("hiit", None),
        ProfileCondition.PAIN: ("mind_body", None),
        ProfileCondition.METABOLIC: ("hiit", None),
        ProfileCondition.BODY_IMAGE: ("resistance", None),
        ProfileCondition.TREATMENT_RESISTANT: ("hiit", None),
    }


def test_hiit_exclusions(content: Content) -> None:
    assert set(content.modalities.hiit_excluded_when) == set(HiitExclusion)


def test_every_modality_has_a_home_no_equipment_activity(content: Content) -> None:
    for modality in content.modalities.modalities:
        home = [
            a.id
            for a in content.modalities.activities_for(modality.id)
            if a.at_home and not a.needs_equipment
        ]
        assert home, f"{modality.id} has no at-home, no-equipment activity"


def test_preferred_tags_have_activities(content: Content) -> None:
    activities = content.modalities.activities
    assert [a for a in activities if a.group], "minors need group activities"
    multicomponent = content.modalities.activities_for("multicomponent")
    assert [a for a in multicomponent if a.balance], "older adults need balance activities"


def test_spec_examples_are_offered(content: Content) -> None:
    ids = {a.id for a in content.modalities.activities}
    for example in (
        "brisk_walking",
        "running",
        "cycling",
        "swimming",
        "dancing",
        "bodyweight_circuit",
        "resistance_bands",
        "dumbbells",
        "yoga",
        "tai_chi",
        "qigong",
        "pilates",
        "sprint_intervals",
        "circuit_intervals",
    ):
        assert example in ids


# --- Barriers (section 4) ------------------------------------------------------------------


def test_barriers_map_to_scripts(content: Content) -> None:
    barriers = {b.id: b.script for b in content.barriers.barriers}
    assert barriers == {
        "time": "time_access",
        "motivation": "behavioural_activation",
        "access": "time_access",
        "health_limitations": "health_limitations",
        "low_energy": "energy_paradox",
        "negative_thinking": "negative_thinking",
        "no_one_to_go_with": "social_support",
        "lost_why": "values",
    }
    # Every script is reachable from a barrier; the values one only for named values.
    scripts = {s.id for s in content.barriers.scripts}
    assert scripts == set(barriers.values())
    needing = {b.id for b in content.barriers.barriers if b.needs_values}
    assert needing == {"lost_why"}


def test_scripts_are_short(content: Content) -> None:
    for script in content.barriers.scripts:
        assert 2 <= len(script.steps) <= 4, script.id


def test_energy_paradox_offers_the_short_session(content: Content) -> None:
    assert content.barriers.short_session_minutes == 10
    steps = content.barriers.script("energy_paradox").steps
    assert sum(step.offer_short_session for step in steps) == 1


def test_short_session_offers_state_its_length(content: Content) -> None:
    minutes = str(content.barriers.short_session_minutes)
    for script in content.barriers.scripts:
        for step in script.steps:
            if step.offer_short_session:
                for language in content.texts.languages:
                    text = content.texts.get(language, step.text_key)
                    assert minutes in text, f"{language} {step.text_key}"


@pytest.mark.parametrize(
    ("script_id", "placeholder"), [("values", "values"), ("negative_thinking", "progress")]
)
def test_personal_placeholders(content: Content, script_id: str, placeholder: str) -> None:
    used: set[str] = set()
    for step in content.barriers.script(script_id).steps:
        for variant in content.texts.variants("en", step.text_key):
            used |= placeholders(variant)
    assert placeholder in used


def test_motivation_script_sets_expectations(content: Content) -> None:
    keys = [s.text_key for s in content.barriers.script("behavioural_activation").steps]
    assert content.protocol.expectations.message_key in keys


def test_plan_choices(content: Content) -> None:
    what = [c.id for c in content.barriers.plan_what]
    when = [c.id for c in content.barriers.plan_when]
    assert what == ["walk_10", "stretches", "short_session", "shoes_on", "planned_session"]
    assert when == ["next_hour", "this_evening", "tomorrow_morning", "tomorrow_evening"]


# --- Texts ---------------------------------------------------------------------------------


def test_exertion_texts_render_rpe_and_borg_anchors(content: Content) -> None:
    keys = [band.exertion_key for band in content.protocol.effort.bands]
    keys += [m.effort.exertion_key for m in content.modalities.modalities if m.effort]
    keys += ["exertion.moderate_vigorous", "exertion.light_moderate"]
    for language in content.texts.languages:
        for key in keys:
            # {rpe} is "12–14", or "12" when a start-low dose collapses the range; {anchors}
            # are Borg's words for the scores around it.
            assert placeholders(content.texts.get("en", key)) == {"rpe", "anchors"}
            text = content.texts.get(language, key, rpe="12–14", anchors="13")
            assert "12–14" in text and "6" in text and "20" in text, text
    assert "sing" in content.texts.get("en", "exertion.moderate")


def test_borg_labels_are_borgs(content: Content) -> None:
    labels = {
        score: content.texts.get("en", key)
        for score, key in content.protocol.effort.borg_labels.items()
    }
    assert labels[11] == "light"
    assert labels[13] == "somewhat hard"
    assert labels[15] == "hard"
    assert labels[17] == "very hard"


MARKUP = re.compile(r"<[a-z/][^>]*>|\*\*|__|`|\[[^\]]*\]\(")


def test_texts_are_plain(content: Content) -> None:
    for language in content.texts.languages:
        for key in content.texts.by_language[language]:
            for variant in content.texts.variants(language, key):
                assert not MARKUP.search(variant), f"{language} {key}: markup in {variant!r}"


def test_translations_use_the_same_placeholders(content: Content) -> None:
    english = content.texts.by_language["en"]
    for language in content.texts.languages:
        for key in content.texts.by_language[language]:
            if key in english:
                mine = set().union(
                    *(placeholders(v) for v in content.texts.variants(language, key))
                )
                theirs = set().union(*(placeholders(v) for v in content.texts.variants("en", key)))
                assert mine == theirs, f"{language} {key}: {sorted(mine)} != {sorted(theirs)}"
