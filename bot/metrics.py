"""What an operator graphs and alerts on, in Prometheus' text format (`prometheus-client`).

Two kinds of figures:
- **counted in this process** as things happen: updates handled and how long each took,
  429 answers from Telegram, database errors, SQL statements (the per-update cost the load
  benchmark reports);
- **read from the database at scrape time** (`refresh`), because with several replicas no
  one process knows them: alerts pending and the age of the oldest undelivered one, nudges
  due and sent, and the inbox depth (any module may add such a probe with `add_probe`).

Everything lives in `REGISTRY`, this module's own registry, so importing Stride in a test or
a tool never collides with another library's metrics.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from telegram.ext import Application

if TYPE_CHECKING:
    from bot.storage.repository import Store, Transaction

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # CPU seconds and memory, as process_* series
CONTENT_TYPE = CONTENT_TYPE_LATEST

UPDATES = Counter(
    "stride_updates", "Telegram updates handled by this process", ["outcome"], registry=REGISTRY
)
UPDATE_SECONDS = Histogram(
    "stride_update_handling_seconds",
    "Time to handle one update: load, decide, commit, reply",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "stride_telegram_429",
    "429 Too Many Requests answers from Telegram",
    ["endpoint"],
    registry=REGISTRY,
)
DATABASE_ERRORS = Counter(
    "stride_database_errors", "Errors raised by the database driver", registry=REGISTRY
)
SQL_STATEMENTS = Counter(
    "stride_sql_statements", "SQL statements executed by this process", registry=REGISTRY
)
DATABASE_CONNECTIONS = Counter(
    "stride_database_connections_opened",
    "Database connections this process opened (a pool that keeps opening them is too small)",
    registry=REGISTRY,
)
INBOX_DEPTH = Gauge(
    "stride_inbox_depth", "Updates received but not yet handled", registry=REGISTRY
)
ALERTS_PENDING = Gauge(
    "stride_alerts_pending", "Supervisor alert messages not yet delivered", registry=REGISTRY
)
ALERT_OLDEST_SECONDS = Gauge(
    "stride_alert_oldest_pending_seconds",
    "Age of the oldest undelivered supervisor alert message (0 when none)",
    registry=REGISTRY,
)
NUDGES_DUE = Gauge(
    "stride_nudges_due", "Scheduled nudges whose time has come, not yet sent", registry=REGISTRY
)
NUDGES_SENT = Gauge(
    "stride_nudges_sent", "Scheduled nudges sent (all replicas, all time)", registry=REGISTRY
)
SCRAPE_ERRORS = Counter(
    "stride_metrics_probe_errors",
    "Database probes that failed during a scrape",
    registry=REGISTRY,
)

Probe = Callable[["Transaction", dt.datetime], Awaitable[None]]
_PROBES: list[Probe] = []


def add_probe(probe: Probe) -> None:
    """Run `probe(tx, now)` at every scrape, e.g. to set `INBOX_DEPTH` from the inbox table."""
    if probe not in _PROBES:
        _PROBES.append(probe)


async def _backlog_probe(tx: Transaction, now: dt.datetime) -> None:
    backlog = await tx.backlog(now)
    ALERTS_PENDING.set(backlog.alerts_pending)
    oldest = backlog.oldest_alert
    ALERT_OLDEST_SECONDS.set(0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
    NUDGES_DUE.set(backlog.nudges_due)
    NUDGES_SENT.set(backlog.nudges_sent)
    if backlog.inbox_depth is not None:
        INBOX_DEPTH.set(backlog.inbox_depth)


add_probe(_backlog_probe)


async def refresh(store: Store, now: dt.datetime) -> None:
    """Update the database-read gauges; a failing probe is counted, never fatal to a scrape."""
    for probe in _PROBES:
        try:
            async with store.transaction() as tx:
                await probe(tx, now)
        except Exception:  # a scrape must answer even while the database is down
            SCRAPE_ERRORS.inc()
            log.warning("metrics probe %s failed", getattr(probe, "__name__", probe))


def render() -> bytes:
    return generate_latest(REGISTRY)


class MeteredApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, timing each update (`ApplicationBuilder().application_class(...)`).

    `process_update` runs after the update processor has given the update its turn, so the
    histogram is handling time, not time spent queued behind the same user's earlier update.
    """

    async def process_update(self, update: object) -> None:
        start = time.perf_counter()
        outcome = "ok"
        try:
            await super().process_update(update)
        except Exception:
            outcome = "error"
            raise
        finally:
            UPDATES.labels(outcome=outcome).inc()
            UPDATE_SECONDS.observe(time.perf_counter() - start)


def count_connection(*_args: Any) -> None:
    """SQLAlchemy pool `connect` listener (see bot.storage.database)."""
    DATABASE_CONNECTIONS.inc()


def count_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    """SQLAlchemy `before_cursor_execute` listener (see bot.storage.database).

    SQLite's explicit `BEGIN IMMEDIATE` is not counted: PostgreSQL's driver begins
    implicitly, and the two backends' figures should compare like with like.
    """
    if not statement.startswith("BEGIN"):
        SQL_STATEMENTS.inc()


def count_database_error(*_args: Any) -> None:
    """SQLAlchemy `handle_error` listener: counts, lets the error propagate unchanged."""
    DATABASE_ERRORS.inc()


__all__ = [
    "CONTENT_TYPE",
    "REGISTRY",
    "MeteredApplication",
    "add_probe",
    "refresh",
    "render",
]
