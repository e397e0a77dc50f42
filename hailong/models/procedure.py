from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base

procedure_unit = Table(
    "procedure_unit",
    Base.metadata,
    Column("procedure_id", ForeignKey("procedure.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class Procedure(Base):
    """An administrative procedure (thủ tục hành chính), by its national code."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(255), default="")
    # Offered at every unit; otherwise only at the units linked in procedure_unit.
    all_units: Mapped[bool] = mapped_column(default=False)
