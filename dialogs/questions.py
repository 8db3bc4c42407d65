"""Profile questions as data plus one small engine; onboarding and /settings share them.

A question declares its prompt, its kind (number, choice, multi-choice, text, time,
timezone), its options and where the answer is stored. The engine asks, validates and
re-asks kindly with the valid range; nothing is stored until an answer is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from babel.dates import get_day_names

from content.loader import Content
from content.schemas.modalities import ProfileCondition
from dialogs.context import DialogContext, rows_of
from dialogs.screens import Choice, say
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
class Option:
    value: str
    key: str | None = None
    literal: str | None = None


OptionSource = Callable[[Content, str], Sequence[Option]]
Store = Callable[[PatientState, object], None]


@dataclass(frozen=True)
class Question:
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


def _set_profile(attribute: str) -> Store:
    def store(state: PatientState, value: object) -> None:
        setattr(state.profile, attribute, value)

    return store


def _fixed(*pairs: tuple[str, str]) -> OptionSource:
    return lambda content, language: [Option(value, key) for value, key in pairs]


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


def _modalities(content: Content, language: str) -> list[Option]:
    return [Option(m.id, m.name_key) for m in content.modalities.modalities]


def _barriers(content: Content, language: str) -> list[Option]:
    return [Option(b.id, b.label_key) for b in content.barriers.barriers]


# Age decides older adult and minor; a supervisor sets treatment resistance (a clinical
# judgement the patient is not asked to make).
NOT_ASKED = (
    ProfileCondition.OLDER_ADULT,
    ProfileCondition.MINOR,
    ProfileCondition.TREATMENT_RESISTANT,
)
ASKED_CONDITIONS = [c for c in ProfileCondition if c not in NOT_ASKED]


def _conditions(content: Content, language: str) -> list[Option]:
    return [Option(c.value, f"onboarding.condition.{c.value}") for c in ASKED_CONDITIONS]


def _days(content: Content, language: str) -> list[Option]:
    names = get_day_names("abbreviated", locale=language)
    return [Option(str(day), literal=str(names[day])) for day in range(7)]


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

QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question(
            "age",
            "onboarding.ask.age",
            Kind.NUMBER,
            _set_profile("age"),
            bounds=lambda c: (c.protocol.age_range.low, c.protocol.age_range.high),
        ),
        Question(
            "resting_hr",
            "onboarding.ask.resting_hr",
            Kind.NUMBER,
            _store_resting_hr,
            bounds=lambda c: (c.protocol.resting_hr_range.low, c.protocol.resting_hr_range.high),
            skip_key="onboarding.button.dont_know",
        ),
        Question(
            "beta_blockers",
            "onboarding.ask.beta_blockers",
            Kind.CHOICE,
            _store_beta,
            options=_fixed(
                ("yes", "common.yes"), ("no", "common.no"), ("not_sure", "common.not_sure")
            ),
            columns=3,
        ),
        Question(
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
        Question(
            "modalities",
            "onboarding.ask.modalities",
            Kind.MULTI,
            _set_profile("preferred_modalities"),
            options=_modalities,
            current=lambda s, c: list(s.profile.preferred_modalities),
            required=False,
        ),
        Question(
            "conditions",
            "onboarding.ask.conditions",
            Kind.MULTI,
            _set_profile("conditions"),
            options=_conditions,
            current=lambda s, c: list(s.profile.conditions),
            required=False,
        ),
        Question(
            "values",
            "onboarding.ask.values",
            Kind.TEXT,
            _set_profile("values_text"),
            skip_key="onboarding.button.skip",
        ),
        Question(
            "barriers",
            "onboarding.ask.barriers",
            Kind.MULTI,
            _set_profile("barriers"),
            options=_barriers,
            current=lambda s, c: list(s.profile.barriers),
            required=False,
        ),
        Question(
            "days",
            "onboarding.ask.days",
            Kind.MULTI,
            _store_days,
            options=_days,
            columns=4,
            current=_current_days,
        ),
        Question(
            "time",
            "onboarding.ask.time",
            Kind.TIME,
            _set_profile("preferred_time"),
            options=lambda c, lang: [Option(t, literal=t) for t in COMMON_TIMES],
            columns=3,
        ),
        Question(
            "timezone",
            "onboarding.ask.timezone",
            Kind.TIMEZONE,
            _store_timezone,
            options=lambda c, lang: [Option(z, literal=label) for z, label in COMMON_ZONES],
            columns=2,
        ),
    )
}


def ask(ctx: DialogContext, question: Question, *, fresh: bool = True, edit: bool = False) -> None:
    if fresh:
        ctx.new_question()
        if question.kind is Kind.MULTI:
            ctx.conversation_data["selected"] = (
                question.current(ctx.state, ctx.content) if question.current else []
            )
    options = question.options(ctx.content, ctx.language)
    selected = set(ctx.conversation_data.get("selected", []))
    buttons: list[Choice] = []
    for option in options:
        if question.kind is Kind.MULTI:
            mark = "✓ " if option.value in selected else ""
            label = option.literal or ctx.texts.get(ctx.language, option.key or option.value)
            buttons.append(ctx.button(f"t:{option.value}", literal=f"{mark}{label}"))
        else:
            buttons.append(ctx.button(f"o:{option.value}", option.key, literal=option.literal))
    rows = rows_of(buttons, question.columns)
    if question.kind is Kind.MULTI:
        rows.append([ctx.button("done", "common.done")])
    if question.skip_key:
        rows.append([ctx.button("skip", question.skip_key)])
    ctx.show(say(question.prompt_key), rows=rows, edit=edit)


def on_press(ctx: DialogContext, question: Question, value: str) -> bool:
    """True when an answer was stored; otherwise the question was re-asked."""
    options = {o.value for o in question.options(ctx.content, ctx.language)}
    if value == "skip" and question.skip_key:
        question.store(ctx.state, None)
        return True
    if question.kind is Kind.MULTI:
        selected: list[str] = list(ctx.conversation_data.get("selected", []))
        if value.startswith("t:") and value[2:] in options:
            choice = value[2:]
            selected = (
                [s for s in selected if s != choice] if choice in selected else [*selected, choice]
            )
            ctx.conversation_data["selected"] = selected
            ask(ctx, question, fresh=False, edit=True)
            return False
        if value == "done":
            if question.required and not selected:
                ctx.show(say("onboarding.pick_one"))
                ask(ctx, question, fresh=False)
                return False
            question.store(ctx.state, selected)
            return True
    elif value.startswith("o:") and value[2:] in options:
        question.store(ctx.state, value[2:])
        return True
    ctx.show(say("common.button_unknown"))
    ask(ctx, question, fresh=False)
    return False


def on_text(ctx: DialogContext, question: Question, text: str) -> bool:
    if question.kind is Kind.NUMBER and question.bounds:
        low, high = question.bounds(ctx.content)
        number = _whole_number(text)
        if number is None or not low <= number <= high:
            ctx.show(say("common.number_range", low=low, high=high))
            ask(ctx, question, fresh=False)
            return False
        question.store(ctx.state, number)
        return True
    if question.kind is Kind.TEXT:
        if len(text) > MAX_FREE_TEXT:
            ctx.show(say("common.too_long", limit=MAX_FREE_TEXT))
            return False
        question.store(ctx.state, text)
        return True
    if question.kind is Kind.TIME:
        match = _TIME.match(text.strip())
        if not match:
            ctx.show(say("onboarding.time_format"))
            ask(ctx, question, fresh=False)
            return False
        question.store(ctx.state, f"{int(match.group(1)):02d}:{match.group(2)}")
        return True
    if question.kind is Kind.TIMEZONE:
        zone = parse_timezone(text)
        if zone is None:
            ctx.show(say("onboarding.timezone_unknown"))
            ask(ctx, question, fresh=False)
            return False
        question.store(ctx.state, zone)
        return True
    ctx.show(say("common.use_buttons"))
    ask(ctx, question, fresh=False)
    return False


def _whole_number(text: str) -> int | None:
    cleaned = text.strip().removesuffix("bpm").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 4 else None
