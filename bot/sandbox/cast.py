"""The people of the sandbox: three patients, a supervisor and a peer group.

Why: a visitor should meet Stride as a patient in English or Spanish, see the supervisor's
side of a crisis and a peer group without creating anyone. Patients added on the page are
remembered (name, language, role) in the sandbox's memory file, so a restart (a fresh
emulator) brings them back as they were; patients only the database knows come back too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.emulator import EmulatorClient
from bot.sandbox.memory import Remembered, SandboxMemory
from bot.storage.repository import Store

LANGUAGES = ("en", "es")
MAX_NAME = 40


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    language: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PATIENTS = (Person(1001, "Ana", "es"), Person(1002, "Ben", "en"), Person(1003, "Chloé", "en"))
SUPERVISOR = Person(9001, "Dr. Sam Rivera", "en")
GROUP_TITLE = "Stride peer group"


def clean_name(name: object) -> str:
    text = " ".join(str(name or "").split())[:MAX_NAME]
    if not text:
        raise ValueError("a patient needs a name")
    return text


@dataclass
class Cast:
    client: EmulatorClient
    memory: SandboxMemory | None = None
    patients: list[Person] = field(default_factory=lambda: list(PATIENTS))
    supervisor: Person = SUPERVISOR
    group_id: int = 0

    @property
    def names(self) -> dict[int, str]:
        return {p.id: p.name for p in (*self.patients, self.supervisor)}

    def patient(self, user_id: int) -> Person | None:
        return next((p for p in self.patients if p.id == user_id), None)

    @property
    def chat_ids(self) -> set[int]:
        return {p.id for p in self.patients} | {self.supervisor.id, self.group_id}

    async def populate(self, store: Store, now: dt.datetime) -> None:
        """Create everyone in a fresh emulator (and the patients added on earlier runs)."""
        if self.memory is not None:
            known = set(self.names)
            self.patients.extend(
                Person(p.id, p.name, p.language)
                for p in self.memory.people
                if p.role == "patient" and p.id not in known
            )
        self.patients.extend(await remembered_patients(store, now, self.names.keys()))
        for person in (*self.patients, self.supervisor):
            await self._create(person)
        group = await self.client.create_group(GROUP_TITLE, members=[p.id for p in self.patients])
        self.group_id = int(group["id"])

    async def add_patient(self, name: object, language: object) -> Person:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        person = Person(max(p.id for p in self.patients) + 1, clean_name(name), str(language))
        await self._create(person)
        self.patients.append(person)
        if self.memory is not None:
            self.memory.remember(Remembered(person.id, person.name, person.language, "patient"))
        await self.client.chat_member(self.group_id, person.id, "add")
        return person

    async def _create(self, person: Person) -> None:
        await self.client.create_user(person.id, person.name, language_code=person.language)


async def remembered_patients(store: Store, now: dt.datetime, known: Any) -> list[Person]:
    """Patients in the database the built-in cast does not have (added on an earlier run)."""
    taken = set(known)
    found = []
    async with store.transaction() as tx:
        for patient_id in await tx.all_patient_ids():
            state = await tx.load_patient_by_id(patient_id, now)
            if state is None or state.patient.telegram_id in taken:
                continue
            patient = state.patient
            name = patient.display_name or f"Patient {patient.telegram_id}"
            found.append(Person(patient.telegram_id, name, patient.language))
            taken.add(patient.telegram_id)
    return sorted(found, key=lambda p: p.id)
