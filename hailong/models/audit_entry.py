from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class AuditEntry(Base):
    """One line of the append-only audit log: who did what, when, on which unit, and why.

    Written in the transaction of the change it records. On PostgreSQL and SQLite a trigger
    refuses UPDATE and DELETE (migration 0006), so not even a bug can rewrite history.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The account that acted; NULL for an operator's command or a failed anonymous sign-in.
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    # Who, as a person reads it, kept even if the account is renamed: a username,
    # "console:<system user>" for commands, or the username typed at a failed sign-in.
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    # What was acted on, e.g. "account:alice", "token:hl_ab12cd34", "response:<public id>".
    target: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    # The caller's network address for web and API actions (an official's, never a citizen's).
    address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
