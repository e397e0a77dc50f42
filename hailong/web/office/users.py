"""Users (tài khoản), for officials and administrators: the accounts of their units, add one,
disable or enable it, give it a new password (typed, or made here and shown once). The
services are hailong.accounts.scoped (scoped, audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hailong.accounts import scoped
from hailong.accounts.scope import ROLE_LABELS, Action, Actor, require
from hailong.audit.service import Who, in_vietnam
from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Role
from hailong.units.scoped import visible_units
from hailong.web.office.pages import OfficePages, find_place, query_url, redirect
from hailong.web.office.posters import PICK_LIMIT

MAX_FIELDS = 10
Result = TypeVar("Result")


class BadAccountForm(BadInput):
    message = N_("Please fill in the form: a username, a role and a unit.")


class UsersPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.manage_users)
        params = request.query_params
        with self.pages.sessions() as session:
            place = find_place(
                session, actor, Action.manage_users, period=None, unit=params.get("unit")
            )
            accounts = scoped.list_accounts(session, actor, unit_code=place.unit_code or None)
            units = session.execute(visible_units(actor).limit(PICK_LIMIT + 1)).all()
        values: dict[str, Any] = {
            "place": place,
            "accounts": accounts,
            "units": [] if len(units) > PICK_LIMIT else units,
            "roles": scoped.grantable_roles(actor),
            "limit": scoped.LIST_LIMIT,
        }
        return self._render(request, actor, "office/users.html", values)

    def account_page(self, request: Request, account_id: int) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        with self.pages.sessions() as session:
            account = scoped.get_account(session, actor, account_id)
        done = request.query_params.get("done", "")
        return self._account(request, actor, account, done=done)

    async def add(self, request: Request) -> Response:
        actor, posted = await self.pages.posted_fields(request, max_fields=MAX_FIELDS)
        if actor is None:
            return self.pages.sign_in_first(request)
        role = _role(posted.get("role"))
        username = posted.get("username", "").strip()
        if not username:
            raise BadAccountForm()

        def apply(session: Session, who: Who) -> tuple[int, str | None]:
            account, generated = scoped.add_account(
                session,
                actor,
                username=username,
                role=role,
                unit_code=posted.get("unit", "").strip() or None,
                password=posted.get("password", ""),
                repeated=posted.get("repeated", ""),
                by=who,
            )
            return account.id, generated

        account_id, generated = await self.pages.change(request, actor, apply)
        if generated is None:
            return redirect(f"/office/users/{account_id}?done=added")
        return await self._shown_once(request, actor, account_id, generated, done="added")

    async def change(self, request: Request, account_id: int) -> Response:
        """Disable, enable, a typed password or a made one: the button pressed says which."""
        actor, posted = await self.pages.posted_fields(request, max_fields=MAX_FIELDS)
        if actor is None:
            return self.pages.sign_in_first(request)
        action = posted.get("action", "")
        if action == "generate":

            def generate(session: Session, who: Who) -> str:
                return scoped.reset_to_generated(session, actor, account_id, by=who)

            password = await self.pages.change(request, actor, generate)
            return await self._shown_once(request, actor, account_id, password, done="password")
        change = _changes(posted).get(action)
        if change is None:
            raise BadInput()
        await self.pages.change(request, actor, lambda s, who: change(s, actor, account_id, who))
        return redirect(f"/office/users/{account_id}?done={action}")

    async def _shown_once(
        self, request: Request, actor: Actor, account_id: int, password: str, *, done: str
    ) -> Response:
        """The account's page with its new password: answered to this post only (no-store),
        never put in an address, a log or the database."""

        def find() -> scoped.AccountView:
            with self.pages.sessions() as session:
                return scoped.get_account(session, actor, account_id)

        account = await run_in_threadpool(find)
        return self._account(request, actor, account, done=done, password=password)

    def _account(
        self,
        request: Request,
        actor: Actor,
        account: scoped.AccountView,
        *,
        done: str,
        password: str | None = None,
    ) -> Response:
        values = {
            "account": account,
            "done": done,
            "password": password,
            "may_change": account.role in scoped.grantable_roles(actor),
            "is_self": account.id == actor.account_id,
            "changes_url": query_url(
                "/office/audit", unit=account.unit_code, on=account.audit_target
            ),
            "deeds_url": query_url("/office/audit", unit=account.unit_code, who=account.username),
        }
        return self._render(request, actor, "office/user.html", values)

    def _render(
        self, request: Request, actor: Actor, template: str, values: dict[str, Any]
    ) -> Response:
        shared = {"role_labels": ROLE_LABELS, "in_vietnam": in_vietnam}
        return self.pages.render(request, actor, template, {**shared, **values})


Change = Callable[[Session, Actor, int, Who], Any]


def _changes(posted: dict[str, str]) -> dict[str, Change]:
    """The changes a button of the account's page asks for, by the button's value."""
    return {
        "disable": lambda s, actor, id_, who: scoped.disable_account(s, actor, id_, by=who),
        "enable": lambda s, actor, id_, who: scoped.enable_account(s, actor, id_, by=who),
        "password": lambda s, actor, id_, who: scoped.reset_password(
            s,
            actor,
            id_,
            password=posted.get("password", ""),
            repeated=posted.get("repeated", ""),
            by=who,
        ),
    }


def _role(value: str | None) -> Role:
    try:
        return Role((value or "").strip())
    except ValueError:
        raise BadAccountForm() from None
