"""Effects: what a dialog asks `bot/` to do *after* the update's transaction is committed.

A dialog is pure and works inside one transaction; some patient rights need more than that
— a file sent in the chat, an erasure that rewrites every table, the care team told. The
dialog appends a small typed effect to `Outcome.effects`; `bot.data_rights` carries each
one out after the commit, then sends the replies it calls for (so nothing is said before it
is true).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendOwnData:
    """/mydata: send the patient their own data as a file (JSON) and a short summary."""


@dataclass(frozen=True)
class EraseOwnData:
    """/forgetme confirmed: erase the patient's data, then tell them and the care team."""


@dataclass(frozen=True)
class WithdrawConsent:
    """Consent withdrawn: record it, drop planned nudges, tell the patient and the team."""


Effect = SendOwnData | EraseOwnData | WithdrawConsent
