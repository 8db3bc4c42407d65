"""The routes table, resolved: what Stride does with each intent."""

from __future__ import annotations

import pytest

from content.clinical.understanding import Decision, Understander, Understanding, decide, resolve
from content.clinical.understanding.routes import SOME_ACTIVITY_KEY
from content.loader import Content
from content.schemas.understanding import INTENTS, ReplyRoute, SessionAnswerRoute


def _decide(
    content: Content,
    understander: Understander,
    text: str,
    language: str = "en",
    *,
    session_open: bool = False,
) -> Decision:
    found = understander.understand(text, language)
    return resolve(content.routes, content.barriers, found, session_open=session_open)


def test_tiredness_opens_the_energy_script(content: Content, understander: Understander) -> None:
    for session_open in (False, True):
        decision = _decide(content, understander, "im too tired", session_open=session_open)
        assert (decision.action, decision.barrier, decision.script) == (
            "barrier_script",
            "low_energy",
            "energy_paradox",
        )


@pytest.mark.parametrize(
    ("intent", "barrier"),
    [
        ("no_time", "time"),
        ("no_place_or_kit", "access"),
        ("cant_get_going", "motivation"),
        ("pain_or_health", "health_limitations"),
        ("negative_thinking", "negative_thinking"),
        ("no_one_to_go_with", "no_one_to_go_with"),
    ],
)
def test_each_barrier_intent_opens_its_barrier(
    content: Content, intent: str, barrier: str
) -> None:
    decision = resolve(content.routes, content.barriers, Understanding(intent))
    assert decision.barrier == barrier
    assert decision.script == content.barriers.barrier(barrier).script


def test_an_activity_report_is_offered_for_logging_with_its_minutes(
    content: Content, understander: Understander
) -> None:
    decision = _decide(content, understander, "walked 20 min")
    assert decision.action == "offer_log"
    assert decision.text_key == "understanding.log_offer.with_minutes"
    assert decision.params == {"minutes": 20}
    assert decision.activity_key == "activity.brisk_walking"
    assert [c.action for c in decision.choices] == ["confirm_log", "change_log", "dismiss"]
    assert content.texts.has(decision.activity_key)


def test_a_report_without_minutes_asks_for_them(
    content: Content, understander: Understander
) -> None:
    decision = _decide(content, understander, "did some stretching")
    assert decision.text_key == "understanding.log_offer.without_minutes"
    assert decision.params == {}
    assert decision.activity_key == "modality.mind_body.name"
    assert content.texts.has(decision.activity_key)
    vague = resolve(content.routes, content.barriers, Understanding("activity_report"))
    assert vague.activity_key == SOME_ACTIVITY_KEY


@pytest.mark.parametrize(
    ("text", "answer"),
    [("done", "done"), ("did half", "partial"), ("can't today", "cant"), ("skipped it", "cant")],
)
def test_session_answers_answer_an_open_session(
    content: Content, understander: Understander, text: str, answer: str
) -> None:
    decision = _decide(content, understander, text, session_open=True)
    assert (decision.action, decision.answer) == ("session_answer", answer)


def test_outside_a_session_done_offers_a_log_and_cant_asks_what_is_in_the_way(
    content: Content, understander: Understander
) -> None:
    assert _decide(content, understander, "done").action == "offer_log"
    decision = _decide(content, understander, "can't today")
    assert decision.action == "reply"
    assert "open_barriers" in [c.action for c in decision.choices]


def test_medicine_questions_get_the_complements_answer(
    content: Content, understander: Understander
) -> None:
    for text, language in (
        ("can i stop my antidepressants", "en"),
        ("puedo dejar las pastillas", "es"),
    ):
        decision = _decide(content, understander, text, language)
        assert (decision.action, decision.text_key) == ("reply", "understanding.medicine")
    english = content.texts.get("en", "understanding.medicine")
    assert "alongside your treatment" in english and "care team before changing" in english
    spanish = content.texts.get("es", "understanding.medicine")
    assert "no lo reemplaza" in spanish and "equipo de atención" in spanish


def test_stop_offers_pause_or_leave(content: Content, understander: Understander) -> None:
    decision = _decide(content, understander, "stop sending me messages")
    assert [c.action for c in decision.choices] == ["pause", "leave_programme"]


def test_unknown_gets_the_short_fallback_and_three_choices(
    content: Content, understander: Understander
) -> None:
    decision = _decide(content, understander, "my cat knocked over a plant")
    assert (decision.action, decision.text_key) == ("fallback", "understanding.fallback")
    assert [c.action for c in decision.choices] == ["show_today", "log_mood", "show_help"]
    for language in content.texts.languages:
        text = content.texts.get(language, "understanding.fallback")
        assert len(text) <= 120 and text.count("\n") <= 1
        assert "emergenc" not in text.lower() and "/" not in text


def test_help_shows_help(content: Content, understander: Understander) -> None:
    assert _decide(content, understander, "what can you do?").action == "show_help"


def test_every_intent_resolves_and_no_reply_has_more_than_three_choices(content: Content) -> None:
    for intent in INTENTS:
        for session_open in (False, True):
            decision = resolve(
                content.routes, content.barriers, Understanding(intent), session_open=session_open
            )
            assert decision.intent == intent
            assert len(decision.choices) <= 3
    for route in content.routes.routes.values():
        inner = route.outside_session if isinstance(route, SessionAnswerRoute) else route
        if isinstance(inner, ReplyRoute):
            assert content.texts.has(inner.text_key)


def test_decide_is_understand_then_resolve(content: Content, understander: Understander) -> None:
    for text in ("walked 20 min", "done", "hola", "the bus was late"):
        for session_open in (False, True):
            assert decide(content, text, "en", session_open=session_open) == _decide(
                content, understander, text, session_open=session_open
            )
