"""Every API error is JSON: {"error": {"code": ..., "message": {"vi": ..., "en": ...}}}.

The same polite messages as the pages, in both languages at once (a program cannot ask which
one its user reads), with a stable code for programs to branch on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as database
from starlette.exceptions import HTTPException as StarletteHTTPException

from hailong.errors import BadInput, HailongError, NotFound
from hailong.i18n import N_, Catalogs, catalogs_for
from hailong.web.errors import DATABASE_RETRY_SECONDS, DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "not_signed_in",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    410: "gone",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "internal",
    503: "unavailable",
}
WRONG_METHOD = N_("This address does not take this method.")
UNEXPECTED = N_("Something went wrong on our side. Please try again later.")
UNAVAILABLE = N_(
    "The service is briefly unavailable: nothing was changed. Please try again in a minute."
)


class Message(BaseModel):
    vi: str
    en: str


class Problem(BaseModel):
    field: str
    problem: str


class ErrorDetail(BaseModel):
    code: str
    message: Message
    # For "invalid": which parameter and what is wrong with it.
    problems: list[Problem] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


# For the OpenAPI description of every operation.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code} for status, code in CODES.items()
}


def error_response(
    catalogs: Catalogs,
    status_code: int,
    message: str,
    params: Mapping[str, Any],
    *,
    problems: list[Problem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    detail = ErrorDetail(
        code=CODES.get(status_code, "error"),
        message=Message(
            vi=_translated(catalogs, "vi", message, params),
            en=_translated(catalogs, "en", message, params),
        ),
        problems=problems,
    )
    return JSONResponse(
        ErrorBody(error=detail).model_dump(exclude_none=True),
        status_code=status_code,
        headers=dict(headers or {}),
    )


def _translated(catalogs: Catalogs, language: str, message: str, params: Mapping[str, Any]) -> str:
    text = catalogs.gettext(language, message)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def install_api_errors(api: FastAPI, catalogs: Catalogs) -> None:
    async def on_hailong_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HailongError)
        headers = {"www-authenticate": "Bearer"} if exc.status_code == 401 else None
        # An error is worded in its own module's domain (see hailong/i18n.py).
        words = catalogs_for(exc.domain)
        return error_response(words, exc.status_code, exc.message, exc.params, headers=headers)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = WRONG_METHOD if exc.status_code == 405 else NotFound.message
        if exc.status_code not in (404, 405):
            message = BadInput.message
        return error_response(catalogs, exc.status_code, message, {}, headers=exc.headers)

    async def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            Problem(field=".".join(str(part) for part in error["loc"]), problem=error["type"])
            for error in exc.errors()
        ]
        return error_response(catalogs, 422, BadInput.message, {}, problems=problems)

    async def on_data_error(request: Request, exc: Exception) -> JSONResponse:
        # What the database refuses to store or compare (a NUL character in a code, say) is
        # bad input: nothing was changed, since the request's transaction is rolled back.
        log.info("the database refused a value on %s: %s", request.url.path, type(exc).__name__)
        return error_response(catalogs, 422, BadInput.message, {})

    async def on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
        retry = {"retry-after": str(DATABASE_RETRY_SECONDS)}
        return error_response(catalogs, 503, UNAVAILABLE, {}, headers=retry)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return error_response(catalogs, 500, UNEXPECTED, {})

    api.add_exception_handler(HailongError, on_hailong_error)
    api.add_exception_handler(StarletteHTTPException, on_http_error)
    api.add_exception_handler(RequestValidationError, on_invalid_request)
    api.add_exception_handler(database.DataError, on_data_error)
    for kind in DATABASE_UNAVAILABLE:
        api.add_exception_handler(kind, on_database_unavailable)
    api.add_exception_handler(Exception, on_unexpected)
