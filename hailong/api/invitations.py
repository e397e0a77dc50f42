"""POST /invitations: invite a dossier's citizen by e-mail (for the one-stop software)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hailong.accounts.scope import Action, Actor, unit_in_scope
from hailong.db import unit_of_work
from hailong.invitations import service
from hailong.settings import Settings


class InvitationIn(BaseModel):
    dossier_id: str = Field(max_length=64, description="the dossier's number (số hồ sơ)")
    unit_code: str = Field(max_length=64, description="the unit that settled the dossier")
    procedure_code: str = Field(max_length=64, description="the procedure's code (mã TTHC)")
    email: str = Field(max_length=254, description="erased once the e-mail is sent")


class InvitationOut(BaseModel):
    status: Literal["invited", "skipped"] = Field(
        description="skipped: the dossier was invited before; no second e-mail"
    )
    dossier_id: str
    unit_code: str
    expires_at: datetime
    answered: bool


def invitations_router(
    sessions: sessionmaker[Session], settings: Settings, caller: Callable[..., Actor]
) -> APIRouter:
    router = APIRouter(tags=["invitations"])

    @router.post(
        "/invitations",
        response_model=InvitationOut,
        status_code=201,
        responses={200: {"model": InvitationOut, "description": "invited before: skipped"}},
    )
    def invite(body: InvitationIn, actor: Actor = Depends(caller)) -> JSONResponse:
        """Invite the citizen of a dossier to the survey: one e-mail with a one-time link,
        bound to the unit, the procedure and the open period. The same dossier again is
        skipped (200), never a second e-mail."""
        request = service.Request(
            dossier_id=body.dossier_id, procedure_code=body.procedure_code, email=body.email
        )
        for _attempt in range(2):
            try:
                with unit_of_work(sessions) as session:
                    unit = unit_in_scope(session, actor, body.unit_code, Action.send_invitations)
                    result = service.invite(
                        session,
                        unit,
                        request,
                        secret=settings.secret(),
                        valid_days=settings.invitation_valid_days,
                    )
                    answer = InvitationOut(
                        status=result.outcome.value,
                        dossier_id=result.invitation.dossier_id,
                        unit_code=unit.code,
                        expires_at=result.invitation.expires_at,
                        answered=result.invitation.response_id is not None,
                    )
                break
            except IntegrityError:
                continue  # the same dossier sent twice at once: the second finds the first
        invited = answer.status == service.Outcome.invited
        return JSONResponse(answer.model_dump(mode="json"), status_code=201 if invited else 200)

    return router
