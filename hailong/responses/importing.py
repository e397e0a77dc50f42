"""Import keyed-in paper forms from the methodology's CSV (or XLSX with the same header).

All or nothing, in two passes over the file so memory stays flat for a million rows:
1. check every row (the questionnaire's own validation, through survey_flows) and stage its
   (unit, period, form_id) in a temporary table, where repeated forms are found by SQL;
2. only if no row is bad: insert responses, answers and tallies in batches.
A form already stored (same unit, period and form_id) is skipped, so importing a file twice adds
nothing. The caller's transaction makes it all or nothing; the caller commits.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select
from sqlalchemy.orm import Session

from hailong.db import dialect_insert
from hailong.i18n import N_, Catalogs
from hailong.models import (
    Answer,
    Channel,
    Period,
    Response,
    ResponseStatus,
    ReviewState,
    Unit,
)
from hailong.models.base import utcnow
from hailong.periods.service import VIETNAM
from hailong.questionnaires.service import questionnaire_by_id
from hailong.responses.csvformat import (
    ANSWER_COLUMNS,
    COLUMNS,
    PROCEDURE_QUESTION,
    FormRow,
    HeaderProblem,
    form_row,
    header_problems,
    parse_submitted_at,
)
from hailong.tallies.layout import TallyLayout, layout_for
from hailong.tallies.service import Dimensions, TallyBatch
from survey_flows import Questionnaire
from survey_flows.engine import Invalid, is_applicable, screened_out, validate_answer
from survey_flows.questionnaire import QuestionKind

BATCH_ROWS = 2000
KEEP_PROBLEMS = 10_000  # reported as they are found; only this many are kept in memory
FORM_ID_LIMIT = 64
PROCEDURE_LIMIT = 64

_HEADER_MESSAGES = {
    "extra": N_("Unexpected columns: {columns}. Remove them."),
    "missing": N_("Missing columns: {columns}."),
    "repeated": N_("Repeated columns: {columns}."),
    "order": N_("The columns must come in this order: {columns}."),
}
_INVALID_MESSAGES = {
    "required": N_("{column} must be answered."),
    "not_an_option": N_("{column}: “{value}” is not one of {options}."),
    "too_long": N_("{column} is longer than {limit} characters."),
    "too_many": N_("{column}: choose at most {limit}."),
    "duplicate": N_("{column}: the same choice is given twice."),
}


@dataclass(frozen=True)
class RowProblem:
    """A bad row: its line in the file and why, as an English msgid with parameters."""

    line: int
    message: str
    params: Mapping[str, object] = field(default_factory=dict)


def describe(problem: RowProblem, catalogs: Catalogs) -> str:
    """'Dòng 5: ... / Line 5: ...' for the operator's console."""
    texts = []
    for language in ("vi", "en"):
        reason = catalogs.gettext(language, problem.message).format(**problem.params)
        texts.append(
            catalogs.gettext(language, N_("Line {line}: {reason}")).format(
                line=problem.line, reason=reason
            )
        )
    return texts[0] if texts[0] == texts[1] else " / ".join(texts)


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    skipped: int = 0  # already stored: same unit, period and form_id
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


# (pass name "check" | "import", done, total) in the file's own unit: bytes or rows.
Progress = Callable[[str, int, int], None]


class FormFile:
    """A CSV or XLSX responses file that can be read twice, with a position for progress."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.is_xlsx = path.suffix.lower() in (".xlsx", ".xlsm")

    def total(self) -> int:
        if not self.is_xlsx:
            return self.path.stat().st_size
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            return workbook.worksheets[0].max_row or 0
        finally:
            workbook.close()

    def rows(self) -> Iterator[tuple[int, Sequence[object], int]]:
        """(line number, cells, position) for every row, the header first."""
        if self.is_xlsx:
            yield from self._xlsx_rows()
        else:
            with self.path.open("rb") as raw:
                yield from _csv_rows(raw)

    def _xlsx_rows(self) -> Iterator[tuple[int, Sequence[object], int]]:
        from openpyxl import load_workbook

        workbook = load_workbook(self.path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, _trim(cells), line
        finally:
            workbook.close()


def _trim(cells: Sequence[object]) -> Sequence[object]:
    # Spreadsheets pad rows with empty cells; only filled cells past the header are "extra".
    end = len(cells)
    while end > len(COLUMNS) and (cells[end - 1] is None or str(cells[end - 1]).strip() == ""):
        end -= 1
    return cells[:end]


def _csv_rows(raw: BinaryIO) -> Iterator[tuple[int, Sequence[object], int]]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    first_line = 1
    for cells in reader:
        yield first_line, cells, raw.tell()
        first_line = reader.line_num + 1


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


@dataclass(frozen=True)
class CheckedForm:
    """A row that passed every check, ready to store."""

    line: int
    form_id: str
    unit_id: int
    period: Period
    channel: str
    submitted_at: datetime
    procedure_code: str | None
    status: str
    answers: dict[str, str | None]


class FormChecker:
    """Checks one row against the units, periods and the period's questionnaire."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units = dict(session.execute(select(Unit.code, Unit.id)).tuples().all())
        self.periods = {p.code: p for p in session.scalars(select(Period))}
        self.channels = tuple(channel.value for channel in Channel)

    def questionnaire(self, period: Period) -> Questionnaire:
        return questionnaire_by_id(self.session, period.questionnaire_id)

    def check(self, row: FormRow) -> CheckedForm | list[RowProblem]:
        problems: list[RowProblem] = []

        def bad(message: str, **params: object) -> None:
            problems.append(RowProblem(row.line, message, params))

        form_id = row.form_id or ""
        if not form_id:
            bad(N_("form_id is empty."))
        elif len(form_id) > FORM_ID_LIMIT:
            bad(N_("form_id is longer than {limit} characters."), limit=FORM_ID_LIMIT)
        unit_id = self._unit(row, bad)
        period = self._period(row, bad)
        channel = row.channel or Channel.paper.value
        if channel not in self.channels:
            bad(
                N_("Unknown channel “{channel}”; use one of {channels}."),
                channel=channel,
                channels=", ".join(self.channels),
            )
        submitted_at = self._submitted_at(row, period, bad)
        if row.procedure_code and len(row.procedure_code) > PROCEDURE_LIMIT:
            bad(N_("procedure_code is longer than {limit} characters."), limit=PROCEDURE_LIMIT)
        answers, status = (
            self._answers(row, self.questionnaire(period), bad) if period else ({}, "")
        )
        if problems or unit_id is None or period is None or submitted_at is None:
            return problems
        return CheckedForm(
            line=row.line,
            form_id=form_id,
            unit_id=unit_id,
            period=period,
            channel=channel,
            submitted_at=submitted_at,
            procedure_code=row.procedure_code,
            status=status,
            answers=answers,
        )

    def _unit(self, row: FormRow, bad: Callable[..., None]) -> int | None:
        if not row.unit_code:
            bad(N_("unit_code is empty."))
            return None
        unit_id = self.units.get(row.unit_code)
        if unit_id is None:
            bad(N_("Unknown unit code “{code}”."), code=row.unit_code)
        return unit_id

    def _period(self, row: FormRow, bad: Callable[..., None]) -> Period | None:
        if not row.period:
            bad(N_("period is empty."))
            return None
        period = self.periods.get(row.period)
        if period is None:
            bad(N_("Unknown period “{code}”."), code=row.period)
        return period

    def _submitted_at(
        self, row: FormRow, period: Period | None, bad: Callable[..., None]
    ) -> datetime | None:
        if not row.submitted_at:
            bad(N_("submitted_at is empty."))
            return None
        try:
            moment = parse_submitted_at(row.submitted_at)
        except ValueError:
            bad(
                N_("submitted_at “{value}” is not an ISO 8601 date or date-time."),
                value=row.submitted_at,
            )
            return None
        day = moment.astimezone(VIETNAM).date()
        if period is not None and not period.start_date <= day <= period.end_date:
            bad(
                N_("submitted_at {day} is outside period {period} ({start} to {end})."),
                day=day.isoformat(),
                period=period.code,
                start=period.start_date.isoformat(),
                end=period.end_date.isoformat(),
            )
        return moment

    def _answers(
        self, row: FormRow, questionnaire: Questionnaire, bad: Callable[..., None]
    ) -> tuple[dict[str, str | None], str]:
        given = dict(row.answers)
        for column in ANSWER_COLUMNS:
            if given.get(column) is not None and not questionnaire.has_question(column):
                bad(
                    N_(
                        "{column} is not a question of questionnaire {questionnaire}; "
                        "leave it empty."
                    ),
                    column=column,
                    questionnaire=questionnaire.code,
                )
        given[PROCEDURE_QUESTION] = row.procedure_code
        answers: dict[str, str | None] = {}
        for question in questionnaire.questions():
            raw = given.get(question.key)
            if answers and screened_out(questionnaire, answers):
                if raw is not None and question.kind is not QuestionKind.procedure:
                    bad(
                        N_("The form answers no to {screening}: leave {column} empty."),
                        screening=_screening_key(questionnaire),
                        column=question.key,
                    )
                continue
            if not is_applicable(questionnaire, question, answers):
                if raw is not None:
                    bad(
                        N_(
                            "{column} is not asked after the earlier answers on this form; "
                            "leave it empty."
                        ),
                        column=question.key,
                    )
                continue
            if question.kind is QuestionKind.procedure:
                # Paper forms may name any procedure, or none.
                answers[question.key] = raw
                continue
            checked = validate_answer(question, raw)
            if isinstance(checked, Invalid):
                bad(
                    _INVALID_MESSAGES[checked.reason],
                    column=question.key,
                    value=raw or "",
                    options=", ".join(_codes(question)),
                    limit=checked.limit or 0,
                )
                continue
            answers[question.key] = checked.value
        status = (
            ResponseStatus.screened_out
            if screened_out(questionnaire, answers)
            else ResponseStatus.completed
        )
        if status is ResponseStatus.screened_out:
            answers = {k: v for k, v in answers.items() if k == _screening_key(questionnaire)}
        return answers, status.value


def _codes(question: Any) -> tuple[str, ...]:
    if question.kind is QuestionKind.yes_no:
        return ("yes", "no")
    return tuple(question.option_codes())


def _screening_key(questionnaire: Questionnaire) -> str:
    for question in questionnaire.questions():
        if question.screen_out_unless is not None:
            return question.key
    return ""


def _staging_table() -> Table:
    # Each run builds its own temporary table: it lives only in this connection.
    return Table(
        "import_form",
        MetaData(),
        Column("line", Integer, nullable=False),
        Column("unit_id", Integer, nullable=False),
        Column("period_id", Integer, nullable=False),
        Column("form_id", String(64), nullable=False),
        prefixes=["TEMPORARY"],
    )


class Importer:
    def __init__(
        self,
        session: Session,
        source: FormFile,
        *,
        on_problem: Callable[[RowProblem], None] | None = None,
        progress: Progress | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.session = session
        self.source = source
        self.on_problem = on_problem
        self.progress = progress
        self.batch_rows = batch_rows
        self.result = ImportResult()
        self.checker = FormChecker(session)
        self.staging = _staging_table()
        self.layouts: dict[int, TallyLayout] = {}

    def problem(self, problem: RowProblem) -> None:
        self.result.problem_count += 1
        if len(self.result.problems) < KEEP_PROBLEMS:
            self.result.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def run(self) -> ImportResult:
        connection = self.session.connection()
        self.staging.create(connection)
        try:
            self.check_pass()
            if self.result.ok:
                self.repeated_forms()
            if self.result.ok:
                self.import_pass()
        finally:
            self.staging.drop(connection)
        return self.result

    def _forms(self, name: str) -> Iterator[tuple[FormRow | None, Sequence[object] | None]]:
        """Data rows of the file; a header problem or an unreadable file becomes a problem."""
        total = self.source.total() if self.progress else 0
        rows = self.source.rows()
        line = 1
        try:
            header = next(rows, None)
            if header is None:
                self.problem(RowProblem(1, N_("The file is empty.")))
                return
            for issue in header_problems(header[1]):
                self.problem(_header_problem(issue))
            if not self.result.ok:
                return
            for line, cells, position in rows:
                if self.progress:
                    self.progress(name, position, total)
                if _is_blank(cells):
                    continue
                if len(cells) != len(COLUMNS):
                    self.problem(
                        RowProblem(
                            line,
                            N_("This row has {found} cells; the header has {expected}."),
                            {"found": len(cells), "expected": len(COLUMNS)},
                        )
                    )
                    yield None, None
                    continue
                yield form_row(line, cells), cells
        except UnicodeDecodeError:
            self.problem(RowProblem(line, N_("The file is not UTF-8 text. Save it as CSV UTF-8.")))
        except (OSError, ValueError, KeyError) as error:
            if not self.source.is_xlsx:
                raise
            self.problem(
                RowProblem(
                    line, N_("The file could not be read as XLSX: {error}"), {"error": error}
                )
            )

    def check_pass(self) -> None:
        staged: list[dict[str, Any]] = []
        for row, _ in self._forms("check"):
            if row is None:
                continue
            self.result.rows += 1
            checked = self.checker.check(row)
            if isinstance(checked, list):
                for problem in checked:
                    self.problem(problem)
                continue
            staged.append(
                {
                    "line": checked.line,
                    "unit_id": checked.unit_id,
                    "period_id": checked.period.id,
                    "form_id": checked.form_id,
                }
            )
            if len(staged) >= self.batch_rows:
                self.session.execute(self.staging.insert(), staged)
                staged = []
        if staged:
            self.session.execute(self.staging.insert(), staged)

    def repeated_forms(self) -> None:
        first, later = self.staging.alias("first"), self.staging.alias("later")
        query = (
            select(later.c.line, func.min(first.c.line), later.c.form_id)
            .join(
                first,
                (first.c.unit_id == later.c.unit_id)
                & (first.c.period_id == later.c.period_id)
                & (first.c.form_id == later.c.form_id)
                & (first.c.line < later.c.line),
            )
            .group_by(later.c.line, later.c.form_id)
            .order_by(later.c.line)
        )
        for line, first_line, form_id in self.session.execute(query):
            self.problem(
                RowProblem(
                    line,
                    N_("form_id “{form_id}” repeats line {first} (same unit and period)."),
                    {"form_id": form_id, "first": first_line},
                )
            )

    def import_pass(self) -> None:
        batch: list[CheckedForm] = []
        for row, _ in self._forms("import"):
            if row is None:
                continue
            checked = self.checker.check(row)
            if isinstance(checked, list):  # the file changed between the passes
                for problem in checked:
                    self.problem(problem)
                return
            batch.append(checked)
            if len(batch) >= self.batch_rows:
                self.store(batch)
                batch = []
        if batch:
            self.store(batch)

    def store(self, forms: list[CheckedForm]) -> None:
        now = utcnow()
        by_public_id = {_public_id(form): form for form in forms}
        rows = [_response_row(public_id, form, now) for public_id, form in by_public_id.items()]
        table = Response.__table__
        statement = (
            dialect_insert(self.session, table)
            .on_conflict_do_nothing()
            .returning(table.c.id, table.c.public_id)
        )
        inserted = self.session.execute(statement, rows).all()
        self.result.imported += len(inserted)
        self.result.skipped += len(forms) - len(inserted)
        answers: list[dict[str, Any]] = []
        tallies = TallyBatch()
        for response_id, public_id in inserted:
            form = by_public_id[public_id]
            answers.extend(
                {
                    "response_id": response_id,
                    "question_key": key,
                    "value": value,
                    "answered_at": form.submitted_at,
                }
                for key, value in form.answers.items()
            )
            if form.status == ResponseStatus.completed:
                tallies.add_response(_dimensions(form), self._layout(form.period), form.answers)
        if answers:
            self.session.execute(insert(Answer), answers)
        tallies.write(self.session)

    def _layout(self, period: Period) -> TallyLayout:
        layout = self.layouts.get(period.id)
        if layout is None:
            questionnaire = self.checker.questionnaire(period)
            layout = self.layouts[period.id] = layout_for(questionnaire)
        return layout


def _header_problem(issue: HeaderProblem) -> RowProblem:
    return RowProblem(1, _HEADER_MESSAGES[issue.kind], {"columns": ", ".join(issue.columns)})


def _public_id(form: CheckedForm) -> str:
    """An exported web/chat response carries its public id as form_id: keep it, so the same
    response imported twice (or back into its own database) is found again."""
    try:
        parsed = uuid.UUID(form.form_id)
    except ValueError:
        return str(uuid.uuid4())
    return str(parsed) if str(parsed) == form.form_id.lower() else str(uuid.uuid4())


def _response_row(public_id: str, form: CheckedForm, now: datetime) -> dict[str, Any]:
    return {
        "public_id": public_id,
        "unit_id": form.unit_id,
        "counter_id": None,
        "period_id": form.period.id,
        "questionnaire_id": form.period.questionnaire_id,
        "channel": form.channel,
        "status": form.status,
        "review_state": ReviewState.pending.value,
        "procedure_code": form.procedure_code,
        "respondent_ref": None,
        "form_id": form.form_id,
        "language": "vi",
        "started_at": now,
        "updated_at": now,
        "submitted_at": form.submitted_at,
    }


def _dimensions(form: CheckedForm) -> Dimensions:
    return Dimensions(
        period_id=form.period.id,
        unit_id=form.unit_id,
        counter_id=0,
        procedure_code=form.procedure_code or "",
        channel=form.channel,
        review_state=ReviewState.pending.value,
        questionnaire_id=form.period.questionnaire_id,
    )


def import_responses(
    session: Session,
    path: Path,
    *,
    on_problem: Callable[[RowProblem], None] | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportResult:
    """Check and import a responses file. With any problem nothing is stored: the caller
    must roll back (the staging is already undone, but rows may have been inserted when the
    file changed between the passes)."""
    importer = Importer(
        session, FormFile(path), on_problem=on_problem, progress=progress, batch_rows=batch_rows
    )
    return importer.run()
