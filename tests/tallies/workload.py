"""A mixed workload, the way production fills the tallies: web and chat answers through the
responses service, a paper import through `hailong import responses`, screened-out and
unfinished forms, and officials' review decisions through `hailong responses review`."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Response, ResponseStatus, Tally, UnitTally
from hailong.periods.service import today_in_vietnam
from hailong.questionnaires.service import questionnaire_by_id
from hailong.responses import service as responses
from hailong.responses.csvformat import COLUMNS
from hailong.tallies.layout import layout_for
from tests.admin.conftest import Hailong
from tests.factories import make_counter, make_period, make_procedure
from tests.index.survey import SIPAS_CRITERIA, answer, sipas_form, units

PERIOD = "2026"
TREE = {"P": None, "X": "P", "Y": "P"}
PROCEDURES = ("1.001", "2.001", "other")


@dataclass
class Workload:
    period_code: str
    public_ids: list[str] = field(default_factory=list)
    paper_forms: int = 0


def _form(rng: random.Random) -> dict[str, str | None]:
    criteria = {
        key: rng.choice([None, "1", "2", "3", "4", "5"])
        for element, keys in SIPAS_CRITERIA.items()
        for key in keys
        if element != "E"
    }
    if rng.random() < 0.4:
        criteria.update({key: rng.choice("12345") for key in SIPAS_CRITERIA["E"]})
    return sipas_form(
        criteria,
        procedure=rng.choice(PROCEDURES),
        harassment=rng.choice("123"),
        priorities=rng.choice([None, "P1", "P3;P5"]),
    )


def _answer_online(session: Session, rng: random.Random, workload: Workload) -> None:
    period = make_period(session, code=workload.period_code, official=("interview", "paper"))
    tree = units(session, TREE)
    make_procedure(session, code="1.001", name="Đăng ký khai sinh", field="Hộ tịch")
    make_procedure(session, code="2.001", name="Cấp sổ đỏ", field="Đất đai")
    counters = [make_counter(session, tree["X"], name=f"Quầy {n}")[0] for n in (1, 2)]
    for i in range(14):
        unit = tree["X"] if i % 3 else tree["Y"]
        counter = counters[i % 2] if unit is tree["X"] else None
        channel = ("web", "telegram", "interview")[i % 3]
        made = answer(session, period, unit, _form(rng), channel=channel, counter=counter)
        workload.public_ids.append(made.public_id)
    # Said "no" to the screening question, and one left half-way: neither is counted.
    for values in ({"received_result": "no"}, {"received_result": "yes", "A1": "5"}):
        started = responses.start(
            session, unit_id=tree["Y"].id, counter_id=None, period=period, channel="web"
        )
        responses.save_answers(session, responses.load(session, started), values)


def _paper_file(rng: random.Random, path: Path, period_code: str, count: int) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for n in range(count):
        form = _form(rng)
        row = {column: form.get(column) or "" for column in COLUMNS}
        row.update(
            form_id=f"P-{n:03d}",
            unit_code=("X", "Y")[n % 2],
            period=period_code,
            channel="",
            submitted_at=today_in_vietnam().isoformat(),
            procedure_code=form["procedure"] if form["procedure"] != "other" else "",
        )
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def mixed_workload(
    sessions: sessionmaker[Session], hailong: Hailong, write_csv: Callable[..., Path]
) -> Workload:
    rng = random.Random(2026)
    workload = Workload(PERIOD)
    with sessions.begin() as session:
        _answer_online(session, rng, workload)
    paper = _paper_file(rng, write_csv(raw=b""), PERIOD, 6)
    imported = hailong("import", "responses", str(paper))
    assert imported.exit_code == 0, imported.stderr + imported.stdout
    workload.paper_forms = 6
    ids = workload.public_ids
    for public_id, state in [
        (ids[0], "rejected"),
        (ids[1], "rejected"),
        (ids[2], "approved"),
        (ids[1], "received"),
        (ids[3], "approved"),
        (ids[3], "rejected"),
    ]:
        decided = hailong("responses", "review", "--id", public_id, "--state", state)
        assert decided.exit_code == 0, decided.stderr
    return workload


Rows = dict[tuple[object, ...], tuple[int, ...]]


def tally_rows(session: Session) -> dict[str, Rows]:
    """Both tally tables as (row key..., question) -> that question's counts, leaving out
    questions with no count (and rows brought back to zero)."""
    found: dict[str, Rows] = {}
    for model in (Tally, UnitTally):
        table = model.__table__
        keys = [c for c in table.c if c.name != "counts"]
        found[table.name] = {}
        for row in session.execute(select(*keys, table.c.counts)):
            key, counts = tuple(row[:-1]), row[-1]
            layout = layout_for(questionnaire_by_id(session, row.questionnaire_id))
            for question, numbers in layout.by_question(counts).items():
                if any(numbers):
                    found[table.name][(*key, question)] = numbers
    return found


def completed_responses(session: Session) -> int:
    return len(
        session.scalars(
            select(Response.id).where(Response.status == ResponseStatus.completed)
        ).all()
    )
