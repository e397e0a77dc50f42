from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hailong.models.base import Base, utcnow


class Unit(Base):
    """A node of the administrative tree: province, (district), commune, or a department (sở)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Materialised path of ids ("/1/7/42/") so a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(512), index=True, default="/")
    # Pre-2025 districts and wards stay for history but take no new surveys.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")
