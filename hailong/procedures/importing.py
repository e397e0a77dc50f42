"""Loading administrative procedures (thủ tục hành chính) from CSV, all or nothing.

One row per procedure and unit: `code,name,field,unit_code`. An empty unit_code means every
unit offers it (Procedure.all_units); a procedure offered at several units takes one row per
unit. Re-importing a procedure updates its name and field and makes its units exactly those of
the file; procedures not in the file are left as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from hailong.i18n import N_
from hailong.models import Procedure, Unit, procedure_unit
from hailong.units.importing import (
    BATCH,
    CODE_TOO_LONG,
    EMPTY_CODE,
    EMPTY_NAME,
    NAME_TOO_LONG,
    ImportRejected,
    ImportSummary,
    Problem,
    Progress,
    batched,
    column_length,
    no_progress,
    open_csv,
    read_table,
)

COLUMNS = ("code", "name", "field", "unit_code")
CODE_LIMIT = column_length(Procedure.__table__.c.code)
NAME_LIMIT = column_length(Procedure.__table__.c.name)
FIELD_LIMIT = column_length(Procedure.__table__.c.field)

FIELD_TOO_LONG = N_("Line {line}: the field is longer than {limit} characters.")
OTHER_NAME = N_(
    "Line {line}: the procedure {code} has another name on line {first}; "
    "every line of one procedure must give the same name."
)
OTHER_FIELD = N_(
    "Line {line}: the procedure {code} has another field on line {first}; "
    "every line of one procedure must give the same field."
)
DUPLICATE_LINK = N_(
    "Line {line}: the procedure {code} is already listed for this unit on line {first}."
)
UNKNOWN_UNIT = N_("Line {line}: there is no unit with the code {unit}.")


@dataclass
class ProcedurePlan:
    """One procedure as the file describes it, gathered from its lines."""

    line: int
    code: str
    name: str
    field: str
    all_units: bool = False
    unit_lines: dict[str, int] = dataclasses.field(default_factory=dict)


def _check_lengths(line: int, code: str, name: str, field_name: str) -> Problem | None:
    if not code:
        return Problem(line, EMPTY_CODE)
    if not name:
        return Problem(line, EMPTY_NAME)
    for message, value, limit in (
        (CODE_TOO_LONG, code, CODE_LIMIT),
        (NAME_TOO_LONG, name, NAME_LIMIT),
        (FIELD_TOO_LONG, field_name, FIELD_LIMIT),
    ):
        if len(value) > limit:
            return Problem(line, message, {"limit": limit})
    return None


def read_plans(
    path: Path, *, progress: Progress = no_progress
) -> tuple[dict[str, ProcedurePlan], list[Problem]]:
    """The procedures of the file, keyed by code, and every problem found row by row."""
    plans: dict[str, ProcedurePlan] = {}
    problems: list[Problem] = []
    with open_csv(path) as handle:
        done = 0
        for item in read_table(handle, COLUMNS):
            position = handle.buffer.tell()
            progress(position - done)
            done = position
            if isinstance(item, Problem):
                problems.append(item)
                continue
            line, (code, name, field_name, unit_code) = item
            problem = _check_lengths(line, code, name, field_name) or _merge(
                plans, line, code, name, field_name, unit_code
            )
            if problem is not None:
                problems.append(problem)
    return plans, problems


def _merge(
    plans: dict[str, ProcedurePlan], line: int, code: str, name: str, field_name: str, unit: str
) -> Problem | None:
    plan = plans.setdefault(code, ProcedurePlan(line=line, code=code, name=name, field=field_name))
    for message, mine, theirs in (
        (OTHER_NAME, name, plan.name),
        (OTHER_FIELD, field_name, plan.field),
    ):
        if mine != theirs:
            return Problem(line, message, {"code": code, "first": plan.line})
    if not unit:
        plan.all_units = True
        return None
    if unit in plan.unit_lines:
        return Problem(line, DUPLICATE_LINK, {"code": code, "first": plan.unit_lines[unit]})
    plan.unit_lines[unit] = line
    return None


def unit_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in batched(sorted(set(codes)), BATCH):
        # Not found.update(result): a Result has keys(), so update() would index it like a dict.
        rows = session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(chunk)))
        found.update((code, unit_id) for code, unit_id in rows)
    return found


def import_file(session: Session, path: Path, *, progress: Progress = no_progress) -> ImportSummary:
    """Check the whole file, then store it; raises ImportRejected (storing nothing) if bad."""
    plans, problems = read_plans(path, progress=progress)
    units = unit_ids(session, (u for plan in plans.values() for u in plan.unit_lines))
    problems.extend(
        Problem(line, UNKNOWN_UNIT, {"unit": unit})
        for plan in plans.values()
        for unit, line in plan.unit_lines.items()
        if unit not in units
    )
    if problems:
        raise ImportRejected(problems)
    return store_procedures(session, plans.values(), units)


def store_procedures(
    session: Session, plans: Iterable[ProcedurePlan], units: dict[str, int]
) -> ImportSummary:
    summary = ImportSummary()
    for batch in batched(plans, BATCH):
        codes = [plan.code for plan in batch]
        stored = {
            p.code: p for p in session.scalars(select(Procedure).where(Procedure.code.in_(codes)))
        }
        for plan in batch:
            wanted = {units[unit] for unit in plan.unit_lines}
            procedure = stored.get(plan.code)
            if procedure is None:
                procedure = Procedure(code=plan.code, name=plan.name, field=plan.field)
                session.add(procedure)
                session.flush([procedure])
                summary.created += 1
            elif _same(session, procedure, plan, wanted):
                summary.unchanged += 1
                continue
            else:
                summary.updated += 1
            procedure.name, procedure.field, procedure.all_units = (
                plan.name,
                plan.field,
                plan.all_units,
            )
            _link(session, procedure, wanted)
        session.flush()
    return summary


def linked_unit_ids(session: Session, procedure: Procedure) -> set[int]:
    return set(
        session.scalars(
            select(procedure_unit.c.unit_id).where(procedure_unit.c.procedure_id == procedure.id)
        )
    )


def _same(session: Session, procedure: Procedure, plan: ProcedurePlan, wanted: set[int]) -> bool:
    return (procedure.name, procedure.field, procedure.all_units) == (
        plan.name,
        plan.field,
        plan.all_units,
    ) and linked_unit_ids(session, procedure) == wanted


def _link(session: Session, procedure: Procedure, wanted: set[int]) -> None:
    """Make the procedure's own units exactly `wanted`."""
    session.execute(delete(procedure_unit).where(procedure_unit.c.procedure_id == procedure.id))
    if wanted:
        session.execute(
            insert(procedure_unit),
            [{"procedure_id": procedure.id, "unit_id": unit_id} for unit_id in sorted(wanted)],
        )
