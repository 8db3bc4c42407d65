"""PostgreSQL's hottest statements, run on asyncpg directly (issue 17).

Every update costs a few statements: the inbox insert, the patient load, the conversation
write, the inbox row marked done, the "replies sent" mark; and on PostgreSQL the driver
begins and commits every transaction (`Store.transaction`), so SQLAlchemy's session is made
only for the statements that need it and runs them inside that transaction. Measured on
this project's machine, one such statement costs the bot about 200 µs of CPU through
SQLAlchemy (its execution context, parameter handling, result wrapping and the greenlet hop
of its asyncio layer) and about 75 µs as the same SQL on asyncpg; a one-statement
autocommit write 450–650 µs through a session and about 280 µs on the driver
(`docs/benchmarks.md`). That difference is most of what kept Stride above twice the bare
PTB bot's CPU per update at 400 patients on PostgreSQL.

The SQL stays SQLAlchemy's: a statement here is the same Core statement SQLite runs through
the session, compiled once for the asyncpg dialect. Only its execution skips the engine:
parameters go through the same type processors (JSON, aware UTC datetimes), the statement
is reported to the engine's `before_cursor_execute` listeners (so /metrics and the tests'
statement counts see it), and a driver error comes back as SQLAlchemy's exception type, with
the connection invalidated when it broke, so callers' retry rules (`bot.inbox.transient`) are
unchanged. Statements whose compilation needs Python-side column defaults, or expanding
`IN` parameters, are refused when compiled: they must go through the session.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from bot import metrics

Processor = Callable[[Any], Any] | None
# Rows per INSERT on the driver: getUpdates' own limit, far below PostgreSQL's 32,767
# parameters per statement. A larger batch goes through the session.
MAX_INSERT_ROWS = 100
_UNSET = object()
_PLACEHOLDER = re.compile(r"\$(\d+)")


@dataclass(frozen=True, eq=False)  # one object per compiled statement: hashed by identity
class Compiled:
    """A statement as asyncpg runs it: SQL with `$n` placeholders, and for each placeholder
    the parameter it takes (or the constant the statement bound), and its type's processor."""

    sql: str
    names: tuple[str, ...]
    constants: tuple[Any, ...]  # `_UNSET` where the caller's parameter is used
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, constant, process in zip(self.names, self.constants, self.binds, strict=True):
            value = params[name] if constant is _UNSET else constant
            values.append(value if process is None or value is None else process(value))
        return values

    def row(self, record: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if process is None else process(value)
            for value, process in zip(record, self.results, strict=True)
        )


@functools.lru_cache(maxsize=512)
def compiled(statement: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> Compiled:
    """`statement` compiled for `dialect` with the parameter names `keys` (an UPDATE's SET or
    an INSERT's columns follow them); cached, since statements are built once per process."""
    done = statement.compile(dialect=dialect, column_keys=sorted(keys))
    if not isinstance(done, SQLCompiler):  # pragma: no cover - DDL is never run here
        raise ValueError(f"not a SQL statement: {statement}")
    prefetch = [*done.insert_prefetch, *done.update_prefetch]
    if prefetch or done.positiontup is None:
        raise ValueError(f"not runnable on the driver (defaults or paramstyle): {done}")
    names, constants, binds = [], [], []
    for name in done.positiontup:
        bind = done.binds[name]
        if bind.expanding:
            raise ValueError(f"expanding parameter {name!r}: use ANY(array) on the driver")
        if bind.callable is not None:  # evaluated per execution by SQLAlchemy, not once
            raise ValueError(f"parameter {name!r} has a callable value")
        names.append(name)
        constants.append(_UNSET if name in keys or bind.required else bind.effective_value)
        binds.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
    columns = getattr(statement, "exported_columns", None) or ()
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    return Compiled(done.string, tuple(names), tuple(constants), tuple(binds), results)


@functools.lru_cache(maxsize=128)
def many_values(single: Compiled, rows: int) -> Compiled:
    """A one-row INSERT … VALUES (…) as one statement for `rows` rows: the VALUES group is
    repeated with its placeholders renumbered, as SQLAlchemy's own "insertmanyvalues" does.
    Every row of one statement sees the table as it was before the statement, as through
    the session (an INSERT per row would see the rows before it)."""
    start = single.sql.find(" VALUES (")
    if start < 0:
        raise ValueError("not a one-row INSERT … VALUES (…)")
    opening = start + len(" VALUES ")
    closing = _matching_parenthesis(single.sql, opening)
    group = single.sql[opening : closing + 1]
    width = len(single.names)
    if len(set(_PLACEHOLDER.findall(group))) != width:
        raise ValueError("parameters outside the VALUES group: not repeatable per row")

    def shifted(n: int) -> str:
        return _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + n * width}", group)

    groups = ", ".join(shifted(n) for n in range(rows))
    sql = single.sql[:opening] + groups + single.sql[closing + 1 :]
    return Compiled(
        sql,
        single.names * rows,
        single.constants * rows,
        single.binds * rows,
        single.results,
    )


def _matching_parenthesis(sql: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[index], 0)
        if depth == 0:
            return index
    raise ValueError("unbalanced parentheses")


class Driver:
    """Statements on one pooled connection's asyncpg handle (see the module docstring).

    `in_transaction`: the connection belongs to a transaction; `usable` is False until it
    has begun on the connection, so nothing meant for it runs outside it. On PostgreSQL
    `Store.transaction` owns it (`begin`, `commit`, `rollback`, here): the connection is in
    autocommit for SQLAlchemy, so statements the session runs on it go into the same
    transaction and SQLAlchemy neither begins nor ends it.
    """

    def __init__(self, connection: AsyncConnection, raw: Any, *, in_transaction: bool) -> None:
        self._connection = connection
        self._raw = raw  # asyncpg.Connection
        self._in_transaction = in_transaction
        self._dialect = connection.dialect

    @classmethod
    async def of(cls, connection: AsyncConnection, *, in_transaction: bool) -> Driver:
        pooled = await connection.get_raw_connection()
        return cls(connection, pooled.driver_connection, in_transaction=in_transaction)

    @property
    def usable(self) -> bool:
        return not self._in_transaction or bool(self._raw.is_in_transaction())

    @property
    def in_transaction_now(self) -> bool:
        """The connection's server-side transaction is open (or failed and not yet ended)."""
        return bool(self._raw.is_in_transaction())

    async def begin(self) -> None:
        await self._control("BEGIN")

    async def commit(self) -> None:
        """COMMIT; raises if the server rolled back instead (a failed statement whose error
        was caught left the transaction aborted: PostgreSQL answers such a COMMIT with
        ROLLBACK, and the work must not be reported done)."""
        if await self._control("COMMIT") != "COMMIT":
            raise exc.InvalidRequestError("the transaction had failed: it was rolled back")

    async def rollback(self) -> None:
        if self.in_transaction_now:
            await self._control("ROLLBACK")

    async def invalidate(self) -> None:
        """Drop the connection from the pool (a transaction that could not be ended)."""
        await self._connection.invalidate()

    async def _control(self, command: str) -> str:
        # Not reported as a statement: SQLAlchemy's BEGIN and COMMIT are not either.
        try:
            return str(await self._raw.execute(command))
        except Exception as error:
            metrics.count_database_error()
            raise await self._translated(error, command, []) from error

    async def rows(
        self, statement: ClauseElement, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """Run `statement` with `params`; its rows (RETURNING), processed by type."""
        return await self._run(compiled(statement, self._dialect, frozenset(params)), params)

    async def rows_of_insert(
        self, statement: ClauseElement, params: Sequence[Mapping[str, Any]]
    ) -> list[tuple[Any, ...]]:
        """One INSERT of many rows (each with the same parameter names, at most
        `MAX_INSERT_ROWS`), in one statement."""
        if not 0 < len(params) <= MAX_INSERT_ROWS:
            raise ValueError(f"{len(params)} rows: 1 to {MAX_INSERT_ROWS} per statement")
        single = compiled(statement, self._dialect, frozenset(params[0]))
        if len(params) == 1:
            return await self._run(single, params[0])
        arguments: list[Any] = []
        for row in params:
            arguments.extend(single.arguments(row))
        return await self._execute(many_values(single, len(params)), arguments)

    async def _run(self, statement: Compiled, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return await self._execute(statement, statement.arguments(params))

    async def _execute(self, statement: Compiled, arguments: list[Any]) -> list[tuple[Any, ...]]:
        sync = self._connection.sync_connection
        if sync is not None:  # the engine's listeners count it (/metrics, tests)
            sync.dispatch.before_cursor_execute(sync, None, statement.sql, arguments, None, False)
        try:
            records = await self._raw.fetch(statement.sql, *arguments)
        except Exception as error:
            metrics.count_database_error()
            raise await self._translated(error, statement.sql, arguments) from error
        return [statement.row(record) for record in records]

    async def _translated(self, error: Exception, sql: str, arguments: list[Any]) -> Exception:
        """SQLAlchemy's exception for a driver error: a broken connection is invalidated
        (the pool drops it) and reported as an OperationalError, as the session would."""
        import asyncpg  # type: ignore[import-untyped]

        broken = self._raw.is_closed() or isinstance(
            error, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)
        )
        if broken:
            await self._connection.invalidate()
            return exc.OperationalError(sql, arguments, error, connection_invalidated=True)
        if isinstance(error, asyncpg.IntegrityConstraintViolationError):
            return exc.IntegrityError(sql, arguments, error)
        if isinstance(error, asyncpg.exceptions.SyntaxOrAccessError):
            return exc.ProgrammingError(sql, arguments, error)
        if isinstance(error, asyncpg.PostgresError):
            return exc.DBAPIError(sql, arguments, error)
        return error
