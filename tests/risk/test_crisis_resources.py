"""Crisis resources for Spanish-speaking countries, cities typed with or without accents, and
the Spanish crisis reply saying it is not an emergency service once (issue 13)."""

from __future__ import annotations

import pytest

from content.loader import load_content
from dialogs.timezones import country_of, parse_timezone

CONTENT = load_content()


@pytest.mark.parametrize(
    ("code", "number"),
    [("MX", "800 911 2000"), ("AR", "135"), ("CO", "192"), ("CL", "*4141"), ("PE", "113")],
)
def test_latin_american_lines_have_a_source_and_a_date(code: str, number: str) -> None:
    resources = CONTENT.crisis.for_country(code)
    assert resources is not None
    assert number in [line.call for line in resources.lines]
    assert resources.source.strip() and resources.verified.year >= 2026


@pytest.mark.parametrize(
    ("typed", "country"),
    [("Bogotá", "CO"), ("bogota", "CO"), ("BOGOTÁ", "CO"), ("Mexico City", "MX"), ("Lima", "PE")],
)
def test_a_typed_city_finds_its_country_with_or_without_accents(typed: str, country: str) -> None:
    zone = parse_timezone(typed)
    assert zone is not None and country_of(zone) == country
    assert CONTENT.crisis.for_country(country) is not None


@pytest.mark.parametrize(
    ("language", "sentence"),
    [("es", "no soy un servicio de emergencias"), ("en", "not an emergency service")],
)
def test_the_crisis_reply_says_it_is_not_an_emergency_service_once(
    language: str, sentence: str
) -> None:
    """The reply is built from these keys (dialogs/safety.crisis_reply); the fallback for an
    unknown country comes right before `safety.not_emergency`, so it must not say it too."""
    keys = ["crisis.fallback", "crisis.emergency", "safety.team_told", "safety.not_emergency"]
    said = " ".join(CONTENT.texts.get(language, key) for key in keys).casefold()
    assert said.count(sentence) == 1
