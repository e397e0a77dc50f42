from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hailong.models.base import Base, utcnow
from hailong.models.unit import Unit


class Role(StrEnum):
    """What an account may do, always within its unit (accounts.scope says exactly what)."""

    admin = "admin"
    official = "official"
    ward_staff = "ward_staff"
    enumerator = "enumerator"


class Account(Base):
    """A person who signs in to the office or calls the API: one role, one unit.

    An admin's unit is NULL: the whole country, whatever provinces the tree holds. Accounts
    are disabled, never deleted, so the audit log keeps naming who did what.
    """

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Argon2id in PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship(lazy="raise")
