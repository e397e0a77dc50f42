from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class ChatLanguage(Base):
    """The language a chat respondent chose (/ngonngu), for surveys they have not started yet.

    Keyed like a response's respondent_ref: a keyed hash, never the chat's own id.
    """

    __tablename__ = "chat_language"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    respondent_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
