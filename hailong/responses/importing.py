"""Import keyed-in paper forms from the methodology's CSV (or XLSX with the same header).

One pass over the file, so a million rows cost one read and flat memory:
- each row is checked with the questionnaire's own rules (hailong/responses/checking.py), and
  its (unit, period, form_id) is staged in a temporary table, where forms repeated inside the
  file are found by SQL at the end;
- while no row has been bad, checked forms are stored in batches: responses, answers and
  tallies, by a background writer, so PostgreSQL stores one batch while the next is read.
  From the first bad row on nothing more is stored, and the rest is only checked, so every bad
  row is still reported.
A form already stored (same unit, period and form_id) is skipped, so importing a file twice adds
nothing. The caller's transaction makes it all or nothing: it commits when the result is ok and
rolls back otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from hailong.bulk import analyze, triggers_off
from hailong.i18n import N_, Catalogs
from hailong.responses.checking import CheckedForm, FormChecker, RowProblem
from hailong.responses.csvformat import COLUMNS, FormRow, HeaderProblem, form_row, header_problems
from hailong.responses.formfile import FormFile, UnreadableFile, is_blank, not_utf8
from hailong.responses.storing import WRITTEN_TABLES, FormStore, Staging, Writer

__all__ = ["ImportResult", "Importer", "RowProblem", "describe", "import_responses"]

BATCH_ROWS = 5000
# A file this large changes the tables enough for the planner to need new statistics.
ANALYZE_AFTER = 10_000
KEEP_PROBLEMS = 10_000  # reported as they are found; only this many are kept in memory

NOT_UTF8 = N_("The file is not UTF-8 text. Save it as CSV UTF-8.")
WRONG_SEPARATOR = N_(
    "The columns are separated by “{separator}”, not by commas. Save the file as CSV UTF-8 "
    "(comma delimited)."
)
_HEADER_MESSAGES = {
    "extra": N_("Unexpected columns: {columns}. Remove them."),
    "missing": N_("Missing columns: {columns}."),
    "repeated": N_("Repeated columns: {columns}."),
    "order": N_("The columns must come in this order: {columns}."),
}


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
    imported: int = 0  # 0 when there are problems: nothing is kept
    skipped: int = 0  # already stored: same unit, period and form_id
    problem_count: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


# (pass name, done, total) in the file's own unit: bytes or rows.
Progress = Callable[[str, int, int], None]


class Importer:
    def __init__(
        self,
        session: Session,
        source: FormFile,
        *,
        on_problem: Callable[[RowProblem], None] | None = None,
        progress: Progress | None = None,
        batch_rows: int = BATCH_ROWS,
        analyze_after: int = ANALYZE_AFTER,
    ) -> None:
        self.session = session
        self.analyze_after = analyze_after
        self.source = source
        self.on_problem = on_problem
        self.progress = progress
        self.batch_rows = batch_rows
        self.result = ImportResult()
        self.staging = Staging(session)
        self.batch: list[CheckedForm] = []

    def problem(self, problem: RowProblem) -> None:
        self.result.problem_count += 1
        if len(self.result.problems) < KEEP_PROBLEMS:
            self.result.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def run(self) -> ImportResult:
        # Every reference the import writes is vouched for: units, periods and questionnaire
        # versions are locked by the checker, answers point at responses inserted just before.
        with triggers_off(self.session) as vouched:
            self.checker = FormChecker(self.session, lock=vouched)
            self.store = FormStore(self.session, self.checker)
            return self._run()

    def _run(self) -> ImportResult:
        self.staging.create()
        writer = Writer()
        try:
            for row in self._forms():
                self.result.rows += 1
                checked = self.checker.check(row)
                if isinstance(checked, list):
                    for problem in checked:
                        self.problem(problem)
                    continue
                self.batch.append(checked)
                if len(self.batch) >= self.batch_rows:
                    self._submit(writer)
            self._submit(writer)
            writer.finish()
        finally:
            writer.close()
        for line, first, form_id in self.staging.repeats():
            self.problem(
                RowProblem(
                    line,
                    N_("form_id “{form_id}” repeats line {first} (same unit and period)."),
                    {"form_id": form_id, "first": first},
                )
            )
        if self.result.ok:
            self.store.finish()
            if self.result.imported >= self.analyze_after:
                analyze(self.session, WRITTEN_TABLES)
        else:
            self.result.imported = self.result.skipped = 0
        self.staging.drop()
        return self.result

    def _submit(self, writer: Writer) -> None:
        """Stage the batch's forms and, while no row has been bad, store them."""
        forms, self.batch = self.batch, []
        # From the first bad row on nothing more is stored: the caller rolls back anyway.
        store = self.result.ok
        writer.submit(lambda: self._write(forms, store=store))

    def _write(self, forms: list[CheckedForm], *, store: bool) -> None:
        self.staging.write(forms)
        if store and forms:
            imported = self.store.store(forms)
            self.result.imported += imported
            self.result.skipped += len(forms) - imported

    def _forms(self) -> Iterator[FormRow]:
        """Data rows of the file; a header problem or an unreadable file becomes a problem."""
        line = 1
        shown = 0
        try:
            total = self.source.total() if self.progress else 0
            rows = self.source.rows()
            header = next(rows, None)
            if header is None:
                self.problem(RowProblem(1, N_("The file is empty.")))
                return
            if not self.source.is_xlsx and not_utf8(header[1]):
                self.problem(RowProblem(1, NOT_UTF8))
                return
            separator = _other_separator(header[1])
            if separator is not None:
                self.problem(RowProblem(1, WRONG_SEPARATOR, {"separator": separator}))
                return
            for issue in header_problems(header[1]):
                self.problem(_header_problem(issue))
            if not self.result.ok:
                return
            for line, cells, position in rows:
                if self.progress and position != shown:
                    self.progress("import", position, total)
                    shown = position
                if is_blank(cells):
                    continue
                if not self.source.is_xlsx and not_utf8(cells):
                    self.problem(RowProblem(line, NOT_UTF8))
                    continue
                if len(cells) != len(COLUMNS):
                    self.problem(
                        RowProblem(
                            line,
                            N_("This row has {found} cells; the header has {expected}."),
                            {"found": len(cells), "expected": len(COLUMNS)},
                        )
                    )
                    continue
                yield form_row(line, cells)
        except UnreadableFile as error:
            self.problem(
                RowProblem(
                    line, N_("The file could not be read as XLSX: {error}"), {"error": error}
                )
            )


def _other_separator(header: Sequence[object]) -> str | None:
    """The separator of a CSV saved with semicolons or tabs (Excel does, in some locales)."""
    if len(header) != 1:
        return None
    for separator, shown in ((";", ";"), ("\t", "Tab")):
        if separator in str(header[0]):
            return shown
    return None


def _header_problem(issue: HeaderProblem) -> RowProblem:
    return RowProblem(1, _HEADER_MESSAGES[issue.kind], {"columns": ", ".join(issue.columns)})


def import_responses(
    session: Session,
    path: Path,
    *,
    on_problem: Callable[[RowProblem], None] | None = None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
    analyze_after: int = ANALYZE_AFTER,
) -> ImportResult:
    """Check and import a responses file. With any problem the result is not ok and the
    caller must roll back: forms checked before the first bad row may have been written."""
    importer = Importer(
        session,
        FormFile(path),
        on_problem=on_problem,
        progress=progress,
        batch_rows=batch_rows,
        analyze_after=analyze_after,
    )
    return importer.run()
