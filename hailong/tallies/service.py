from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from hailong.models import Response


def apply_response(
    session: Session, response: Response, answers: Mapping[str, str | None], *, sign: int
) -> None:
    """Add (sign=1) or remove (sign=-1) a finished response's answers to the tallies.

    Called in the same transaction as the change that finishes or re-reviews a response.
    The tally table arrives with the index (issue 6); until then there is nothing to keep.
    """
    del session, response, answers, sign
