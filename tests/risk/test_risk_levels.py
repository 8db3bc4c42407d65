"""Levels, warning-sign categories, offsets, scoped exceptions and obfuscation (issue 13)."""

from __future__ import annotations

import pytest

from content.clinical.risk import RiskScreen
from content.clinical.risk.evaluation import OBFUSCATIONS

LEVELS = [
    # risk: wanting to die, means, self-harm
    ("i hope i dont wake up tomorrow", "en", "risk", "wish_to_die"),
    ("just pretend I'm dead", "en", "risk", "wish_to_die"),
    ("how many would it take", "en", "risk", "means"),
    ("I have enough pills now", "en", "risk", "means"),
    ("cut again last night", "en", "risk", "self_harm"),
    ("cuantas pastillas se necesitan para no despertar", "es", "risk", "means"),
    ("ojalá me muriera dormida", "es", "risk", "wish_to_die"),
    # concern: the weaker signs
    ("logging off for good", "en", "concern", "goodbye"),
    ("my sister can have my car, i wont need it", "en", "concern", "giving_away"),
    ("tying up loose ends", "en", "concern", "affairs_in_order"),
    ("everyone would be better off without me", "en", "concern", "burden"),
    ("I can't take this anymore", "en", "concern", "trapped_pain"),
    ("no point going on", "en", "concern", "hopelessness"),
    ("I feel calm now that I've made up my mind", "en", "concern", "sudden_calm"),
    ("I feel dead inside", "en", "concern", "death_reference"),
    ("whats the point of living", "en", "concern", "hopelessness"),
    ("why bother with anything", "en", "concern", "hopelessness"),
    ("i cant keep doing this", "en", "concern", "trapped_pain"),
    ("nadie me extrañaría", "es", "concern", "burden"),
    ("no aguanto más", "es", "concern", "trapped_pain"),
    ("adiós a todos", "es", "concern", "goodbye"),
]


@pytest.mark.parametrize(("text", "language", "level", "category"), LEVELS)
def test_level_and_category(
    screen: RiskScreen, text: str, language: str, level: str, category: str
) -> None:
    finding = screen.screen(text, language)
    assert (finding.level, finding.category) == (level, category), finding.reason
    assert finding.flagged
    assert finding.urgent == (level == "risk")


def test_the_highest_level_wins_and_every_sign_is_listed(screen: RiskScreen) -> None:
    text = "goodbye everyone, I've saved up enough pills"
    finding = screen.screen(text, "en")
    assert finding.level == "risk"
    assert finding.category == "means"  # risk matches come first
    assert {"means", "goodbye"} <= set(finding.categories)
    assert "goodbye:" in finding.describe(text) and "means:" in finding.describe(text)


def test_matches_carry_offsets_into_the_original_text(screen: RiskScreen) -> None:
    text = "Honestly…   I w.a.n.t   to  DIIIIE 😔"
    finding = screen.screen(text, "en")
    match = finding.matches[0]
    assert text[match.start : match.end] == "w.a.n.t   to  DIIIIE"
    assert match.quote(text, 3) == "… I «w.a.n.t   to  DIIIIE» 😔"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my boss is gonna kill me if im late again", "en"),
        ("mom will kill me if i dont call her", "en"),
        ("the suspense is killing me", "en"),
        ("I'm dying to see that film", "en"),
        ("i'm dead 💀 that meme", "en"),
        ("i'm dead lol what a workout", "en"),
        ("my grandma died last year", "en"),
        ("mi jefe me va a matar si llego tarde", "es"),
        ("me muero de risa", "es"),
        ("se me murió el celular", "es"),
        ("estoy muerta jajaja qué rutina", "es"),
        # everyday words that sound like the concern signs
        ("i cant do this plank", "en"),
        ("bye everyone see you tomorrow", "en"),
        ("thanks so much, bye!", "en"),
        ("whats the point of stretching", "en"),
        ("nothing matters more than family", "en"),
        ("my sister can have my bike while im away", "en"),
        ("i finally feel at peace with my decision to quit my job", "en"),
        ("me duelen hasta las pestañas, estoy muerto", "es"),
        ("i want to disappear under a blanket all weekend", "en"),
        ("i could sleep forever", "en"),
        ("im going to do it tomorrow at the gym", "en"),
        ("i bought a rope for climbing", "en"),
        ("i have enough pills for the trip", "en"),
        ("my gun club meets on friday", "en"),
        ("standing on the edge of the pool", "en"),
        ("we looked down from the top of the tower, amazing view", "en"),
        ("im giving away free tickets", "en"),
        ("i just want it to stop raining", "en"),
        ("this is the end of my streak", "en"),
        ("ya no puedo más con esta rutina jaja", "es"),
        ("no aguanto más el calor", "es"),
        ("adiós a todos, nos vemos mañana", "es"),
        ("gracias, perdón por la tardanza, adiós", "es"),
        ("ya tomé la decisión de cambiar de trabajo", "es"),
        ("no se preocupen, ya llegué", "es"),
        ("me siento atrapada en el tráfico", "es"),
        ("quiero desaparecer de la fiesta", "es"),
    ],
)
def test_idioms_are_not_ideation(screen: RiskScreen, text: str, language: str) -> None:
    finding = screen.screen(text, language)
    assert not finding.flagged, f"{text!r}: {finding.reason}"


def test_an_exercise_exception_needs_exercise_in_the_same_message(screen: RiskScreen) -> None:
    assert not screen.screen("im dead after that run").flagged
    assert screen.screen("im dead").flagged  # no exercise, fatigue or laughter: a concern
    assert screen.screen("estoy muerta").flagged
    assert not screen.screen("estoy muerta después del spinning").flagged


def test_an_idiom_never_hides_a_real_wish(screen: RiskScreen) -> None:
    finding = screen.screen("my boss is going to kill me, honestly i want to die", "en")
    assert finding.level == "risk" and finding.category == "wish_to_die"
    assert screen.screen("esta depresión me está matando", "es").flagged


@pytest.mark.parametrize(
    "text",
    [
        "і wаnt tо dіе",  # Cyrillic look-alikes
        "i w a n t t o d i e",  # spaced out
        "i want to d.i.e",  # dotted
        "i\u200bwant\u200bto\u200bdie",  # zero-width spaces as separators
        "i want to d\u200bie",  # zero-width space inside a word
        "iiii waaaant to dieeeee",  # repeated letters
        "Ｉ ｗａｎｔ ｔｏ ｄｉｅ",  # full-width
        "𝐢 𝐰𝐚𝐧𝐭 𝐭𝐨 𝐝𝐢𝐞",  # mathematical bold
        "i want to k1ll mys3lf",  # digits for letters
        "the 💊 are ready",  # emoji for words
        "s u i c i d e",
    ],
)
def test_obfuscation_is_seen_through(screen: RiskScreen, text: str) -> None:
    assert screen.screen(text, "en").urgent, text


@pytest.mark.parametrize("name", sorted(OBFUSCATIONS))
def test_every_obfuscation_keeps_a_clear_message_flagged(screen: RiskScreen, name: str) -> None:
    rewritten = OBFUSCATIONS[name]("i want to kill myself")
    assert screen.screen(rewritten, "en").urgent, (name, rewritten)


def test_accents_are_folded_for_matching(screen: RiskScreen) -> None:
    assert screen.screen("QUIERO QUITARME LA VÍDA", "es").urgent
    assert (
        screen.screen("quiero quitarme la vida", "es").reason
        == screen.screen("quiero quitármela vida".replace("ármela", "arme la"), "es").reason
    )
