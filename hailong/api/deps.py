"""What every API route depends on, built once per app: the database session of the request,
the caller, the caller who may change something, and who to name in the audit log.

Writes by a signed-in browser (the session cookie) must carry the CSRF token that GET /me
gives, in the X-CSRF-Token header: another site can make a browser send the cookie, never
read the token. A bearer token is not sent by browsers on their own, so it needs none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts.scope import Actor
from hailong.audit.service import Who
from hailong.db import unit_of_work
from hailong.settings import Settings
from hailong.web.callers import Callers, client_address
from hailong.web.office.csrf import Csrf

if TYPE_CHECKING:
    from hailong.context import AppContext

CSRF_HEADER = "x-csrf-token"


def csrf_binding(actor: Actor) -> str:
    # The same binding as the office's forms: a token of the page works here too.
    return f"session:{actor.credential_id}"


@dataclass(frozen=True)
class Deps:
    database: Callable[[], Iterator[Session]]
    caller: Callable[..., Actor]
    writer: Callable[..., Actor]
    sessions: sessionmaker[Session]
    settings: Settings
    csrf: Csrf

    def base_url(self) -> str:
        return self.settings.link_base()

    def csrf_token(self, request: Request, response: Response, actor: Actor) -> str | None:
        """The token a cookie caller sends back with its writes (None for a token caller);
        sets the nonce cookie the first time."""
        if actor.via != "session":
            return None
        token = self.csrf.token(request, binding=csrf_binding(actor))
        token.set_cookie(response, self.settings, request)
        return token.value


def who(request: Request, actor: Actor) -> Who:
    return actor.who(client_address(request))


def make_deps(context: AppContext, callers: Callers) -> Deps:
    csrf = Csrf(context.settings)

    def database() -> Iterator[Session]:
        with unit_of_work(context.sessions) as session:
            yield session

    def writer(request: Request, actor: Actor = Depends(callers.required)) -> Actor:
        if actor.via == "session":
            csrf.verify(request, request.headers.get(CSRF_HEADER), binding=csrf_binding(actor))
        return actor

    return Deps(
        database=database,
        caller=callers.required,
        writer=writer,
        sessions=context.sessions,
        settings=context.settings,
        csrf=csrf,
    )
