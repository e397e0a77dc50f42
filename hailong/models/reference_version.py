from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base

# The one row's id.
REFERENCE_ROW = 1


class ReferenceVersion(Base):
    """One row whose number goes up with every change to the reference data (units, counters
    and their tokens, periods, procedures, questionnaire versions): each app process keeps
    those in memory and drops its copy when the number it reads is not the one it holds."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
