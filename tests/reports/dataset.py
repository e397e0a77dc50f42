"""A small province built through the real services, and its figures computed by hand.

Thành phố Hải Phòng has three wards/communes and a department. Each form below is answered with
hailong.responses.service (start, save_answers), so the tallies are the ones production keeps.
The expected figures are computed here from the same forms, with the methodology's formula
written out plainly (Fractions, no shared code with hailong.index).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction

from sqlalchemy.orm import Session

from hailong.models import Period, Quota, Response, Unit
from hailong.periods.service import VIETNAM
from hailong.responses import service as responses
from hailong.tallies import service as tallies
from tests.factories import make_counter, make_period, make_procedure, make_unit

ELEMENTS = {
    "A": ("A1", "A2", "A3", "A4"),
    "B": ("B1", "B2", "B3", "B4"),
    "C": ("C1", "C2", "C3", "C4", "C5"),
    "D": ("D1", "D2", "D3"),
    "E": ("E1", "E2", "E3"),
}
ELEMENT_LABELS = {
    "A": "Tiếp cận dịch vụ",
    "B": "Thủ tục hành chính",
    "C": "Công chức trực tiếp giải quyết công việc",
    "D": "Kết quả giải quyết thủ tục hành chính",
    "E": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
}
CRITERIA = tuple(key for keys in ELEMENTS.values() for key in keys)
A_TO_D = CRITERIA[:16]
PERIOD = "2026"
YEAR = 2026
# Telegram answers are collected but, in this period, only for reference.
OFFICIAL = ("web", "paper", "interview", "email")
PROCEDURES = {"1.001612": "Hộ tịch", "2.000908": "Chứng thực"}


@dataclass(frozen=True)
class Form:
    """One citizen's answers. `scores` holds A1..D3 in order ("-" = left unanswered);
    `feedback` holds E1..E3 when the citizen gave feedback."""

    unit: str
    scores: str
    day: date
    channel: str = "web"
    counter: int | None = 1  # the unit's first or second counter; None for paper
    feedback: str | None = None
    harassment: str = "1"
    extra_payment: str = "1"
    priorities: str | None = "P1"
    procedure: str = "1.001612"
    rejected: bool = False
    hour: int = 9  # local time in Vietnam; 0 puts the UTC moment on the day before

    def answers(self) -> dict[str, str | None]:
        scores = self.scores.replace(" ", "")
        assert len(scores) == len(A_TO_D)
        values: dict[str, str | None] = {
            key: (None if score == "-" else score)
            for key, score in zip(A_TO_D, scores, strict=True)
        }
        if self.feedback is not None:
            values.update(
                {
                    k: (None if s == "-" else s)
                    for k, s in zip(ELEMENTS["E"], self.feedback, strict=True)
                }
            )
        return values

    def everything(self) -> dict[str, str | None]:
        """What the citizen sends, every question of the default version answered or skipped."""
        return {
            "received_result": "yes",
            "procedure": self.procedure,
            **self.answers(),
            "gave_feedback": "yes" if self.feedback is not None else "no",
            "harassment": self.harassment,
            "extra_payment": self.extra_payment,
            "priorities": self.priorities,
            "comment": None,
            "respondent_type": "individual",
            "gender": None,
            "age_group": None,
            "education": None,
        }

    @property
    def moment(self) -> datetime:
        # Stored as UTC, as the services do: SQLite keeps no offset.
        local = datetime(self.day.year, self.day.month, self.day.day, self.hour, 30, tzinfo=VIETNAM)
        return local.astimezone(UTC)


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    quota: int | None = None  # None: the period's default


PROVINCE = Place("31", "Thành phố Hải Phòng", "province")
HAI_AN = Place("11413", "Phường Hải An", "commune", quota=3)
NGO_QUYEN = Place("11414", "Phường Ngô Quyền", "commune", quota=5)
HA_DONG = Place("11415", "Xã Hà Đông", "commune")  # no response at all
TU_PHAP = Place("31.STP", "Sở Tư pháp", "department", quota=1)
CHILDREN = (HAI_AN, NGO_QUYEN, HA_DONG, TU_PHAP)
DEFAULT_QUOTA = 30

FORMS = (
    Form("11413", "5544 4455 54433 545", date(YEAR, 3, 2), feedback="543", priorities="P1;P4"),
    Form("11413", "4321 5555 44444 43-", date(YEAR, 3, 10), counter=2, harassment="2",
         priorities="P4;P7", hour=0),
    Form("11413", "2222 3333 22222 222", date(YEAR, 4, 15), channel="paper", counter=None,
         harassment="3", extra_payment="2", priorities="P4", procedure="2.000908"),
    Form("11413", "5555 5555 55555 555", date(YEAR, 5, 1), channel="telegram", feedback="55-",
         priorities="P2"),
    Form("11413", "1111 1111 11111 111", date(YEAR, 5, 20), rejected=True, harassment="3"),
    Form("11414", "4444 4444 44444 444", date(YEAR, 3, 5), extra_payment="3", priorities="P5"),
    Form("11414", "3--- 3333 33333 333", date(YEAR, 6, 1), channel="interview", counter=None,
         priorities=None, procedure="2.000908"),
    Form("31.STP", "5555 4444 33333 222", date(YEAR, 4, 2), feedback="241", priorities="P6;P7;P3"),
)  # fmt: skip


@dataclass
class Dataset:
    period_code: str = PERIOD
    forms: tuple[Form, ...] = FORMS
    counters: dict[str, list[int]] = field(default_factory=dict)  # unit code -> counter ids
    public_ids: dict[int, str] = field(default_factory=dict)  # form's position -> public id

    def counted(self, unit_codes: Iterable[str], *, official: bool = True) -> list[Form]:
        codes = set(unit_codes)
        return [
            f
            for f in self.forms
            if f.unit in codes and not f.rejected and (not official or f.channel in OFFICIAL)
        ]


def build(session: Session) -> Dataset:
    dataset = Dataset()
    period = make_period(
        session,
        code=PERIOD,
        start=date(YEAR, 1, 1),
        end=date(YEAR, 12, 31),
        quota=DEFAULT_QUOTA,
        official=OFFICIAL,
    )
    for code, field_name in PROCEDURES.items():
        make_procedure(session, code=code, name=f"Thủ tục {code}", field=field_name)
    province = make_unit(session, code=PROVINCE.code, name=PROVINCE.name, level=PROVINCE.level)
    units = {PROVINCE.code: province}
    for place in CHILDREN:
        unit = make_unit(
            session, code=place.code, name=place.name, level=place.level, parent=province
        )
        units[place.code] = unit
        dataset.counters[place.code] = [
            make_counter(session, unit, name=f"Quầy số {n}")[0].id for n in (1, 2)
        ]
        if place.quota is not None:
            session.add(Quota(period_id=period.id, unit_id=unit.id, quota=place.quota))
    for position, form in enumerate(FORMS):
        response = _answer(session, dataset, period, units[form.unit], form)
        dataset.public_ids[position] = response.public_id
    session.flush()
    return dataset


def _answer(session: Session, dataset: Dataset, period: Period, unit: Unit, form: Form) -> Response:
    counter = None if form.counter is None else dataset.counters[form.unit][form.counter - 1]
    response = responses.start(
        session, unit_id=unit.id, counter_id=counter, period=period, channel=form.channel
    )
    state = responses.load(session, response)
    assert responses.save_answers(session, state, form.everything(), now=form.moment) == "completed"
    if form.channel == "paper":
        response.form_id = f"P-{form.unit}-{form.day.isoformat()}"
    if form.rejected:
        tallies.set_review_state(session, response, "rejected")
    return response


# The formula of sipas-methodology.md, written out for the test.
def criterion(forms: Sequence[Form], key: str) -> Fraction | None:
    values = [f.answers().get(key) for f in forms]
    valid = [v for v in values if v is not None]
    if not valid:
        return None
    return Fraction(100 * sum(1 for v in valid if v in ("4", "5")), len(valid))


def mean(values: Iterable[Fraction | None]) -> Fraction | None:
    present = [v for v in values if v is not None]
    return sum(present, Fraction(0)) / len(present) if present else None


@dataclass(frozen=True)
class Expected:
    responses: int
    sipas: Fraction | None
    elements: dict[str, Fraction | None]
    criteria: dict[str, Fraction | None]


def expected_unit(forms: Sequence[Form]) -> Expected:
    criteria = {key: criterion(forms, key) for key in CRITERIA}
    elements = {code: mean(criteria[k] for k in keys) for code, keys in ELEMENTS.items()}
    return Expected(len(forms), mean(elements.values()), elements, criteria)


def expected_parent(members: Sequence[Expected]) -> Expected:
    """mean_of_units: the plain mean over the children that have a counted response."""
    counted = [m for m in members if m.responses > 0]
    return Expected(
        responses=sum(m.responses for m in members),
        sipas=mean(m.sipas for m in counted),
        elements={c: mean(m.elements[c] for m in counted) for c in ELEMENTS},
        criteria={k: mean(m.criteria[k] for m in counted) for k in CRITERIA},
    )


def expected_tree(dataset: Dataset, *, official: bool = True) -> dict[str, Expected]:
    """unit code -> expected figures, for the province and each of its children."""
    found = {p.code: expected_unit(dataset.counted([p.code], official=official)) for p in CHILDREN}
    found[PROVINCE.code] = expected_parent([found[p.code] for p in CHILDREN])
    return found


def shown(value: Fraction | None) -> str:
    """Two decimals, half up, as a CSV cell ("" for none)."""
    if value is None:
        return ""
    hundredths = math.floor(value * 100 + Fraction(1, 2))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def shown_vi(value: Fraction | None) -> str:
    """As a Vietnamese document writes it: a decimal comma."""
    return shown(value).replace(".", ",") if value is not None else "—"
