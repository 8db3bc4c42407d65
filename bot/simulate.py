"""`stride simulate`: a persona through the programme, week by week, on the real code path.

Each simulated day is a contact: the dose ladder is applied exactly as `/today` applies it
(`dialogs.programme.apply_progression`), the planned session is done or missed as the
persona does, the effort button they press is stored, and the ladder is applied again as
after a logged session. Every week becomes one row a clinician can check: the step, the dose,
the target, adherence, step-backs and the reason for each change, in the patient's words.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from content.clinical.ladder import Step
from content.clinical.prescription import Prescription
from content.clinical.progression import ProgressionDecision
from content.loader import Content
from content.schemas.base import StrictModel
from content.texts import Texts
from dialogs import programme
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    Conversation,
    Patient,
    Profile,
    SessionRecord,
    SessionStatus,
)
from dialogs.state import PatientState
from state_machines.journey import JourneyState

PERSONAS = Path(__file__).parent / "simulation" / "personas.yaml"
# A Monday, so programme weeks and calendar weeks line up in the table.
START = dt.date(2027, 1, 4)
ZONE = "UTC"
CONTACT = dt.time(9, 0)
LANGUAGE = "en"


class Baseline(StrictModel):
    total: int = Field(ge=0, le=27)
    band: str
    item4: int = Field(ge=0, le=3)


class Behaviour(StrictModel):
    effort: str = "right"
    miss: list[int] = Field(default_factory=list)
    cleared_on_day: int | None = None


class Persona(StrictModel):
    name: str
    title: str
    profile: dict[str, Any]
    baseline: Baseline
    behaviour: Behaviour


class PersonaFile(StrictModel):
    personas: list[Persona]


def load_personas(path: Path = PERSONAS) -> dict[str, Persona]:
    data = PersonaFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return {persona.name: persona for persona in data.personas}


@dataclass
class WeekRow:
    """One programme week, as the patient lived it."""

    week: int
    step: str
    minutes: list[int]
    planned_minutes: int
    target: str
    done: int
    planned: int
    step_backs: int
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def minutes_text(self) -> str:
        kinds = sorted(set(self.minutes))
        return "/".join(str(m) for m in kinds) if kinds else "–"


@dataclass
class Simulation:
    persona: Persona
    rows: list[WeekRow]

    @property
    def step_backs(self) -> int:
        return sum(row.step_backs for row in self.rows)


def _state(persona: Persona, content: Content) -> PatientState:
    when = dt.datetime.combine(START, CONTACT, dt.UTC)
    profile = Profile(
        age=40,
        resting_hr=60,
        beta_blockers=False,
        activity_level="some",
        preferred_modalities=["aerobic"],
        preferred_time="08:00",
        programme_start=START,
        phase_id=content.protocol.phases[0].id,
        phase_started=START,
    )
    for name, value in persona.profile.items():
        if not hasattr(profile, name):
            raise ValueError(f"persona {persona.name}: unknown profile field {name!r}")
        setattr(profile, name, value)
    baseline = CheckinRecord(
        instrument_id=content.phq9.id,
        instrument_version=content.phq9.version,
        kind=CheckinKind.BASELINE,
        started_at=when - dt.timedelta(hours=1),
        completed_at=when - dt.timedelta(hours=1),
        answers={"phq9_4": persona.baseline.item4},
        total=persona.baseline.total,
        band=persona.baseline.band,
    )
    patient = Patient(
        id=1,
        code=persona.name,
        telegram_id=1,
        chat_id=1,
        language=LANGUAGE,
        country="US",
        timezone=ZONE,
        journey=JourneyState.ACTIVE,
        created_at=when,
    )
    return PatientState(
        patient=patient,
        profile=profile,
        conversation=Conversation(),
        checkins=[baseline],
        now=when,
    )


def step_label(prescription: Prescription) -> str:
    if prescription.phase_id is None:
        return "maintenance"
    return "start (P1 bottom)" if prescription.start_low else f"phase {prescription.phase_id}"


def target_label(prescription: Prescription) -> str:
    rpe = prescription.rpe
    effort = f"RPE {rpe.low}" if rpe.low == rpe.high else f"RPE {rpe.low}–{rpe.high}"
    hrr = prescription.hrr_percent
    percent = f"{hrr.low}" if hrr.low == hrr.high else f"{hrr.low}–{hrr.high}"
    if prescription.target_bpm is None:
        return f"{effort} ({percent} % HRR, by feel)"
    bpm = prescription.target_bpm
    return f"{bpm.low}–{bpm.high} bpm, {percent} % HRR, {effort}"


def simulate(content: Content, persona: Persona, weeks: int) -> Simulation:
    """Run `persona` for `weeks` programme weeks; one row per week."""
    state = _state(persona, content)
    effort = {b.id: b.rpe for b in content.protocol.effort_buttons}[persona.behaviour.effort]
    texts = content.texts
    rows: list[WeekRow] = []
    planned_count = 0
    for week in range(1, weeks + 1):
        monday = START + dt.timedelta(weeks=week - 1)
        row: WeekRow | None = None
        for offset in range(7):
            day = monday + dt.timedelta(days=offset)
            state.now = dt.datetime.combine(day, CONTACT, dt.UTC)
            if persona.behaviour.cleared_on_day == (day - START).days + 1:
                state.profile.medical_clearance_at = state.now
                state.profile.medical_clearance_by = "supervisor:sim"
            before = programme.current_step(state, content)
            decision = programme.apply_progression(state, content)
            if row is None:
                prescription = programme.current_prescription(state, content)
                plan = programme.week_plan(state, content, day)
                row = WeekRow(
                    week=week,
                    step=step_label(prescription),
                    minutes=[],
                    planned_minutes=0,
                    target=target_label(prescription),
                    done=0,
                    planned=0,
                    step_backs=0,
                    notes=[texts.get(LANGUAGE, n.key, **dict(n.params)) for n in plan.notes],
                )
                if prescription.hold_key:
                    row.notes.append(texts.get(LANGUAGE, prescription.hold_key))
                if prescription.effort_lowered:
                    row.notes.append(texts.get(LANGUAGE, "prescription.effort_lowered"))
            _record_change(row, texts, before, decision)
            session = programme.planned_session(state, content, day)
            if session is None:
                continue
            planned_count += 1
            row.planned += 1
            row.minutes.append(session.minutes)
            row.planned_minutes += session.minutes
            if planned_count in persona.behaviour.miss:
                continue  # nothing pressed: the day goes by, the session is missed
            state.sessions.append(
                SessionRecord(
                    day=day,
                    status=SessionStatus.DONE,
                    planned=True,
                    modality=session.modality,
                    minutes=session.minutes,
                    exertion=effort,
                    logged_at=state.now,
                )
            )
            row.done += 1
            before = programme.current_step(state, content)
            _record_change(row, texts, before, programme.apply_progression(state, content))
        assert row is not None
        rows.append(row)
    return Simulation(persona, rows)


def _record_change(
    row: WeekRow, texts: Texts, before: Step, decision: ProgressionDecision | None
) -> None:
    if not programme.phase_changed(before, decision):
        return
    assert decision is not None  # phase_changed is False without a decision
    row.step_backs += decision.action == "step_back"
    reason = texts.get(LANGUAGE, decision.reason_key, **decision.params)
    row.changes.append(f"{decision.action}: {reason}")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(simulation: Simulation) -> str:
    persona = simulation.persona
    lines = [
        f"### {persona.name}",
        "",
        persona.title + ".",
        "",
        "| week | step | min/session | sessions | planned min | target | done | step-backs "
        "| why it changed / what the plan says |",
        "|---:|---|---|---:|---:|---|---:|---:|---|",
    ]
    for row in simulation.rows:
        why = "<br>".join(_cell(t) for t in [*row.changes, *row.notes]) or ""
        lines.append(
            f"| {row.week} | {row.step} | {row.minutes_text} | {row.planned} | "
            f"{row.planned_minutes} | {row.target} | {row.done}/{row.planned} | "
            f"{row.step_backs} | {why} |"
        )
    lines += ["", f"Step-backs in all: {simulation.step_backs}.", ""]
    return "\n".join(lines)


HEADER = """# Protocol simulations

Generated by `stride simulate --persona all --weeks 12 --write docs/protocol-simulations.md`
from `bot/simulation/personas.yaml`, on the same code path as `/today` (`dialogs.programme`):
every day is a contact at which the dose ladder is applied, each planned session is done (with
the persona's effort button) or missed with nothing pressed, and the ladder is applied again
after each logged session. "step" is the rung of the dose ladder (the start-low step is the
bottom of phase 1); the reason column quotes what the patient is told. Age 40, resting heart
rate 60, Tanaka HRmax 180; no training days chosen, so the plan uses the content's default
days for the step's sessions per week.

The rules applied (numbers in `content/data/protocol.yaml`, code in `content/clinical/`):

- **Start low, then climb.** Low energy (PHQ-9 item 4 ≥ 2 or hardly active), a severe band, a
  readiness "yes" or a safety flag start on an extra step at the bottom of phase 1 (20 min at
  50 % HRR) for two weeks, then move up by the same two-thirds gate as everyone.
- **Clearance.** A readiness "yes", or an urgent trigger (item 9, risk language, `/sos`) in the
  last 28 days, holds the step until a supervisor records clearance; the patient is told why.
- **Step back.** Three planned sessions in a row not done by the end of their day, whatever
  was pressed, move one step down and open the barrier conversation at the next contact.
- **Felt effort.** "Very hard" on the last two rated sessions holds the step and lowers the
  target by 5 % HRR; "easy" on the last two lets a patient who meets the gate move up early
  (after a full two-week window).
- **Effort.** Each step's RPE is read off ACSM's table from its %HRR (so weeks 3–12 are
  vigorous, RPE 14–16); heart-rate ranges are at least 5 beats wide.
- **Frequency.** With no chosen days, the plan uses enough days for the step (4 from phase 3);
  from phase 3 on a week planned below 150 minutes says so, and the patient is offered a day.

"""


def run(content: Content, persona_name: str, weeks: int, write: Path | None) -> int:
    personas = load_personas()
    names = list(personas) if persona_name == "all" else [persona_name]
    unknown = [n for n in names if n not in personas]
    if unknown:
        raise ValueError(f"unknown persona {unknown[0]!r}; known: {', '.join(personas)}")
    text = HEADER + "\n".join(
        as_markdown(simulate(content, personas[name], weeks)) for name in names
    )
    sys.stdout.write(text)
    if write is not None:
        write.write_text(text, encoding="utf-8")
    return 0
