"""The patient's own copy of their data (/mydata): readable JSON and a short summary.

Unlike the clinic exports this is *everything* Stride keeps about them, free text included
(their notes, values, safety plan, barrier plans, messages with their care team), labelled
in their language so it reads without a codebook. Not included: other people's data
(supervisors' ids and notes).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, NamedTuple

from babel.dates import format_date

from bot.records.dataset import PatientRecords, load_patient_records
from bot.storage import Store
from content.loader import Content
from dialogs.records import CheckinRecord, SessionStatus

_ACTIVE = (SessionStatus.DONE, SessionStatus.PARTIAL)


class PatientExport(NamedTuple):
    json_bytes: bytes
    summaries: dict[str, str]
    """The short human summary in every shipped language (send the patient's own)."""
    filename: str


def _label(options: list[Any], value: int | None, language: str) -> str | None:
    if value is None:
        return None
    return next((o.label.get(language) for o in options if o.value == value), str(value))


def _checkin(c: CheckinRecord, content: Content, language: str) -> dict[str, Any]:
    instrument = content.phq9
    band = next((b for b in instrument.bands if b.id == c.band), None)
    entry: dict[str, Any] = {
        "completed_at": (c.completed_at or c.started_at).isoformat(),
        "kind": c.kind.value,
        "instrument": f"{c.instrument_id} ({c.instrument_version})",
        "answers": [
            {
                "question": item.text.get(language),
                "answer": _label(instrument.options, c.answers[item.id], language),
                "score": c.answers[item.id],
            }
            for item in instrument.items
            if item.id in c.answers
        ],
        "total": c.total,
        "severity": band.label.get(language) if band else c.band,
    }
    if instrument.difficulty is not None and c.difficulty is not None:
        entry["difficulty"] = {
            "question": instrument.difficulty.text.get(language),
            "answer": _label(instrument.difficulty.options, c.difficulty, language),
        }
    return entry


def patient_document(
    records: PatientRecords, content: Content, now: dt.datetime
) -> dict[str, Any]:
    language = records.patient.language or "en"
    texts = content.texts
    p, profile = records.patient, records.profile
    return {
        "about": "Everything Stride keeps about you, as of the time below.",
        "exported_at": now.isoformat(),
        "you": {
            "code": p.code,
            "name_you_gave": p.display_name,
            "language": p.language,
            "country": p.country,
            "timezone": p.timezone,
            "phone_shared_with_care_team": p.phone,
            "clinic_reference": records.clinic_ref,
            "joined": p.created_at.isoformat(),
            "paused_until": p.paused_until.isoformat() if p.paused_until else None,
            "discharged_at": records.discharged_at.isoformat() if records.discharged_at else None,
            "consent_withdrawn_at": records.consent_withdrawn_at.isoformat()
            if records.consent_withdrawn_at
            else None,
        },
        "consents": [
            {"what": c.what, "version": c.version, "accepted_at": c.accepted_at.isoformat()}
            for c in records.consents
        ],
        "profile": {
            "age": profile.age,
            "resting_heart_rate": profile.resting_hr,
            "beta_blockers": profile.beta_blockers,
            "activity_level": profile.activity_level,
            "preferred_activities": profile.preferred_modalities,
            "conditions": profile.conditions,
            "what_matters_to_you": profile.values_text,
            "barriers": profile.barriers,
            "training_days": profile.training_days,
            "preferred_time": profile.preferred_time,
            "programme_start": profile.programme_start.isoformat()
            if profile.programme_start
            else None,
            "quiet_hours": f"{profile.quiet_start}–{profile.quiet_end}",
            "daily_mood_check": profile.mood_check_time,
            "last_low_mood_offer": profile.mood_offer_at.isoformat()
            if profile.mood_offer_at
            else None,
        },
        "phq9_check_ins": [_checkin(c, content, language) for c in records.checkins],
        "sessions": [
            {
                "day": s.day.isoformat(),
                "status": s.status.value,
                "planned": s.planned,
                "activity": s.modality,
                "minutes": s.minutes,
                "effort_rpe": s.exertion,
                "mood_before": s.mood_before,
                "mood_after": s.mood_after,
                "note": s.note,
            }
            for s in records.sessions
        ],
        "moods": [{"at": m.at.isoformat(), "score": m.score} for m in records.moods],
        "safety_plan": {
            texts.get(language, f"safety_plan.title.{section}"): entries
            for section, entries in records.safety_plan.sections.items()
        },
        "barrier_plans": [
            {
                "barrier": b.barrier,
                "what": b.what,
                "when": b.when,
                "made": b.created_at.isoformat(),
            }
            for b in records.barrier_plans
        ],
        "messages_with_your_care_team": [
            {
                "at": m.at.isoformat(),
                "from": "your care team" if m.from_care_team else "you",
                "text": m.text,
                "delivered_at": m.delivered_at.isoformat() if m.delivered_at else None,
                "status": m.status,
            }
            for m in records.care_messages
        ],
        "safety_alerts": [
            {
                "raised": e.created_at.isoformat(),
                "why": e.trigger.value,
                "state": e.state,
                "your_answer": e.patient_response,
            }
            for e in records.escalations
        ],
    }


def summary(records: PatientRecords, content: Content, language: str) -> str:
    texts = content.texts
    done = [s for s in records.sessions if s.status in _ACTIVE]
    lines = [
        texts.get(
            language,
            "data_rights.mydata.summary",
            code=records.code,
            joined=format_date(records.patient.created_at.date(), "long", locale=language),
            checkins=len(records.checkins),
            sessions=len(done),
            minutes=sum(s.minutes or 0 for s in done),
            moods=len(records.moods),
        )
    ]
    scored = [c for c in records.checkins if c.total is not None]
    if scored:
        last = scored[-1]
        lines.append(
            texts.get(
                language,
                "data_rights.mydata.latest_phq9",
                total=last.total,
                date=format_date(
                    (last.completed_at or last.started_at).date(), "long", locale=language
                ),
            )
        )
    else:
        lines.append(texts.get(language, "data_rights.mydata.no_phq9"))
    lines.append(texts.get(language, "data_rights.mydata.care_team"))
    return "\n\n".join(lines)


def patient_export(records: PatientRecords, content: Content, now: dt.datetime) -> PatientExport:
    document = patient_document(records, content, now)
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    summaries = {
        language: summary(records, content, language) for language in content.texts.languages
    }
    return PatientExport(data, summaries, f"stride-{records.code}-{now.date().isoformat()}.json")


async def build_patient_export(
    store: Store, patient_id: int, content: Content, now: dt.datetime
) -> PatientExport:
    """The file and summaries /mydata sends; `LookupError` if there is no such patient."""
    records = await load_patient_records(store, patient_id)
    if records is None:
        raise LookupError(f"no patient {patient_id}")
    return patient_export(records, content, now)
