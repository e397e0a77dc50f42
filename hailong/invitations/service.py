"""Inviting a dossier's citizen: checks, the one-time link, and the e-mail in the outbox.

One invitation per dossier: the same dossier again is `skipped`, never a second e-mail. The
address goes only into the outbox message, which erases it once the e-mail is sent or has
finally failed; the invitation row never holds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.errors import BadInput
from hailong.i18n import N_
from hailong.models import Channel, Invitation, Unit
from hailong.outbox import enqueue
from hailong.periods.service import open_period, today_in_vietnam
from hailong.survey import invitations, steps
from hailong.units.service import InactiveUnit

KIND = "invitation"
# A dossier number (số hồ sơ) as the one-stop software prints it: letters, digits, . - _ /
DOSSIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
# Enough to catch a slip of the keyboard; the SMTP server is the judge of the rest.
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"']{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
MAX_EMAIL = 254


class BadDossier(BadInput):
    message = N_(
        "The dossier number {value} is not valid: use letters, digits and . - _ / only "
        "(at most 64 characters)."
    )


class BadEmail(BadInput):
    message = N_("The e-mail address given is not valid.")


class ProcedureNotOfUnit(BadInput):
    message = N_("The procedure {code} is not one of this unit's.")


class Outcome(StrEnum):
    invited = "invited"
    # The dossier was invited before: nothing new, no second e-mail.
    skipped = "skipped"


@dataclass(frozen=True)
class Request:
    dossier_id: str
    procedure_code: str
    email: str


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    invitation: Invitation


def check(request: Request) -> Request:
    """The request with spaces trimmed, or the polite error naming what is wrong."""
    dossier = request.dossier_id.strip()
    if not DOSSIER_PATTERN.match(dossier):
        raise BadDossier(value=dossier[:70])
    email = request.email.strip()
    if len(email) > MAX_EMAIL or not EMAIL_PATTERN.match(email):
        raise BadEmail()
    return Request(dossier_id=dossier, procedure_code=request.procedure_code.strip(), email=email)


def invite(
    session: Session,
    unit: Unit,
    request: Request,
    *,
    secret: str,
    valid_days: int,
    today: date | None = None,
) -> Result:
    """Invite a dossier's citizen, or find the dossier's invitation (skipped). Flushes; the
    caller commits (the e-mail leaves only if it does)."""
    request = check(request)
    existing = session.scalar(
        select(Invitation).where(
            Invitation.unit_id == unit.id, Invitation.dossier_id == request.dossier_id
        )
    )
    if existing is not None:
        return Result(Outcome.skipped, existing)
    if not unit.active:
        raise InactiveUnit(code=unit.code)
    names = {p.code: p.name for p in steps.procedure_choices(session, unit.id)}
    if request.procedure_code not in names:
        raise ProcedureNotOfUnit(code=request.procedure_code[:70])
    period = open_period(session, today or today_in_vietnam())
    made = invitations.invite(
        session,
        secret=secret,
        dossier_id=request.dossier_id,
        unit=unit,
        procedure_code=request.procedure_code,
        period=period,
        valid_for=timedelta(days=valid_days),
    )
    invitation = made.invitation
    queued = enqueue(
        session,
        channel=Channel.email.value,
        kind=KIND,
        recipient=request.email,
        payload={
            "invitation_id": invitation.id,
            "nonce": made.nonce,
            "unit_name": unit.name,
            "procedure_name": names[request.procedure_code],
            "dossier_id": request.dossier_id,
            "expires_on": invitation.expires_at.date().isoformat(),
        },
        idempotency_key=f"{KIND}:{invitation.id}",
    )
    invitation.message_id = queued.id
    session.flush()
    return Result(Outcome.invited, invitation)
