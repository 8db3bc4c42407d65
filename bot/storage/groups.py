"""Peer groups in storage: groups, memberships, and logged sessions waiting to be celebrated.

Callers get the plain `Group` and `Member` of `dialogs.group`. A member's row carries only
what a group may see: minutes in a week, a chosen name, the two sharing settings and the
phase (for the default goal) — no check-in, mood or note is ever read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields

from sqlalchemy import delete, func, select, update

from bot.storage.group_models import GroupActivityRow, GroupMembershipRow, GroupRow
from bot.storage.models import PatientRow, ProfileRow, SessionRow
from bot.storage.scope import SessionScope
from dialogs.group import Group, Member, moved
from dialogs.records import NewRecord, SessionStatus

_MOVED = (SessionStatus.DONE.value, SessionStatus.PARTIAL.value)
_FIXED = frozenset({"id", "created_at"})


def _group(row: GroupRow) -> Group:
    return Group(**{f.name: getattr(row, f.name) for f in fields(Group)})


class GroupsMixin(SessionScope):
    # --- groups -----------------------------------------------------------------------------

    async def group_for_chat(self, chat_id: int) -> Group | None:
        row = await self._group_row(chat_id)
        return None if row is None else _group(row)

    async def register_group(
        self,
        chat_id: int,
        *,
        title: str | None,
        language: str,
        timezone: str,
        now: dt.datetime,
    ) -> Group:
        """The group of `chat_id`, created if new; an inactive one is active again."""
        row = await self._group_row(chat_id)
        if row is None:
            # Two members' first commands may race to create the group: one insert wins.
            values = {
                "chat_id": chat_id,
                "title": title,
                "language": language,
                "timezone": timezone,
                "goal_minutes": None,
                "active": True,
                "created_at": now,
            }
            await self._session.execute(
                self._insert_ignoring_duplicates(GroupRow, [values], unique=("chat_id",))
            )
            row = await self._group_row(chat_id)
            assert row is not None
        row.active = True
        if title:
            row.title = title
        return _group(row)

    async def save_group(self, group: Group) -> None:
        row = await self._session.get_one(GroupRow, group.id)
        for field in fields(Group):
            if field.name not in _FIXED:
                setattr(row, field.name, getattr(group, field.name))

    async def deactivate_group(self, chat_id: int) -> bool:
        row = await self._group_row(chat_id)
        if row is None or not row.active:
            return False
        row.active = False
        return True

    async def move_group(self, old_chat_id: int, new_chat_id: int) -> Group | None:
        """A group became a supergroup: its board follows it to the new chat id.

        If the new chat already has a group (a command there arrived before the migration
        notice), the old board's members join it and the old group is dropped.
        """
        old = await self._group_row(old_chat_id)
        new = await self._group_row(new_chat_id)
        if old is None:
            return None if new is None else _group(new)
        if new is None:
            old.chat_id = new_chat_id
            await self._session.flush()
            return _group(old)
        present = set(
            await self._session.scalars(
                select(GroupMembershipRow.patient_id).where(GroupMembershipRow.group_id == new.id)
            )
        )
        await self._session.execute(
            update(GroupMembershipRow)
            .where(
                GroupMembershipRow.group_id == old.id,
                GroupMembershipRow.patient_id.not_in(present),
            )
            .values(group_id=new.id)
        )
        await self._session.execute(
            update(GroupActivityRow)
            .where(GroupActivityRow.group_id == old.id)
            .values(group_id=new.id)
        )
        if new.goal_minutes is None:
            new.goal_minutes = old.goal_minutes
        await self._session.delete(old)
        await self._session.flush()
        return _group(new)

    async def active_groups(self, for_update: bool = False) -> list[Group]:
        """`for_update`: locked until the transaction ends (PostgreSQL), so a second process
        planning the same groups waits and then sees what the first one claimed."""
        query = select(GroupRow).where(GroupRow.active.is_(True)).order_by(GroupRow.id)
        rows = await self._session.scalars(query.with_for_update() if for_update else query)
        return [_group(row) for row in rows]

    # --- memberships --------------------------------------------------------------------------

    async def join_group(
        self, group_id: int, patient_id: int, display_name: str | None, now: dt.datetime
    ) -> bool:
        """True if the patient was not on the board yet; the display name is refreshed."""
        row = await self._session.get(GroupMembershipRow, (group_id, patient_id))
        if row is not None:
            row.display_name = display_name
            return False
        self._session.add(
            GroupMembershipRow(
                group_id=group_id, patient_id=patient_id, joined_at=now, display_name=display_name
            )
        )
        await self._session.flush()
        return True

    async def leave_group(self, group_id: int, telegram_id: int) -> bool:
        """Take a Telegram user off a board; False if they were not on it."""
        patient_id = await self._session.scalar(
            select(PatientRow.id).where(PatientRow.telegram_id == telegram_id)
        )
        if patient_id is None:
            return False
        removed = await self._session.scalars(
            delete(GroupMembershipRow)
            .where(
                GroupMembershipRow.group_id == group_id,
                GroupMembershipRow.patient_id == patient_id,
            )
            .returning(GroupMembershipRow.patient_id)
        )
        return bool(removed.all())

    async def group_members(
        self, group_id: int, first: dt.date, last: dt.date, only: Sequence[int] | None = None
    ) -> list[Member]:
        """The members (or the `only` ones) with their minutes from `first` to `last`."""
        query = (
            select(
                GroupMembershipRow.patient_id,
                GroupMembershipRow.display_name,
                ProfileRow.share_name_in_groups,
                ProfileRow.celebrate_in_groups,
                ProfileRow.phase_id,
            )
            .join(ProfileRow, ProfileRow.patient_id == GroupMembershipRow.patient_id)
            .where(GroupMembershipRow.group_id == group_id)
            .order_by(GroupMembershipRow.joined_at, GroupMembershipRow.patient_id)
        )
        if only is not None:
            query = query.where(GroupMembershipRow.patient_id.in_(list(only)))
        rows = (await self._session.execute(query)).all()
        minutes = await self._minutes([row.patient_id for row in rows], first, last)
        return [
            Member(
                patient_id=row.patient_id,
                display_name=row.display_name,
                share_name=row.share_name_in_groups,
                celebrate=row.celebrate_in_groups,
                phase_id=row.phase_id,
                minutes=minutes.get(row.patient_id, 0),
            )
            for row in rows
        ]

    async def _minutes(
        self, patient_ids: list[int], first: dt.date, last: dt.date
    ) -> dict[int, int]:
        if not patient_ids:
            return {}
        totals = await self._session.execute(
            select(SessionRow.patient_id, func.coalesce(func.sum(SessionRow.minutes), 0))
            .where(
                SessionRow.patient_id.in_(patient_ids),
                SessionRow.status.in_(_MOVED),
                SessionRow.day >= first,
                SessionRow.day <= last,
            )
            .group_by(SessionRow.patient_id)
        )
        return {patient_id: int(total or 0) for patient_id, total in totals.all()}

    # --- activity waiting to be celebrated ------------------------------------------------------

    async def queue_group_activity(
        self, patient_id: int, records: Sequence[NewRecord], now: dt.datetime
    ) -> int:
        """Note a logged session for each active group of the patient; how many were noted.

        Called in the transaction that stores the session, so a celebration is never lost
        to a crash and never made for a session that was not stored.
        """
        if not moved(records):
            return 0
        group_ids = list(
            await self._session.scalars(
                select(GroupMembershipRow.group_id)
                .join(GroupRow, GroupRow.id == GroupMembershipRow.group_id)
                .where(GroupMembershipRow.patient_id == patient_id, GroupRow.active.is_(True))
            )
        )
        self._session.add_all(
            GroupActivityRow(group_id=group_id, patient_id=patient_id, at=now)
            for group_id in group_ids
        )
        return len(group_ids)

    async def groups_with_activity(self) -> list[int]:
        return list(
            await self._session.scalars(
                select(GroupActivityRow.group_id).distinct().order_by(GroupActivityRow.group_id)
            )
        )

    async def take_activity(self, group_id: int) -> list[int]:
        """Take the group's waiting sessions: the patients, in order, each once."""
        taken = await self._session.execute(
            delete(GroupActivityRow)
            .where(GroupActivityRow.group_id == group_id)
            .returning(GroupActivityRow.id, GroupActivityRow.patient_id)
        )
        return list(dict.fromkeys(patient for _, patient in sorted(taken.all())))

    async def _group_row(self, chat_id: int) -> GroupRow | None:
        return await self._session.scalar(select(GroupRow).where(GroupRow.chat_id == chat_id))
