"""Quiet hours as two profile questions for /settings: from, then until.

Declared like every profile question (`dialogs.questions`): buttons for common times, any
typed time accepted, stored on the profile, where the nudges read them
(`dialogs.nudge_time.quiet_hours`). An end equal to the start would mean no quiet hours at
all; it is refused kindly and asked again.
"""

from __future__ import annotations

from dialogs.questions import Choice, Kind, ProfileQuestion, Store
from dialogs.state import PatientState

QUIET_STARTS = ("20:00", "21:00", "22:00", "23:00")
QUIET_ENDS = ("06:00", "07:00", "08:00", "09:00")


def _set(attribute: str) -> Store:
    def store(state: PatientState, value: object) -> None:
        setattr(state.profile, attribute, value)

    return store


def _end_refused(state: PatientState, end: str) -> str | None:
    return "settings.quiet.same_time" if end == state.profile.quiet_start else None


QUESTIONS: dict[str, ProfileQuestion] = {
    q.id: q
    for q in (
        ProfileQuestion(
            "quiet_start",
            "settings.quiet.ask_start",
            Kind.TIME,
            _set("quiet_start"),
            options=lambda c, lang: [Choice(t, literal=t) for t in QUIET_STARTS],
            columns=len(QUIET_STARTS),
        ),
        ProfileQuestion(
            "quiet_end",
            "settings.quiet.ask_end",
            Kind.TIME,
            _set("quiet_end"),
            options=lambda c, lang: [Choice(t, literal=t) for t in QUIET_ENDS],
            columns=len(QUIET_ENDS),
            refuse=_end_refused,
        ),
    )
}
