"""GET/POST /periods, GET/PATCH /periods/{code}, GET/PUT /periods/{code}/quotas."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Request
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.api.deps import Deps, who
from hailong.api.pagination import Page, PageRequest, keyset_page
from hailong.api.schemas import Code, PeriodIn, PeriodOut, PeriodPatch, QuotaItem, QuotaOut
from hailong.channels import CHANNEL_CODES
from hailong.models import Period
from hailong.periods import scoped


def periods_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["periods"])

    @router.get("/periods", response_model=Page[PeriodOut])
    def list_periods(
        page: PageRequest = Depends(),
        actor: Actor = Depends(deps.caller),
        session: Session = Depends(deps.database),
    ) -> Page[PeriodOut]:
        """The periods that concern the caller's units, by code: those run by administrators,
        by a unit above the caller's, or by one of the caller's units."""
        return keyset_page(
            session,
            scoped.periods_query(actor),
            key=Period.code,
            page=page,
            item=lambda row: PeriodOut.of(scoped.period_view(row)),
        )

    @router.post("/periods", response_model=PeriodOut, status_code=201)
    def create_period(
        request: Request,
        body: PeriodIn,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> PeriodOut:
        """A new period, run by the caller's unit (or `unit_code`, one of the caller's)."""
        asked = body.model_dump()
        new = scoped.NewPeriod(**(asked | {"official": asked["official"] or list(CHANNEL_CODES)}))
        return PeriodOut.of(scoped.create_period(session, actor, new, by=who(request, actor)))

    @router.get("/periods/{code}", response_model=PeriodOut)
    def get_period(
        code: str, actor: Actor = Depends(deps.caller), session: Session = Depends(deps.database)
    ) -> PeriodOut:
        """One period the caller sees; any other code is not found."""
        return PeriodOut.of(scoped.get_period(session, actor, code))

    @router.patch("/periods/{code}", response_model=PeriodOut)
    def change_period(
        request: Request,
        code: str,
        body: PeriodPatch,
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> PeriodOut:
        """Change its dates, default quota or official channels, or close it (`closed: true`;
        a closed period takes no response any more and cannot be opened again)."""
        changes = scoped.PeriodChanges(**body.model_dump())
        view = scoped.change_period(session, actor, code, changes, by=who(request, actor))
        return PeriodOut.of(view)

    @router.get("/periods/{code}/quotas", response_model=list[QuotaOut])
    def list_quotas(
        code: str, actor: Actor = Depends(deps.caller), session: Session = Depends(deps.database)
    ) -> list[QuotaOut]:
        """The units of the caller's with a quota of their own in this period."""
        return [QuotaOut(**vars(q)) for q in scoped.list_quotas(session, actor, code)]

    @router.put("/periods/{code}/quotas", response_model=list[QuotaOut])
    def replace_quotas(
        request: Request,
        code: Code,
        body: list[QuotaItem] = Body(max_length=10_000),
        actor: Actor = Depends(deps.writer),
        session: Session = Depends(deps.database),
    ) -> list[QuotaOut]:
        """The per-unit quotas of the caller's units become exactly this list, all or nothing:
        a unit of the caller's left out goes back to the period's default; other units'
        quotas are not touched."""
        pairs = [(item.unit_code, item.quota) for item in body]
        views = scoped.replace_quotas(session, actor, code, pairs, by=who(request, actor))
        return [QuotaOut(**vars(q)) for q in views]

    return router
