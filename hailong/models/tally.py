from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hailong.models.base import Base

# A tally row holds the counts of one question's answers, one column per answer slot: the
# answer's position among the question's options (see hailong/tallies/layout.py). A wide row
# instead of one row per answer keeps the tables five to ten times smaller, and the national
# index reads one row per (unit, channel, review state, question).
SLOTS = 10
SLOT_COLUMNS = tuple(f"n{slot}" for slot in range(SLOTS))


class _Slots:
    n0: Mapped[int] = mapped_column(BigInteger, default=0)
    n1: Mapped[int] = mapped_column(BigInteger, default=0)
    n2: Mapped[int] = mapped_column(BigInteger, default=0)
    n3: Mapped[int] = mapped_column(BigInteger, default=0)
    n4: Mapped[int] = mapped_column(BigInteger, default=0)
    n5: Mapped[int] = mapped_column(BigInteger, default=0)
    n6: Mapped[int] = mapped_column(BigInteger, default=0)
    n7: Mapped[int] = mapped_column(BigInteger, default=0)
    n8: Mapped[int] = mapped_column(BigInteger, default=0)
    n9: Mapped[int] = mapped_column(BigInteger, default=0)


class Tally(_Slots, Base):
    """Counts of completed responses' answers per (period, unit, counter, procedure, channel,
    review state, questionnaire, question, part), kept in the answers' own transaction.

    `counter_id` 0 means "no counter" (a paper form) and `procedure_code` "" means "none given":
    key columns must not be NULL, or ON CONFLICT would never match. `part` numbers the blocks of
    ten options of a question with more than ten.
    """

    __tablename__ = "tally"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    counter_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    review_state: Mapped[str] = mapped_column(String(16), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)


class UnitTally(_Slots, Base):
    """The same counts without the counter and procedure: what the index of the tree reads.

    Per unit it has at most channels x review states x questions rows, however many responses
    and procedures there are, so the national index stays O(units).
    """

    __tablename__ = "unit_tally"

    period_id: Mapped[int] = mapped_column(
        ForeignKey("period.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    review_state: Mapped[str] = mapped_column(String(16), primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_version.id"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
