"""Enrolment: ENROLMENT=invite turns strangers away with one line and stores nothing; an
invitation link creates the patient with the clinic's reference and clinician, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.care.enrolment import create_invite
from bot.cli import app
from bot.clock import ShiftedClock
from bot.storage import Store
from bot.storage.models import PatientRow
from tests.alerts.conftest import PATIENT, SUPERVISOR, audit_of
from tests.alerts.test_supervisor import World, make_world

STRANGER = 6101
INVITE_ONLY = (
    "Stride is used by invitation from a care team. Please ask your care team for your "
    "invitation link."
)


@pytest.fixture
async def invite_world(
    database_url: str, store: Store, clock: ShiftedClock
) -> AsyncIterator[World]:
    async with make_world(database_url, store, clock, ENROLMENT="invite") as made:
        await made.users.create_user(STRANGER, "Stranger", language_code="es")
        yield made


async def patients(store: Store) -> int:
    async with store.transaction() as tx:
        return int(await tx._session.scalar(select(func.count()).select_from(PatientRow)) or 0)


async def test_a_stranger_in_invite_mode_gets_one_line_and_no_record(invite_world: World) -> None:
    world = invite_world
    for text in ("hello", "/start", "/start not-a-real-code", "/sos"):
        await world.users.send_text(PATIENT, text)
        await world.pump()
        assert (await world.last(PATIENT))["text"] == INVITE_ONLY
    await world.users.send_text(STRANGER, "hola")
    await world.pump()
    assert (await world.last(STRANGER))["text"].startswith("Stride se usa por invitación")
    assert await patients(world.services.store) == 0


async def test_an_invitation_link_enrols_once_with_the_clinic_reference(
    invite_world: World,
) -> None:
    world = invite_world
    services = world.services
    invite = await create_invite(
        services.store, services.clock, services.settings, "MRN-0042", SUPERVISOR, "test"
    )
    await world.users.send_text(PATIENT, f"/start {invite.code}")
    await world.pump()
    assert "not an emergency service" in (await world.last(PATIENT))["text"]  # the consent
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
        used = await tx.invite(invite.code)
    assert card is not None and (card.clinic_ref, card.clinician_id) == ("MRN-0042", SUPERVISOR)
    assert used is not None and used.patient_id == card.id and used.used_at is not None
    assert [e.action for e in await audit_of(services, card.code)][:1] == ["invite.used"]
    # The same link again, for someone else: used up.
    await world.users.send_text(STRANGER, f"/start {invite.code}")
    await world.pump()
    assert "ya se usó" in (await world.last(STRANGER))["text"]
    assert await patients(services.store) == 1
    # The enrolled patient goes on as usual; the alert carries the clinic reference.
    alert_escalation = await world.patient_sos()
    alert = await world.alert(SUPERVISOR)
    assert (
        alert_escalation.patient_code in alert["text"] and "Clinic ref: MRN-0042" in alert["text"]
    )


async def test_an_expired_invitation_is_refused(invite_world: World, clock: ShiftedClock) -> None:
    world = invite_world
    services = world.services
    invite = await create_invite(
        services.store, services.clock, services.settings, "MRN-1", None, "test"
    )
    clock.advance(dt.timedelta(days=services.settings.invite_days, seconds=1))
    await world.users.send_text(PATIENT, f"/start {invite.code}")
    await world.pump()
    assert "expired or was already used" in (await world.last(PATIENT))["text"]
    assert await patients(services.store) == 0


async def test_open_enrolment_takes_anyone_and_an_invite_still_attaches(world: World) -> None:
    await world.users.send_text(PATIENT, "hello")
    await world.pump()
    assert "not an emergency service" in (await world.last(PATIENT))["text"]
    services = world.services
    invite = await create_invite(
        services.store, services.clock, services.settings, "MRN-9", None, "test"
    )
    await world.users.send_text(PATIENT, f"/start {invite.code}")
    await world.pump()
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
    assert card is not None and card.clinic_ref == "MRN-9"


async def test_supervisors_invite_and_are_never_enrolled(world: World) -> None:
    reply = await world.command(SUPERVISOR, "/invite MRN-77")
    assert reply.startswith("Invitation for MRN-77 (single use, expires ")
    assert "https://t.me/" in reply and "?start=" in reply
    assert (await world.command(SUPERVISOR, "/invite")).startswith("Send /invite CLINIC-REF")
    assert (
        await world.command(PATIENT, "/invite MRN-1") == "Sorry, this is only for the care team."
    )
    await world.users.send_text(SUPERVISOR, "/start")
    await world.pump()
    assert (await world.last(SUPERVISOR))["text"].startswith("Care team commands:")
    async with world.services.store.transaction() as tx:
        assert await tx.patient_card_by_telegram(SUPERVISOR) is None


def test_the_cli_creates_an_invitation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    result = CliRunner().invoke(
        app, ["invite", "create", "--ref", "MRN-5", "--clinician", "42", "--bot", "demo_bot"]
    )
    assert result.exit_code == 0, result.output
    link, details = result.output.strip().splitlines()
    assert link.startswith("https://t.me/demo_bot?start=") and len(link.split("=")[1]) == 16
    assert details.startswith("clinic ref MRN-5, single use, expires ")
    bad = CliRunner().invoke(app, ["invite", "create", "--ref", "  "])
    assert bad.exit_code == 2
