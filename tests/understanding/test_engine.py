"""Understanding one message: priority, exceptions, whole answers, languages and slots."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content.clinical.understanding import Understander, understand
from content.schemas.understanding import INTENTS


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        # The issue's own examples.
        ("I'm too tired", "en", "low_energy"),
        ("😞", "en", "low_mood"),
        ("hola", "es", "greeting"),
        (
            "Should I stop taking my antidepressants now that I exercise?",
            "en",
            "medicine_question",
        ),
        ("walked 20 min this morning", "en", "activity_report"),
        ("done!", "en", "session_done"),
        ("did half", "en", "session_partial"),
        ("can't today", "en", "session_cant"),
        ("skipped it", "en", "session_skipped"),
        ("listo", "es", "session_done"),
        ("hice la mitad", "es", "session_partial"),
        # Priority: a reason beats "can't today"; medicine beats everything but stop.
        ("can't today, too tired", "en", "low_energy"),
        ("so tired, should i stop my meds", "en", "medicine_question"),
        ("stop", "en", "stop"),
        # Exceptions hide words from their own intent only.
        ("not tired at all", "en", "unknown"),
        ("no pain no gain", "en", "unknown"),
        ("i didnt walk today", "en", "session_skipped"),
        ("i want to walk 20 min tomorrow", "en", "unknown"),
        # Whole answers: the message must be only the answer, fillers and courtesy.
        ("done, thanks!", "en", "session_done"),
        ("done with the dishes, what a day", "en", "unknown"),
        ("hi", "en", "greeting"),
        ("hi my cat knocked over a plant", "en", "unknown"),
        ("hey how are you", "en", "greeting"),
        ("buenas tardes", "es", "greeting"),
        # "ill" typed for "I'll" is not illness.
        ("ill try tomorrow", "en", "unknown"),
    ],
)
def test_understands(understander: Understander, text: str, language: str, intent: str) -> None:
    found = understander.understand(text, language)
    assert found.intent == intent, found


def test_the_decision_names_its_pattern_and_what_it_matched(understander: Understander) -> None:
    found = understander.understand("Im sooo TIRED today", "en")
    assert found.why == "low_energy:tired"
    assert found.matched == "tired"
    assert found.language == "en"
    assert 0 < found.coverage < 1


def test_nothing_understood_is_unknown_with_a_reason(understander: Understander) -> None:
    assert understander.understand("", "en").why == "unknown:empty"
    assert understander.understand("🎉🎉", "en").why == "unknown:empty"
    found = understander.understand("the bus was late", "en")
    assert (found.intent, found.why, found.slots) == ("unknown", "unknown:no_pattern", {})


def test_other_languages_are_tried_when_the_patients_own_finds_nothing(
    understander: Understander,
) -> None:
    found = understander.understand("gracias", "en")
    assert (found.intent, found.language) == ("thanks", "es")
    assert understander.understand("thanks", "es").intent == "thanks"


@pytest.mark.parametrize(
    ("text", "language", "slots"),
    [
        (
            "walked 20 min",
            "en",
            {"minutes": 20, "activity": "brisk_walking", "modality": "aerobic"},
        ),
        (
            "did yoga for half an hour",
            "en",
            {"minutes": 30, "activity": "yoga", "modality": "mind_body"},
        ),
        ("1h bike", "en", {"minutes": 60, "activity": "cycling", "modality": "aerobic"}),
        ("20 min stretching", "en", {"minutes": 20, "modality": "mind_body"}),
        ("worked out for an hour", "en", {"minutes": 60}),
        ("went for a run", "en", {"activity": "running", "modality": "aerobic"}),
        (
            "fui a correr 30 minutos",
            "es",
            {"minutes": 30, "activity": "running", "modality": "aerobic"},
        ),
        (
            "una hora de caminata",
            "es",
            {"minutes": 60, "activity": "brisk_walking", "modality": "aerobic"},
        ),
        (
            "hice pesas 25 min",
            "es",
            {"minutes": 25, "activity": "dumbbells", "modality": "resistance"},
        ),
    ],
)
def test_activity_reports_carry_minutes_and_kind(
    understander: Understander, text: str, language: str, slots: dict[str, object]
) -> None:
    found = understander.understand(text, language)
    assert found.intent == "activity_report"
    assert dict(found.slots) == slots


def test_implausible_minutes_are_left_for_the_log_flow_to_ask(understander: Understander) -> None:
    found = understander.understand("walked 900 min", "en")
    assert found.intent == "activity_report"
    assert "minutes" not in found.slots


def test_only_reports_and_session_answers_carry_slots(understander: Understander) -> None:
    assert understander.understand("no time, only 10 min", "en").slots == {}


def test_the_shipped_helper_matches_the_understander(understander: Understander) -> None:
    assert understand("walked 20 min", "en") == understander.understand("walked 20 min", "en")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["en", "es", None, "xx"]))
def test_any_text_gets_a_known_intent_and_never_raises(text: str, language: str | None) -> None:
    found = understand(text, language)
    assert found.intent in INTENTS
    assert found.why.startswith(f"{found.intent}:")


def test_a_long_message_of_fillers_is_quick(understander: Understander) -> None:
    # A `whole` check over many ambiguous words must not backtrack exponentially.
    found = understander.understand("ok " * 2000 + "xyz", "en")
    assert found.intent == "unknown"
