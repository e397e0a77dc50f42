"""Reference data kept in memory: counters and their tokens, units, periods, procedures,
questionnaire versions. They change seldom and every answer reads them.

Any change to their tables, by any process, adds one to the `reference_version` row as its
transaction commits (an engine event on every INSERT, UPDATE or DELETE of those tables, so no
service has to remember it). Each transaction that reads through the cache first reads that
number (one primary-key read) and drops the process's copy when it is not the number the copy
was made under: a rotation, a revocation or a closed period is seen by the next request of
every process, as it would be without a cache. A transaction that changed reference data
itself reads around the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from hailong.models.reference_version import REFERENCE_ROW, ReferenceVersion

T = TypeVar("T")
R = TypeVar("R", bound=object)

REFERENCE_TABLES = frozenset(
    {
        "unit",
        "counter",
        "counter_token",
        "period",
        "procedure",
        "procedure_unit",
        "questionnaire_version",
    }
)
# The row is made by the first change (an empty database holds no row of ours, for the demo).
BUMP = (
    f"INSERT INTO reference_version (id, version) VALUES ({REFERENCE_ROW}, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = reference_version.version + 1"
)
# Keys of Session.info and Connection.info.
CACHE = "hailong_reference_cache"
SEEN = "hailong_reference_seen"
CHANGED = "hailong_reference_changed"


class ReferenceCache:
    """One process's copy, shared by the sessions of one sessionmaker (and their threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._entries: dict[Hashable, Any] = {}

    def lookup(self, version: int, key: Hashable, load: Callable[[], T]) -> T:
        with self._lock:
            if self._version != version:
                self._entries.clear()
                self._version = version
            if key in self._entries:
                found: T = self._entries[key]
                return found
        value = load()  # outside the lock: a miss may read the database
        with self._lock:
            if self._version == version:
                self._entries[key] = value
        return value


# Keeping the number --------------------------------------------------------------------------


def track_changes(engine: Engine) -> None:
    """Bump the number when a transaction that wrote a reference table commits (make_engine
    registers it before anything else that listens for the commit)."""
    event.listen(engine, "after_execute", _after_execute)
    event.listen(engine, "commit", _bump_on_commit)
    event.listen(engine, "rollback", _transaction_ended)


def _after_execute(connection: Connection, statement: Any, *_args: Any) -> None:
    table = getattr(statement, "table", None)
    if getattr(statement, "is_dml", False) and getattr(table, "name", None) in REFERENCE_TABLES:
        connection.info[CHANGED] = True


def _bump_on_commit(connection: Connection) -> None:
    # At the commit, not at the write: the row is locked only for the commit itself, so two
    # transactions writing reference data never wait for each other's whole transaction.
    if connection.info.pop(CHANGED, False):
        driver = connection.connection.driver_connection
        if driver is not None:
            driver.execute(BUMP)


def _transaction_ended(connection: Connection) -> None:
    connection.info.pop(CHANGED, None)


# Reading through the cache -------------------------------------------------------------------


def cache_info() -> dict[str, Any]:
    """What a sessionmaker's `info` holds so its sessions share one cache (make_sessionmaker)."""
    return {CACHE: ReferenceCache()}


def cached(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s value, from the cache while the reference data has not changed."""
    cache: ReferenceCache | None = session.info.get(CACHE)
    if cache is None:
        return load()
    if session.autoflush:
        # As a query would: this transaction's own pending changes count (and bump).
        session.flush()
    seen = _seen(session)
    if seen is None:
        connection_info = session.connection().info
        if connection_info.get(CHANGED):
            return load()
        version = _read_version(session, connection_info)
    else:
        # The connection's info, kept from the first lookup: asking the session for its
        # connection again costs more than the whole lookup.
        version, connection_info = seen
        if connection_info.get(CHANGED):
            return load()
    return cache.lookup(version, key, load)


def version_column() -> Any:
    """The number as a column of another query: the row a request locks first can bring it
    along (remember_version), which saves the request a round trip."""
    # Of the table's columns, not the ORM's attributes: a Core statement it joins stays Core.
    table = ReferenceVersion.__table__
    return (
        select(table.c.version)
        .where(table.c.id == REFERENCE_ROW)
        .scalar_subquery()
        .label("reference_version")
    )


def remember_version(session: Session, version: int | None) -> None:
    """The number as this transaction read it with version_column()."""
    session.info[SEEN] = (session.get_transaction(), version or 0, session.connection().info)


def _seen(session: Session) -> tuple[int, dict[Any, Any]] | None:
    """(the number, the connection's info) as this transaction read them, if it did."""
    seen = session.info.get(SEEN)
    transaction = session.get_transaction()
    if seen is None or transaction is None or seen[0] is not transaction:
        return None
    return seen[1], seen[2]


def _read_version(session: Session, connection_info: dict[Any, Any]) -> int:
    """The number, read once per transaction."""
    version = session.scalar(_VERSION_QUERY) or 0
    session.info[SEEN] = (session.get_transaction(), version, connection_info)
    return version


# Built once: a statement keeps its cache key, worked out again for each new one.
_VERSION_QUERY = select(ReferenceVersion.version).where(ReferenceVersion.id == REFERENCE_ROW)


def detached_copy(row: R) -> R:
    """A copy of a loaded row to keep in the cache: its columns' values, in no session (the
    session that loaded it keeps its own, to change if it likes)."""
    mapper = inspect(row, raiseerr=True).mapper
    copy = mapper.class_(**{attr.key: getattr(row, attr.key) for attr in mapper.column_attrs})
    make_transient_to_detached(copy)
    result: R = copy
    return result
