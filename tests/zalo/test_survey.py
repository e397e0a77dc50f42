"""A whole survey on Zalo, as a citizen does it: the counter's code, then every answer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import Engine

from hailong.models import Channel, ResponseStatus
from hailong.responses.csvformat import ANSWER_COLUMNS
from survey_flows import Questionnaire
from tests.fakes.zalo_api import FakeZaloAPI
from tests.telegram.conftest import Office, only_response, stored_answers
from tests.telegram.plan import PLAN
from tests.telegram.test_survey import hailong_command
from tests.zalo.phone import Phone, answer


class TestWholeSurvey:
    def test_code_then_every_answer_is_one_zalo_response_in_the_export(
        self,
        phone: Phone,
        office: Office,
        questionnaire: Questionnaire,
        zalo_api: FakeZaloAPI,
        engine: Engine,
        database_url: str,
        tmp_path: Path,
    ) -> None:
        phone.send(office.short_code)
        assert office.unit_name in phone.messages()[0].text
        for key, value in PLAN.items():
            answer(phone, questionnaire.question(key), value, procedure_names=office.procedures)

        assert "Cảm ơn" in phone.last.text
        assert zalo_api.problems == []
        assert all(len(message.buttons) <= 5 for message in phone.messages())
        response = only_response(engine)
        assert (response.channel, response.status) == (Channel.zalo, ResponseStatus.completed)
        assert stored_answers(engine) == {k: v for k, v in PLAN.items()}
        # Only a keyed hash of the Zalo user: the id itself is nowhere in the response.
        assert phone.user_id not in (response.respondent_ref or "")

        out = tmp_path / "out.csv"
        exported = hailong_command(
            database_url, "export", "responses", "--period", office.period_code, "-o", str(out)
        )
        assert exported.exit_code == 0, exported.output
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
        assert [row["channel"] for row in rows] == ["zalo"]
        assert {c: rows[0][c] for c in ANSWER_COLUMNS} == {
            c: PLAN.get(c) or "" for c in ANSWER_COLUMNS
        }
        checked = hailong_command(database_url, "tallies", "check")
        assert checked.exit_code == 0, checked.output
