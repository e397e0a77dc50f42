"""The API's data: periods and quotas, counters, progress, the index, responses and their
review, downloads; each within the caller's units, audited where it changes something."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hailong.models import Counter, Period, QuestionnaireVersion, Quota, ResponseStatus
from hailong.periods.service import PeriodClosed, ensure_still_open, today_in_vietnam
from tests.accounts.survey_data import (
    PERIOD,
    Survey,
    audit_lines,
    bearer,
    make_survey,
    review_states,
    sign_in_with_cookie,
)
from tests.admin.conftest import Hailong, as_json

pytestmark = pytest.mark.usefixtures("country")
HAI_PHONG_WARDS = {"11413", "11341", "11413-TT"}


@pytest.fixture
def survey(sessions: sessionmaker[Session], country: dict[str, int]) -> Survey:
    return make_survey(sessions)


@pytest.fixture
def official(sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(sessions, "sonoivu")


@pytest.fixture
def ward(sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(sessions, "motcua")


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    return bearer(sessions, "quantri")


def new_period(code: str = "2027-q1", **extra: object) -> dict[str, object]:
    return {"code": code, "start": "2027-01-01", "end": "2027-03-31", **extra}


class TestPeriods:
    def test_an_official_opens_a_period_of_its_province_and_closes_it(
        self,
        client: TestClient,
        official: dict[str, str],
        ward: dict[str, str],
        sessions: sessionmaker[Session],
    ) -> None:
        made = client.post("/api/v1/periods", json=new_period(quota=40), headers=official)
        assert made.status_code == 201, made.text
        assert made.json() | {"closed_at": None} == {
            "code": "2027-q1",
            "start": "2027-01-01",
            "end": "2027-03-31",
            "questionnaire": "sipas-2023",
            "quota": 40,
            "official": ["web", "telegram", "zalo", "email", "interview", "paper"],
            "counted_review_states": ["received", "has_issues", "approved"],
            "unit_code": "31",
            "closed_at": None,
            "open": False,
        }
        # The ward below sees it; it may not change it.
        listed = client.get("/api/v1/periods", headers=ward).json()
        assert [p["code"] for p in listed["items"]] == ["2027-q1"]
        refused = client.patch("/api/v1/periods/2027-q1", json={"closed": True}, headers=ward)
        assert refused.status_code == 403
        closed = client.patch(
            "/api/v1/periods/2027-q1",
            json={"closed": True, "comment": "Sáp nhập đơn vị"},
            headers=official,
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["closed_at"] is not None
        again = client.patch("/api/v1/periods/2027-q1", json={"closed": True}, headers=official)
        assert again.status_code == 422
        (line,) = audit_lines(sessions, "period.close")
        assert (line.actor, line.target, line.comment) == ("sonoivu", "2027-q1", "Sáp nhập đơn vị")

    def test_a_closed_period_takes_no_more_responses(
        self, client: TestClient, admin: dict[str, str], sessions: sessionmaker[Session]
    ) -> None:
        year = today_in_vietnam().year
        body = {"code": "now", "start": f"{year}-01-01", "end": f"{year}-12-31"}
        assert client.post("/api/v1/periods", json=body, headers=admin).json()["open"] is True
        closed = client.patch("/api/v1/periods/now", json={"closed": True}, headers=admin).json()
        assert closed["open"] is False
        with sessions() as session:
            period = session.scalars(select(Period).where(Period.code == "now")).one()
            with pytest.raises(PeriodClosed):
                ensure_still_open(period, today_in_vietnam())

    def test_other_provinces_periods_are_not_found(
        self, client: TestClient, admin: dict[str, str], official: dict[str, str]
    ) -> None:
        # Run by Hà Nội: Hải Phòng's official neither sees nor changes it.
        made = client.post("/api/v1/periods", json=new_period(unit_code="01"), headers=admin)
        assert made.status_code == 201, made.text
        assert client.get("/api/v1/periods", headers=official).json()["items"] == []
        assert client.get("/api/v1/periods/2027-q1", headers=official).status_code == 404
        patch = client.patch("/api/v1/periods/2027-q1", json={"quota": 5}, headers=official)
        assert patch.status_code == 404
        foreign = client.post(
            "/api/v1/periods", json=new_period("x", unit_code="01"), headers=official
        )
        assert foreign.status_code == 404

    def test_changes_are_checked_and_audited(
        self, client: TestClient, official: dict[str, str], sessions: sessionmaker[Session]
    ) -> None:
        client.post("/api/v1/periods", json=new_period(), headers=official)
        bad = client.patch("/api/v1/periods/2027-q1", json={"end": "2026-12-31"}, headers=official)
        assert bad.status_code == 422
        changed = client.patch(
            "/api/v1/periods/2027-q1", json={"quota": 50, "official": ["web"]}, headers=official
        )
        assert changed.json()["quota"] == 50 and changed.json()["official"] == ["web"]
        (line,) = audit_lines(sessions, "period.change")
        assert line.details == {
            "quota": [30, 50],
            "official": [["web", "telegram", "zalo", "email", "interview", "paper"], ["web"]],
        }

    def test_the_questionnaire_changes_only_while_nobody_has_answered(
        self,
        client: TestClient,
        official: dict[str, str],
        admin: dict[str, str],
        sessions: sessionmaker[Session],
        survey: Survey,
    ) -> None:
        with sessions.begin() as session:
            builtin = session.scalars(
                select(QuestionnaireVersion).where(QuestionnaireVersion.code == "sipas-2023")
            ).one()
            session.add(QuestionnaireVersion(code="sipas-2023-b", title="B", source=builtin.source))
        client.post("/api/v1/periods", json=new_period(), headers=official)
        changed = client.patch(
            "/api/v1/periods/2027-q1", json={"questionnaire": "sipas-2023-b"}, headers=official
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["questionnaire"] == "sipas-2023-b"
        (line,) = audit_lines(sessions, "period.change")
        assert line.details == {"questionnaire": ["sipas-2023", "sipas-2023-b"]}
        # The survey's period has responses: its version stays, and the caller is told why.
        to_b = {"questionnaire": "sipas-2023-b"}
        refused = client.patch(f"/api/v1/periods/{PERIOD}", json=to_b, headers=admin)
        assert refused.status_code == 422
        message = refused.json()["error"]["message"]
        assert message["vi"].startswith(f"Đợt {PERIOD} đã có phiếu trả lời")
        assert "can no longer change" in message["en"]
        assert (
            client.get(f"/api/v1/periods/{PERIOD}", headers=official).json()["questionnaire"]
            == "sipas-2023"
        )
        unknown = client.patch(
            "/api/v1/periods/2027-q1", json={"questionnaire": "nope-1"}, headers=official
        )
        assert unknown.status_code in (404, 422)

    def test_quotas_of_ones_own_units_only_all_or_nothing(
        self,
        client: TestClient,
        admin: dict[str, str],
        official: dict[str, str],
        sessions: sessionmaker[Session],
    ) -> None:
        client.post("/api/v1/periods", json=new_period(), headers=admin)
        client.put(
            "/api/v1/periods/2027-q1/quotas",
            json=[{"unit_code": "00004", "quota": 9}],
            headers=admin,
        )
        url = "/api/v1/periods/2027-q1/quotas"
        mine = [{"unit_code": "11413", "quota": 60}, {"unit_code": "11341", "quota": 45}]
        put = client.put(url, json=mine, headers=official)
        assert put.status_code == 200, put.text
        assert [(q["unit_code"], q["quota"]) for q in put.json()] == [("11341", 45), ("11413", 60)]
        # A foreign unit in the list: 404, and nothing of the list is stored.
        with_foreign = [{"unit_code": "11413", "quota": 1}, {"unit_code": "00004", "quota": 1}]
        assert client.put(url, json=with_foreign, headers=official).status_code == 404
        # Left out of the list: back to the default; Hà Nội's quota stays as it was.
        assert client.put(url, json=mine[:1], headers=official).status_code == 200
        with sessions() as session:
            stored = session.execute(select(Quota.unit_id, Quota.quota)).tuples().all()
        assert sorted(q for _, q in stored) == [9, 60]
        assert [(q["unit_code"], q["quota"]) for q in client.get(url, headers=official).json()] == [
            ("11413", 60)
        ]
        assert len(audit_lines(sessions, "quota.set")) == 4  # 00004, 11413, 11341, 11341 dropped

    def test_the_command_closes_a_period_too(
        self, hailong: Hailong, sessions: sessionmaker[Session]
    ) -> None:
        hailong("periods", "add", "--code", "p", "--start", "2026-01-01", "--end", "2026-12-31")
        result = hailong("periods", "close", "--code", "p", "--comment", "xong")
        assert result.exit_code == 0, result.stderr
        assert "p" in result.stdout
        (row,) = as_json(hailong("periods", "list", "--format", "json"))
        assert row["closed"] is not None and row["open"] is False
        assert hailong("periods", "close", "--code", "p").exit_code == 1
        assert [line.comment for line in audit_lines(sessions, "period.close")] == ["xong"]

    def test_a_period_the_command_gives_to_a_province_is_its_officials_to_close(
        self, hailong: Hailong, client: TestClient, official: dict[str, str]
    ) -> None:
        add = ("periods", "add", "--code", "hp", "--start", "2026-01-01", "--end", "2026-12-31")
        assert hailong(*add, "--unit", "31").exit_code == 0
        assert hailong(*add[:3], "hn", *add[4:], "--unit", "01").exit_code == 0
        assert client.get("/api/v1/periods/hp", headers=official).json()["unit_code"] == "31"
        closing = {"closed": True}
        assert client.patch("/api/v1/periods/hn", json=closing, headers=official).status_code == 404
        assert client.patch("/api/v1/periods/hp", json=closing, headers=official).status_code == 200


class TestCounters:
    def test_ward_staff_manage_their_own_counters_only(
        self,
        client: TestClient,
        ward: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        listed = client.get("/api/v1/counters", headers=ward).json()
        assert [c["unit_code"] for c in listed["items"]] == ["11413"]
        foreign = survey.counters["11341"]
        for method, path, body in (
            ("GET", f"/api/v1/counters/{foreign}", None),
            ("PATCH", f"/api/v1/counters/{foreign}", {"name": "X"}),
            ("POST", f"/api/v1/counters/{foreign}/rotate", None),
            ("POST", f"/api/v1/counters/{foreign}/revoke", None),
        ):
            answer = client.request(method, path, json=body, headers=ward)
            assert answer.status_code == 404, (method, path)
            assert "Ngô Quyền" not in answer.text
        made = client.post(
            "/api/v1/counters", json={"unit_code": "11341", "name": "Quầy 9"}, headers=ward
        )
        assert made.status_code == 404
        with sessions() as session:
            assert session.get_one(Counter, foreign).name == "Quầy số 1"

    def test_add_rename_deactivate_rotate_revoke(
        self,
        client: TestClient,
        ward: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        made = client.post(
            "/api/v1/counters", json={"unit_code": "11413", "name": "Quầy 2"}, headers=ward
        )
        assert made.status_code == 201, made.text
        counter = made.json()
        old_page = counter["survey_url"].replace("http://testserver", "")
        assert client.get(old_page).status_code == 200
        url = f"/api/v1/counters/{counter['id']}"
        renamed = client.patch(url, json={"name": "Quầy hộ tịch"}, headers=ward).json()
        assert renamed["name"] == "Quầy hộ tịch"
        off = client.patch(url, json={"active": False}, headers=ward).json()
        assert off["active"] is False and off["revoked"] is False
        assert client.get(old_page).status_code == 410
        assert client.patch(url, json={"active": True}, headers=ward).json()["active"] is True
        assert client.get(old_page).status_code == 200
        rotated = client.post(f"{url}/rotate", json={"comment": "in lại"}, headers=ward).json()
        assert rotated["short_code"] != counter["short_code"]
        assert client.get(old_page).status_code == 410  # "replaced"
        revoked = client.post(f"{url}/revoke", headers=ward).json()
        assert revoked["revoked"] is True and revoked["survey_url"] is None
        assert client.post(f"{url}/revoke", headers=ward).status_code == 410  # no change
        assert client.patch(url, json={"active": True}, headers=ward).status_code == 410
        actions = [
            line.action
            for line in audit_lines(sessions, "counter.add")
            + audit_lines(sessions, "counter.change")
            + audit_lines(sessions, "counter.deactivate")
            + audit_lines(sessions, "counter.rotate")
            + audit_lines(sessions, "counter.revoke")
        ]
        assert sorted(actions) == sorted(
            [
                *("counter.add", "counter.change", "counter.change", "counter.deactivate"),
                *("counter.rotate", "counter.revoke"),
            ]
        )

    def test_filters_and_pages(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        everything = client.get("/api/v1/counters?limit=1", headers=official).json()
        assert len(everything["items"]) == 1 and everything["next_cursor"]
        second = client.get(
            "/api/v1/counters",
            params={"limit": 5, "cursor": everything["next_cursor"]},
            headers=official,
        ).json()
        codes = {c["unit_code"] for c in everything["items"] + second["items"]}
        assert codes == {"11413", "11341"}
        only = client.get("/api/v1/counters?unit=11341", headers=official).json()["items"]
        assert [c["unit_code"] for c in only] == ["11341"]
        assert client.get("/api/v1/counters?unit=00004", headers=official).status_code == 404
        # A cursor of another list is refused politely.
        units = client.get("/api/v1/units?limit=1", headers=official).json()["next_cursor"]
        assert client.get(f"/api/v1/counters?cursor={units}", headers=official).status_code == 422


class TestProgressAndIndex:
    def test_the_official_of_a_province_gets_its_wards_against_their_quotas(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        answer = client.get(f"/api/v1/progress?period={PERIOD}", headers=official)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["unit_code"] == "31"
        rows = {u["code"]: u for u in body["units"]}
        assert set(rows) == {"31"} | HAI_PHONG_WARDS
        assert (rows["11413"]["completed"], rows["11413"]["quota"]) == (4, 4)
        assert rows["11413"]["share"] == 1.0
        assert rows["11413"]["by_channel"] == {"telegram": 1, "web": 3}
        assert (rows["11341"]["completed"], rows["11341"]["share"]) == (2, 0.5)
        assert rows["31"]["quota"] is None  # the province takes no surveys of its own
        # Furthest behind first.
        assert [u["code"] for u in body["units"]][:2] == ["11413-TT", "11341"]

    def test_a_ward_asking_for_another_ward_gets_nothing(
        self, client: TestClient, ward: dict[str, str], survey: Survey
    ) -> None:
        mine = client.get(f"/api/v1/progress?period={PERIOD}", headers=ward).json()
        assert [u["code"] for u in mine["units"]] == ["11413"]
        other = client.get(f"/api/v1/progress?period={PERIOD}&unit=11341", headers=ward)
        assert other.status_code == 404
        assert "Ngô Quyền" not in other.text
        assert client.get(f"/api/v1/progress?period={PERIOD}").status_code == 401

    @pytest.mark.parametrize(
        ("who", "unit", "channels"),
        [("sonoivu", "31", "official"), ("sonoivu", None, "all"), ("quantri", None, "all")],
    )
    def test_the_index_is_what_the_command_prints(
        self,
        client: TestClient,
        hailong: Hailong,
        sessions: sessionmaker[Session],
        survey: Survey,
        who: str,
        unit: str | None,
        channels: str,
    ) -> None:
        params = {"period": PERIOD, "channels": channels} | ({"unit": unit} if unit else {})
        answer = client.get("/api/v1/index", params=params, headers=bearer(sessions, who))
        assert answer.status_code == 200, answer.text
        command = ["index", "--period", PERIOD, "--channels", channels, "--format", "json"]
        if who == "sonoivu":
            command += ["--unit", "31"]
        assert answer.json() == as_json(hailong(*command))

    def test_the_index_of_a_foreign_unit_is_not_found(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        answer = client.get(f"/api/v1/index?period={PERIOD}&unit=01", headers=official)
        assert answer.status_code == 404
        assert "Hà Nội" not in answer.text


class TestResponses:
    def test_lists_only_the_callers_units_with_filters(
        self, client: TestClient, official: dict[str, str], ward: dict[str, str], survey: Survey
    ) -> None:
        everything = client.get(f"/api/v1/responses?period={PERIOD}", headers=official).json()
        ids = {r["id"] for r in everything["items"]}
        assert ids == set(survey.responses["11413"] + survey.responses["11341"])
        # Ward staff do not verify, so they do not list responses either.
        assert client.get(f"/api/v1/responses?period={PERIOD}", headers=ward).status_code == 403
        telegram = client.get(
            f"/api/v1/responses?period={PERIOD}&channel=telegram", headers=official
        ).json()["items"]
        assert [r["unit_code"] for r in telegram] == ["11413"]
        counter = survey.counters["11341"]
        by_counter = client.get(
            f"/api/v1/responses?period={PERIOD}&counter={counter}", headers=official
        ).json()["items"]
        assert {r["id"] for r in by_counter} == set(survey.responses["11341"])
        foreign_counter = survey.counters["00004"]
        assert (
            client.get(
                f"/api/v1/responses?period={PERIOD}&counter={foreign_counter}", headers=official
            ).status_code
            == 404
        )
        assert (
            client.get(
                f"/api/v1/responses?period={PERIOD}&unit=00004", headers=official
            ).status_code
            == 404
        )

    def test_days_are_checked(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        url = f"/api/v1/responses?period={PERIOD}"
        assert client.get(f"{url}&from=0001-01-01", headers=official).status_code == 422
        assert client.get(f"{url}&to=9999-12-31", headers=official).status_code == 422
        reversed_days = client.get(f"{url}&from=2026-02-01&to=2026-01-01", headers=official)
        assert reversed_days.status_code == 422
        this_year = today_in_vietnam().year
        days = f"&from={this_year}-01-01&to={this_year}-12-31"
        assert len(client.get(url + days, headers=official).json()["items"]) == 6

    def test_one_response_shows_its_answers_and_nothing_personal(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        public_id = survey.responses["11413"][0]
        body = client.get(f"/api/v1/responses/{public_id}", headers=official).json()
        assert body["status"] == ResponseStatus.completed
        assert body["review_state"] == "received"
        assert body["answers"]["A1"] == "2"
        assert not {"respondent_ref", "resume_key_hash", "enumerator_id"} & set(body)
        foreign = survey.responses["00004"][0]
        answer = client.get(f"/api/v1/responses/{foreign}", headers=official)
        assert answer.status_code == 404
        assert "Ba Đình" not in answer.text

    def test_review_one_with_a_comment_and_the_index_follows(
        self,
        client: TestClient,
        official: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        def responses_counted() -> int:
            index = client.get(
                f"/api/v1/index?period={PERIOD}&unit=11413&channels=all", headers=official
            )
            return int(index.json()["responses"])

        assert responses_counted() == 4
        public_id = survey.responses["11413"][0]
        url = f"/api/v1/responses/{public_id}/review"
        flagged = client.post(url, json={"state": "has_issues"}, headers=official).json()
        assert flagged["response"]["review_state"] == "has_issues" and flagged["changed"]
        assert responses_counted() == 4  # still counted until rejected
        rejected = client.post(
            url, json={"state": "rejected", "comment": "Phiếu trùng"}, headers=official
        )
        assert rejected.json()["changed"] is True
        assert responses_counted() == 3
        assert client.post(url, json={"state": "pending"}, headers=official).status_code == 422
        lines = audit_lines(sessions, "response.review")
        assert [(line.actor, line.comment) for line in lines] == [
            ("sonoivu", None),
            ("sonoivu", "Phiếu trùng"),
        ]

    def test_ward_staff_may_not_review(
        self,
        client: TestClient,
        ward: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        public_id = survey.responses["11413"][0]
        url = f"/api/v1/responses/{public_id}/review"
        assert client.post(url, json={"state": "approved"}, headers=ward).status_code == 403
        assert review_states(sessions, [public_id]) == {public_id: "received"}

    def test_review_many_is_all_or_nothing(
        self,
        client: TestClient,
        official: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        mine = survey.responses["11341"]
        foreign = survey.responses["00004"][:1]
        refused = client.post(
            "/api/v1/responses/review",
            json={"ids": mine + foreign, "state": "approved"},
            headers=official,
        )
        assert refused.status_code == 404
        assert set(review_states(sessions, mine + foreign).values()) == {"received"}
        done = client.post(
            "/api/v1/responses/review",
            json={"ids": mine, "state": "approved", "comment": "Đã gọi lại"},
            headers=official,
        )
        assert done.status_code == 200, done.text
        assert all(item["changed"] for item in done.json())
        assert set(review_states(sessions, mine).values()) == {"approved"}


class TestDownloads:
    def test_responses_csv_holds_the_callers_units_only_and_is_audited(
        self,
        client: TestClient,
        official: dict[str, str],
        survey: Survey,
        sessions: sessionmaker[Session],
    ) -> None:
        answer = client.get(f"/api/v1/downloads/responses.csv?period={PERIOD}", headers=official)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        lines = answer.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("form_id,unit_code,period")
        units = {line.split(",")[1] for line in lines[1:]}
        assert units == {"11413", "11341"}
        (line,) = audit_lines(sessions, "download")
        assert (line.actor, line.target) == ("sonoivu", "responses.csv")

    def test_csv_for_excel_in_vietnamese_beside_the_plain_one(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        base = "/api/v1/downloads"
        plain = client.get(f"{base}/responses.csv?period={PERIOD}", headers=official)
        excel = client.get(
            f"{base}/responses.csv?period={PERIOD}&dialect=excel-vi", headers=official
        )
        assert excel.status_code == 200, excel.text
        assert excel.headers["content-type"].startswith("text/csv")
        assert "-excel-vi.csv" in excel.headers["content-disposition"]
        assert excel.content.startswith(b"\xef\xbb\xbf" + b"form_id;unit_code;period;")
        assert b'"=""11413"""' in excel.content
        assert plain.content.startswith(b"\xef\xbb\xbf" + b"form_id,unit_code,period,")
        assert len(excel.content.splitlines()) == len(plain.content.splitlines())
        index = client.get(f"{base}/index.csv?period={PERIOD}&dialect=excel-vi", headers=official)
        assert index.status_code == 200 and index.text.startswith("\ufeffCấp;Mã đơn vị;")
        wrong = client.get(f"{base}/index.csv?period={PERIOD}&dialect=excel", headers=official)
        assert wrong.status_code == 422

    def test_index_xlsx_and_the_report(
        self, client: TestClient, ward: dict[str, str], survey: Survey
    ) -> None:
        xlsx = client.get(f"/api/v1/downloads/index.xlsx?period={PERIOD}", headers=ward)
        assert xlsx.status_code == 200, xlsx.text
        workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
        cells = [c for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
        assert "11413" in cells and "11341" not in cells
        csv = client.get(f"/api/v1/downloads/index.csv?period={PERIOD}", headers=ward)
        assert "11413" in csv.text and "11341" not in csv.text
        pdf = client.get(f"/api/v1/downloads/report.pdf?period={PERIOD}", headers=ward)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        other = client.get(f"/api/v1/downloads/report.pdf?period={PERIOD}&unit=11341", headers=ward)
        assert other.status_code == 404
        responses = client.get(
            f"/api/v1/downloads/responses.xlsx?period={PERIOD}&unit=11341", headers=ward
        )
        assert responses.status_code == 404


class TestCsrfForCookieCallers:
    def test_a_signed_in_browser_needs_the_token_to_change_anything(
        self, client: TestClient, sessions: sessionmaker[Session], survey: Survey
    ) -> None:
        token = sign_in_with_cookie(client, sessions, "sonoivu")
        url = f"/api/v1/counters/{survey.counters['11413']}"
        refused = client.patch(url, json={"name": "Quầy mới"})
        assert refused.status_code == 403
        assert json.loads(refused.text)["error"]["code"] == "forbidden"
        forged = client.patch(url, json={"name": "Quầy mới"}, headers={"x-csrf-token": "x"})
        assert forged.status_code == 403
        with sessions() as session:
            assert session.get_one(Counter, survey.counters["11413"]).name == "Quầy số 1"
        done = client.patch(url, json={"name": "Quầy mới"}, headers={"x-csrf-token": token})
        assert done.status_code == 200, done.text
        # Reading needs no token.
        assert client.get(url).status_code == 200

    def test_a_token_caller_needs_none(
        self, client: TestClient, official: dict[str, str], survey: Survey
    ) -> None:
        me = client.get("/api/v1/me", headers=official).json()
        assert me["csrf_token"] is None
        url = f"/api/v1/counters/{survey.counters['11413']}"
        assert client.patch(url, json={"name": "Quầy A"}, headers=official).status_code == 200
