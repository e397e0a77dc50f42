"""Writing a large TallyBatch (an import of paper forms) with one COPY per table.

The rows and the upsert are those of TallyBatch.write (n = n + excluded.n, keys in sorted
order); on PostgreSQL the rows travel by COPY (hailong.bulk) instead of one statement each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from hailong.bulk import ColumnType, copy_upsert, is_postgresql
from hailong.models import Tally, UnitTally
from hailong.models.tally import SLOT_COLUMNS
from hailong.tallies.service import TALLY_KEYS, UNIT_TALLY_KEYS, TallyBatch

_KEY_TYPES = {
    "period_id": "int4",
    "unit_id": "int4",
    "counter_id": "int4",
    "procedure_code": "text",
    "channel": "text",
    "review_state": "text",
    "questionnaire_id": "int4",
    "question_key": "text",
    "part": "int4",
}


def write(session: Session, batch: TallyBatch) -> None:
    """Add the batch's counts to both tally tables, then empty it."""
    if not is_postgresql(session):
        batch.write(session)
        return
    _upsert(session, Tally.__tablename__, TALLY_KEYS, batch.tally_values())
    _upsert(session, UnitTally.__tablename__, UNIT_TALLY_KEYS, batch.unit_tally_values())
    batch.blocks.clear()


def _upsert(
    session: Session, table: str, keys: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    columns: list[ColumnType] = [(key, _KEY_TYPES[key]) for key in keys]
    columns += [(slot, "int8") for slot in SLOT_COLUMNS]
    added = ", ".join(f"{slot} = {table}.{slot} + excluded.{slot}" for slot in SLOT_COLUMNS)
    # A batch holds each key once, so the one statement never touches a row twice.
    tail = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    copy_upsert(session, table, columns, rows, tail=tail)
