"""Survey periods (đợt khảo sát): which one is open, adding one, and per-unit quotas.

Periods are dated in Vietnam's calendar, whatever the server's clock zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.channels import parse_channels
from hailong.errors import BadInput, Forbidden, NotFound
from hailong.i18n import N_
from hailong.models import Period, QuestionnaireVersion, Quota, ReviewState
from hailong.questionnaires.service import questionnaire_by_code
from hailong.units.importing import column_length

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The methodology counts every response an official has not rejected, unless a period says so.
COUNTED_REVIEW_STATES = [
    ReviewState.received.value,
    ReviewState.has_issues.value,
    ReviewState.approved.value,
]
PERIOD_CODE_LIMIT = column_length(Period.__table__.c.code)
# session.info key: ids of the periods changed in the session's transaction.
CHANGED_PERIODS = "hailong.changed_periods"


def today_in_vietnam(now: datetime | None = None) -> date:
    """Periods are dated in Vietnam's calendar, whatever the server's clock zone."""
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).date()


class PeriodNotOpen(Forbidden):
    message = N_("The survey is not open yet. It opens on {start}.")


class PeriodClosed(Forbidden):
    message = N_("The survey has closed. It ran from {start} to {end}.")


class NoPeriod(Forbidden):
    message = N_("No survey is running at the moment.")


class UnknownPeriod(NotFound):
    message = N_("There is no period with the code {code}.")


class BadDate(BadInput):
    message = N_("{value} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-01.")


class EndsBeforeStart(BadInput):
    message = N_("The period ends ({end}) before it starts ({start}).")


class NoOfficialChannel(BadInput):
    message = N_("Name at least one official channel.")


class BadQuota(BadInput):
    message = N_("The quota must be a whole number of at least 1, not {value}.")


class BadPeriodCode(BadInput):
    message = N_("The period code must be 1 to {limit} characters.")


class PeriodExists(BadInput):
    message = N_("There is already a period with the code {code}.")


def period_changed(session: Session, period: Period) -> None:
    """Every change of a period or of its quotas ends here, once flushed.

    The changed periods are noted on the session; whatever keeps periods in a cache reads
    them when the transaction commits (and forgets them when it rolls back).
    """
    session.info.setdefault(CHANGED_PERIODS, set()).add(period.id)


def in_vietnam(moment: datetime) -> str:
    """A stored moment as Vietnam's time; SQLite hands it back without its zone (UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).isoformat(timespec="seconds")


def parse_day(value: str) -> date:
    """A calendar day written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate(value=value) from None


def open_period(session: Session, today: date) -> Period:
    """The period open today (the latest to start, if several); a polite error otherwise."""
    current = session.scalar(
        select(Period)
        .where(Period.start_date <= today, Period.end_date >= today, Period.closed_at.is_(None))
        .order_by(Period.start_date.desc(), Period.id.desc())
        .limit(1)
    )
    if current is not None:
        return current
    upcoming = next_period(session, today)
    if upcoming is not None:
        raise PeriodNotOpen(start=upcoming.start_date, end=upcoming.end_date)
    last = session.scalar(
        select(Period)
        .where((Period.end_date < today) | Period.closed_at.is_not(None))
        .order_by(Period.end_date.desc())
        .limit(1)
    )
    if last is not None:
        raise PeriodClosed(start=last.start_date, end=last.end_date)
    raise NoPeriod()


def next_period(session: Session, today: date) -> Period | None:
    """The first period to start after today."""
    return session.scalar(
        select(Period)
        .where(Period.start_date > today, Period.closed_at.is_(None))
        .order_by(Period.start_date)
        .limit(1)
    )


def ensure_still_open(period: Period, today: date) -> None:
    if today < period.start_date:
        raise PeriodNotOpen(start=period.start_date, end=period.end_date)
    if today > period.end_date or period.closed_at is not None:
        raise PeriodClosed(start=period.start_date, end=period.end_date)


def get_by_code(session: Session, code: str) -> Period | None:
    return session.scalar(select(Period).where(Period.code == code))


def period_by_code(session: Session, code: str) -> Period:
    """The period with this code (spaces around it forgiven), or UnknownPeriod."""
    period = get_by_code(session, code.strip())
    if period is None:
        raise UnknownPeriod(code=code)
    return period


def periods_or_one(session: Session, code: str | None = None) -> list[Period]:
    """The period with this code, or every period from the oldest when no code is given."""
    if code is not None:
        return [period_by_code(session, code)]
    return list(session.scalars(select(Period).order_by(Period.start_date, Period.code)))


def quota_for(session: Session, period: Period, unit_id: int) -> int:
    override = session.scalar(
        select(Quota.quota).where(Quota.period_id == period.id, Quota.unit_id == unit_id)
    )
    return period.default_quota if override is None else override


def official_channels(named: str | list[str]) -> list[str]:
    """A period's official channels, from "web, telegram, paper" or a list: at least one."""
    channels = parse_channels(named)
    if not channels:
        raise NoOfficialChannel()
    return channels


def check_quota(quota: int) -> int:
    if quota < 1:
        raise BadQuota(value=quota)
    return quota


def add_period(
    session: Session,
    *,
    code: str,
    start: date,
    end: date,
    questionnaire: str,
    quota: int,
    official: list[str],
) -> Period:
    code = code.strip()
    if not 0 < len(code) <= PERIOD_CODE_LIMIT:
        raise BadPeriodCode(limit=PERIOD_CODE_LIMIT)
    if end < start:
        raise EndsBeforeStart(start=start, end=end)
    if get_by_code(session, code) is not None:
        raise PeriodExists(code=code)
    version = questionnaire_by_code(session, questionnaire)
    period = Period(
        code=code,
        start_date=start,
        end_date=end,
        questionnaire_id=version.id,
        default_quota=check_quota(quota),
        official_channels=official_channels(official),
        rollup_rule="mean_of_units",
        counted_review_states=list(COUNTED_REVIEW_STATES),
    )
    session.add(period)
    session.flush()
    return period


def period_rows(
    session: Session, today: date, *, code: str | None = None
) -> list[dict[str, object]]:
    """Every period (or the one with `code`): dates, questionnaire, quota, official channels,
    and whether it is open today."""
    query = (
        select(Period, QuestionnaireVersion.code)
        .join(QuestionnaireVersion, Period.questionnaire_id == QuestionnaireVersion.id)
        .order_by(Period.start_date, Period.code)
    )
    if code is not None:
        query = query.where(Period.code == code)
    return [
        {
            "code": period.code,
            "start": period.start_date.isoformat(),
            "end": period.end_date.isoformat(),
            "questionnaire": questionnaire,
            "quota": period.default_quota,
            "official": list(period.official_channels),
            "open": period.closed_at is None and period.start_date <= today <= period.end_date,
            "closed": None if period.closed_at is None else in_vietnam(period.closed_at),
        }
        for period, questionnaire in session.execute(query).tuples()
    ]
