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

from fhir.resources.R4B.bundle import Bundle

from bot.records import codes
from bot.records.dataset import PatientRecords
from bot.records.dose import WeekDose
from bot.records.fhir.parts import Json, instant, url
from bot.records.fhir.phq9 import phq9_questionnaire, questionnaire_response, total_observation
from bot.records.fhir.programme import care_plan, session_observation
from bot.records.fhir.safety import escalation_flag, timeline_communications
from content.loader import Content
from dialogs.records import SessionStatus

_DONE = (SessionStatus.DONE, SessionStatus.PARTIAL)


def patient_resource(records: PatientRecords) -> Json:
    identifiers: list[Json] = [
        {"use": "usual", "system": codes.PATIENT_CODE_SYSTEM, "value": records.code}
    ]
    if records.clinic_ref:  # enrolled by invite: the clinic's own reference, nothing more
        identifiers.append(
            {"use": "official", "system": codes.CLINIC_REF_SYSTEM, "value": records.clinic_ref}
        )
    return {
        "resourceType": "Patient",
        "id": records.code,
        "identifier": identifiers,
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
    patient_url = url(code, "patient", code)
    entries: list[Json] = [{"fullUrl": patient_url, "resource": patient_resource(records)}]
    entries.append(
        {
            "fullUrl": url(code, "questionnaire", instrument.version),
            "resource": phq9_questionnaire(instrument),
        }
    )
    for checkin in records.checkins:
        if checkin.instrument_id != instrument.id or checkin.total is None:
            continue
        response_url = url(code, "qr", checkin.id)
        entries.append(
            {
                "fullUrl": response_url,
                "resource": questionnaire_response(checkin, instrument, patient_url, code),
            }
        )
        entries.append(
            {
                "fullUrl": url(code, "total", checkin.id),
                "resource": total_observation(
                    checkin, instrument, patient_url, response_url, code
                ),
            }
        )
    plan_url: str | None = None
    if weeks:
        plan_url = url(code, "careplan", code)
        plan, goals = care_plan(records, weeks, patient_url, now.date())
        entries.append({"fullUrl": plan_url, "resource": plan})
        entries.extend(goals)
    for session in records.sessions:
        if session.status not in _DONE:
            continue
        week = next((w for w in weeks if w.start <= session.day <= w.end), None)
        entries.append(
            {
                "fullUrl": url(code, "session", session.id),
                "resource": session_observation(session, week, patient_url, plan_url, code),
            }
        )
    for escalation in records.escalations:
        flag_url = url(code, "flag", escalation.id)
        entries.append(
            {"fullUrl": flag_url, "resource": escalation_flag(escalation, patient_url, code)}
        )
        for index, communication in enumerate(
            timeline_communications(escalation, records.audit, patient_url, flag_url, code)
        ):
            entries.append(
                {"fullUrl": url(code, f"comm-{escalation.id}", index), "resource": communication}
            )
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": f"{code}-export",
            "type": "collection",
            "timestamp": instant(now),
            "identifier": {"system": codes.PATIENT_CODE_SYSTEM, "value": f"{code}-export"},
            "entry": entries,
        }
    )


__all__ = ["build_bundle"]
