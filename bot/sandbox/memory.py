"""What the sandbox remembers beside its database, so a restart picks up where it stopped.

- The emulator's numbering: a fresh emulator would number updates from 100001 again, and
  the bot, which keeps the update ids it has handled, would take every new message for one
  it has already seen — and answer nothing. The next update id and each chat's next message
  id are saved as they move, and restored (the update id with a margin, in case the last
  few were not saved before a crash) before the bot starts.
- Its people: patients added on the page come back with their name and language, and each
  person's role, instead of as "Patient 1004".

Everything lives in one small JSON file beside `stride-sandbox.db`; delete both to start over.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.emulator.state import World

log = logging.getLogger(__name__)

MEMORY_FILE = "stride-sandbox.json"
# Update ids handed out after the last save and before a crash are never reused.
UPDATE_ID_MARGIN = 1000
FORMAT = 1


@dataclass(frozen=True)
class Remembered:
    """A person of the sandbox: a telegram id, a name, a language and a role."""

    id: int
    name: str
    language: str
    role: str = "patient"


@dataclass
class SandboxMemory:
    path: Path
    people: list[Remembered] = field(default_factory=list)
    next_update_id: int = 0
    next_message_ids: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> SandboxMemory:
        """What an earlier run saved; nothing (a fresh start) if missing or unreadable."""
        memory = cls(path)
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            memory.people = [Remembered(**person) for person in raw.get("people", [])]
            memory.next_update_id = int(raw.get("next_update_id", 0))
            memory.next_message_ids = {
                int(chat): int(number) for chat, number in raw.get("next_message_ids", {}).items()
            }
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError) as error:
            log.warning("sandbox: ignoring unreadable %s (%s)", path, error)
        return memory

    def name_of(self, person_id: int) -> Remembered | None:
        return next((p for p in self.people if p.id == person_id), None)

    def remember(self, person: Remembered) -> None:
        self.people = [p for p in self.people if p.id != person.id] + [person]
        self.save()

    def restore_numbering(self, world: World) -> None:
        """Continue the numbering of an earlier run (call before the bot polls)."""
        if self.next_update_id:
            world.next_update_id = max(
                world.next_update_id, self.next_update_id + UPDATE_ID_MARGIN
            )
        for chat_id, number in self.next_message_ids.items():
            chat = world.chats.get(chat_id)
            if chat is not None:
                chat.next_message_id = max(chat.next_message_id, number)
        self.note(world)

    def note(self, world: World) -> None:
        """Save the numbering if it moved (called on every emulator event the page sees)."""
        numbers = {chat.id: chat.next_message_id for chat in world.chats.values()}
        if world.next_update_id == self.next_update_id and numbers == self.next_message_ids:
            return
        self.next_update_id = world.next_update_id
        self.next_message_ids = numbers
        self.save()

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "people": [p.__dict__ for p in self.people],
            "next_update_id": self.next_update_id,
            "next_message_ids": {str(k): v for k, v in self.next_message_ids.items()},
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        temporary.replace(self.path)
