"""Plain factory functions for tests: each makes one thing with sensible defaults."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from hailong.counters import service as counters
from hailong.models import Counter, CounterToken, Period, Procedure, Unit
from hailong.periods.service import today_in_vietnam
from hailong.questionnaires.service import get_or_load
from hailong.units.service import set_parent


def make_unit(
    session: Session,
    *,
    code: str = "11413",
    name: str = "Phường Hải An",
    level: str = "commune",
    parent: Unit | None = None,
) -> Unit:
    unit = Unit(code=code, name=name, level=level)
    session.add(unit)
    session.flush()
    set_parent(session, unit, parent)
    session.flush()
    return unit


def make_counter(
    session: Session, unit: Unit, *, name: str = "Quầy số 1"
) -> tuple[Counter, CounterToken]:
    return counters.add_counter(session, unit=unit, name=name)


def make_period(
    session: Session,
    *,
    code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    questionnaire: str = "sipas-2023",
    quota: int = 30,
    official: tuple[str, ...] = ("web", "telegram", "zalo", "email", "interview", "paper"),
) -> Period:
    today = today_in_vietnam()
    start = start or date(today.year, 1, 1)
    end = end or date(today.year, 12, 31)
    version = get_or_load(session, questionnaire)
    period = Period(
        code=code or str(start.year),
        start_date=start,
        end_date=end,
        questionnaire_id=version.id,
        default_quota=quota,
        official_channels=list(official),
        rollup_rule="mean_of_units",
        counted_review_states=["received", "has_issues", "approved"],
    )
    session.add(period)
    session.flush()
    return period


def make_procedure(
    session: Session,
    *,
    code: str = "1.001612",
    name: str = "Đăng ký khai sinh",
    field: str = "Hộ tịch",
    all_units: bool = True,
) -> Procedure:
    procedure = Procedure(code=code, name=name, field=field, all_units=all_units)
    session.add(procedure)
    session.flush()
    return procedure
