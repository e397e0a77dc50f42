"""schemathesis against the API's own description (/api/v1/openapi.json), with a valid token:
generated requests to every operation find no 5xx and no answer that breaks the description
(status code, content type, headers, body schema).

Bounded: SCHEMATHESIS_EXAMPLES requests per operation, no deadline; derandomized under CI so a
run is repeatable. Run on both databases: PostgreSQL refuses comparisons SQLite forgives.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from hailong.app import create_app
from hailong.settings import Settings
from tests.accounts.survey_data import Survey, bearer, make_survey
from tests.conftest import in_ci

EXAMPLES = int(os.environ.get("HAILONG_SCHEMATHESIS_EXAMPLES", "12"))
GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=in_ci(),
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app(app_settings: Settings) -> FastAPI:
    return create_app(app_settings)


@pytest.fixture
def survey(sessions: sessionmaker[Session], country: dict[str, int]) -> Survey:
    return make_survey(sessions)


@pytest.mark.parametrize("username", ["sonoivu", "motcua"])
def test_generated_requests_find_no_5xx_and_no_answer_off_the_description(
    app: FastAPI, sessions: sessionmaker[Session], survey: Survey, username: str
) -> None:
    headers = bearer(sessions, username)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy())
        @GENERATED
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS)

        call()
