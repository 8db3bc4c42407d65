"""Stride's storage: SQLAlchemy models, migrations and the `Store` that speaks in records.

Only this package imports SQLAlchemy. Callers get and give the plain dataclasses of
`dialogs.records` / `dialogs.state`, plus the outbox's `Delivery` and `PatientSummary`.
"""

from bot.storage.database import make_engine, normalise_url
from bot.storage.outbox import Delivery, DeliveryStatus
from bot.storage.repository import Store, Transaction
from bot.storage.summaries import PatientSummary

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "PatientSummary",
    "Store",
    "Transaction",
    "make_engine",
    "normalise_url",
]
