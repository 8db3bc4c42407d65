"""(3) Messages that must and must not flag, (4) exceptions never hide risk, and the engine."""

from __future__ import annotations

import re
import statistics
import time

import pytest

from content.clinical.risk import (
    NO_RISK,
    RiskFinding,
    RiskScreen,
    normalise,
    normalised_variants,
    screen_lines,
    shipped_risk_screen,
)
from content.clinical.risk.evaluation import LabelledSet

MUST_FLAG = [
    # explicit
    ("i want to die", "en"),
    ("I WANT TO KILL MYSELF", "en"),
    ("i wanna dieeeee", "en"),
    ("ive been thinking about suicide", "en"),
    ("me quiero morir", "es"),
    ("quiero quitarme la vida", "es"),
    ("no quiero vivir", "es"),
    # indirect
    ("everyone would be better off without me", "en"),
    ("I want to go to sleep and never wake up", "en"),
    ("what's the point of going on", "en"),
    ("whats the point of going on", "en"),
    ("I can’t do this anymore", "en"),
    ("i cant do this anymore", "en"),
    ("todos estarían mejor sin mí", "es"),
    ("ya no puedo más", "es"),
    # plans and means
    ("I've been saving my pills", "en"),
    ("i bought a rope", "en"),
    ("thinking about the bridge, which bridge i'd use", "en"),
    ("my dad has a gun and i keep thinking about it", "en"),
    ("he estado guardando mis pastillas", "es"),
    # self-harm
    ("i cut myself last night", "en"),
    ("i want to hurt myself", "en"),
    ("me he cortado otra vez", "es"),
    # goodbyes
    ("this is my last message", "en"),
    ("goodbye everyone", "en"),
    ("take care of my dog for me", "en"),
    ("adiós a todos", "es"),
    # hopelessness with finality
    ("nothing is ever going to get better", "en"),
    ("no hay salida", "es"),
    # abbreviations and internet forms
    ("kms", "en"),
    ("kys", "en"),
    ("gonna unalive myself", "en"),
    ("sewerslide", "en"),
    ("ready to ctb", "en"),
    ("i wanna die", "en"),
    ("me qiero morir", "es"),
    # doubt-flags policy: negations and other people flag on purpose
    ("I'm not suicidal", "en"),
    ("I would never kill myself", "en"),
    ("my friend said she wants to die", "en"),
    ("mi amiga dice que se quiere morir", "es"),
    # unexplained death words (catch-all)
    ("i feel dead inside", "en"),
    ("estoy muerta por dentro", "es"),
]

MUST_NOT_FLAG = [
    ("this workout is killing me", "en"),
    ("dead tired", "en"),
    ("I'd die for a coffee", "en"),
    ("my legs are dead", "en"),
    ("I nearly died on that hill", "en"),
    ("the last set killed me", "en"),
    ("me muero de cansancio", "es"),
    ("estoy muerto después de correr", "es"),
    ("estoy muerta jajaja", "es"),
    ("me mata este ejercicio", "es"),
    ("I feel sad today", "en"),
    ("so tired of this rain", "en"),
    ("ran 10 kms today", "en"),
    ("took my pills and went for a walk", "en"),
    ("my phone died", "en"),
    ("killing time before the gym", "en"),
    ("me corté el pelo", "es"),
    ("", "en"),
    ("👍", "en"),
]


@pytest.mark.parametrize(("text", "language"), MUST_FLAG)
def test_must_flag(screen: RiskScreen, text: str, language: str) -> None:
    finding = screen.screen(text, language)
    assert finding.flagged, f"{text!r} was not flagged"
    assert finding.category and finding.pattern_id and finding.matched


@pytest.mark.parametrize(("text", "language"), MUST_NOT_FLAG)
def test_must_not_flag(screen: RiskScreen, text: str, language: str) -> None:
    finding = screen.screen(text, language)
    assert not finding.flagged, f"{text!r} was flagged as {finding.reason} ({finding.matched!r})"


@pytest.mark.parametrize(
    "text",
    [
        "this workout is killing me and honestly I want to die",
        "I want to die. this workout is killing me",
        "dead tired and tired of living",
        "dead tired of living",
        "my legs are dead and i want to be dead too",
        "I'd die for a coffee, actually i'd like to die",
        "I nearly died on that hill, wish i had",
        "I nearly died on that hill, I wish I had died",
        "the last set killed me lol. i'm going to kill myself tonight",
        "me muero de cansancio y me quiero morir",
        "estoy muerta y ya no quiero vivir",
        "me mata este ejercicio, quiero matarme",
    ],
)
def test_an_exception_never_hides_risk_elsewhere(screen: RiskScreen, text: str) -> None:
    assert screen.screen(text).flagged, text


def test_an_exception_only_hides_what_lies_wholly_inside_it(screen: RiskScreen) -> None:
    # "dead tired" is an exception, "tired of living" is risk: they share a word.
    finding = screen.screen("dead tired of living")
    assert finding.reason == "wish_to_die:tired_of_living"
    text = normalise("this workout is killing me")
    assert screen.exception_spans(text) == ((0, len(text)),)
    assert screen.exception_spans(normalise("my legs are dead")) == ((3, 16),)


def test_finding_reason_names_category_and_pattern(screen: RiskScreen) -> None:
    text = "I want to go to sleep and never wake up"
    finding = screen.screen(text, "en")
    assert (finding.level, finding.category, finding.pattern_id, finding.matched) == (
        "risk",
        "wish_to_die",
        "never_wake_up",
        "want to go to slep and never wake up",
    )
    assert finding.reason == "wish_to_die:never_wake_up"
    first = finding.matches[0]
    assert text[first.start : first.end] == "want to go to sleep and never wake up"
    assert isinstance(finding, RiskFinding) and finding.urgent
    assert NO_RISK.reason == "none"
    assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+", screen.screen("kms").reason)


def test_the_patient_language_is_tried_first(screen: RiskScreen) -> None:
    text = "me quiero morir, i want to die"
    assert screen.screen(text, "es").reason == "wish_to_die:quiero_morir"
    assert screen.screen(text, "en").reason == "wish_to_die:want_to_die"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I CAN’T do this ANYMORE!!!", "i cant do this anymore"),
        ("Ｉ ｗａｎｔ ｔｏ ｄｉｅ", "i want to die"),  # full-width forms
        ("i want to d\u200bie", "i want to die"),  # zero-width space
        ("dieeeee   sooooo", "die so"),
        ("quitarme la vída", "quitarme la vida"),
        ("¿Para qué seguir?", "para que seguir"),
        ("self-harm_again", "self harm again"),
        ("🔫 to my head", "gun to my head"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_leetspeak_is_read_as_letters(screen: RiskScreen) -> None:
    assert normalised_variants("i want to k1ll mys3lf") == (
        "i want to k1l mys3lf",
        "i want to kil myself",
    )
    assert screen.screen("$uicide").flagged
    assert normalised_variants("ran 5 km") == ("ran 5 km",)


def test_screen_lines_reports_one_line_per_message(screen: RiskScreen) -> None:
    lines = ["i feel ok today\n", "everyone would be better off without me\n", "kms\r\n"]
    assert list(screen_lines(screen, lines)) == [
        "none",
        "risk\tburden:better_off_without_me",
        "risk\twish_to_die:kms",
    ]
    assert list(screen_lines(screen, lines, show_level=True, show_categories=True)) == [
        "none",
        "concern\tburden:better_off_without_me\tburden",
        "risk\twish_to_die:kms\twish_to_die",
    ]


def test_shipped_screen_is_built_once() -> None:
    assert shipped_risk_screen() is shipped_risk_screen()


def test_screening_is_fast(screen: RiskScreen, labelled: LabelledSet) -> None:
    """Typical messages take well under a millisecond (CPU time, so a busy machine is fair)."""
    timings = []
    for message in labelled.messages:
        start = time.process_time()
        for _ in range(5):
            screen.screen(message.text, message.language)
        timings.append((time.process_time() - start) / 5)
    assert statistics.median(timings) < 0.001


@pytest.mark.parametrize(
    "text",
    [
        "a" * 10_000,
        "i " * 5_000,
        "kill " * 2_000,
        "want to " * 1_250,
        "my legs are dead " * 588,
        "🙂" * 10_000,
        "\u0301" * 10_000,
        "me muero de " * 900,
    ],
)
def test_long_adversarial_messages_stay_fast(screen: RiskScreen, text: str) -> None:
    start = time.process_time()
    screen.screen(text)
    assert time.process_time() - start < 1.0
