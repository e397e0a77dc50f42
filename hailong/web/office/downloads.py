"""Downloads (tải về): plain forms that ask the API's download routes (/api/v1/downloads/…)
for the file, with the signed-in session: the same scoped, audited, streamed downloads as the
API and `hailong download`, with no second copy of them here."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from hailong.accounts.scope import Action, require
from hailong.errors import BadInput
from hailong.models import Channel, ReviewState
from hailong.reports.words import Words
from hailong.web.office.pages import OfficePages, find_place, redirect
from hailong.web.office.verification import STATE_LABELS
from hailong.web.rendering import request_language

API_DOWNLOADS = "/api/v1/downloads"
# The file a form's button names, as the API's file and what more to ask it for.
EXCEL_VI = (("dialect", "excel-vi"),)
FILES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "index.csv": ("index.csv", ()),
    "index-excel-vi.csv": ("index.csv", EXCEL_VI),
    "index.xlsx": ("index.xlsx", ()),
    "report.pdf": ("report.pdf", ()),
    "responses.csv": ("responses.csv", ()),
    "responses-excel-vi.csv": ("responses.csv", EXCEL_VI),
    "responses.xlsx": ("responses.xlsx", ()),
}
# What the API's downloads read; a blank field of the form means "no filter" and is left out.
PASSED = (
    "period",
    "unit",
    "channels",
    "language",
    "channel",
    "review_state",
    "counter",
    "from",
    "to",
)


class DownloadsPage:
    def __init__(self, pages: OfficePages) -> None:
        self.pages = pages

    def page(self, request: Request) -> Response:
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        require(actor, Action.download)
        language = request_language(request)
        words = Words(language)
        params = request.query_params
        with self.pages.sessions() as session:
            place = find_place(
                session,
                actor,
                Action.download,
                period=params.get("period"),
                unit=params.get("unit"),
            )
        values = {
            "place": place,
            "api": API_DOWNLOADS,
            "language": language,
            "channels": [(c.value, words.channel(c.value)) for c in Channel],
            "states": {s.value: STATE_LABELS.get(s.value, s.value) for s in ReviewState},
        }
        return self.pages.render(request, actor, "office/downloads.html", values)

    def get(self, request: Request) -> Response:
        """The file a form's button names, from the API, without the form's blank fields."""
        actor = self.pages.actor(request)
        if actor is None:
            return self.pages.sign_in_first(request)
        params = request.query_params
        wanted = FILES.get(params.get("file", ""))
        if wanted is None:
            raise BadInput()
        name, extra = wanted
        kept = [(k, v) for k, v in params.multi_items() if k in PASSED and v.strip()]
        return redirect(f"{API_DOWNLOADS}/{name}?{urlencode([*kept, *extra])}")
