"""Whether a patient's consent still stands: pure, so dialogs can ask it without storage.

A patient must be asked (again) when they never accepted this consent, or when a version
marked `reconsent` came after the newest version they accepted. A version the content does
not list (edited away, or a typo) cannot be placed in time, so the safer answer is to ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from content.schemas.consent import ConsentDocument


class AcceptedConsent(Protocol):
    """What `needs_reconsent` reads of a stored consent (`dialogs.records.ConsentRecord`)."""

    @property
    def what(self) -> str: ...

    @property
    def version(self) -> str: ...


def needs_reconsent(accepted: Iterable[AcceptedConsent], consent: ConsentDocument) -> bool:
    """True if the patient must be shown the consent and agree before anything else."""
    order = {v.version: i for i, v in enumerate(consent.versions)}
    positions = [order.get(c.version) for c in accepted if c.what == consent.id]
    if not positions or any(p is None for p in positions):
        return True
    newest = max(p for p in positions if p is not None)
    return any(v.reconsent for v in consent.versions[newest + 1 :])
