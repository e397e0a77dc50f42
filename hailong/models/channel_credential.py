from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base, utcnow


class ChannelCredential(Base):
    """A chat platform's current tokens (Zalo's OA access token and its single-use refresh
    token): each renewal rotates both, so they live here, not in the settings, which only
    give the first pair. Read and written by the outbox worker's sender; never logged."""

    __tablename__ = "channel_credential"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    # When the access token stops working, as the platform said (None: not told).
    expires_at: Mapped[datetime | None]
    # A keyed hash of the pair the settings gave when this row was made: an operator who puts
    # a new pair in the settings (after authorising the app again) replaces the stored one.
    seeded_from: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
