"""Many counters at once: every unit of a subtree brought up to N counters, or a list of
(unit_code, name) from a CSV or XLSX file. One transaction each, all or nothing, and idempotent:
running either again adds nothing.

Counters and their first tokens are inserted in batches, not one by one: a province's hundreds
(the country's thousands) of counters take one statement per batch. Short codes are drawn
against the live ones already stored; if another process takes one of them meanwhile, the
batch falls back to issuing its tokens one at a time, retrying each collision.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hailong.counters.service import COUNTER_NAME_LIMIT, issue_token
from hailong.counters.tokens import new_short_code, new_token
from hailong.errors import BadInput
from hailong.i18n import N_, domain_of
from hailong.models import Counter, CounterToken, Unit
from hailong.units.importing import (
    BATCH,
    ImportRejected,
    Problem,
    batched,
    no_progress,
    open_csv,
    read_table,
    units_by_code,
)
from hailong.units.service import surveyed_unit_by_code, unit_by_code

# The name of the n-th counter a unit is given in bulk (data, in Vietnamese like unit names).
NUMBERED = "Quầy số {number}"
COLUMNS = ("unit_code", "name")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
# More counters per unit than any one-stop office has: a typo (200 for 2) is refused.
PER_UNIT_LIMIT = 50

Progress = Callable[[int], None]
WORDED_IN = domain_of(__name__)

EMPTY_UNIT = N_("Line {line}: the unit code is empty.")
UNKNOWN_UNIT = N_("Line {line}: there is no unit with the code {code}.")
CLOSED_UNIT = N_("Line {line}: the unit {code} no longer takes surveys.")
EMPTY_NAME = N_("Line {line}: the counter's name is empty.")
LONG_NAME = N_("Line {line}: the counter's name is longer than {limit} characters.")
REPEATED = N_("Line {line}: the counter {name} of unit {code} already appears on line {first}.")
NOT_XLSX = N_("Line {line}: the file could not be read as XLSX ({error}).")
XLSX_EMPTY = N_("Line {line}: the file is empty; the first line must be: {columns}.")
XLSX_HEADER = N_("Line {line}: the columns must be {columns}; this file has: {found}.")


class BadPerUnit(BadInput):
    message = N_("The number of counters per unit must be 1 to {limit}, not {value}.")


@dataclass(frozen=True)
class Planned:
    unit_id: int
    name: str


@dataclass
class CounterPlan:
    """The counters a bulk command will add, and how many units (or listed counters) already
    had theirs."""

    planned: list[Planned]
    unchanged: int = 0

    def summary(self) -> dict[str, int]:
        units = len({p.unit_id for p in self.planned})
        return {"created": len(self.planned), "units": units, "unchanged": self.unchanged}


# Every unit of a subtree up to N ---------------------------------------------------------------


def plan_units(
    session: Session, *, unit_code: str, per_unit: int, subtree: bool = False
) -> CounterPlan:
    """Counters named "Quầy số 1"… for every unit that takes surveys (the unit, or its whole
    subtree) until each has `per_unit` in service; a unit with as many gets none, so running
    the plan again adds nothing."""
    if not 0 < per_unit <= PER_UNIT_LIMIT:
        raise BadPerUnit(limit=PER_UNIT_LIMIT, value=per_unit)
    top = unit_by_code(session, unit_code) if subtree else surveyed_unit_by_code(session, unit_code)
    units = session.scalars(
        select(Unit.id)
        .where(Unit.path.startswith(top.path) if subtree else Unit.id == top.id)
        .where(Unit.active.is_(True))
        .order_by(Unit.path)
    ).all()
    names = _names_in_service(session, units)
    planned = [
        Planned(unit_id, name)
        for unit_id in units
        for name in _missing(names.get(unit_id, set()), per_unit)
    ]
    touched = {p.unit_id for p in planned}
    return CounterPlan(planned, unchanged=len(units) - len(touched))


def fill_units(
    session: Session, *, unit_code: str, per_unit: int, subtree: bool = False
) -> CounterPlan:
    """`plan_units`, carried out."""
    plan = plan_units(session, unit_code=unit_code, per_unit=per_unit, subtree=subtree)
    add_counters(session, plan.planned)
    return plan


def _names_in_service(session: Session, unit_ids: Sequence[int]) -> dict[int, set[str]]:
    names: dict[int, set[str]] = {}
    for chunk in batched(unit_ids, BATCH):
        rows = session.execute(
            select(Counter.unit_id, Counter.name).where(
                Counter.unit_id.in_(chunk), Counter.active.is_(True)
            )
        )
        for unit_id, name in rows:
            names.setdefault(unit_id, set()).add(name)
    return names


def _missing(existing: set[str], per_unit: int) -> list[str]:
    """Names for the counters a unit lacks: "Quầy số n" for the lowest numbers not in use."""
    wanted = per_unit - len(existing)
    found: list[str] = []
    number = 1
    while len(found) < wanted:
        name = NUMBERED.format(number=number)
        if name not in existing:
            found.append(name)
        number += 1
    return found


# Inserting counters and their first tokens -----------------------------------------------------


def add_counters(
    session: Session,
    plan: Sequence[Planned],
    *,
    progress: Progress = no_progress,
    short_codes: Callable[[], str] = new_short_code,
) -> list[int]:
    """Insert the planned counters with one live token each; returns their ids."""
    ids: list[int] = []
    live = set(
        session.scalars(select(CounterToken.short_code).where(CounterToken.state == "active"))
    )
    for chunk in batched(plan, BATCH):
        counters = [Counter(unit_id=p.unit_id, name=p.name) for p in chunk]
        session.add_all(counters)
        session.flush()
        _first_tokens(session, counters, live, short_codes)
        ids.extend(counter.id for counter in counters)
        progress(len(chunk))
    return ids


def _first_tokens(
    session: Session,
    counters: Sequence[Counter],
    live: set[str],
    short_codes: Callable[[], str],
) -> None:
    rows = []
    for counter in counters:
        code = _fresh_code(live, short_codes)
        rows.append({"counter_id": counter.id, "token": new_token(), "short_code": code})
    try:
        with session.begin_nested():
            session.execute(insert(CounterToken), rows)
    except IntegrityError:
        # Another process took one of these short codes meanwhile: one at a time, retrying.
        for counter in counters:
            issue_token(session, counter, short_codes=short_codes)


def _fresh_code(live: set[str], short_codes: Callable[[], str]) -> str:
    while (code := short_codes()) in live:
        pass
    live.add(code)
    return code


# A list of counters from a file ----------------------------------------------------------------


def read_counter_list(path: Path) -> Iterator[tuple[int, list[str]] | Problem]:
    """(line, [unit_code, name]) for each non-blank row of a CSV or XLSX file, or its problem."""
    if path.suffix.lower() in XLSX_SUFFIXES:
        yield from _xlsx_table(path)
        return
    with open_csv(path) as handle:
        yield from read_table(handle, COLUMNS)


def _xlsx_table(path: Path) -> Iterator[tuple[int, list[str]] | Problem]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        yield _problem(1, NOT_XLSX, error=error)
        return
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        yield from _cells_table(rows)
    finally:
        workbook.close()


def _cells_table(rows: Iterable[Sequence[object]]) -> Iterator[tuple[int, list[str]] | Problem]:
    expected = ",".join(COLUMNS)
    lines = enumerate(([_text(cell) for cell in row] for row in rows), start=1)
    header = next(lines, None)
    if header is None:
        yield _problem(1, XLSX_EMPTY, columns=expected)
        return
    heading = [name.lower() for name in header[1]]
    names = [name for name in heading if name]
    if sorted(names) != sorted(COLUMNS):
        yield _problem(1, XLSX_HEADER, columns=expected, found=",".join(names))
        return
    position = [heading.index(name) for name in COLUMNS]
    for line, cells in lines:
        if any(cells):
            padded = cells + [""] * (max(position) + 1 - len(cells))
            yield line, [padded[index] for index in position]


def _text(cell: object) -> str:
    # A spreadsheet keeps a code like 00070 as text, or as the number 70 if typed carelessly.
    if cell is None:
        return ""
    return str(cell).strip()


def plan_list(session: Session, path: Path) -> CounterPlan:
    """The counters a file lists (unit_code,name), less those already in service at their unit
    under that name. Raises ImportRejected naming every bad line."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    rows: list[tuple[int, str, str]] = []
    for item in read_counter_list(path):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        line, (code, name) = item
        problem = _row_problem(line, code, name)
        if problem is None and (code, name) in seen:
            problem = _problem(line, REPEATED, name=name, code=code, first=seen[(code, name)])
        if problem is not None:
            problems.append(problem)
            continue
        seen[(code, name)] = line
        rows.append((line, code, name))
    planned, already = _against_the_database(session, rows, problems)
    if problems:
        raise ImportRejected(problems)
    return CounterPlan(planned, unchanged=already)


def _against_the_database(
    session: Session, rows: list[tuple[int, str, str]], problems: list[Problem]
) -> tuple[list[Planned], int]:
    """The rows to add, and how many are in service already; unknown or closed units are
    added to `problems`."""
    units = units_by_code(session, {code for _, code, _ in rows})
    names = _names_in_service(session, [unit.id for unit in units.values()])
    planned: list[Planned] = []
    already = 0
    for line, code, name in rows:
        unit = units.get(code)
        if unit is None:
            problems.append(_problem(line, UNKNOWN_UNIT, code=code))
        elif not unit.active:
            problems.append(_problem(line, CLOSED_UNIT, code=code))
        elif name in names.get(unit.id, set()):
            already += 1
        else:
            planned.append(Planned(unit.id, name))
    return planned, already


def _row_problem(line: int, code: str, name: str) -> Problem | None:
    if not code:
        return _problem(line, EMPTY_UNIT)
    if not name:
        return _problem(line, EMPTY_NAME)
    if len(name) > COUNTER_NAME_LIMIT:
        return _problem(line, LONG_NAME, limit=COUNTER_NAME_LIMIT)
    return None


def _problem(line: int, message: str, **params: object) -> Problem:
    return Problem(line, message, params, domain=WORDED_IN)


def import_counters(session: Session, path: Path) -> CounterPlan:
    """`plan_list`, carried out: all or nothing, since a bad line raises before anything."""
    plan = plan_list(session, path)
    add_counters(session, plan.planned)
    return plan
