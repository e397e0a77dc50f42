"""The API v1 as an application of its own, mounted at /api/v1 by the app factory.

Its own app, so that its OpenAPI describes the API only (/api/v1/openapi.json) and every
error under /api/v1/ is JSON, while the pages keep their polite HTML errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPBearer

from hailong.api.counters import counters_router
from hailong.api.deps import make_deps
from hailong.api.downloads import downloads_router
from hailong.api.errors import ERROR_RESPONSES, install_api_errors
from hailong.api.periods import periods_router
from hailong.api.progress import progress_router
from hailong.api.responses import responses_router
from hailong.api.units import units_router
from hailong.web.callers import Callers
from hailong.web.rendering import Renderer
from hailong.web.security import NoStoreMiddleware

if TYPE_CHECKING:
    from hailong.context import AppContext

PREFIX = "/api/v1"
DESCRIPTION = """\
The SIPAS survey service's data, for a province's one-stop software, dashboards and scripts.

Send a personal token (`hailong users token USERNAME`) as `Authorization: Bearer <token>`.
A token sees exactly what its account sees: an official its unit and the units below it,
ward staff their own unit. A unit outside them is not found (404).

Lists come a page at a time: pass the `next_cursor` of a page as `cursor` for the next one,
until it is null. Errors are `{"error": {"code": ..., "message": {"vi": ..., "en": ...}}}`.

A browser signed in to the office may call the API with its session cookie; whatever changes
something then needs the `csrf_token` of `GET /me` in the `X-CSRF-Token` header. Every change
is written to the audit log, with the `comment` a request gives.
"""


def create_api(context: AppContext, callers: Callers) -> FastAPI:
    api = FastAPI(
        title="hailong API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=ERROR_RESPONSES,
        # Documents the scheme; the token itself is read by `callers`, once per request.
        dependencies=[Depends(HTTPBearer(auto_error=False))],
    )
    api.add_middleware(NoStoreMiddleware)
    install_api_errors(api, context.catalogs)

    deps = make_deps(context, callers)
    api.include_router(units_router(deps))
    api.include_router(periods_router(deps))
    api.include_router(counters_router(deps))
    api.include_router(progress_router(deps))
    api.include_router(responses_router(deps))
    api.include_router(downloads_router(deps))
    _add_docs_page(api, context, callers)
    return api


def _add_docs_page(api: FastAPI, context: AppContext, callers: Callers) -> None:
    renderer = Renderer(context.settings, context.catalogs)

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        """The API's description as a page, for signed-in people only."""
        if callers.optional(request) is None:
            return RedirectResponse(f"/office/login?next={PREFIX}/docs", status_code=303)
        schema = api.openapi()
        operations = [
            {"method": method.upper(), "path": f"{PREFIX}{path}", **operation}
            for path, methods in schema["paths"].items()
            for method, operation in methods.items()
        ]
        return renderer.render(
            request,
            "office/api_docs.html",
            {"operations": operations, "openapi_url": f"{PREFIX}/openapi.json"},
        )
