"""`hailong periods add|list|quota`: survey periods (đợt khảo sát) and per-unit quotas."""

from __future__ import annotations

import re
from datetime import date

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.cli_output import FORMAT_OPTION, OutputFormat, print_json, print_rows
from hailong.cli_support import cli_context, fail
from hailong.errors import BadInput, HailongError, NotFound
from hailong.i18n import N_, Catalogs
from hailong.models import Channel, Period, QuestionnaireVersion, Quota, ReviewState
from hailong.periods.service import get_by_code, today_in_vietnam
from hailong.questionnaires.service import get_or_load
from hailong.units.importing import column_length
from hailong.units.service import get_by_code as unit_by_code

ALL_CHANNELS = tuple(channel.value for channel in Channel)
# The methodology counts every response an official has not rejected, unless a period says so.
COUNTED_REVIEW_STATES = [ReviewState.pending.value, ReviewState.approved.value]
QUESTIONNAIRE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PERIOD_CODE_LIMIT = column_length(Period.__table__.c.code)


class BadDate(BadInput):
    message = N_("{value} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-01.")


class EndsBeforeStart(BadInput):
    message = N_("The period ends ({end}) before it starts ({start}).")


class UnknownChannel(BadInput):
    message = N_("{value} is not a channel; the channels are {channels}.")


class NoChannel(BadInput):
    message = N_("Name at least one official channel.")


class BadQuota(BadInput):
    message = N_("The quota must be a whole number of at least 1, not {value}.")


class BadPeriodCode(BadInput):
    message = N_("The period code must be 1 to {limit} characters.")


class PeriodExists(BadInput):
    message = N_("There is already a period with the code {code}.")


class UnknownQuestionnaire(NotFound):
    message = N_("There is no questionnaire version called {code}.")


class UnknownPeriod(NotFound):
    message = N_("There is no period with the code {code}.")


class UnknownUnit(NotFound):
    message = N_("There is no unit with the code {code}.")


PERIOD_ADDED = N_(
    "Period {code} added: {start} to {end}, questionnaire {questionnaire}, quota {quota}."
)
QUOTA_SET = N_("Quota for {unit} in period {period}: {quota}.")
CODE = N_("Code")
START = N_("Start")
END = N_("End")
QUESTIONNAIRE = N_("Questionnaire")
QUOTA = N_("Quota")
OFFICIAL = N_("Official channels")
OPEN_NOW = N_("Open now")


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadDate(value=value) from None


def parse_channels(value: str) -> list[str]:
    """ "web, telegram" -> ["web", "telegram"], in the order of the Channel enum."""
    named = {part.strip().lower() for part in value.split(",") if part.strip()}
    if not named:
        raise NoChannel()
    for channel in sorted(named):
        if channel not in ALL_CHANNELS:
            raise UnknownChannel(value=channel, channels=", ".join(ALL_CHANNELS))
    return [channel for channel in ALL_CHANNELS if channel in named]


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
    version = _questionnaire(session, questionnaire)
    period = Period(
        code=code,
        start_date=start,
        end_date=end,
        questionnaire_id=version.id,
        default_quota=check_quota(quota),
        official_channels=official,
        rollup_rule="mean_of_units",
        counted_review_states=list(COUNTED_REVIEW_STATES),
    )
    session.add(period)
    session.flush()
    return period


def _questionnaire(session: Session, code: str) -> QuestionnaireVersion:
    # Only plain names: the code becomes a file name among the built-in questionnaires.
    if not QUESTIONNAIRE_CODE.fullmatch(code):
        raise UnknownQuestionnaire(code=code)
    try:
        return get_or_load(session, code)
    except OSError:
        raise UnknownQuestionnaire(code=code) from None


def set_quota(session: Session, *, period_code: str, unit_code: str, quota: int) -> Quota:
    period = get_by_code(session, period_code)
    if period is None:
        raise UnknownPeriod(code=period_code)
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise UnknownUnit(code=unit_code)
    row = session.scalar(
        select(Quota).where(Quota.period_id == period.id, Quota.unit_id == unit.id)
    )
    if row is None:
        row = Quota(period_id=period.id, unit_id=unit.id, quota=check_quota(quota))
        session.add(row)
    else:
        row.quota = check_quota(quota)
    session.flush()
    return row


def period_rows(session: Session, today: date) -> list[dict[str, object]]:
    query = (
        select(Period, QuestionnaireVersion.code)
        .join(QuestionnaireVersion, Period.questionnaire_id == QuestionnaireVersion.id)
        .order_by(Period.start_date, Period.code)
    )
    return [
        {
            "code": period.code,
            "start": period.start_date.isoformat(),
            "end": period.end_date.isoformat(),
            "questionnaire": questionnaire,
            "quota": period.default_quota,
            "official": list(period.official_channels),
            "open": period.start_date <= today <= period.end_date,
        }
        for period, questionnaire in session.execute(query).tuples()
    ]


def _catalogs() -> Catalogs:
    return Catalogs("admin")


def register(app: typer.Typer) -> None:
    periods_app = typer.Typer(no_args_is_help=True, help="Survey periods (đợt khảo sát).")
    app.add_typer(periods_app, name="periods")
    periods_app.command("add")(add_command)
    periods_app.command("list")(list_command)
    periods_app.command("quota")(quota_command)


def add_command(
    ctx: typer.Context,
    code: str = typer.Option(..., "--code", help="The period's code, e.g. 2026."),
    start: str = typer.Option(..., "--start", help="First day, YYYY-MM-DD."),
    end: str = typer.Option(..., "--end", help="Last day, YYYY-MM-DD."),
    questionnaire: str = typer.Option("sipas-2023", "--questionnaire"),
    quota: int = typer.Option(30, "--quota", help="Default forms per unit."),
    official: str = typer.Option(
        ",".join(ALL_CHANNELS), "--official", help="Channels whose responses are official."
    ),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Open a survey period."""
    catalogs = _catalogs()
    try:
        with cli_context(ctx).transaction() as session:
            period = add_period(
                session,
                code=code,
                start=parse_date(start),
                end=parse_date(end),
                questionnaire=questionnaire,
                quota=quota,
                official=parse_channels(official),
            )
            row = next(
                r for r in period_rows(session, today_in_vietnam()) if r["code"] == period.code
            )
    except HailongError as error:
        raise fail(catalogs.both(error.message, **error.params)) from None
    if output is OutputFormat.json:
        print_json(row)
    else:
        typer.echo(
            catalogs.both(
                PERIOD_ADDED,
                **{k: row[k] for k in ("code", "start", "end", "questionnaire", "quota")},
            )
        )


def list_command(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """List periods: dates, questionnaire, quota, official channels, open now or not."""
    catalogs = _catalogs()
    with cli_context(ctx).transaction() as session:
        rows = period_rows(session, today_in_vietnam())
    columns = [
        ("code", catalogs.both(CODE)),
        ("start", catalogs.both(START)),
        ("end", catalogs.both(END)),
        ("questionnaire", catalogs.both(QUESTIONNAIRE)),
        ("quota", catalogs.both(QUOTA)),
        ("official", catalogs.both(OFFICIAL)),
        ("open", catalogs.both(OPEN_NOW)),
    ]
    print_rows(rows, columns, output)


def quota_command(
    ctx: typer.Context,
    period: str = typer.Option(..., "--period"),
    unit: str = typer.Option(..., "--unit", help="The unit's code."),
    quota: int = typer.Option(..., "--quota"),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Set one unit's quota for a period, instead of the period's default."""
    catalogs = _catalogs()
    try:
        with cli_context(ctx).transaction() as session:
            set_quota(session, period_code=period, unit_code=unit, quota=quota)
    except HailongError as error:
        raise fail(catalogs.both(error.message, **error.params)) from None
    result = {"period": period, "unit": unit, "quota": quota}
    if output is OutputFormat.json:
        print_json(result)
    else:
        typer.echo(catalogs.both(QUOTA_SET, **result))
