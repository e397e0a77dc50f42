"""Officials' decisions on responses, in ODK Central's words: received (not decided yet),
has_issues, approved, rejected (left out of the index). A response is found by what the
responses download shows in its `form_id` column: a paper form's serial number (unique within
its unit and period), or any other response's public id."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hailong.audit.service import AuditAction, Who, record
from hailong.errors import BadInput, NotFound
from hailong.i18n import N_
from hailong.models import Response, ReviewState
from hailong.periods.service import period_by_code
from hailong.tallies import service as tallies
from hailong.units.service import unit_by_code


class UnknownResponse(NotFound):
    message = N_("There is no response with the id {public_id}.")


class UnknownForm(NotFound):
    message = N_("There is no form {form_id} in unit {unit}, period {period}.")


class AmbiguousForm(BadInput):
    message = N_(
        "{count} forms have the id {form_id}, in different units or periods: add --unit CODE "
        "and --period CODE (the unit_code and period columns of the download) to say which."
    )


class UnknownReviewState(BadInput):
    message = N_("{state} is not a review state; use one of {states}.")


def review_state(value: str) -> ReviewState:
    try:
        return ReviewState(value.strip().lower())
    except ValueError:
        states = ", ".join(s.value for s in ReviewState)
        raise UnknownReviewState(state=value, states=states) from None


def find_response(
    session: Session, *, form_id: str, unit_code: str | None = None, period_code: str | None = None
) -> Response:
    """The response a download's row names: its form_id, narrowed by its unit_code and period
    when a paper form's serial number is used in more than one unit or period."""
    shown = form_id.strip()
    query = select(Response).where(or_(Response.form_id == shown, Response.public_id == shown))
    if unit_code is not None:
        query = query.where(Response.unit_id == unit_by_code(session, unit_code).id)
    if period_code is not None:
        query = query.where(Response.period_id == period_by_code(session, period_code).id)
    found = session.scalars(query.order_by(Response.id).limit(2)).all()
    if len(found) == 1:
        return found[0]
    if found:
        count = session.scalar(select(func.count()).select_from(query.subquery()))
        raise AmbiguousForm(form_id=shown, count=count)
    if unit_code is None and period_code is None:
        raise UnknownResponse(public_id=shown)
    raise UnknownForm(form_id=shown, unit=unit_code or "*", period=period_code or "*")


def decide(
    session: Session, response: Response, state: ReviewState, *, comment: str | None, by: Who
) -> bool:
    """An official's decision on a response: its tallies move with it and the audit log
    says who decided, in this transaction. False when the response was in that state
    already (nothing changes; a comment given is still recorded)."""
    before = response.review_state
    tallies.set_review_state(session, response, state)
    changed = response.review_state != before
    if changed or comment:
        record(
            session,
            by=by,
            action=AuditAction.response_review,
            unit_id=response.unit_id,
            target=response.public_id,
            comment=comment,
            details={"state": [before, response.review_state]},
        )
    return changed


def review(
    session: Session,
    *,
    form_id: str,
    state: str,
    by: Who,
    comment: str | None = None,
    unit_code: str | None = None,
    period_code: str | None = None,
) -> Response:
    """A decision on the response a download's row names (`hailong responses review`)."""
    decided = review_state(state)
    response = find_response(session, form_id=form_id, unit_code=unit_code, period_code=period_code)
    decide(session, response, decided, comment=comment, by=by)
    return response
