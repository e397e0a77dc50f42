"""E-mail invitations: a one-time link per dossier, bound to its unit, procedure and period.

The link carries a token made from a random nonce and the server secret; the database keeps
only a keyed hash of the token, and the outbox only the nonce (the sender makes the link
again when it writes the e-mail), so neither the tables nor a backup of them opens a survey.
Sending the e-mail is another piece's work (hailong.invitations); this module makes the link
and finds it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hailong.errors import Gone, HailongError, NotFound
from hailong.i18n import N_
from hailong.models import Invitation, Period, Unit
from hailong.models.base import utcnow

NONCE_BYTES = 18
TOKEN_LENGTH = 32  # 192 bits of an HMAC-SHA256, in base64url
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
DEFAULT_VALIDITY = timedelta(days=30)


class UnknownInvitation(NotFound):
    message = N_(
        "This survey link is not valid. Please open the link in the e-mail again, exactly as "
        "it was sent."
    )


class InvitationExpired(Gone):
    message = N_("This survey link has expired. Thank you for your interest.")


class DossierInvited(HailongError):
    status_code = 409
    message = N_("Dossier {dossier_id} has already been invited to the survey.")


@dataclass(frozen=True)
class NewInvitation:
    invitation: Invitation
    token: str  # for the link only: it is never stored
    # What the e-mail keeps instead: the token again, but only with the server secret.
    nonce: str


def link_token(secret: str, nonce: str) -> str:
    """The link's token: an HMAC of the nonce, so only the server can make it."""
    digest = hmac.new(secret.encode(), f"invitation-link:{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode()[:TOKEN_LENGTH]


def token_hash(secret: str, token: str) -> str:
    message = f"invitation:{token}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def invite(
    session: Session,
    *,
    secret: str,
    dossier_id: str,
    unit: Unit,
    procedure_code: str,
    period: Period,
    valid_for: timedelta = DEFAULT_VALIDITY,
    now: datetime | None = None,
) -> NewInvitation:
    """A new one-time link for a dossier; refused if the dossier was invited before."""
    dossier_id = dossier_id.strip()
    taken = session.scalar(
        select(Invitation.id).where(
            Invitation.unit_id == unit.id, Invitation.dossier_id == dossier_id
        )
    )
    if taken is not None:
        raise DossierInvited(dossier_id=dossier_id)
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    token = link_token(secret, nonce)
    invitation = Invitation(
        token_hash=token_hash(secret, token),
        dossier_id=dossier_id,
        unit_id=unit.id,
        procedure_code=procedure_code.strip(),
        period_id=period.id,
        expires_at=(now or utcnow()) + valid_for,
    )
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation=invitation, token=token, nonce=nonce)


def find(session: Session, *, secret: str, token: str) -> Invitation:
    """The invitation behind a link, locked for this transaction (two taps on one link make
    one response); a polite error when the link is forged or altered."""
    if not TOKEN_PATTERN.match(token):
        raise UnknownInvitation()
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == token_hash(secret, token))
        .with_for_update()
    )
    if invitation is None:
        raise UnknownInvitation()
    return invitation


def ensure_unexpired(invitation: Invitation, now: datetime | None = None) -> None:
    if _aware(invitation.expires_at) <= (now or utcnow()):
        raise InvitationExpired()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive date-times; every stored one is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)
