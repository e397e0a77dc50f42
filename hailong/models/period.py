from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hailong.models.base import Base, utcnow
from hailong.models.questionnaire import QuestionnaireVersion


class Period(Base):
    """A survey period (đợt khảo sát): dates, questionnaire, quota and which channels count."""

    __tablename__ = "period"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    default_quota: Mapped[int] = mapped_column(default=30)
    official_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Formula settings of the methodology that belong to the period (see sipas-methodology.md).
    rollup_rule: Mapped[str] = mapped_column(String(32), default="mean_of_units")
    counted_review_states: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The unit whose officials run the period (its subtree's); NULL: run by administrators.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Set when an official closes the period early: no survey starts or goes on after it.
    closed_at: Mapped[datetime | None]

    questionnaire: Mapped[QuestionnaireVersion] = relationship(lazy="raise")

    def settings_dict(self) -> dict[str, Any]:
        return {
            "rollup_rule": self.rollup_rule,
            "counted_review_states": list(self.counted_review_states),
            "official_channels": list(self.official_channels),
        }


class Quota(Base):
    """A per-unit override of the period's default quota."""

    __tablename__ = "quota"
    __table_args__ = (UniqueConstraint("period_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    quota: Mapped[int]
