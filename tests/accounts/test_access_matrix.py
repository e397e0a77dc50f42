"""The access matrix: every route of the app × every kind of caller, with the expected answer.

Built from the app's own route table: a route that is not in MATRIX fails the test, so each
new route must say here who may call it. Callers: each role signed in (session cookie) and
through an API token, aimed at its own unit, a unit below it and a foreign unit; nobody; a
disabled account (session and token); a revoked token.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount, Route

from hailong.accounts import service, tokens
from hailong.app import create_app
from hailong.audit.service import Who
from hailong.invitations import service as invitations
from hailong.invitations.service import Request
from hailong.models import OutboxMessage, PosterJob, Role, Unit
from hailong.settings import Settings
from hailong.survey.invitations import link_token
from hailong.web.office import progress
from tests.accounts.conftest import UNITS, Credentials, credentials_for, make_account
from tests.conftest import TEST_SECRET
from tests.factories import make_counter, make_period, make_procedure
from tests.index.survey import answer, sipas_form

# Who each account is, and which unit is its own, below it, and foreign to it.
TARGETS = {
    "admin": ("quantri", "31", "11413", "00004"),
    "official": ("sonoivu", "31", "11413", "00004"),
    "ward_staff": ("motcua", "11413", "11413-TT", "11341"),
    "enumerator": ("dieutra", "11413", "11413-TT", "11341"),
}
# The units each role may see (enumerators: their assignments, none yet).
VISIBLE = {
    "admin": {code for code, *_ in UNITS},
    "official": {"31", "11413", "11341", "11413-TT"},
    "ward_staff": {"11413"},
    "enumerator": set(),
}
# The periods each role sees, by the unit that runs them ("" : administrators): those of its
# units and of the units above its own.
SEEN = {
    "admin": {"", *(code for code, *_ in UNITS)},
    "official": {"", "31", "11413", "11341", "11413-TT"},
    "ward_staff": {"", "31", "11413"},
    "enumerator": {"", "31", "11413"},
}
# What each role may do, as the issue says: an official everything within its subtree, ward
# staff their office (progress, counters, posters, downloads) but no verification,
# enumerators only interviews. Actions named as in hailong.accounts.scope.
EVERYTHING = {
    "manage_periods",
    "manage_quotas",
    "manage_counters",
    "view_progress",
    "view_index",
    "view_responses",
    "verify_responses",
    "download",
}
ACTIONS = {
    "admin": EVERYTHING,
    "official": EVERYTHING,
    "ward_staff": {"manage_counters", "view_progress", "view_index", "download"},
    "enumerator": set(),
}
RELATIONS = ("own", "child", "foreign")


@dataclass(frozen=True)
class Caller:
    role: str | None  # None: nobody signed in
    relation: str  # own / child / foreign, or why the credential does not work
    via: str  # session, token or none
    valid: bool

    @property
    def name(self) -> str:
        return f"{self.role or 'anonymous'}-{self.relation}-{self.via}"

    @property
    def target(self) -> str:
        if self.role is None or self.relation not in RELATIONS:
            return "11413"
        return TARGETS[self.role][1 + RELATIONS.index(self.relation)]

    @property
    def signed_in_page(self) -> bool:
        return self.valid and self.via == "session"


NOBODY = Caller(None, "nobody", "none", False)
CALLERS = [
    *(
        Caller(role, relation, via, True)
        for role in TARGETS
        for relation in RELATIONS
        for via in ("session", "token")
    ),
    NOBODY,
    Caller("official", "disabled", "session", False),
    Caller("official", "disabled", "token", False),
    Caller("official", "revoked", "token", False),
]


@dataclass
class Place:
    token: str
    short_code: str
    period: str  # run by administrators, with a response at every unit
    counters: dict[str, int]  # unit code -> a counter's id
    spare_counters: dict[str, int]  # unit code -> a counter the matrix revokes
    responses: dict[str, str]  # unit code -> a response's public id
    accounts: dict[str, int]  # unit code -> the id of an account of that unit
    invitation: str  # an e-mail invitation's link token
    job: str  # a poster batch of an account that is none of the callers


@dataclass
class Call:
    """What a rule needs to make its request and judge the answer."""

    caller: Caller
    place: Place


Expect = Callable[[Call, "Answer"], None]


@dataclass
class Answer:
    status: int
    text: str
    json: object | None
    location: str | None


@dataclass(frozen=True)
class Rule:
    url: Callable[[Call], str]
    expect: Expect
    # Public routes answer the same whoever calls: the test compares with nobody's answer.
    public: bool = False
    body: Callable[[Call], object] | None = None  # JSON sent with the request


def public(url: Callable[[Call], str]) -> Rule:
    return Rule(url=url, expect=lambda call, answer: None, public=True)


def status(expected: Callable[[Caller], int]) -> Expect:
    def check(call: Call, answer: Answer) -> None:
        assert answer.status == expected(call.caller), answer.text[:300]

    return check


def signed_in_api(call: Call, answer: Answer) -> None:
    assert answer.status == (200 if call.caller.valid else 401), answer.text[:300]
    if not call.caller.valid:
        assert answer.json == {"error": answer.json["error"]}  # type: ignore[index]


def unit_of_scope(call: Call, answer: Answer) -> None:
    caller = call.caller
    if not caller.valid:
        assert answer.status == 401
        return
    assert caller.role is not None
    if call.caller.target in VISIBLE[caller.role]:
        assert answer.status == 200
        assert answer.json["code"] == call.caller.target  # type: ignore[index]
    else:
        assert answer.status == 404
        # Nothing of the unit leaks: not its name, not its parent.
        name = next(name for code, name, *_ in UNITS if code == call.caller.target)
        assert name not in answer.text


def units_of_scope(call: Call, answer: Answer) -> None:
    caller = call.caller
    if not caller.valid:
        assert answer.status == 401
        return
    assert caller.role is not None
    assert answer.status == 200
    assert {item["code"] for item in answer.json["items"]} == VISIBLE[caller.role]  # type: ignore[index]


def unit_name(code: str) -> str:
    return next(name for unit_code, name, *_ in UNITS if unit_code == code)


def scoped(action: str, *ok: int) -> Expect:
    """The caller's role may take `action`, and reaches the target unit: `ok` (200 unless
    said); otherwise 403 or 404 and nothing of the unit; nobody, a disabled account or a
    revoked token: 401."""
    allowed = ok or (200,)

    def check(call: Call, answer: Answer) -> None:
        caller = call.caller
        if not caller.valid:
            assert answer.status == 401, answer.text[:300]
            return
        assert caller.role is not None
        if action in ACTIONS[caller.role] and caller.target in VISIBLE[caller.role]:
            assert answer.status in allowed, answer.text[:300]
        else:
            assert answer.status in (403, 404), answer.text[:300]
            assert unit_name(caller.target) not in answer.text

    return check


def period_of_unit(call: Call, answer: Answer) -> None:
    """A period run by the target unit: seen by those who reach it or are below it."""
    caller = call.caller
    if not caller.valid:
        assert answer.status == 401
        return
    assert caller.role is not None
    expected = 200 if caller.target in SEEN[caller.role] else 404
    assert answer.status == expected, answer.text[:300]


def periods_seen(call: Call, answer: Answer) -> None:
    caller = call.caller
    if not caller.valid:
        assert answer.status == 401
        return
    assert caller.role is not None
    assert answer.status == 200
    codes = {item["code"] for item in answer.json["items"]}  # type: ignore[index]
    expected = {f"per-{unit}" if unit else call.place.period for unit in SEEN[caller.role]}
    # Periods the matrix's own POST added are seen too; none of another's units.
    assert expected <= codes, codes
    foreign = {f"per-{code}" for code, *_ in UNITS} - expected
    assert not codes & foreign, codes


def counters_of_scope(call: Call, answer: Answer) -> None:
    caller = call.caller
    if not caller.valid:
        assert answer.status == 401
        return
    assert caller.role is not None
    assert answer.status == 200
    units = {item["unit_code"] for item in answer.json["items"]}  # type: ignore[index]
    reached = VISIBLE[caller.role] if "manage_counters" in ACTIONS[caller.role] else set()
    assert units == reached


def page_or_login(call: Call, answer: Answer) -> None:
    if call.caller.signed_in_page:
        assert answer.status == 200
    else:
        assert answer.status == 303
        assert (answer.location or "").startswith("/office/login")


def page_or_login_redirect(call: Call, answer: Answer) -> None:
    assert answer.status == 303
    went = answer.location or ""
    assert went.startswith("/api/v1/" if call.caller.signed_in_page else "/office/login")


def login_page(call: Call, answer: Answer) -> None:
    # A signed-in browser is sent on to the office; everyone else sees the form.
    assert answer.status == (303 if call.caller.signed_in_page else 200)


def docs_page(call: Call, answer: Answer) -> None:
    if call.caller.valid:
        assert answer.status == 200
    else:
        assert answer.status == 303


# What each role may do on the office's pages (hailong.accounts.scope.ROLE_ACTIONS); "audit"
# stands for what only officials and administrators do (the audit log, periods and quotas).
MAY = {
    "admin": {"view_progress", "verify_responses", "manage_counters", "print", "download", "audit"},
    "official": {
        "view_progress",
        "verify_responses",
        "manage_counters",
        "print",
        "download",
        "audit",
    },
    "ward_staff": {"view_progress", "manage_counters", "print", "download"},
    "enumerator": set(),
}


def scoped_page(action: str, *, login: bool = True) -> Expect:
    """An office page about the caller's target unit: shown when the role may take the
    action there, 404 when the unit is outside the caller's units, 403 when the role never
    may; nobody (or an API token, which does not open pages) is sent to sign in (or 401)."""

    def check(call: Call, answer: Answer) -> None:
        caller = call.caller
        if not caller.signed_in_page:
            if login:
                assert answer.status == 303
                assert (answer.location or "").startswith("/office/login")
            else:
                assert answer.status == 401
            return
        assert caller.role is not None
        if caller.target not in VISIBLE[caller.role]:
            assert answer.status == (403 if action not in MAY[caller.role] else 404)
            name = next(name for code, name, *_ in UNITS if code == caller.target)
            assert name not in answer.text
        elif action in MAY[caller.role]:
            assert answer.status == 200, answer.text[:300]
        else:
            assert answer.status == 403

    return check


def role_page(action: str) -> Expect:
    """An office page of the caller's own (no unit in its address)."""

    def check(call: Call, answer: Answer) -> None:
        caller = call.caller
        if not caller.signed_in_page:
            assert answer.status == 303
            assert (answer.location or "").startswith("/office/login")
            return
        assert caller.role is not None
        assert answer.status == (200 if action in MAY[caller.role] else 403), answer.text[:300]

    return check


def someone_elses(call: Call, answer: Answer) -> None:
    """Another account's batch (or none): not found for everyone signed in."""
    if not call.caller.signed_in_page:
        assert answer.status == 303
    else:
        assert answer.status == (404 if "print" in MAY[call.caller.role or ""] else 403)


def without_csrf(call: Call, answer: Answer) -> None:
    # A form posted without its token is refused, whoever posts it.
    assert answer.status == 403


def progress_page(call: Call, answer: Answer) -> None:
    if not call.caller.signed_in_page:
        assert answer.status == 303
        assert (answer.location or "").startswith("/office/login")
    else:
        assert answer.status == (403 if call.caller.role == "enumerator" else 200)


def progress_api(call: Call, answer: Answer) -> None:
    if not call.caller.valid:
        assert answer.status == 401
    else:
        assert answer.status == (403 if call.caller.role == "enumerator" else 200), answer.text


def interviewer(caller: Caller) -> bool:
    return caller.signed_in_page and caller.role in ("enumerator", "admin")


def interview_page(call: Call, answer: Answer) -> None:
    if interviewer(call.caller):
        assert answer.status == 200
    else:
        assert answer.status == 303
        assert (answer.location or "").startswith("/office/login")


def interview_json(call: Call, answer: Answer) -> None:
    assert answer.status == (200 if interviewer(call.caller) else 401), answer.text[:300]


def interview_post(call: Call, answer: Answer) -> None:
    # Without a JSON body: refused (422) for an interviewer, 401 for anyone else.
    assert answer.status == (422 if interviewer(call.caller) else 401), answer.text[:300]


def invitation_without_body(call: Call, answer: Answer) -> None:
    # Who may invite is tested with a body in tests/invitations/test_api.py; here only that
    # nobody gets past the sign-in and a signed-in caller is asked for the invitation.
    assert answer.status == (422 if call.caller.valid else 401), answer.text[:300]


def without_csrf_or_login(call: Call, answer: Answer) -> None:
    # Nobody signed in is sent to sign in; anyone else's post without its token is refused.
    assert answer.status == (403 if call.caller.signed_in_page else 303)


MATRIX: dict[tuple[str, str], Rule] = {
    # The citizen's side: public, with its own one-time ids and tokens.
    ("GET", "/static/site.css"): public(lambda c: "/static/site.css"),
    ("GET", "/static/form.js"): public(lambda c: "/static/form.js"),
    ("GET", "/static/office.css"): public(lambda c: "/static/office.css"),
    ("GET", "/static/office.js"): public(lambda c: "/static/office.js"),
    ("GET", "/healthz"): public(lambda c: "/healthz"),
    ("GET", "/c/{code}"): public(lambda c: f"/c/{c.place.short_code}"),
    ("GET", "/q/{token}"): public(lambda c: f"/q/{c.place.token}"),
    ("GET", "/q/{token}/qr.png"): public(lambda c: f"/q/{c.place.token}/qr.png"),
    ("GET", "/q/{token}/qr.svg"): public(lambda c: f"/q/{c.place.token}/qr.svg"),
    ("POST", "/q/{token}/start"): public(lambda c: f"/q/{c.place.token}/start"),
    ("GET", "/q/{token}/start"): public(lambda c: f"/q/{c.place.token}/start"),
    ("GET", "/q/{token}/p/{section_key}"): public(lambda c: f"/q/{c.place.token}/p/A"),
    ("POST", "/q/{token}/p/{section_key}"): public(lambda c: f"/q/{c.place.token}/p/A"),
    ("GET", "/q/{token}/done"): public(lambda c: f"/q/{c.place.token}/done"),
    # An e-mail invitation's link: its token is its own key.
    ("GET", "/i/{token}"): public(lambda c: f"/i/{c.place.invitation}"),
    ("POST", "/i/{token}/start"): public(lambda c: f"/i/{c.place.invitation}/start"),
    ("GET", "/i/{token}/p/{section_key}"): public(lambda c: f"/i/{c.place.invitation}/p/A"),
    ("POST", "/i/{token}/p/{section_key}"): public(lambda c: f"/i/{c.place.invitation}/p/A"),
    ("GET", "/i/{token}/done"): public(lambda c: f"/i/{c.place.invitation}/done"),
    # Telegram authenticates its deliveries with its own secret header.
    ("POST", "/webhook/telegram"): public(lambda c: "/webhook/telegram"),
    # The office.
    ("GET", "/office/login"): Rule(lambda c: "/office/login", login_page),
    ("POST", "/office/login"): Rule(lambda c: "/office/login", without_csrf),
    ("POST", "/office/logout"): Rule(lambda c: "/office/logout", without_csrf),
    ("GET", "/office/"): Rule(lambda c: "/office/", page_or_login),
    # The office's pages of interviews and invitations: not for enumerators.
    ("GET", "/office/enumerators"): Rule(lambda c: "/office/enumerators", progress_page),
    ("POST", "/office/enumerators/assign"): Rule(
        lambda c: "/office/enumerators/assign", without_csrf
    ),
    ("GET", "/office/invitations"): Rule(lambda c: "/office/invitations", progress_page),
    # The enumerator's interview pages: signed-in enumerators (and admins) only.
    ("GET", "/interview/"): Rule(lambda c: "/interview/", interview_page),
    ("GET", "/interview/setup.json"): Rule(lambda c: "/interview/setup.json", interview_json),
    ("POST", "/interview/responses"): Rule(lambda c: "/interview/responses", interview_post),
    ("GET", "/interview/app.js"): public(lambda c: "/interview/app.js"),
    ("GET", "/interview/sw.js"): public(lambda c: "/interview/sw.js"),
    ("GET", "/office/progress"): Rule(
        lambda c: f"/office/progress?unit={c.caller.target}", scoped_page("view_progress")
    ),
    ("GET", "/office/progress/events"): Rule(
        lambda c: f"/office/progress/events?unit={c.caller.target}",
        scoped_page("view_progress", login=False),
    ),
    ("GET", "/office/responses"): Rule(
        lambda c: f"/office/responses?unit={c.caller.target}", scoped_page("verify_responses")
    ),
    ("GET", "/office/responses/{public_id}"): Rule(
        lambda c: f"/office/responses/{c.place.responses[c.caller.target]}",
        scoped_page("verify_responses"),
    ),
    ("POST", "/office/responses/review"): Rule(
        lambda c: "/office/responses/review", without_csrf_or_login
    ),
    ("GET", "/office/counters"): Rule(
        lambda c: f"/office/counters?unit={c.caller.target}", scoped_page("manage_counters")
    ),
    ("POST", "/office/counters"): Rule(lambda c: "/office/counters", without_csrf_or_login),
    ("POST", "/office/counters/{counter_id}"): Rule(
        lambda c: f"/office/counters/{c.place.counters[c.caller.target]}", without_csrf_or_login
    ),
    ("GET", "/office/counters/{counter_id}/revoke"): Rule(
        lambda c: f"/office/counters/{c.place.counters[c.caller.target]}/revoke",
        scoped_page("manage_counters"),
    ),
    ("POST", "/office/counters/{counter_id}/revoke"): Rule(
        lambda c: f"/office/counters/{c.place.counters[c.caller.target]}/revoke",
        without_csrf_or_login,
    ),
    ("GET", "/office/counters/{counter_id}/poster.pdf"): Rule(
        lambda c: f"/office/counters/{c.place.counters[c.caller.target]}/poster.pdf",
        scoped_page("print"),
    ),
    ("GET", "/office/downloads"): Rule(
        lambda c: f"/office/downloads?unit={c.caller.target}", scoped_page("download")
    ),
    # Sends a signed-in browser on to the API's download (which the API rules check).
    ("GET", "/office/downloads/file"): Rule(
        lambda c: f"/office/downloads/file?file=index.csv&unit={c.caller.target}",
        page_or_login_redirect,
    ),
    ("GET", "/office/audit"): Rule(
        lambda c: f"/office/audit?unit={c.caller.target}", scoped_page("audit")
    ),
    # Users: the accounts of the caller's units; one of a foreign unit is not found.
    ("GET", "/office/users"): Rule(
        lambda c: f"/office/users?unit={c.caller.target}", scoped_page("audit")
    ),
    ("POST", "/office/users"): Rule(lambda c: "/office/users", without_csrf_or_login),
    ("GET", "/office/users/{account_id}"): Rule(
        lambda c: f"/office/users/{c.place.accounts[c.caller.target]}", scoped_page("audit")
    ),
    ("POST", "/office/users/{account_id}"): Rule(
        lambda c: f"/office/users/{c.place.accounts[c.caller.target]}", without_csrf_or_login
    ),
    ("GET", "/office/periods"): Rule(lambda c: "/office/periods", role_page("audit")),
    ("POST", "/office/periods"): Rule(lambda c: "/office/periods", without_csrf_or_login),
    ("POST", "/office/periods/{code}"): Rule(
        lambda c: f"/office/periods/{c.place.period}", without_csrf_or_login
    ),
    ("POST", "/office/periods/{code}/close"): Rule(
        lambda c: f"/office/periods/{c.place.period}/close", without_csrf_or_login
    ),
    ("GET", "/office/periods/{code}/quotas"): Rule(
        lambda c: f"/office/periods/{c.place.period}/quotas", role_page("audit")
    ),
    ("POST", "/office/periods/{code}/quotas"): Rule(
        lambda c: f"/office/periods/{c.place.period}/quotas", without_csrf_or_login
    ),
    ("GET", "/office/questionnaires"): Rule(
        lambda c: "/office/questionnaires", role_page("view_progress")
    ),
    ("GET", "/office/questionnaires/{code}"): Rule(
        lambda c: "/office/questionnaires/sipas-2023", role_page("view_progress")
    ),
    ("GET", "/office/posters"): Rule(lambda c: "/office/posters", role_page("print")),
    ("POST", "/office/posters"): Rule(lambda c: "/office/posters", without_csrf_or_login),
    ("GET", "/office/posters/{job}"): Rule(
        lambda c: f"/office/posters/{c.place.job}", someone_elses
    ),
    ("GET", "/office/posters/{job}/posters.pdf"): Rule(
        lambda c: f"/office/posters/{c.place.job}/posters.pdf", someone_elses
    ),
    # The API.
    ("GET", "/api/v1/openapi.json"): public(lambda c: "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs"): Rule(lambda c: "/api/v1/docs", docs_page),
    ("GET", "/api/v1/me"): Rule(lambda c: "/api/v1/me", signed_in_api),
    ("GET", "/api/v1/units"): Rule(lambda c: "/api/v1/units", units_of_scope),
    ("GET", "/api/v1/enumerators/interviews"): Rule(
        lambda c: "/api/v1/enumerators/interviews", progress_api
    ),
    ("POST", "/api/v1/invitations"): Rule(lambda c: "/api/v1/invitations", invitation_without_body),
    ("GET", "/api/v1/units/{code}"): Rule(
        lambda c: f"/api/v1/units/{c.caller.target}", unit_of_scope
    ),
    # Periods and quotas: the matrix's own periods are named after the unit that runs them.
    ("GET", "/api/v1/periods"): Rule(lambda c: "/api/v1/periods?limit=1000", periods_seen),
    ("POST", "/api/v1/periods"): Rule(
        lambda c: "/api/v1/periods",
        scoped("manage_periods", 201),
        body=lambda c: {
            "code": f"m-{c.caller.name}"[:32],
            "start": "2030-01-01",
            "end": "2030-12-31",
            "unit_code": c.caller.target,
        },
    ),
    ("GET", "/api/v1/periods/{code}"): Rule(
        lambda c: f"/api/v1/periods/per-{c.caller.target}", period_of_unit
    ),
    ("PATCH", "/api/v1/periods/{code}"): Rule(
        lambda c: f"/api/v1/periods/per-{c.caller.target}",
        scoped("manage_periods"),
        body=lambda c: {"quota": 30},
    ),
    ("GET", "/api/v1/periods/{code}/quotas"): Rule(
        lambda c: f"/api/v1/periods/per-{c.caller.target}/quotas", period_of_unit
    ),
    ("PUT", "/api/v1/periods/{code}/quotas"): Rule(
        lambda c: f"/api/v1/periods/{c.place.period}/quotas",
        scoped("manage_quotas"),
        body=lambda c: [{"unit_code": c.caller.target, "quota": 12}],
    ),
    # Counters: a counter at each unit; the spare one is revoked by the first who may.
    ("GET", "/api/v1/counters"): Rule(lambda c: "/api/v1/counters?limit=1000", counters_of_scope),
    ("POST", "/api/v1/counters"): Rule(
        lambda c: "/api/v1/counters",
        scoped("manage_counters", 201),
        body=lambda c: {"unit_code": c.caller.target, "name": "Quầy ma trận"},
    ),
    ("GET", "/api/v1/counters/{counter_id}"): Rule(
        lambda c: f"/api/v1/counters/{c.place.counters[c.caller.target]}",
        scoped("manage_counters"),
    ),
    ("PATCH", "/api/v1/counters/{counter_id}"): Rule(
        lambda c: f"/api/v1/counters/{c.place.counters[c.caller.target]}",
        scoped("manage_counters"),
        body=lambda c: {"name": "Quầy số 1"},
    ),
    ("POST", "/api/v1/counters/{counter_id}/rotate"): Rule(
        lambda c: f"/api/v1/counters/{c.place.counters[c.caller.target]}/rotate",
        scoped("manage_counters"),
    ),
    ("POST", "/api/v1/counters/{counter_id}/revoke"): Rule(
        lambda c: f"/api/v1/counters/{c.place.spare_counters[c.caller.target]}/revoke",
        # The first who may revokes it; the next are told it was revoked already.
        scoped("manage_counters", 200, 410),
    ),
    # Progress and the index of the target unit's subtree.
    ("GET", "/api/v1/progress"): Rule(
        lambda c: f"/api/v1/progress?period={c.place.period}&unit={c.caller.target}",
        scoped("view_progress"),
    ),
    ("GET", "/api/v1/index"): Rule(
        lambda c: f"/api/v1/index?period={c.place.period}&unit={c.caller.target}",
        scoped("view_index"),
    ),
    # Responses: one at each unit.
    ("GET", "/api/v1/responses"): Rule(
        lambda c: f"/api/v1/responses?period={c.place.period}&unit={c.caller.target}",
        scoped("view_responses"),
    ),
    ("GET", "/api/v1/responses/{response_id}"): Rule(
        lambda c: f"/api/v1/responses/{c.place.responses[c.caller.target]}",
        scoped("view_responses"),
    ),
    ("POST", "/api/v1/responses/{response_id}/review"): Rule(
        lambda c: f"/api/v1/responses/{c.place.responses[c.caller.target]}/review",
        scoped("verify_responses"),
        body=lambda c: {"state": "has_issues", "comment": "ma trận"},
    ),
    ("POST", "/api/v1/responses/review"): Rule(
        lambda c: "/api/v1/responses/review",
        scoped("verify_responses"),
        body=lambda c: {"ids": [c.place.responses[c.caller.target]], "state": "approved"},
    ),
    # Downloads of the target unit's subtree.
    **{
        ("GET", f"/api/v1/downloads/{name}"): Rule(
            lambda c, name=name: (
                f"/api/v1/downloads/{name}?period={c.place.period}&unit={c.caller.target}"
            ),
            scoped("download"),
        )
        for name in (
            "index.csv",
            "index.xlsx",
            "responses.csv",
            "responses.xlsx",
            "report.pdf",
        )
    },
}


def route_table(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, mounted apps included (HEAD mirrors GET)."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[object], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                walk(list(route.routes), prefix + route.path)
            elif hasattr(route, "original_router"):
                # FastAPI 0.16x keeps an included router as one entry of the route table.
                walk(list(route.original_router.routes), prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute | Route):
                found.update((m, prefix + route.path) for m in (route.methods or set()) - {"HEAD"})
            else:  # a websocket or anything new: it must be added here and to the matrix
                found.add(("?", prefix + str(getattr(route, "path", route))))

    walk(list(app.routes), "")
    return found


@pytest.fixture
def matrix_settings(settings: Settings) -> Settings:
    # Telegram on (its route exists only then), pointed at a port where nothing listens.
    return settings.model_copy(
        update={
            "telegram_token": SecretStr("123456:TEST"),
            "telegram_bot_username": "hailong_test_bot",
            "telegram_api_base": "http://127.0.0.1:9",
        }
    )


@pytest.fixture
def app(matrix_settings: Settings) -> FastAPI:
    return create_app(matrix_settings)


@pytest.fixture
def place(sessions: sessionmaker[Session], country: dict[str, int]) -> Place:
    with sessions.begin() as session:
        ward = session.get_one(Unit, country["11413"])
        _counter, token = make_counter(session, ward)
        period = make_period(session)
        procedure = make_procedure(session)
        other = make_account(session, "sonoivu3", Role.official, "31")
        make_account(session, "sonoivu2", Role.official, "31")
        job = PosterJob(
            public_id=str(uuid.uuid4()), account_id=other.id, unit_id=ward.id, size="A4"
        )
        session.add(job)
        counters, spare, responses, accounts = {}, {}, {}, {}
        for code, *_ in UNITS:
            unit = session.get_one(Unit, country[code])
            accounts[code] = make_account(session, f"tk-{code.lower()}", Role.ward_staff, code).id
            counter, _ = make_counter(session, unit)
            counters[code] = counter.id
            spare[code] = make_counter(session, unit, name="Quầy dự phòng")[0].id
            form = sipas_form({"A1": "4", "B1": "3"})
            responses[code] = answer(session, period, unit, form, counter=counter).public_id
            run_by = make_period(
                session, code=f"per-{code}", start=date(2029, 1, 1), end=date(2029, 12, 31)
            )
            run_by.unit_id = unit.id
        invited = invitations.invite(
            session,
            ward,
            Request("H37-0001", procedure.code, "an@example.vn"),
            secret=TEST_SECRET,
            valid_days=30,
        )
        nonce = session.get_one(OutboxMessage, invited.invitation.message_id).payload["nonce"]
        return Place(
            token=token.token,
            short_code=token.short_code,
            period=period.code,
            counters=counters,
            spare_counters=spare,
            responses=responses,
            accounts=accounts,
            invitation=link_token(TEST_SECRET, nonce),
            job=job.public_id,
        )


@pytest.fixture
def credentials(sessions: sessionmaker[Session], place: Place) -> Iterator[dict[str, Credentials]]:
    made = {role: credentials_for(sessions, username) for role, (username, *_) in TARGETS.items()}
    # A second official: disabled after signing in, and one whose token is then revoked.
    made["disabled"] = credentials_for(sessions, "sonoivu2")
    made["revoked"] = credentials_for(sessions, "sonoivu")
    with sessions.begin() as session:
        service.disable_account(session, username="sonoivu2", by=Who.console())
        tokens.revoke_token(session, prefix=made["revoked"].token_prefix, by=Who.console())
    yield made


def request(
    client: TestClient,
    method: str,
    url: str,
    caller: Caller,
    made: dict[str, Credentials],
    body: object = None,
) -> Answer:
    client.cookies.clear()
    headers = {}
    if caller.role is not None:
        key = caller.relation if caller.relation in ("disabled", "revoked") else caller.role
        if caller.via == "session":
            client.cookies.set("hl_office", made[key].session_cookie)
            if url.startswith("/api/") and method != "GET":
                # A signed-in browser's API writes carry the CSRF token GET /me gives.
                me = client.get("/api/v1/me")
                if me.status_code == 200:
                    headers["x-csrf-token"] = me.json()["csrf_token"]
        else:
            headers["authorization"] = f"Bearer {made[key].token}"
    response = client.request(method, url, headers=headers, json=body, follow_redirects=False)
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return Answer(
        status=response.status_code,
        text=response.text,
        json=response.json() if is_json else None,
        location=response.headers.get("location"),
    )


class TestAccessMatrix:
    def test_every_route_of_the_app_is_in_the_matrix(self, app: FastAPI) -> None:
        routes = route_table(app)
        assert routes - set(MATRIX) == set(), "add these routes to MATRIX"
        assert set(MATRIX) - routes == set(), "these routes no longer exist"

    def test_every_caller_gets_the_expected_answer_on_every_route(
        self,
        app: FastAPI,
        place: Place,
        credentials: dict[str, Credentials],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # A progress page's event stream ends at once, so the test client can read it whole.
        monkeypatch.setattr(progress, "STREAM_SECONDS", 0.0)
        checked = 0
        with TestClient(app) as client:
            for (method, _path), rule in MATRIX.items():
                url = rule.url(Call(NOBODY, place))
                baseline = request(client, method, url, NOBODY, credentials)
                for caller in CALLERS:
                    call = Call(caller, place)
                    body = None if rule.body is None else rule.body(call)
                    answer = request(client, method, rule.url(call), caller, credentials, body)
                    where = f"{method} {rule.url(call)} as {caller.name}"
                    if rule.public:
                        assert answer.status == baseline.status, where
                        assert answer.status not in (401, 403) or method == "POST", where
                    else:
                        try:
                            rule.expect(call, answer)
                        except AssertionError as error:
                            raise AssertionError(f"{where}: {error}") from None
                    checked += 1
        assert checked == len(MATRIX) * len(CALLERS)
