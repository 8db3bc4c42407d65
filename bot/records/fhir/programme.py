"""The programme as FHIR: a CarePlan with one Goal per programme week, and each session done
as an Observation of exercise duration (LOINC 55411-3) with effort and its prescription."""

from __future__ import annotations

import datetime as dt

from bot.records import codes
from bot.records.dataset import PatientRecords
from bot.records.dose import WeekDose
from bot.records.fhir.parts import Json, category, concept, instant, minutes, percent, ref, url
from dialogs.records import SessionRecord


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
            "code": concept(codes.STRIDE_CODES, codes.SESSION_STATUS),
            "valueString": session.status.value,
        }
    ]
    if session.modality:
        components.append(
            {
                "code": concept(codes.LOINC, codes.EXERCISE_ACTIVITY),
                "valueString": session.modality,
            }
        )
    if session.exertion is not None:
        components.append(
            {
                "code": concept(codes.STRIDE_CODES, codes.PERCEIVED_EXERTION),
                "valueInteger": session.exertion,
            }
        )
    if dose is not None:
        components += [
            {
                "code": concept(codes.STRIDE_CODES, codes.PRESCRIBED_MINUTES),
                "valueRange": {
                    "low": minutes(dose.session_minutes_low),
                    "high": minutes(dose.session_minutes_high),
                },
            },
            {
                "code": concept(codes.STRIDE_CODES, codes.PRESCRIBED_RPE),
                "valueRange": {"low": {"value": dose.rpe_low}, "high": {"value": dose.rpe_high}},
            },
            {
                "code": concept(codes.STRIDE_CODES, codes.PRESCRIBED_HRR),
                "valueRange": {
                    "low": percent(dose.hrr_percent_low),
                    "high": percent(dose.hrr_percent_high),
                },
            },
        ]
    observation: Json = {
        "resourceType": "Observation",
        "id": f"{code}-session-{session.id}",
        "status": "final",
        "category": category("activity", "Activity"),
        "code": concept(codes.LOINC, codes.EXERCISE_DURATION),
        "subject": ref(patient_url),
        "effectiveDateTime": instant(session.logged_at)
        if session.logged_at
        else session.day.isoformat(),
        "valueQuantity": minutes(session.minutes or 0),
        "component": components,
    }
    if plan_url is not None:
        observation["basedOn"] = [ref(plan_url)]
    return observation


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
        goal_url = url(code, "goal", week.week)
        met = week.delivered_minutes >= week.weekly_minutes_low
        goal: Json = {
            "resourceType": "Goal",
            "id": f"{code}-week-{week.week}",
            "lifecycleStatus": "completed" if week.end < today else "active",
            "description": {
                "text": f"Week {week.week}: {week.weekly_minutes_low}–{week.weekly_minutes_high} "
                f"minutes of exercise ({week.sessions_low}–{week.sessions_high} sessions)"
            },
            "subject": ref(patient_url),
            "startDate": week.start.isoformat(),
            "target": [
                {
                    "measure": concept(codes.STRIDE_CODES, codes.WEEKLY_MINUTES),
                    "detailRange": {
                        "low": minutes(week.weekly_minutes_low),
                        "high": minutes(week.weekly_minutes_high),
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
                    "code": concept(codes.LOINC, codes.EXERCISE_DURATION),
                    "status": _week_status(week, today),
                    "goal": [ref(goal_url)],
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
        period["end"] = instant(ended)
    plan: Json = {
        "resourceType": "CarePlan",
        "id": f"{code}-programme",
        "status": status,
        "intent": "plan",
        "title": "Stride exercise programme for depression",
        "subject": ref(patient_url),
        "goal": [ref(g["fullUrl"]) for g in goals],
        "activity": activities,
    }
    if period:
        plan["period"] = period
    return plan, goals
