from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class Invitation(Base):
    """A one-time survey link sent with a dossier's result (the e-mail mode of the plans).

    The link's token is kept only as a keyed hash: the table alone opens no survey. Unit,
    procedure and period are the dossier's, so the survey skips the procedure question.
    """

    __tablename__ = "invitation"
    # A dossier is invited at most once.
    __table_args__ = (UniqueConstraint("unit_id", "dossier_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    dossier_id: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    procedure_code: Mapped[str] = mapped_column(String(64))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    expires_at: Mapped[datetime]
    # The response the link started; set once, so a second use finds it.
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("response.id", ondelete="SET NULL"), unique=True
    )
    # The e-mail in the outbox (its state says sent or failed); its address is erased there.
    message_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
