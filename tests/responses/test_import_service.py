"""hailong.responses.importing.import_responses, as a route or another command would call it: the
service flushes, the caller commits or rolls back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hailong.i18n import Catalogs
from hailong.models import Response
from hailong.responses.importing import RowProblem, describe, import_responses
from tests.responses.forms import form, setup_units_and_period, write_forms


def responses_stored(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Response)) or 0


class TestImportService:
    def test_a_good_file_is_counted_and_kept_when_the_caller_commits(
        self, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        path = write_forms(tmp_path / "f.csv", [form(n) for n in range(1, 8)])
        seen: list[tuple[str, int, int]] = []
        result = import_responses(
            session, path, progress=lambda name, done, total: seen.append((name, done, total))
        )
        session.commit()
        assert (result.ok, result.rows, result.imported, result.skipped) == (True, 7, 7, 0)
        assert responses_stored(sessions) == 7
        assert seen and seen[-1] == ("import", path.stat().st_size, path.stat().st_size)

        again = import_responses(session, path)
        session.commit()
        assert (again.imported, again.skipped) == (0, 7)

    def test_problems_come_with_lines_and_nothing_is_kept_after_rollback(
        self, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        setup_units_and_period(session)
        forms = [form(1), form(2, B4="x"), form(3), form(4, unit_code="00000"), form(5)]
        reported: list[RowProblem] = []
        # Small batches: good forms before the first bad one have been written by then.
        result = import_responses(
            session, write_forms(tmp_path / "f.csv", forms), on_problem=reported.append,
            batch_rows=1,
        )  # fmt: skip
        session.rollback()
        assert not result.ok
        assert [p.line for p in result.problems] == [3, 5] == [p.line for p in reported]
        assert (result.problem_count, result.imported) == (2, 0)
        assert responses_stored(sessions) == 0

    def test_a_problem_reads_in_vietnamese_then_english(self) -> None:
        problem = RowProblem(5, "{column} must be answered.", {"column": "harassment"})
        assert describe(problem, Catalogs("reports")) == (
            "Dòng 5: Cột harassment phải có câu trả lời. / Line 5: harassment must be answered."
        )
