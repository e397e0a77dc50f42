"""What the API answers, as pydantic models (they are its OpenAPI description too)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from hailong.accounts.scope import Action
from hailong.counters.scoped import CounterView
from hailong.index.progress import Progress
from hailong.models import ReviewState, Role
from hailong.periods.scoped import PeriodView
from hailong.responses.scoped import ResponseView


class UnitOut(BaseModel):
    code: str = Field(description="official code of the unit (mã đơn vị hành chính)")
    name: str
    level: str = Field(description="province, district, commune or department")
    parent_code: str | None
    active: bool = Field(description="false: kept for history (before the 2025 reform)")

    @classmethod
    def of(cls, row: Any) -> UnitOut:
        return cls(
            code=row.code,
            name=row.name,
            level=row.level,
            parent_code=row.parent_code,
            active=row.active,
        )


class MeOut(BaseModel):
    username: str
    role: Role
    unit: UnitOut | None = Field(description="null for an admin: the whole country")
    signed_in_with: Literal["session", "token"]
    actions: list[Action] = Field(description="what the role may do within its units")
    csrf_token: str | None = Field(
        None,
        description="signed in with the session cookie: send it as X-CSRF-Token with "
        "every request that changes something (a token caller needs none)",
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands stored moments back without their zone: they are UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(_aware)]


# Periods and quotas ---------------------------------------------------------------------------

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
ChannelCode = Literal["web", "telegram", "zalo", "email", "interview", "paper"]


class PeriodOut(BaseModel):
    code: str
    start: date
    end: date
    questionnaire: str = Field(description="the questionnaire version's code")
    quota: int = Field(description="forms per unit, unless a unit has its own quota")
    official: list[str] = Field(description="channels whose responses make the official index")
    counted_review_states: list[str]
    unit_code: str | None = Field(description="the unit whose officials run it; null: admins")
    closed_at: Moment | None = Field(description="when it was closed early, if it was")
    open: bool = Field(description="takes responses today")

    @classmethod
    def of(cls, view: PeriodView) -> PeriodOut:
        return cls(**asdict(view))


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    start: date
    end: date
    questionnaire: Code = "sipas-2023"
    quota: int = Field(30, ge=1, le=1_000_000)
    official: list[ChannelCode] | None = Field(
        None, min_length=1, description="channels whose responses count; default: every one"
    )
    unit_code: Code | None = Field(
        None, description="who runs it: a unit of yours; default: your own unit (admins: none)"
    )


class PeriodPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None
    quota: int | None = Field(None, ge=1, le=1_000_000, description="the default quota")
    official: list[ChannelCode] | None = Field(None, min_length=1)
    questionnaire: Code | None = Field(
        None, description="another questionnaire version: only while the period has no response"
    )
    closed: Literal[True] | None = Field(None, description="true: close the period now")
    comment: Comment | None = Field(None, description="why, for the audit log")


class QuotaItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Code
    quota: int = Field(ge=1, le=1_000_000)


class QuotaOut(BaseModel):
    unit_code: str
    unit_name: str
    quota: int


# Counters -------------------------------------------------------------------------------------

CounterName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class CounterOut(BaseModel):
    id: int
    unit_code: str
    unit_name: str
    name: str
    active: bool = Field(description="false: deactivated or revoked; its codes do not work")
    revoked: bool = Field(description="out of service for good: it has no codes any more")
    short_code: str | None
    survey_url: str | None = Field(description="what the QR code on its poster opens")
    typed_url: str | None = Field(description="the short address printed for typing")
    created_at: Moment

    @classmethod
    def of(cls, view: CounterView) -> CounterOut:
        return cls(**asdict(view))


class CounterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: Code
    name: CounterName


class CounterPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CounterName | None = None
    active: bool | None = Field(None, description="false: deactivate; true: back in service")
    comment: Comment | None = None


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment | None = Field(None, description="why, for the audit log")


# Progress -------------------------------------------------------------------------------------


class UnitProgressOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    completed: int = Field(description="forms counted toward the quota")
    quota: int | None = Field(description="null: the unit takes no surveys of its own")
    share: float | None = Field(description="completed / quota (1.0: met)")
    by_channel: dict[str, int]


class ProgressOut(BaseModel):
    period: str
    channels: Literal["official", "all"]
    unit_code: str | None = Field(description="null: the whole country")
    units: list[UnitProgressOut] = Field(description="furthest behind their quota first")

    @classmethod
    def of(cls, report: Progress) -> ProgressOut:
        return cls(
            period=report.period,
            channels=report.channels.value,
            unit_code=report.unit_code,
            units=[UnitProgressOut(**asdict(unit)) for unit in report.units],
        )


# Responses ------------------------------------------------------------------------------------

PublicId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ResponseOut(BaseModel):
    id: str = Field(description="the response's public id")
    form_id: str | None = Field(description="a paper form's serial number")
    period: str
    unit_code: str
    unit_name: str
    counter_id: int | None
    channel: str
    status: Literal["completed", "unrated"] = Field(
        description="unrated: finished without rating any criterion (not counted)"
    )
    review_state: ReviewState
    procedure_code: str | None
    language: str
    started_at: Moment
    submitted_at: Moment | None

    @classmethod
    def of(cls, view: ResponseView) -> ResponseOut:
        return cls(**asdict(view))


class ResponseDetailOut(ResponseOut):
    answers: dict[str, str | None] = Field(
        description="question key -> answer code or text, as in the responses download"
    )


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ReviewState
    comment: Comment | None = Field(None, description="why, for the audit log")


class ReviewManyIn(ReviewIn):
    ids: list[PublicId] = Field(min_length=1, max_length=1000)


class ReviewOut(BaseModel):
    response: ResponseOut
    changed: bool = Field(description="false: it was in that state already")
