from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class PosterJobState(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"


class PosterJob(Base):
    """A batch of posters built in the background for an official, and the PDF once built.

    Kept in the database so whichever app process answers the official's next request can
    show its progress and hand over the file."""

    __tablename__ = "poster_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    size: Mapped[str] = mapped_column(String(4))
    state: Mapped[str] = mapped_column(String(16), default=PosterJobState.running.value)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Each step of progress touches it: a running job untouched for long died with its process.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
