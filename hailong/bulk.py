"""Many rows at once on PostgreSQL: binary COPY, and upserts through a scratch table.

An executemany sends one statement per row (or a VALUES list of a thousand rows, each value a
parameter that SQLAlchemy and the driver handle in Python). COPY streams the rows in
PostgreSQL's binary format, which psycopg writes in C: for the million forms of a national
import, the difference between most of an hour and a few minutes. COPY cannot say ON
CONFLICT, so an upsert copies into a temporary scratch table first and inserts from there.
Callers keep a plain SQLAlchemy path for SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import TableClause, text
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hailong.db import is_postgresql

# (column name, PostgreSQL type of its values, as psycopg's binary COPY names it: int4, int8,
# text, timestamptz). Table and column names are always ours, never user input.
ColumnType = tuple[str, str]


# SQLSTATE of "permission denied".
INSUFFICIENT_PRIVILEGE = "42501"


@contextmanager
def triggers_off(session: Session) -> Iterator[bool]:
    """For a bulk load that vouches for its own references: stop PostgreSQL firing triggers on
    this transaction's writes while the block runs; yields whether it could.

    Our schema's only triggers are the foreign-key checks, and for a million imported forms
    those cost more than everything else PostgreSQL does: some 45 million lookups and locks,
    one per foreign key of each row written. The caller must make sure of what they would
    have: that every referenced row exists and stays until commit (lock them FOR KEY SHARE),
    or that it was inserted by this same transaction. Unique, NOT NULL and CHECK constraints
    still hold. Allowed to superusers and to roles granted it (PostgreSQL 15:
    GRANT SET ON PARAMETER session_replication_role TO ...); for other roles, and on SQLite,
    the block runs with every check, only slower. A trigger added to these tables later must
    be created ENABLE ALWAYS, or the load must do its work.
    """
    if not is_postgresql(session):
        yield False
        return
    previous = session.execute(text("SHOW session_replication_role")).scalar_one()
    try:
        with session.begin_nested():
            session.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        yield False
        return
    yield True
    # After an error the caller rolls back, which ends the setting too.
    session.execute(
        text("SELECT set_config('session_replication_role', :value, true)"), {"value": previous}
    )


def analyze(session: Session, tables: Iterable[str]) -> None:
    """Refresh PostgreSQL's statistics of tables that just grew a lot.

    Until autovacuum comes round (a minute or more after commit), the planner would take a
    table that a million forms just filled for nearly empty and sort where it should hash: the
    national index then takes twice as long. Inside the load's transaction its own rows count.
    """
    if is_postgresql(session):
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))


def _names(columns: Sequence[ColumnType]) -> str:
    return ", ".join(name for name, _ in columns)


def copy_rows(
    session: Session, table: str, columns: Sequence[ColumnType], rows: Iterable[Sequence[Any]]
) -> None:
    """COPY rows (one value per column, in order) into a table, inside the session's
    transaction."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    statement = f"COPY {table} ({_names(columns)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.set_types([kind for _, kind in columns])
        for row in rows:
            copy.write_row(row)


def copy_upsert(
    session: Session,
    table: str,
    columns: Sequence[ColumnType],
    rows: Iterable[Sequence[Any]],
    *,
    tail: str,
) -> list[Row[Any]]:
    """INSERT INTO table (columns) <rows> <tail>, where tail is ON CONFLICT ... and maybe
    RETURNING ...; returns what RETURNING gives.

    The rows go by COPY into a scratch table of this transaction, emptied after each use. Rows
    are inserted in the order given, so writers that sort their keys lock in one order.
    """
    names = _names(columns)
    scratch = f"{table}_scratch"
    connection = session.connection()
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} ON COMMIT DROP AS "
        f"SELECT {names} FROM {table} WITH NO DATA"
    )
    copy_rows(session, scratch, columns, rows)
    result = connection.exec_driver_sql(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {scratch} {tail}"
    )
    returned = list(result.all()) if result.returns_rows else []
    connection.exec_driver_sql(f"TRUNCATE {scratch}")
    return returned


def insert_rows(
    session: Session,
    table: TableClause,
    columns: Sequence[ColumnType],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert rows (one value per column, in order): COPY on PostgreSQL, an executemany of
    dicts elsewhere (SQLite)."""
    if is_postgresql(session):
        copy_rows(session, table.name, columns, rows)
        return
    names = [name for name, _ in columns]
    session.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
