from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class EnumeratorTie(StrEnum):
    # A unit where the enumerator interviews (điều tra viên được phân công).
    assigned = "assigned"
    # A unit where the enumerator works or lives: never surveyed by them (Ngô Quyền 2023).
    own = "own"


class EnumeratorUnit(Base):
    """A unit an enumerator account is tied to: assigned to interview there, or their own."""

    __tablename__ = "enumerator_unit"
    # A unit is either assigned or the enumerator's own, never both.
    __table_args__ = (UniqueConstraint("account_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    tie: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
