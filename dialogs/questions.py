"""Profile questions as data plus one small engine; onboarding and /settings share them.

A question declares its prompt, its kind (number, choice, multi-choice, text, time,
timezone), its choices and where the answer is stored. `as_question` turns it into the
declared `Question` of a flow state (buttons, typed-answer parser, what each answer stores);
the shared press path validates and re-asks kindly, and nothing is stored until an answer
is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from babel.dates import get_day_names

from content.loader import Content
from content.schemas.modalities import ProfileCondition
from dialogs.base import Check, Effect, Option, Question
from dialogs.context import DialogContext
from dialogs.screens import Line, say
from dialogs.state import PatientState
from dialogs.timezones import country_of, parse_timezone

MAX_FREE_TEXT = 300
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class Kind(StrEnum):
    NUMBER = "number"
    CHOICE = "choice"
    MULTI = "multi"
    TEXT = "text"
    TIME = "time"
    TIMEZONE = "timezone"


@dataclass(frozen=True)
class Choice:
    """One of a profile question's choices (its value and label)."""

    value: str
    key: str | None = None
    literal: str | None = None


OptionSource = Callable[[Content, str], Sequence[Choice]]
Store = Callable[[PatientState, object], None]


@dataclass(frozen=True)
class ProfileQuestion:
    id: str
    prompt_key: str
    kind: Kind
    store: Store
    options: OptionSource = lambda content, language: ()
    bounds: Callable[[Content], tuple[int, int]] | None = None
    skip_key: str | None = None
    columns: int = 1
    current: Callable[[PatientState, Content], list[str]] | None = None
    required: bool = True
    # A single answer that is well-formed but not acceptable here: the text key saying why.
    refuse: Callable[[PatientState, str], str | None] | None = None


def _set_profile(attribute: str) -> Store:
    def store(state: PatientState, value: object) -> None:
        setattr(state.profile, attribute, value)

    return store


def _fixed(*pairs: tuple[str, str]) -> OptionSource:
    return lambda content, language: [Choice(value, key) for value, key in pairs]


def _store_resting_hr(state: PatientState, value: object) -> None:
    state.profile.resting_hr = value if isinstance(value, int) else None
    state.profile.resting_hr_unknown = value is None


def _store_beta(state: PatientState, value: object) -> None:
    # "Not sure" is stored as None and read as yes: RPE targets are the safer default.
    state.profile.beta_blockers = {"yes": True, "no": False}.get(str(value))


def _store_days(state: PatientState, value: object) -> None:
    assert isinstance(value, list)
    state.profile.training_days = sorted(int(v) for v in value)


def _store_timezone(state: PatientState, value: object) -> None:
    zone = str(value)
    state.patient.timezone = zone
    country = country_of(zone)
    if country:
        state.patient.country = country


def _current_days(state: PatientState, content: Content) -> list[str]:
    """The patient's days, or the protocol's default days as a starting suggestion."""
    days = state.profile.training_days or content.protocol.default_training_days
    return [str(day) for day in days]


def _modalities(content: Content, language: str) -> list[Choice]:
    return [Choice(m.id, m.name_key) for m in content.modalities.modalities]


def _barriers(content: Content, language: str) -> list[Choice]:
    return [Choice(b.id, b.label_key) for b in content.barriers.barriers]


# Age decides older adult and minor; a supervisor sets treatment resistance (a clinical
# judgement the patient is not asked to make).
NOT_ASKED = (
    ProfileCondition.OLDER_ADULT,
    ProfileCondition.MINOR,
    ProfileCondition.TREATMENT_RESISTANT,
)
ASKED_CONDITIONS = [c for c in ProfileCondition if c not in NOT_ASKED]


def _conditions(content: Content, language: str) -> list[Choice]:
    return [Choice(c.value, f"onboarding.condition.{c.value}") for c in ASKED_CONDITIONS]


def _days(content: Content, language: str) -> list[Choice]:
    names = get_day_names("abbreviated", locale=language)
    return [Choice(str(day), literal=str(names[day])) for day in range(7)]


COMMON_TIMES = ("07:00", "08:00", "12:30", "18:00", "20:00")
COMMON_ZONES = (
    ("America/New_York", "New York"),
    ("America/Chicago", "Chicago"),
    ("America/Los_Angeles", "Los Angeles"),
    ("America/Mexico_City", "Ciudad de México"),
    ("Europe/London", "London"),
    ("Europe/Madrid", "Madrid"),
    ("Europe/Berlin", "Berlin"),
    ("Australia/Sydney", "Sydney"),
)

QUESTIONS: dict[str, ProfileQuestion] = {
    q.id: q
    for q in (
        ProfileQuestion(
            "age",
            "onboarding.ask.age",
            Kind.NUMBER,
            _set_profile("age"),
            bounds=lambda c: (c.protocol.age_range.low, c.protocol.age_range.high),
        ),
        ProfileQuestion(
            "resting_hr",
            "onboarding.ask.resting_hr",
            Kind.NUMBER,
            _store_resting_hr,
            bounds=lambda c: (c.protocol.resting_hr_range.low, c.protocol.resting_hr_range.high),
            skip_key="onboarding.button.dont_know",
        ),
        ProfileQuestion(
            "beta_blockers",
            "onboarding.ask.beta_blockers",
            Kind.CHOICE,
            _store_beta,
            options=_fixed(
                ("yes", "common.yes"), ("no", "common.no"), ("not_sure", "common.not_sure")
            ),
            columns=3,
        ),
        ProfileQuestion(
            "activity",
            "onboarding.ask.activity",
            Kind.CHOICE,
            _set_profile("activity_level"),
            options=_fixed(
                ("none", "onboarding.activity.none"),
                ("some", "onboarding.activity.some"),
                ("regular", "onboarding.activity.regular"),
            ),
        ),
        ProfileQuestion(
            "modalities",
            "onboarding.ask.modalities",
            Kind.MULTI,
            _set_profile("preferred_modalities"),
            options=_modalities,
            current=lambda s, c: list(s.profile.preferred_modalities),
            required=False,
        ),
        ProfileQuestion(
            "conditions",
            "onboarding.ask.conditions",
            Kind.MULTI,
            _set_profile("conditions"),
            options=_conditions,
            current=lambda s, c: list(s.profile.conditions),
            required=False,
        ),
        ProfileQuestion(
            "values",
            "onboarding.ask.values",
            Kind.TEXT,
            _set_profile("values_text"),
            skip_key="onboarding.button.skip",
        ),
        ProfileQuestion(
            "barriers",
            "onboarding.ask.barriers",
            Kind.MULTI,
            _set_profile("barriers"),
            options=_barriers,
            current=lambda s, c: list(s.profile.barriers),
            required=False,
        ),
        ProfileQuestion(
            "days",
            "onboarding.ask.days",
            Kind.MULTI,
            _store_days,
            options=_days,
            columns=4,
            current=_current_days,
        ),
        ProfileQuestion(
            "time",
            "onboarding.ask.time",
            Kind.TIME,
            _set_profile("preferred_time"),
            options=lambda c, lang: [Choice(t, literal=t) for t in COMMON_TIMES],
            columns=3,
        ),
        ProfileQuestion(
            "timezone",
            "onboarding.ask.timezone",
            Kind.TIMEZONE,
            _store_timezone,
            options=lambda c, lang: [Choice(z, literal=label) for z, label in COMMON_ZONES],
            columns=2,
        ),
    )
}


def as_question(
    ctx: DialogContext, spec: ProfileQuestion, selected: Sequence[str], trigger: str
) -> Question:
    """The profile question `spec` as a declared question: each answer fires `trigger` and
    stores itself; ticking a multi-choice box only redraws the message."""
    options = spec.options(ctx.content, ctx.language)
    declared: list[Option] = []
    ticked = set(selected)
    for option in options:
        if spec.kind is Kind.MULTI:
            mark = "✓ " if option.value in ticked else ""
            label = option.literal or ctx.texts.get(ctx.language, option.key or option.value)
            declared.append(
                Option(
                    f"t:{option.value}",
                    None,
                    literal=f"{mark}{label}",
                    effect=_toggle(option.value),
                    edit=True,
                )
            )
        else:
            declared.append(
                Option(
                    f"o:{option.value}",
                    trigger,
                    key=option.key,
                    literal=option.literal,
                    check=_refused(spec, option.value),
                    effect=_store(spec, option.value),
                )
            )
    if spec.kind is Kind.MULTI:
        declared.append(
            Option(
                "done",
                trigger,
                key="common.done",
                own_row=True,
                check=_required(spec),
                effect=_store_selected(spec),
            )
        )
    if spec.skip_key:
        declared.append(
            Option("skip", trigger, key=spec.skip_key, own_row=True, effect=_store(spec, None))
        )
    text = _parser(ctx, spec, trigger)
    return Question([say(spec.prompt_key)], declared, columns=spec.columns, text=text)


def initial_selection(ctx: DialogContext, spec: ProfileQuestion) -> list[str]:
    """What a multi-choice question starts with ticked (the patient's current choices)."""
    if spec.kind is not Kind.MULTI or spec.current is None:
        return []
    return spec.current(ctx.state, ctx.content)


def _toggle(choice: str) -> Effect:
    def toggle(ctx: DialogContext, model: Any) -> None:
        selected: list[str] = list(model.selected)
        model.selected = (
            [s for s in selected if s != choice] if choice in selected else [*selected, choice]
        )

    return toggle


def _store(spec: ProfileQuestion, value: object) -> Effect:
    def store(ctx: DialogContext, model: Any) -> None:
        spec.store(ctx.state, value)

    return store


def _refused(spec: ProfileQuestion, value: str) -> Check | None:
    def check(ctx: DialogContext, model: Any) -> Line | None:
        key = spec.refuse(ctx.state, value) if spec.refuse else None
        return None if key is None else say(key)

    return check if spec.refuse else None


def _store_selected(spec: ProfileQuestion) -> Effect:
    def store(ctx: DialogContext, model: Any) -> None:
        spec.store(ctx.state, list(model.selected))

    return store


def _required(spec: ProfileQuestion) -> Check:
    def check(ctx: DialogContext, model: Any) -> Line | None:
        if spec.required and not model.selected:
            return say("onboarding.pick_one")
        return None

    return check


def _parser(
    ctx: DialogContext, spec: ProfileQuestion, trigger: str
) -> Callable[[str], Option | Line] | None:
    """How typed text answers `spec`, or None when only its buttons do."""

    def typed(value: object) -> Option:
        check = _refused(spec, str(value))
        return Option("typed", trigger, check=check, effect=_store(spec, value))

    if spec.kind is Kind.NUMBER and spec.bounds:
        low, high = spec.bounds(ctx.content)

        def number(text: str) -> Option | Line:
            value = _whole_number(text)
            if value is None or not low <= value <= high:
                return say("common.number_range", low=low, high=high)
            return typed(value)

        return number
    if spec.kind is Kind.TEXT:

        def free(text: str) -> Option | Line:
            if len(text) > MAX_FREE_TEXT:
                return say("common.too_long", limit=MAX_FREE_TEXT)
            return typed(text)

        return free
    if spec.kind is Kind.TIME:

        def time(text: str) -> Option | Line:
            match = _TIME.match(text.strip())
            if not match:
                return say("onboarding.time_format")
            return typed(f"{int(match.group(1)):02d}:{match.group(2)}")

        return time
    if spec.kind is Kind.TIMEZONE:

        def zone(text: str) -> Option | Line:
            found = parse_timezone(text)
            return say("onboarding.timezone_unknown") if found is None else typed(found)

        return zone
    return None


def _whole_number(text: str) -> int | None:
    cleaned = text.strip().removesuffix("bpm").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 4 else None
