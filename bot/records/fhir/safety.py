"""Escalations as FHIR: a safety Flag each, and a Communication per step of its timeline."""

from __future__ import annotations

import datetime as dt

from bot.records import codes
from bot.records.fhir.parts import Json, instant, ref
from dialogs.records import AuditEvent, Escalation


def escalation_flag(escalation: Escalation, patient_url: str, code: str) -> Json:
    period: Json = {"start": instant(escalation.created_at)}
    if escalation.resolved_at is not None:
        period["end"] = instant(escalation.resolved_at)
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
        "subject": ref(patient_url),
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
            "subject": ref(patient_url),
            "about": [ref(flag_url)],
            "sent": instant(at),
            "payload": [{"contentString": action}],
        }
        for index, (at, action) in enumerate(escalation_timeline(escalation, audit))
    ]
