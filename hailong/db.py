"""Engines and sessions. Nothing here runs at import time; entry points call these."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    TextClause,
    bindparam,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from hailong.models.packing import add_stored
from hailong.reference import cache_info, track_changes

M = TypeVar("M")
POSTGRESQL = "postgresql"
BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def is_postgresql(where: Session | Connection | Engine | Dialect) -> bool:
    """The one place that asks which of our two databases is in use (the other is SQLite):
    bulk loads, locks and aggregates take PostgreSQL's faster path when it is."""
    if isinstance(where, Session):
        where = where.get_bind()
    dialect = where if isinstance(where, Dialect) else where.dialect
    return dialect.name == POSTGRESQL


def normalise_url(url: str) -> str:
    # Operators paste "postgresql://..." from their provider; we speak psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the web form read while another process writes; the busy timeout makes
    # a second app process wait for the write lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Erased data (an outbox message's e-mail address or chat id) is overwritten in the file,
    # not merely unlinked from the page where any file reader could still find it.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # The tallies' upsert adds packed counts, which SQLite's integers are too short to hold.
    dbapi_connection.create_function("tally_add", 2, add_stored, deterministic=True)


# An execution option (Session.connection(execution_options=READ_ONLY)) for transactions that
# only read: on SQLite they begin without the write lock.
READ_ONLY = {"hailong_read_only": True}


class WriterQueue:
    """This process's SQLite writers, one at a time, in the order they come.

    SQLite lets one transaction write; another that asks waits in SQLite's busy handler,
    which sleeps and retries (a few ms, then up to 100 ms a try), so under load a writer
    often sleeps long after the lock was free: that made the p95. Writers of one process
    queue on this lock instead and start the moment the previous one ends; writers of other
    processes still meet at SQLite's lock and its busy timeout.
    """

    HELD = "hailong_writer_queue_held"

    def __init__(self, timeout_seconds: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout_seconds

    def begin(self, connection: Connection) -> None:
        # A transaction that writes takes the write lock when it begins: with WAL, a reader
        # that later writes after another process wrote fails at once (SQLITE_BUSY_SNAPSHOT)
        # instead of waiting. One that only reads (a page GET) takes no lock and never waits
        # behind a writer: WAL gives it a snapshot.
        if connection.get_execution_options().get("hailong_read_only"):
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        # Past the timeout (a stuck writer), SQLite's own busy timeout decides as before.
        if self._lock.acquire(timeout=self._timeout):
            connection.info[self.HELD] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def end(self, connection: Connection) -> None:
        if connection.info.pop(self.HELD, False):
            self._lock.release()

    def _commit(self, connection: Connection) -> None:
        # The event comes before SQLAlchemy's commit: commit here, so the next writer starts
        # after it and never meets SQLite's lock (the driver's own commit then has nothing
        # left to do).
        if connection.info.get(self.HELD):
            driver = connection.connection.driver_connection
            try:
                if driver is not None and driver.in_transaction:
                    driver.execute("COMMIT")
            finally:
                self.end(connection)

    def _rollback(self, connection: Connection) -> None:
        if connection.info.get(self.HELD):
            driver = connection.connection.driver_connection
            try:
                if driver is not None and driver.in_transaction:
                    driver.execute("ROLLBACK")
            finally:
                self.end(connection)

    def listen(self, engine: Engine) -> None:
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        # A connection given back to the pool without either (its transaction is rolled
        # back by the pool): the lock goes with it.
        event.listen(engine, "checkin", self._checked_in)

    def _checked_in(self, dbapi_connection: Any, record: Any) -> None:
        if record.info.pop(self.HELD, False):
            self._lock.release()


def make_engine(url: str, *, reference_tracking: bool = True, **kwargs: Any) -> Engine:
    """An engine for our two databases. `reference_tracking`: every write to reference data
    bumps reference_version (hailong.reference); only migrations, which may run before that
    table exists, go without."""
    url = normalise_url(url)
    # Parameters carry citizens' answers: never into logs or error messages.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
    else:
        kwargs.setdefault("pool_pre_ping", True)
        engine = create_engine(url, **kwargs)
    if reference_tracking:
        # First: its bump must run before the writer queue's commit below.
        track_changes(engine)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
        WriterQueue(timeout_seconds=BUSY_TIMEOUT_MS / 1000).listen(engine)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Here, not at the top: the store of kept responses reads rows as attached() does.
    from hailong.responses.kept import keep_responses

    # The sessions of one sessionmaker share one in-memory copy of the reference data, and
    # of the in-progress responses they committed (hailong.responses.kept).
    factory = sessionmaker(bind=engine, expire_on_commit=False, info=cache_info())
    keep_responses(factory)
    return factory


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """Commit at the edge: the caller's block succeeds and is committed, or fails and is undone.

    `read_only`: the block only reads (on SQLite it then takes no write lock); a write in it
    may fail on SQLite when another process wrote first."""
    session = factory()
    if read_only:
        session.connection(execution_options=READ_ONLY)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def typed_text(sql: str, table: Table | Any) -> TextClause:
    """A hand-written statement on `table` whose `:name` parameters are sent as the columns of
    that name send theirs (dates, packed counts), as a built statement would.

    For the hot ON CONFLICT upserts: SQLAlchemy 2.0 cannot cache a dialect's INSERT ... ON
    CONFLICT and compiles it afresh on every execution, while a text statement is compiled
    once."""
    names = set(re.findall(r"(?<![:\w]):(\w+)", sql))
    typed = [bindparam(c.name, type_=c.type) for c in table.columns if c.name in names]
    return text(sql).bindparams(*typed)


def attached(session: Session, model: type[M], row: Mapping[Any, Any]) -> M:
    """The `model` instance of a row read by a Core statement of all its table's columns,
    persistent in `session` as if the ORM had loaded it (the instance the session holds
    already, if any), without the ORM's per-query loading machinery: on a hot path that
    machinery costs more than the query."""
    mapper = inspect(model, raiseerr=True)
    columns = column_names(mapper)
    key = mapper.identity_key_from_primary_key(
        tuple(row[column.name] for column in mapper.primary_key)
    )
    held = session.identity_map.get(key)
    if held is not None:
        # As a load would: what the session holds stays, what it had expired is filled in.
        for name in inspect(held).expired_attributes & columns.keys():
            set_committed_value(held, name, row[columns[name]])
        found: M = held
        return found
    # As the ORM's loading does: the values go straight into the new instance's state (no
    # change events, nothing to write back), which the session then holds as loaded.
    instance = mapper.class_manager.new_instance()
    vars(instance).update({attr: row[column] for attr, column in columns.items()})
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


@cache
def column_names(mapper: Mapper[Any]) -> dict[str, str]:
    """Attribute name: column name, of a mapped class's columns."""
    return {attr.key: attr.columns[0].name for attr in mapper.column_attrs}


def dialect_insert(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support for whichever of our two databases is in use."""
    if is_postgresql(session):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
