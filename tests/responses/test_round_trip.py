"""Imported forms come out of `hailong export responses` exactly as they went in, and an export
imported into an empty database exports the same file again."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Answer, Period, Response, Tally, UnitTally
from hailong.responses import service as responses
from hailong.responses.csvformat import CRITERIA_COLUMNS
from hailong.tallies import verify
from tests.admin.conftest import Hailong
from tests.responses.forms import PERIOD, read_csv, setup_units_and_period, varied_form, write_forms


def answer_web_form(session: Session, period: Period, unit_id: int) -> str:
    """A citizen's web response, answered through the survey service; returns its public id."""
    response = responses.start(
        session, unit_id=unit_id, counter_id=None, period=period, channel="web"
    )
    state = responses.load(session, response)
    responses.save_answers(session, state, {"received_result": "yes", "procedure": "other"})
    responses.save_answers(session, state, dict.fromkeys(CRITERIA_COLUMNS[:16], "5"))
    responses.save_answers(
        session,
        state,
        {
            "gave_feedback": "yes",
            "E1": "4",
            "E2": "3",
            "E3": None,
            "harassment": "1",
            "extra_payment": "2",
            "priorities": "P7",
            "comment": "Nhanh, gọn.",
            "respondent_type": "organisation",
            "gender": None,
            "age_group": "35_49",
            "education": None,
        },
    )
    session.commit()
    return response.public_id


def empty_the_responses(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        for model in (Tally, UnitTally, Answer, Response):
            session.execute(delete(model))


class TestRoundTrip:
    def test_export_then_import_into_an_empty_database(
        self, hailong: Hailong, session: Session, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        period, wards = setup_units_and_period(session)
        public_id = answer_web_form(session, period, wards[0].id)
        rng = random.Random(7)
        forms = [varied_form(n, wards[n % 3].code, rng) for n in range(120)]
        imported = hailong("import", "responses", str(write_forms(tmp_path / "in.csv", forms)))
        assert imported.exit_code == 0, imported.stderr

        first = tmp_path / "first.csv"
        assert hailong("export", "responses", "--period", PERIOD, "-o", str(first)).exit_code == 0
        exported = read_csv(first)
        # The web response first (it was stored first), known by its public id; then the
        # paper forms, every cell as it was keyed in.
        assert exported[0]["form_id"] == public_id
        assert exported[0]["channel"] == "web"
        assert exported[1:] == forms

        empty_the_responses(sessions)
        again = hailong("import", "responses", str(first))
        assert again.exit_code == 0, again.stderr
        assert f"Imported {len(forms) + 1} forms; 0 were already there." in again.stdout
        second = tmp_path / "second.csv"
        assert hailong("export", "responses", "--period", PERIOD, "-o", str(second)).exit_code == 0
        assert second.read_bytes() == first.read_bytes()
        with sessions() as check:
            assert verify.check(check, period) == []

    def test_an_export_imported_back_into_its_own_database_adds_nothing(
        self, hailong: Hailong, session: Session, tmp_path: Path
    ) -> None:
        period, wards = setup_units_and_period(session)
        answer_web_form(session, period, wards[1].id)
        forms = [varied_form(n, wards[0].code, random.Random(n)) for n in range(5)]
        assert hailong("import", "responses", str(write_forms(tmp_path / "in.csv", forms)))
        out = tmp_path / "out.csv"
        assert hailong("export", "responses", "--period", PERIOD, "-o", str(out)).exit_code == 0
        result = hailong("import", "responses", str(out))
        assert result.exit_code == 0, result.stderr
        assert "Imported 0 forms; 6 were already there." in result.stdout
