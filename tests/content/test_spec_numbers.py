"""The numbers CLINICAL_SPEC.md requires are in the shipped data, exactly.

Each expected value here is copied from the spec, not from the data, so a drift in either
place fails loudly.
"""

from __future__ import annotations

import pytest

from content.loader import Content, load_content


def test_shipped_content_loads() -> None:
    content = load_content()
    assert content.phq9.id == "phq9"
    assert content.risk, "at least one risk lexicon"


# --- PHQ-9 (CLINICAL_SPEC.md section 1) ----------------------------------------------------


def test_phq9_bands(content: Content) -> None:
    bands = [(b.id, b.range.low, b.range.high) for b in content.phq9.bands]
    assert bands == [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately_severe", 15, 19),
        ("severe", 20, 27),
    ]
    assert content.phq9.max_total == 27


def test_phq9_item9_safety_threshold(content: Content) -> None:
    assert content.phq9.safety is not None
    assert content.phq9.safety.item == "phq9_9"
    assert content.phq9.safety.threshold == 1


def test_phq9_change_thresholds(content: Content) -> None:
    change = content.phq9.change
    assert change.meaningful_change == 5  # drop of >= 5 points
    assert change.response_fraction == pytest.approx(0.5)  # drop of >= 50 %
    assert change.remission_below == 5  # total < 5
    assert change.deterioration_rise == 5  # rise of >= 5 points


def test_phq9_readministration_and_phq2(content: Content) -> None:
    assert content.phq9.readminister_days == 14
    (phq2,) = [form for form in content.phq9.short_forms if form.id == "phq2"]
    assert phq2.items == ["phq9_1", "phq9_2"]
    assert phq2.cutoff == 3


# --- Protocol (CLINICAL_SPEC.md section 3) -------------------------------------------------

# weeks, minutes/session, % HRR, sessions/week, exactly as the spec table.
PROTOCOL_TABLE = [
    ((1, 2), (20, 30), (50, 60), (3, 3)),
    ((3, 4), (30, 40), (60, 65), (3, 4)),
    ((5, 8), (40, 50), (65, 70), (4, 5)),
    ((9, 12), (45, 60), (65, 75), (4, 5)),
]


def test_protocol_table(content: Content) -> None:
    rows = [
        (
            (p.weeks.low, p.weeks.high),
            (p.minutes.low, p.minutes.high),
            (p.hrr_percent.low, p.hrr_percent.high),
            (p.sessions_per_week.low, p.sessions_per_week.high),
        )
        for p in content.protocol.phases
    ]
    assert rows == PROTOCOL_TABLE


def test_protocol_maintenance_and_weekly_dose(content: Content) -> None:
    protocol = content.protocol
    assert protocol.maintenance.from_week == 13
    weekly = protocol.maintenance.weekly_minutes
    assert (weekly.low, weekly.high) == (150, 300)
    assert protocol.weekly_dose.minimum_minutes == 150
    optimal = protocol.weekly_dose.optimal_minutes
    assert (optimal.low, optimal.high) == (200, 300)


def test_protocol_progression_gate(content: Content) -> None:
    progression = content.protocol.progression
    assert progression.window_days == 14  # the last two weeks
    assert progression.completion_fraction == pytest.approx(2 / 3, abs=1e-3)
    assert progression.misses_in_a_row_to_step_back == 3


def test_exactly_two_thirds_passes_the_gate(content: Content) -> None:
    fraction = content.protocol.progression.completion_fraction
    for done, prescribed in ((2, 3), (4, 6), (6, 9), (8, 12)):
        assert done / prescribed >= fraction, f"{done} of {prescribed} sessions"


def test_protocol_expectations_and_formulas(content: Content) -> None:
    protocol = content.protocol
    first = protocol.expectations.first_benefit_weeks
    full = protocol.expectations.full_effect_weeks
    assert (first.low, first.high, full.low, full.high) == (2, 4, 8, 12)
    assert protocol.default_hrmax_formula == "tanaka"
    tanaka, classic = protocol.hrmax_formulas["tanaka"], protocol.hrmax_formulas["classic"]
    assert (tanaka.intercept, tanaka.slope) == (208, 0.7)
    assert (classic.intercept, classic.slope) == (220, 1.0)


def test_expectations_message_states_the_weeks_in_every_language(content: Content) -> None:
    key = content.protocol.expectations.message_key
    for language in content.texts.languages:
        text = content.texts.get(language, key)
        for number in ("2", "4", "8", "12"):
            assert number in text, f"{language} {key}: {number} weeks missing from {text!r}"


# --- Crisis resources (CLINICAL_SPEC.md section 7) -----------------------------------------

SPEC_SOURCE = "CLINICAL_SPEC.md section 7, confirmed from public sources"

# country: (emergency, [(call, text), ...]) exactly as the spec table.
SPEC_CRISIS = {
    "US": ("911", [("988", "988")]),
    "CA": ("911", [("9-8-8", "9-8-8")]),
    "GB": ("999", [("116 123", None), ("111", None)]),
    "IE": ("112 / 999", [("116 123", None)]),
    "AU": ("000", [("13 11 14", "0477 13 11 14")]),
}


@pytest.mark.parametrize("country", sorted(SPEC_CRISIS))
def test_crisis_numbers_of_spec_countries(content: Content, country: str) -> None:
    resources = content.crisis.for_country(country)
    assert resources is not None, f"{country} is missing from crisis.yaml"
    emergency, lines = SPEC_CRISIS[country]
    assert resources.emergency == emergency
    assert [(line.call, line.text) for line in resources.lines] == lines
    assert resources.source == SPEC_SOURCE
    assert resources.verified.isoformat() == "2026-11-01"


def test_crisis_line_names_of_spec_countries(content: Content) -> None:
    names = {
        code: [line.name for line in content.crisis.countries[code].lines] for code in SPEC_CRISIS
    }
    assert "988" in names["US"][0] and "Lifeline" in names["US"][0]
    assert "9-8-8" in names["CA"][0]
    assert names["GB"][0] == names["IE"][0] == "Samaritans"
    assert "NHS 111" in names["GB"][1]
    assert names["AU"][0] == "Lifeline"


def test_other_countries_carry_their_emergency_number(content: Content) -> None:
    expected = {"NZ": "111", "DE": "112", "ES": "112", "FR": "112", "IN": "112"}
    for country, emergency in expected.items():
        resources = content.crisis.for_country(country)
        assert resources is not None, country
        assert resources.emergency == emergency
        assert resources.source.strip(), f"{country} needs a source"


def test_unknown_country_gets_the_fallback(content: Content) -> None:
    assert content.crisis.for_country("ZZ") is None
    assert content.crisis.for_country(None) is None
    for language in content.texts.languages:
        assert content.texts.has(content.crisis.fallback_key, language)
