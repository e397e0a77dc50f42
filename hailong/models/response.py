from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class Response(Base):
    """One citizen's questionnaire, whatever the channel. Its answers are rows of `answer`."""

    __tablename__ = "response"
    __table_args__ = (
        # Paper serial numbers: importing the same file twice adds nothing.
        UniqueConstraint("unit_id", "period_id", "form_id"),
        Index("ix_response_period_unit_status", "period_id", "unit_id", "status"),
        Index("ix_response_respondent", "channel", "respondent_ref", "status"),
        # The few finished forms that rate no criterion, counted beside every index.
        Index(
            "ix_response_unrated",
            "period_id",
            "unit_id",
            sqlite_where=text("status = 'unrated'"),
            postgresql_where=text("status = 'unrated'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="in_progress")
    review_state: Mapped[str] = mapped_column(String(16), default="received")
    # Denormalised from the `procedure` answer, for filters and tallies.
    procedure_code: Mapped[str | None] = mapped_column(String(64))
    # Keyed hash (HMAC) of a chat user id; never the raw id.
    respondent_ref: Mapped[str | None] = mapped_column(String(64))
    # SHA-256 of the random key in the browser's signed cookie: only that browser may go on.
    resume_key_hash: Mapped[str | None] = mapped_column(String(64))
    # The enumerator who ran an interview (accounts come later: no foreign key yet).
    enumerator_id: Mapped[int | None]
    form_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="vi")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]


class Answer(Base):
    """One answer of a response; NULL value means the citizen skipped an optional question."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboundEvent(Base):
    """A delivery from a chat platform, recorded in the same transaction as what it carries."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("channel", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
