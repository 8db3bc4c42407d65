"""One FHIR R4 (R4B models) Bundle per patient: what a clinic's record system can import.

Built as plain JSON-shaped dicts and validated whole by `fhir.resources.R4B` before it is
returned, so an export that would not parse as FHIR fails here, not at the clinic. The
bundle is a `collection`: the resources refer to each other by `urn:uuid:` full URLs, made
from the patient code and the record id (uuid5), so the same data always exports the same.

Pseudonymous: the Patient carries Stride's random code as its only identifier, and no name,
Telegram id or free text the patient typed (notes, values, safety plan) is exported here —
a clinic export is for care and audit, the patient's own copy is `rights.build_patient_export`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from bot.records import codes
from bot.records.dataset import PatientRecords
from bot.records.dose import WeekDose
from content.loader import Content
from content.schemas.instrument import Instrument
from dialogs.records import AuditEvent, CheckinRecord, Escalation, SessionRecord, SessionStatus

Json = dict[str, Any]
_NAMESPACE = uuid.UUID("5d9f8a52-4f0b-4c39-9d5e-2b8f3c1a7e10")
_DONE = (SessionStatus.DONE, SessionStatus.PARTIAL)


def _url(code: str, kind: str, key: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{code}/{kind}/{key}')}"


def _ref(url: str) -> Json:
    return {"reference": url}


def _coding(system: str, pair: tuple[str, str]) -> Json:
    return {"system": system, "code": pair[0], "display": pair[1]}


def _concept(system: str, pair: tuple[str, str]) -> Json:
    return {"coding": [_coding(system, pair)], "text": pair[1]}


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _category(code: str, display: str) -> list[Json]:
    return [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": code, "display": display}]}]


def questionnaire_url(instrument: Instrument) -> str:
    return f"{codes.STRIDE}/Questionnaire/{instrument.id}"


def phq9_questionnaire(instrument: Instrument) -> Json:
    """The PHQ-9 as administered: LOINC panel, item and answer codes, the exact wording."""

    def option(value: int, label: str, answers: dict[int, str]) -> Json:
        coding: Json = {"display": label}
        if value in answers:
            coding = {"system": codes.LOINC, "code": answers[value], "display": label}
        return {
            "valueCoding": coding,
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
                    "valueDecimal": value,
                }
            ],
        }

    items: list[Json] = []
    for item in instrument.items:
        entry: Json = {
            "linkId": item.id,
            "text": item.text.en,
            "type": "choice",
            "required": True,
            "answerOption": [
                option(o.value, o.label.en, codes.FREQUENCY_ANSWERS) for o in instrument.options
            ],
        }
        if item.id in codes.PHQ9_ITEMS:
            entry["code"] = [
                {"system": codes.LOINC, "code": codes.PHQ9_ITEMS[item.id], "display": item.text.en}
            ]
        items.append(entry)
    if instrument.difficulty is not None:
        items.append(
            {
                "linkId": instrument.difficulty.id,
                "code": [_coding(codes.LOINC, codes.PHQ9_DIFFICULTY)],
                "text": instrument.difficulty.text.en,
                "type": "choice",
                "required": False,
                "answerOption": [
                    option(o.value, o.label.en, codes.DIFFICULTY_ANSWERS)
                    for o in instrument.difficulty.options
                ],
            }
        )
    return {
        "resourceType": "Questionnaire",
        "id": instrument.id,
        "url": questionnaire_url(instrument),
        "version": instrument.version,
        "name": "PHQ9",
        "title": instrument.title.en,
        "status": "active",
        "subjectType": ["Patient"],
        "code": [_coding(codes.LOINC, codes.PHQ9_PANEL)],
        "copyright": instrument.licence,
        "item": items,
    }


def _answer(value: int, options: list[Any], answers: dict[int, str]) -> Json:
    label = next((o.label.en for o in options if o.value == value), str(value))
    if value in answers:
        return {"valueCoding": {"system": codes.LOINC, "code": answers[value], "display": label}}
    return {"valueCoding": {"display": label}}


def questionnaire_response(
    checkin: CheckinRecord, instrument: Instrument, patient_url: str, code: str
) -> Json:
    items: list[Json] = []
    for item in instrument.items:
        if item.id in checkin.answers:
            items.append(
                {
                    "linkId": item.id,
                    "text": item.text.en,
                    "answer": [
                        _answer(
                            checkin.answers[item.id], instrument.options, codes.FREQUENCY_ANSWERS
                        )
                    ],
                }
            )
    difficulty = instrument.difficulty
    if difficulty is not None and checkin.difficulty is not None:
        items.append(
            {
                "linkId": difficulty.id,
                "text": difficulty.text.en,
                "answer": [
                    _answer(checkin.difficulty, difficulty.options, codes.DIFFICULTY_ANSWERS)
                ],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"{code}-qr-{checkin.id}",
        "questionnaire": f"{questionnaire_url(instrument)}|{checkin.instrument_version}",
        "status": "completed" if checkin.completed_at else "in-progress",
        "subject": _ref(patient_url),
        "authored": _instant(checkin.completed_at or checkin.started_at),
        "item": items,
    }


def total_observation(
    checkin: CheckinRecord, instrument: Instrument, patient_url: str, response_url: str, code: str
) -> Json:
    """The total score (LOINC 44261-6), interpreted by the instrument's severity band."""
    band = next((b for b in instrument.bands if b.id == checkin.band), None)
    observation: Json = {
        "resourceType": "Observation",
        "id": f"{code}-phq9-total-{checkin.id}",
        "status": "final",
        "category": _category("survey", "Survey"),
        "code": _concept(codes.LOINC, codes.PHQ9_TOTAL),
        "subject": _ref(patient_url),
        "effectiveDateTime": _instant(checkin.completed_at or checkin.started_at),
        "valueInteger": checkin.total,
        "derivedFrom": [_ref(response_url)],
    }
    if band is not None:
        observation["interpretation"] = [
            {
                "coding": [
                    {"system": codes.PHQ9_BAND_SYSTEM, "code": band.id, "display": band.label.en}
                ],
                "text": f"{band.label.en} ({band.range.low}–{band.range.high})",
            }
        ]
    return observation


def session_observation(
    session: SessionRecord,
    dose: WeekDose | None,
    patient_url: str,
    plan_url: str | None,
    code: str,
) -> Json:
    """Minutes of a session done in full or in part, with effort and the prescription it met."""
    components: list[Json] = [
        {
            "code": _concept(codes.STRIDE_CODES, codes.SESSION_STATUS),
            "valueString": session.status.value,
        }
    ]
    if session.modality:
        components.append(
            {
                "code": _concept(codes.LOINC, codes.EXERCISE_ACTIVITY),
                "valueString": session.modality,
            }
        )
    if session.exertion is not None:
        components.append(
            {
                "code": _concept(codes.STRIDE_CODES, codes.PERCEIVED_EXERTION),
                "valueInteger": session.exertion,
            }
        )
    if dose is not None:
        components += [
            {
                "code": _concept(codes.STRIDE_CODES, codes.PRESCRIBED_MINUTES),
                "valueRange": {
                    "low": _minutes(dose.session_minutes_low),
                    "high": _minutes(dose.session_minutes_high),
                },
            },
            {
                "code": _concept(codes.STRIDE_CODES, codes.PRESCRIBED_RPE),
                "valueRange": {"low": {"value": dose.rpe_low}, "high": {"value": dose.rpe_high}},
            },
            {
                "code": _concept(codes.STRIDE_CODES, codes.PRESCRIBED_HRR),
                "valueRange": {
                    "low": _percent(dose.hrr_percent_low),
                    "high": _percent(dose.hrr_percent_high),
                },
            },
        ]
    observation: Json = {
        "resourceType": "Observation",
        "id": f"{code}-session-{session.id}",
        "status": "final",
        "category": _category("activity", "Activity"),
        "code": _concept(codes.LOINC, codes.EXERCISE_DURATION),
        "subject": _ref(patient_url),
        "effectiveDateTime": _instant(session.logged_at)
        if session.logged_at
        else session.day.isoformat(),
        "valueQuantity": _minutes(session.minutes or 0),
        "component": components,
    }
    if plan_url is not None:
        observation["basedOn"] = [_ref(plan_url)]
    return observation


def _minutes(value: int) -> Json:
    return {"value": value, "unit": "min", "system": codes.UCUM, "code": "min"}


def _percent(value: int) -> Json:
    return {"value": value, "unit": "%", "system": codes.UCUM, "code": "%"}


def _week_status(week: WeekDose, today: dt.date) -> str:
    if week.start > today:
        return "not-started"
    return "completed" if week.end < today else "in-progress"


def care_plan(
    records: PatientRecords, weeks: list[WeekDose], patient_url: str, today: dt.date
) -> tuple[Json, list[Json]]:
    """The programme as a CarePlan; one Goal per programme week (weekly minutes target)."""
    code = records.code
    goals: list[Json] = []
    activities: list[Json] = []
    for week in weeks:
        goal_url = _url(code, "goal", week.week)
        met = week.delivered_minutes >= week.weekly_minutes_low
        goal: Json = {
            "resourceType": "Goal",
            "id": f"{code}-week-{week.week}",
            "lifecycleStatus": "completed" if week.end < today else "active",
            "description": {
                "text": f"Week {week.week}: {week.weekly_minutes_low}–{week.weekly_minutes_high} "
                f"minutes of exercise ({week.sessions_low}–{week.sessions_high} sessions)"
            },
            "subject": _ref(patient_url),
            "startDate": week.start.isoformat(),
            "target": [
                {
                    "measure": _concept(codes.STRIDE_CODES, codes.WEEKLY_MINUTES),
                    "detailRange": {
                        "low": _minutes(week.weekly_minutes_low),
                        "high": _minutes(week.weekly_minutes_high),
                    },
                    "dueDate": week.end.isoformat(),
                }
            ],
        }
        if week.end < today:
            goal["achievementStatus"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": "achieved" if met else "not-achieved",
                    }
                ]
            }
        goals.append({"fullUrl": goal_url, "resource": goal})
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": _concept(codes.LOINC, codes.EXERCISE_DURATION),
                    "status": _week_status(week, today),
                    "goal": [_ref(goal_url)],
                    "scheduledPeriod": {
                        "start": week.start.isoformat(),
                        "end": week.end.isoformat(),
                    },
                    "description": (
                        f"Week {week.week}: {week.sessions_low}–{week.sessions_high} sessions of "
                        f"{week.session_minutes_low}–{week.session_minutes_high} min at "
                        f"{week.hrr_percent_low}–{week.hrr_percent_high}% HRR "
                        f"(RPE {week.rpe_low}–{week.rpe_high})"
                    ),
                }
            }
        )
    if records.consent_withdrawn_at is not None:
        status = "revoked"
    elif records.discharged_at is not None:
        status = "completed"
    else:
        status = "active"
    period: Json = {}
    if records.profile.programme_start is not None:
        period["start"] = records.profile.programme_start.isoformat()
    ended = records.discharged_at or records.consent_withdrawn_at
    if ended is not None:
        period["end"] = _instant(ended)
    plan: Json = {
        "resourceType": "CarePlan",
        "id": f"{code}-programme",
        "status": status,
        "intent": "plan",
        "title": "Stride exercise programme for depression",
        "subject": _ref(patient_url),
        "goal": [_ref(g["fullUrl"]) for g in goals],
        "activity": activities,
    }
    if period:
        plan["period"] = period
    return plan, goals


def escalation_flag(escalation: Escalation, patient_url: str, code: str) -> Json:
    period: Json = {"start": _instant(escalation.created_at)}
    if escalation.resolved_at is not None:
        period["end"] = _instant(escalation.resolved_at)
    return {
        "resourceType": "Flag",
        "id": f"{code}-escalation-{escalation.id}",
        "status": "inactive" if escalation.resolved_at else "active",
        "category": [
            {"coding": [{"system": codes.FLAG_CATEGORY, "code": "safety", "display": "Safety"}]}
        ],
        "code": {
            "coding": [
                {
                    "system": codes.TRIGGER_SYSTEM,
                    "code": escalation.trigger.value,
                    "display": escalation.trigger.value.replace("_", " "),
                }
            ],
            "text": f"Safety escalation ({escalation.priority.value}): "
            f"{escalation.trigger.value.replace('_', ' ')}",
        },
        "subject": _ref(patient_url),
        "period": period,
    }


def escalation_timeline(
    escalation: Escalation, audit: list[AuditEvent]
) -> list[tuple[dt.datetime, str]]:
    """(when, what) for each step: raised, the relay's and supervisors' steps, resolution."""
    steps: list[tuple[dt.datetime, str]] = [(escalation.created_at, "escalation.raised")]
    for event in audit:
        ours = event.details.get("id") == escalation.id
        if ours and event.action.startswith("escalation.") and event.at is not None:
            steps.append((event.at, event.action))
    actions = {action for _, action in steps}
    if escalation.acknowledged_at and "escalation.acknowledged" not in actions:
        steps.append((escalation.acknowledged_at, "escalation.acknowledged"))
    if escalation.resolved_at and "escalation.resolved" not in actions:
        steps.append((escalation.resolved_at, "escalation.resolved"))
    return sorted(steps, key=lambda step: step[0])


def timeline_communications(
    escalation: Escalation, audit: list[AuditEvent], patient_url: str, flag_url: str, code: str
) -> list[Json]:
    return [
        {
            "resourceType": "Communication",
            "id": f"{code}-escalation-{escalation.id}-{index}",
            "status": "completed",
            "category": [
                {
                    "coding": [
                        {
                            "system": codes.COMMUNICATION_CATEGORY,
                            "code": "alert" if index == 0 else "notification",
                        }
                    ]
                }
            ],
            "subject": _ref(patient_url),
            "about": [_ref(flag_url)],
            "sent": _instant(at),
            "payload": [{"contentString": action}],
        }
        for index, (at, action) in enumerate(escalation_timeline(escalation, audit))
    ]


def patient_resource(records: PatientRecords) -> Json:
    return {
        "resourceType": "Patient",
        "id": records.code,
        "identifier": [
            {"use": "usual", "system": codes.PATIENT_CODE_SYSTEM, "value": records.code}
        ],
        "active": records.discharged_at is None and records.consent_withdrawn_at is None,
        "communication": [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": records.patient.language}]
                },
                "preferred": True,
            }
        ],
    }


def build_bundle(
    records: PatientRecords, content: Content, weeks: list[WeekDose], now: dt.datetime
) -> Bundle:
    """The patient's Bundle, validated against the R4B models."""
    code = records.code
    instrument = content.phq9
    patient_url = _url(code, "patient", code)
    entries: list[Json] = [{"fullUrl": patient_url, "resource": patient_resource(records)}]
    entries.append(
        {
            "fullUrl": _url(code, "questionnaire", instrument.version),
            "resource": phq9_questionnaire(instrument),
        }
    )
    for checkin in records.checkins:
        if checkin.instrument_id != instrument.id or checkin.total is None:
            continue
        response_url = _url(code, "qr", checkin.id)
        entries.append(
            {
                "fullUrl": response_url,
                "resource": questionnaire_response(checkin, instrument, patient_url, code),
            }
        )
        entries.append(
            {
                "fullUrl": _url(code, "total", checkin.id),
                "resource": total_observation(
                    checkin, instrument, patient_url, response_url, code
                ),
            }
        )
    plan_url: str | None = None
    if weeks:
        plan_url = _url(code, "careplan", code)
        plan, goals = care_plan(records, weeks, patient_url, now.date())
        entries.append({"fullUrl": plan_url, "resource": plan})
        entries.extend(goals)
    for session in records.sessions:
        if session.status not in _DONE:
            continue
        week = next((w for w in weeks if w.start <= session.day <= w.end), None)
        entries.append(
            {
                "fullUrl": _url(code, "session", session.id),
                "resource": session_observation(session, week, patient_url, plan_url, code),
            }
        )
    for escalation in records.escalations:
        flag_url = _url(code, "flag", escalation.id)
        entries.append(
            {"fullUrl": flag_url, "resource": escalation_flag(escalation, patient_url, code)}
        )
        for index, communication in enumerate(
            timeline_communications(escalation, records.audit, patient_url, flag_url, code)
        ):
            entries.append(
                {"fullUrl": _url(code, f"comm-{escalation.id}", index), "resource": communication}
            )
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": f"{code}-export",
            "type": "collection",
            "timestamp": _instant(now),
            "identifier": {"system": codes.PATIENT_CODE_SYSTEM, "value": f"{code}-export"},
            "entry": entries,
        }
    )
