"""The PHQ-9 as FHIR: the Questionnaire (LOINC 44249-1), each administration as a
QuestionnaireResponse, and its total (LOINC 44261-6) as an Observation interpreted by band."""

from __future__ import annotations

from typing import Any

from bot.records import codes
from bot.records.fhir.parts import Json, category, coding, concept, instant, ref
from content.schemas.instrument import Instrument
from dialogs.records import CheckinRecord


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
                "code": [coding(codes.LOINC, codes.PHQ9_DIFFICULTY)],
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
        "code": [coding(codes.LOINC, codes.PHQ9_PANEL)],
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
        "subject": ref(patient_url),
        "authored": instant(checkin.completed_at or checkin.started_at),
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
        "category": category("survey", "Survey"),
        "code": concept(codes.LOINC, codes.PHQ9_TOTAL),
        "subject": ref(patient_url),
        "effectiveDateTime": instant(checkin.completed_at or checkin.started_at),
        "valueInteger": checkin.total,
        "derivedFrom": [ref(response_url)],
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
