"""The audit log (nhật ký) of the subtree, latest first, with filters: who did what, when,
on which unit, and why. Read-only: nobody can change it, here or anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, time

from fastapi import Request
from fastapi.responses import Response

from hailong.accounts.scope import Action, require
from hailong.audit.service import AuditAction, in_vietnam, recent_lines
from hailong.periods.service import VIETNAM
from hailong.web.office.pages import OfficePages, find_place
from hailong.web.office.verification import parse_day

LIMIT = 200
# The families of actions a filter offers (an action's first word).
FAMILIES = sorted({str(action).split(".")[0] for action in AuditAction})


class AuditPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.view_audit)
        params = request.query_params
        since = parse_day(params.get("since"))
        family = params.get("action", "").strip()
        who = params.get("who", "").strip()[:64]
        # What an entry is about, as the log names it ("account:motcua", a response's id).
        about = params.get("on", "").strip()[:200]
        with self.pages.sessions() as session:
            place = find_place(
                session, actor, Action.view_audit, period=None, unit=params.get("unit")
            )
            lines = recent_lines(
                session,
                unit=place.unit,
                since=None
                if since is None
                else datetime.combine(since, time(0, 0), tzinfo=VIETNAM).astimezone(UTC),
                action=family if family in FAMILIES else None,
                actor=who or None,
                target=about or None,
                limit=LIMIT,
            )
        values = {
            "place": place,
            "lines": lines,
            "families": FAMILIES,
            "filters": {
                "since": params.get("since", ""),
                "action": family,
                "who": who,
                "on": about,
            },
            "in_vietnam": in_vietnam,
            "limit": LIMIT,
        }
        return self.pages.render(request, actor, "office/audit.html", values)
