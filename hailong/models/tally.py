from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, LargeBinary, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from hailong.models.base import Base
from hailong.models.packing import from_bytes, to_bytes


class PackedCounts(TypeDecorator[int]):
    """The counts of a tally row packed into one integer (see hailong/models/packing.py):
    an exact numeric on PostgreSQL, bytes on SQLite, whose integers stop at 64 bits."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return Decimal(value)
        return to_bytes(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return from_bytes(bytes(value))
        return int(value)


class Tally(Base):
    """Counts of completed responses' answers per (period, unit, counter, procedure, channel,
    review state, questionnaire), kept in the answers' own transaction.

    `counts` packs, in the order of the questionnaire's tally layout (hailong/tallies/layout.py),
    the number of responses and then each answer code's count. `counter_id` 0 means "no
    counter" (a paper form) and `procedure_code` "" means "none given": key columns must not
    be NULL, or ON CONFLICT would never match.
    """

    __tablename__ = "tally"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    counter_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    review_state: Mapped[str] = mapped_column(String(16), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), primary_key=True
    )
    counts: Mapped[int] = mapped_column(PackedCounts())


class UnitTally(Base):
    """The same counts without the counter and procedure: what the index of the tree reads.

    Per unit it has at most channels x review states rows, however many responses and
    procedures there are, so the national index reads a few rows per unit.
    """

    __tablename__ = "unit_tally"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    review_state: Mapped[str] = mapped_column(String(16), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), primary_key=True
    )
    counts: Mapped[int] = mapped_column(PackedCounts())
