"""`hailong responses review` finds a response by what the responses download shows: a paper
form by its form_id (with its unit_code and period when the serial number repeats), any other
response by its public id."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Response
from tests.admin.conftest import Hailong
from tests.responses.forms import PERIOD, form, read_csv, setup_units_and_period, write_forms
from tests.responses.test_round_trip import answer_web_form


def states(sessions: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    """(form_id or public id, unit id) -> review state."""
    with sessions() as session:
        rows = session.scalars(select(Response)).all()
        return {(r.form_id or r.public_id, str(r.unit_id)): r.review_state for r in rows}


class TestReviewWhatTheDownloadShows:
    def test_a_paper_form_by_its_form_id(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        period, wards = setup_units_and_period(session)
        web_id = answer_web_form(session, period, wards[1].id)
        forms = [form(1, wards[0].code), form(2, wards[0].code)]
        imported = hailong("import", "responses", str(write_forms(tmp_path / "in.csv", forms)))
        assert imported.exit_code == 0, imported.stderr
        out = tmp_path / "out.csv"
        assert hailong("download", "responses", "--period", PERIOD, "-o", str(out)).exit_code == 0
        rows = {row["form_id"]: row for row in read_csv(out)}
        paper, web = rows["HA-00002"], rows[web_id]

        for row in (paper, web):
            result = hailong(
                "responses",
                "review",
                "--id",
                row["form_id"],
                "--unit",
                row["unit_code"],
                "--period",
                row["period"],
                "--state",
                "rejected",
            )
            assert result.exit_code == 0, result.stderr
            assert f"Phiếu {row['form_id']} nay ở trạng thái: bị loại" in result.stdout
        # The form id alone is enough while it names one form.
        again = hailong("responses", "review", "--id", "HA-00001", "--state", "approved")
        assert again.exit_code == 0, again.stderr

        found = states(sessions)
        assert found[("HA-00002", str(wards[0].id))] == "rejected"
        assert found[(web_id, str(wards[1].id))] == "rejected"
        assert found[("HA-00001", str(wards[0].id))] == "approved"

    def test_a_serial_number_used_in_two_units_asks_which(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        _period, wards = setup_units_and_period(session)
        forms = [form(7, wards[0].code), form(7, wards[1].code)]
        assert hailong("import", "responses", str(write_forms(tmp_path / "in.csv", forms)))
        before = states(sessions)

        review = ("responses", "review", "--id", "HA-00007", "--state", "rejected")
        unsure = hailong(*review)
        assert unsure.exit_code == 1
        assert "--unit" in unsure.stderr and "2" in unsure.stderr
        assert states(sessions) == before

        nowhere = hailong(
            "responses",
            "review",
            "--id",
            "HA-00007",
            "--unit",
            wards[2].code,
            "--state",
            "rejected",
        )
        assert nowhere.exit_code == 1
        assert f"Không có phiếu HA-00007 của đơn vị {wards[2].code}" in nowhere.stderr

        sure = hailong(
            "responses",
            "review",
            "--id",
            "HA-00007",
            "--unit",
            wards[1].code,
            "--state",
            "rejected",
        )
        assert sure.exit_code == 0, sure.stderr
        found = states(sessions)
        assert found[("HA-00007", str(wards[1].id))] == "rejected"
        assert found[("HA-00007", str(wards[0].id))] == "received"
