"""Loading units: from an operator's CSV file, or the official post-2025 national list.

A file import is all or nothing. It reads the file twice, streaming: the first pass checks every
row and keeps only each code's parent and line (what the cross-row checks need: duplicates,
unknown parents, cycles); the second pass stores the rows. Parents may come after their children
in the file, or already be in the database. Re-importing updates names, levels and parents by
code and never duplicates a unit; the materialised paths stay right through `set_parent`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Protocol, TextIO, TypeVar

from sqlalchemy import ColumnElement, String, select
from sqlalchemy.orm import Session, aliased

from hailong.i18n import N_, domain_of
from hailong.models import Unit, UnitLevel
from hailong.units.service import set_parent

COLUMNS = ("code", "name", "level", "parent_code")
LEVELS = tuple(level.value for level in UnitLevel)


def column_length(column: ColumnElement[str]) -> int:
    """The length of a String column, so a long value is a reported problem, not a crash."""
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column} is not a String of fixed length")
    return kind.length


CODE_LIMIT = column_length(Unit.__table__.c.code)
NAME_LIMIT = column_length(Unit.__table__.c.name)
# Rows stored per flush and codes per IN (...) query: small enough for any database's limits.
BATCH = 500

EMPTY_FILE = N_("Line {line}: the file is empty; the first line must be: {columns}.")
BAD_HEADER = N_("Line {line}: the columns must be {columns}; this file has: {found}.")
NOT_UTF8 = N_("Line {line}: this line is not UTF-8 text.")
BAD_CSV = N_("Line {line}: this line is not valid CSV ({error}).")
WRONG_FIELD_COUNT = N_("Line {line}: expected {expected} columns, found {found}.")
EMPTY_CODE = N_("Line {line}: the code is empty.")
EMPTY_NAME = N_("Line {line}: the name is empty.")
CODE_TOO_LONG = N_("Line {line}: the code is longer than {limit} characters.")
NAME_TOO_LONG = N_("Line {line}: the name is longer than {limit} characters.")
UNKNOWN_LEVEL = N_("Line {line}: the level “{level}” is not one of {levels}.")
DUPLICATE_CODE = N_("Line {line}: the code {code} already appears on line {first}.")
UNKNOWN_PARENT = N_("Line {line}: the parent {parent} is neither in the file nor in the database.")
CYCLE = N_("Line {line}: the unit {code} would become its own ancestor: {cycle}.")


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    level: str
    parent_code: str | None


# The translation domain these problems are worded in; another package's say their own.
WORDED_IN = domain_of(__name__)


@dataclass(frozen=True)
class Problem:
    """A bad row: an English msgid with a {line} placeholder, its parameters, and the
    translation domain of the module that words it."""

    line: int
    message: str
    params: Mapping[str, object] = field(default_factory=dict)
    domain: str = WORDED_IN


class ImportRejected(Exception):
    """The file has bad rows; nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda problem: problem.line)
        super().__init__(f"{len(problems)} bad rows")


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class FilePlan:
    """What the first pass learned: each code's parent (None for a root) and its line."""

    parents: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


Progress = Callable[[int], None]
T = TypeVar("T")


class _CsvReader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


def batched(items: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """itertools.batched of Python 3.12."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def no_progress(_steps: int) -> None:
    return None


def open_csv(path: Path) -> TextIO:
    # utf-8-sig: spreadsheet programs put a byte-order mark in front of UTF-8 files.
    # surrogateescape: a byte that is not UTF-8 is kept as a lone surrogate, so the row that
    # holds it is reported with its own line number instead of failing a whole read-ahead chunk.
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def _not_utf8(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def read_table(
    handle: TextIO, columns: tuple[str, ...]
) -> Iterator[tuple[int, list[str]] | Problem]:
    """(line, stripped values in `columns` order) for each non-blank data row, or its problem.

    The header names the columns, in any order; every row must have exactly that many."""
    reader = csv.reader(handle)
    rows = _safe_rows(reader)
    header = next(rows, None)
    expected = ",".join(columns)
    if header is None:
        yield Problem(1, EMPTY_FILE, {"columns": expected})
        return
    if isinstance(header, Problem):
        yield header
        return
    if any(_not_utf8(name) for name in header):
        yield Problem(reader.line_num, NOT_UTF8)
        return
    names = [name.strip().lower() for name in header]
    if sorted(names) != sorted(columns):
        found = ",".join(header)
        yield Problem(reader.line_num, BAD_HEADER, {"columns": expected, "found": found})
        return
    position = [names.index(name) for name in columns]
    for fields in rows:
        if isinstance(fields, Problem):
            yield fields
            return
        if not any(value.strip() for value in fields):
            continue
        line = reader.line_num
        if any(_not_utf8(value) for value in fields):
            yield Problem(line, NOT_UTF8)
        elif len(fields) != len(columns):
            yield Problem(line, WRONG_FIELD_COUNT, {"expected": len(columns), "found": len(fields)})
        else:
            yield line, [fields[index].strip() for index in position]


def read_rows(handle: TextIO) -> Iterator[UnitRow | Problem]:
    """Each data row of the file checked on its own, or the problem with it."""
    for item in read_table(handle, COLUMNS):
        yield item if isinstance(item, Problem) else _check_row(*item)


def _safe_rows(reader: _CsvReader) -> Iterator[list[str] | Problem]:
    """The reader's rows; a CSV syntax error (a NUL byte, say) ends the file as one problem."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(reader.line_num + 1, BAD_CSV, {"error": str(error)})
            return
        yield fields


def _check_row(line: int, values: list[str]) -> UnitRow | Problem:
    code, name, level, parent = values
    level = level.lower()
    if not code:
        return Problem(line, EMPTY_CODE)
    if len(code) > CODE_LIMIT:
        return Problem(line, CODE_TOO_LONG, {"limit": CODE_LIMIT})
    if not name:
        return Problem(line, EMPTY_NAME)
    if len(name) > NAME_LIMIT:
        return Problem(line, NAME_TOO_LONG, {"limit": NAME_LIMIT})
    if level not in LEVELS:
        return Problem(line, UNKNOWN_LEVEL, {"level": level, "levels": ", ".join(LEVELS)})
    return UnitRow(line=line, code=code, name=name, level=level, parent_code=parent or None)


def check_file(session: Session, path: Path, *, progress: Progress = no_progress) -> FilePlan:
    """First pass: every problem of the file at once, or the plan for storing it."""
    plan = FilePlan()
    problems: list[Problem] = []
    with open_csv(path) as handle:
        done = 0
        for item in read_rows(handle):
            position = handle.buffer.tell()
            progress(position - done)
            done = position
            if isinstance(item, Problem):
                problems.append(item)
            elif item.code in plan.lines:
                first = plan.lines[item.code]
                problems.append(
                    Problem(item.line, DUPLICATE_CODE, {"code": item.code, "first": first})
                )
            else:
                plan.lines[item.code] = item.line
                plan.parents[item.code] = item.parent_code
    problems.extend(_unknown_parents(session, plan))
    problems.extend(_cycles(session, plan))
    if problems:
        raise ImportRejected(problems)
    return plan


def _existing_codes(session: Session, codes: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in batched(sorted(set(codes)), BATCH):
        found.update(session.scalars(select(Unit.code).where(Unit.code.in_(chunk))))
    return found


def _unknown_parents(session: Session, plan: FilePlan) -> list[Problem]:
    outside = {p for p in plan.parents.values() if p is not None and p not in plan.parents}
    missing = outside - _existing_codes(session, outside)
    return [
        Problem(plan.lines[code], UNKNOWN_PARENT, {"parent": parent})
        for code, parent in plan.parents.items()
        if parent in missing
    ]


def _cycles(session: Session, plan: FilePlan) -> list[Problem]:
    """Rows whose new parent would make a unit its own ancestor, in the file or through the
    database (a unit not in the file keeps its stored parent)."""
    stored_parent: dict[str, str | None] = {}
    parent_unit = aliased(Unit)

    def parent_of(code: str) -> str | None:
        if code in plan.parents:
            return plan.parents[code]
        if code not in stored_parent:
            stored_parent[code] = session.scalar(
                select(parent_unit.code)
                .select_from(Unit)
                .join(parent_unit, Unit.parent_id == parent_unit.id)
                .where(Unit.code == code)
            )
        return stored_parent[code]

    finished: set[str] = set()
    problems: list[Problem] = []
    for start in plan.parents:
        chain: list[str] = []
        seen: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in finished and code not in seen:
            seen[code] = len(chain)
            chain.append(code)
            code = parent_of(code)
        if code is not None and code in seen:
            loop = chain[seen[code] :]
            shown = " → ".join([*loop, loop[0]])
            problems.extend(
                Problem(plan.lines[member], CYCLE, {"code": member, "cycle": shown})
                for member in loop
                if member in plan.lines
            )
        finished.update(chain)
    return problems


def valid_rows(path: Path) -> Iterator[UnitRow]:
    """Second pass: the rows of a file that `check_file` accepted."""
    with open_csv(path) as handle:
        for item in read_rows(handle):
            if isinstance(item, UnitRow):
                yield item


def import_file(session: Session, path: Path, *, progress: Progress = no_progress) -> ImportSummary:
    """Check the whole file, then store it; raises ImportRejected (storing nothing) if bad."""
    plan = check_file(session, path, progress=progress)
    return store_units(session, valid_rows(path), plan.parents)


def store_units(
    session: Session,
    rows: Iterable[UnitRow],
    parents: Mapping[str, str | None],
    *,
    progress: Progress = no_progress,
) -> ImportSummary:
    """Upsert checked rows by code, then place each unit under its parent, parents first."""
    summary = ImportSummary()
    units: dict[str, Unit] = {}
    before: dict[str, tuple[str, str, int | None]] = {}
    for batch in batched(rows, BATCH):
        codes = [row.code for row in batch]
        stored = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(codes)))}
        for row in batch:
            unit = stored.get(row.code)
            if unit is None:
                unit = Unit(code=row.code, name=row.name, level=row.level)
                session.add(unit)
                summary.created += 1
            else:
                before[row.code] = (unit.name, unit.level, unit.parent_id)
                unit.name, unit.level = row.name, row.level
            units[row.code] = unit
        session.flush()
        progress(len(batch))
    outside = units_by_code(session, {p for p in parents.values() if p and p not in units})
    for code in parents_first(parents):
        parent_code = parents[code]
        parent = (units.get(parent_code) or outside.get(parent_code)) if parent_code else None
        set_parent(session, units[code], parent)
    session.flush()
    for code, old in before.items():
        unit = units[code]
        if old == (unit.name, unit.level, unit.parent_id):
            summary.unchanged += 1
        else:
            summary.updated += 1
    return summary


def units_by_code(session: Session, codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for chunk in batched(sorted(codes), BATCH):
        found.update((u.code, u) for u in session.scalars(select(Unit).where(Unit.code.in_(chunk))))
    return found


def parents_first(parents: Mapping[str, str | None]) -> list[str]:
    """The codes ordered so that a parent listed in `parents` comes before its children.

    `parents` must be free of cycles (check_file makes sure of it)."""
    depth: dict[str, int] = {}
    for start in parents:
        chain: list[str] = []
        code: str | None = start
        while code is not None and code in parents and code not in depth:
            chain.append(code)
            code = parents[code]
        base = depth.get(code, -1) if code is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member] = base + offset
    return sorted(parents, key=lambda code: depth[code])
