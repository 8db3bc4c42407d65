"""The FHIR export of sandbox-like data: valid R4B, the right LOINC codes, nothing identifying."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import update

from bot.records.dataset import load_dataset
from bot.records.export import export
from bot.storage import Store
from bot.storage.models import PatientRow
from content.loader import Content
from tests.records.seed import (
    ANA_TELEGRAM,
    BEN_TELEGRAM,
    MARKERS,
    NOW,
    Seeded,
)

LOINC = "http://loinc.org"
ITEM_CODES = [
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
]


def _resources(bundle: Bundle, kind: str) -> list[Any]:
    return [e.resource for e in bundle.entry if e.resource.get_resource_type() == kind]


async def _bundles(store: Store, content: Content, out: Path, **kwargs: Any) -> dict[str, Bundle]:
    paths = await export("fhir", store, content, out, NOW, **kwargs)
    return {p.stem: Bundle.model_validate_json(p.read_text()) for p in paths}


async def test_every_patient_exports_a_valid_r4b_bundle(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    bundles = await _bundles(store, content, tmp_path)
    assert len(bundles) == 3
    ana = bundles[seeded.ana_code]
    kinds = Counter(e.resource.get_resource_type() for e in ana.entry)
    assert kinds["Patient"] == 1
    assert kinds["Questionnaire"] == 1
    assert kinds["QuestionnaireResponse"] == 3
    assert kinds["CarePlan"] == 1
    assert kinds["Goal"] == 6  # programme weeks 1-6 (week 6 began on NOW's day)
    assert kinds["Observation"] == 3 + 14  # 3 totals, 14 sessions done in full or part
    # every reference points at an entry of the same bundle
    urls = {e.fullUrl for e in ana.entry}
    text = ana.model_dump_json()
    for reference in set(_references(json.loads(text))):
        assert reference in urls


def _references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                found.append(value)
            else:
                found += _references(value)
    elif isinstance(node, list):
        for value in node:
            found += _references(value)
    return found


async def test_phq9_codes_are_loinc_panel_items_total_and_difficulty(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    ana = (await _bundles(store, content, tmp_path))[seeded.ana_code]
    [questionnaire] = _resources(ana, "Questionnaire")
    assert [(c.system, c.code) for c in questionnaire.code] == [(LOINC, "44249-1")]
    item_codes = [item.code[0].code for item in questionnaire.item]
    assert item_codes == [*ITEM_CODES, "69722-7"]
    frequency = [o.valueCoding.code for o in questionnaire.item[0].answerOption]
    assert frequency == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    difficulty = [o.valueCoding.code for o in questionnaire.item[-1].answerOption]
    assert difficulty == ["LA6572-7", "LA6573-5", "LA6574-3", "LA6575-0"]

    totals = [o for o in _resources(ana, "Observation") if o.code.coding[0].code == "44261-6"]
    assert [o.valueInteger for o in totals] == [16, 11, 6]
    assert [o.interpretation[0].coding[0].code for o in totals] == [
        "moderately_severe",
        "moderate",
        "mild",
    ]
    assert all(o.code.coding[0].system == LOINC for o in totals)
    responses = _resources(ana, "QuestionnaireResponse")
    first = {i.linkId: i.answer[0].valueCoding.code for i in responses[0].item}
    assert first["phq9_1"] == "LA6571-9"  # 3 = nearly every day
    assert first["phq9_9"] == "LA6568-5"
    assert first["phq9_difficulty"] == "LA6573-5"
    assert all(r.questionnaire.endswith("|phq9-1999") for r in responses)


async def test_sessions_carry_duration_effort_and_the_prescription(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    ana = (await _bundles(store, content, tmp_path))[seeded.ana_code]
    sessions = [o for o in _resources(ana, "Observation") if o.code.coding[0].code == "55411-3"]
    data = await load_dataset(store, patient_code=seeded.ana_code)
    done = [s for s in data.patients[0].sessions if s.minutes is not None]
    assert sorted(o.valueQuantity.value for o in sessions) == sorted(s.minutes for s in done)
    assert all(o.valueQuantity.code == "min" for o in sessions)
    first = sessions[0]
    parts = {c.code.coding[0].code: c for c in first.component}
    assert parts["perceived-exertion"].valueInteger == 12
    assert parts["prescribed-session-minutes"].valueRange.low.value == 20  # phase 1
    assert parts["prescribed-rpe"].valueRange.high.value == 14  # 50–60 % HRR reaches vigorous
    [plan] = _resources(ana, "CarePlan")
    assert first.basedOn[0].reference == next(
        e.fullUrl for e in ana.entry if e.resource.get_resource_type() == "CarePlan"
    )
    assert plan.status == "active"
    assert plan.activity[0].detail.description.startswith("Week 1: 3–3 sessions of 20–30 min")


async def test_escalations_are_flags_with_their_timeline(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    ben = (await _bundles(store, content, tmp_path))[seeded.ben_code]
    flags = _resources(ben, "Flag")
    assert [(f.status, f.code.coding[0].code) for f in flags] == [
        ("inactive", "item9"),
        ("active", "risk_language"),
    ]
    assert flags[0].category[0].coding[0].code == "safety"
    closed = [
        c.payload[0].contentString
        for c in _resources(ben, "Communication")
        if c.id.startswith(f"{seeded.ben_code}-escalation-{seeded.ben_closed_escalation}-")
    ]
    assert closed == [
        "escalation.raised",
        "escalation.opened",
        "escalation.re_escalated",
        "escalation.acknowledged",
        "escalation.resolved",
    ]


async def test_the_export_is_pseudonymous(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    paths = await export("fhir", store, content, tmp_path, NOW)
    text = "".join(p.read_text() for p in paths)
    for marker in (*MARKERS["ana"], *MARKERS["ben"]):
        assert marker not in text
    assert str(ANA_TELEGRAM) not in text and str(BEN_TELEGRAM) not in text
    assert seeded.ana_code in text  # the code is the only identifier


async def test_since_and_one_patient(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    since = dt.date(2026, 11, 20)
    bundles = await _bundles(store, content, tmp_path, since=since, patient_code=seeded.ana_code)
    assert list(bundles) == [seeded.ana_code]
    ana = bundles[seeded.ana_code]
    assert len(_resources(ana, "QuestionnaireResponse")) == 1  # only the week-5 check-in
    goals = _resources(ana, "Goal")
    assert [g.id for g in goals] == [
        f"{seeded.ana_code}-week-4",
        f"{seeded.ana_code}-week-5",
        f"{seeded.ana_code}-week-6",
    ]


# fhir.resources checks structure and types but not the codes of required bindings, so the
# statuses used are checked against the R4 value sets here.
REQUIRED = {
    ("Observation", "status"): {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress",
        "completed",
        "amended",
        "entered-in-error",
        "stopped",
    },
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("CarePlan", "status"): {
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "entered-in-error",
        "rejected",
    },
    ("Flag", "status"): {"active", "inactive", "entered-in-error"},
    ("Communication", "status"): {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
}
ACTIVITY_STATUS = {
    "not-started",
    "scheduled",
    "in-progress",
    "on-hold",
    "completed",
    "cancelled",
    "stopped",
    "unknown",
    "entered-in-error",
}


async def test_statuses_are_codes_of_their_required_value_sets(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    checked = 0
    for bundle in (await _bundles(store, content, tmp_path)).values():
        assert bundle.type == "collection"
        for entry in bundle.entry:
            resource = entry.resource
            kind = resource.get_resource_type()
            for (owner, name), allowed in REQUIRED.items():
                if owner == kind:
                    assert getattr(resource, name) in allowed, (kind, name)
                    checked += 1
            if kind == "CarePlan":
                assert {a.detail.status for a in resource.activity} <= ACTIVITY_STATUS
            if kind == "Questionnaire":
                assert {i.type for i in resource.item} == {"choice"}
    assert checked > 40


async def test_an_invited_patient_carries_the_clinic_reference_and_nothing_more(
    store: Store, seeded: Seeded, content: Content, tmp_path: Path
) -> None:
    async with store.engine.begin() as connection:
        await connection.execute(
            update(PatientRow).where(PatientRow.code == seeded.ana_code).values(clinic_ref="C-42")
        )
    bundles = await _bundles(store, content, tmp_path)
    [ana] = _resources(bundles[seeded.ana_code], "Patient")
    assert [(i.use, i.value) for i in ana.identifier] == [
        ("usual", seeded.ana_code),
        ("official", "C-42"),
    ]
    assert ana.name is None and ana.telecom is None
    [other] = [
        r
        for code, bundle in bundles.items()
        if code != seeded.ana_code
        for r in _resources(bundle, "Patient")
    ][:1]
    assert [i.use for i in other.identifier] == ["usual"]
