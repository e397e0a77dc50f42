from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hailong.models.base import Base, utcnow
from hailong.models.unit import Unit


class Counter(Base):
    """A counter (quầy) of a unit's one-stop office; its poster carries the current token."""

    __tablename__ = "counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="raise")


class CounterToken(Base):
    """Every token a counter ever had, so an old poster gets "replaced", not "unknown"."""

    __tablename__ = "counter_token"
    __table_args__ = (
        # A short code is typed into chats: it must be unique among the live ones only.
        Index(
            "uq_counter_token_active_short_code",
            "short_code",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]

    counter: Mapped[Counter] = relationship(lazy="raise")
