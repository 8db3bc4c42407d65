"""Controls from the hazard log that are properties of the shipped words, not of one flow:
no text tells a patient to stop treatment or gives them a diagnosis, and every crisis text
says a person was told and that Stride is not an emergency service, in every language."""

from __future__ import annotations

import re

import pytest

from content.loader import shipped_content

TEXTS = shipped_content().texts
LANGUAGES = TEXTS.languages

# Advice to stop or replace treatment, and a diagnosis addressed to the patient.
FORBIDDEN = {
    "en": [
        r"\bstop (taking )?(your )?(medic\w*|meds|pills|therapy|treatment|antidepressant\w*)",
        r"\b(instead of|replace|replaces) (your )?(medic\w*|meds|therapy|treatment)",
        r"\byou (have|suffer from) (major )?(depression|a depressive|bipolar|a disorder)",
        r"\byou are (clinically )?depressed\b",
        r"\bdiagnos(is|ed) (of|with) ",
    ],
    "es": [
        r"\bdej(a|e|ar) de tomar\b",
        r"\b(deje|suspenda|abandone) (su |el |la )?(medica\w*|terapia|tratamiento)",
        r"\ben (lugar|vez) de (su |la |el )?(medica\w*|terapia|tratamiento)",
        r"\busted (tiene|padece) (una )?(depresi[oó]n|trastorno)",
        r"\best[aá] (usted )?deprimid[oa]\b",
    ],
}


def every_text(language: str) -> list[tuple[str, str]]:
    keys = sorted(TEXTS.by_language[language])
    return [(key, text) for key in keys for text in TEXTS.variants(language, key)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_tells_a_patient_to_stop_treatment_or_diagnoses_them(language: str) -> None:
    patterns = [re.compile(p, re.IGNORECASE) for p in FORBIDDEN[language]]
    found = [
        f"{key}: {text[:80]!r}"
        for key, text in every_text(language)
        for pattern in patterns
        if pattern.search(text)
    ]
    assert found == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_safety_words_exist_in_every_language(language: str) -> None:
    for key in (
        "safety.team_told",
        "safety.not_emergency",
        "consent.not_emergency",
        "consent.complements_treatment",
        "checkin.not_diagnosis",
        "crisis.fallback",
        "safety.button.safe",
        "safety.button.help",
        "safety.button.plan",
    ):
        assert TEXTS.has(key, language), key


def test_the_patterns_would_catch_what_they_are_for() -> None:
    samples = {
        "en": "You can stop taking your medication now. You have depression.",
        "es": "Puede dejar de tomar la medicación. Usted tiene depresión.",
    }
    for language, sample in samples.items():
        hits = [p for p in FORBIDDEN[language] if re.search(p, sample, re.IGNORECASE)]
        assert len(hits) >= 2, language
