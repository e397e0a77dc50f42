"""GET /downloads/index.csv|.xlsx, /downloads/responses.csv|.xlsx, /downloads/report.pdf: the
files of `hailong download`, with the same filters, within the caller's reach, streamed.

The request is checked and the download written to the audit log in a transaction of its own,
committed before the first byte leaves; the file is then made in a second, read-only one. A
CSV leaves row by row as it is read; an XLSX or a PDF is written to a spooled temporary file
(its format wants the whole file before it ends) and streamed from there.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Literal, cast

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from hailong.accounts.scope import Actor
from hailong.api.deps import Deps, who
from hailong.api.progress import CHANNELS, PERIOD, UNIT
from hailong.api.responses import ResponseFilters
from hailong.channels import running_channels
from hailong.db import unit_of_work
from hailong.index.selection import IndexSelection
from hailong.reports import scoped
from hailong.reports.index_table import index_csv, write_index_xlsx
from hailong.responses.csvformat import CsvDialect
from hailong.responses.exporting import ResponseFilter, responses_csv, write_responses_xlsx

CHUNK = 64 * 1024
# Files up to this size stay in memory; larger ones go to a temporary file on disk.
SPOOL_BYTES = 8 * 1024 * 1024
LANGUAGE = Query("vi", description="the language of headers and words: vi or en")
DIALECT = Query(
    CsvDialect.plain,
    description="plain: a comma between cells and a point in numbers, for programs; excel-vi: "
    "a semicolon, decimal commas and codes kept as written, for Excel on a Vietnamese Windows",
)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class CsvFile(StreamingResponse):
    media_type = "text/csv; charset=utf-8"


class XlsxFile(StreamingResponse):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PdfFile(StreamingResponse):
    media_type = "application/pdf"


def file_answer(kind: type[StreamingResponse]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI of a file's answer: its own media type (errors stay JSON)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        200: {"description": "the file, as an attachment", "content": {kind.media_type: binary}}
    }


def _attachment(
    what: str,
    selection: IndexSelection | ResponseFilter,
    kind: scoped.FileKind,
    dialect: CsvDialect = CsvDialect.plain,
) -> dict[str, str]:
    """Names the file after what it holds: index-2026-31.csv, index-2026-31-excel-vi.csv."""
    unit = selection.unit
    parts = [what, selection.period.code, None if unit is None else unit.code]
    if dialect is not CsvDialect.plain:
        parts.append(dialect.value)
    name = "-".join(SAFE_NAME.sub("_", part) for part in parts if part)
    return {"content-disposition": f'attachment; filename="{name}.{kind.value}"'}


def _spooled(write: Callable[[BinaryIO], None]) -> Iterator[bytes]:
    """The file `write` makes, read back a chunk at a time, then thrown away."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed below)
    try:
        write(cast(BinaryIO, spool))
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def downloads_router(deps: Deps) -> APIRouter:
    router = APIRouter(tags=["downloads"])

    def reading(make: Callable[[Session], Iterator[bytes]]) -> Iterator[bytes]:
        with unit_of_work(deps.sessions) as session:
            yield from make(session)

    def index_selection(
        request: Request, actor: Actor, kind: scoped.FileKind, **asked: str | None
    ) -> IndexSelection:
        # Its own transaction, committed now: the audit line exists before the file leaves.
        with unit_of_work(deps.sessions) as session:
            return scoped.index_download(
                session,
                actor,
                period=asked["period"] or "",
                unit=asked["unit"],
                channels=asked["channels"] or "official",
                kind=kind,
                by=who(request, actor),
            )

    def response_selection(
        request: Request, actor: Actor, filters: ResponseFilters, kind: scoped.FileKind
    ) -> ResponseFilter:
        with unit_of_work(deps.sessions) as session:
            return scoped.responses_download(
                session, actor, filters.query(), kind=kind, by=who(request, actor)
            )

    @router.get("/downloads/index.csv", response_class=Response, responses=file_answer(CsvFile))
    def index_as_csv(
        request: Request,
        period: str = PERIOD,
        unit: str | None = UNIT,
        channels: Literal["official", "all"] = CHANNELS,
        language: Literal["vi", "en"] = LANGUAGE,
        dialect: CsvDialect = DIALECT,
        actor: Actor = Depends(deps.caller),
    ) -> CsvFile:
        """The index table: one row per unit of the subtree (UTF-8 with a BOM, for Excel)."""
        kind = scoped.FileKind.csv
        asked = {"period": period, "unit": unit, "channels": channels}
        selection = index_selection(request, actor, kind, **asked)
        return CsvFile(
            reading(
                lambda session: index_csv(session, selection, language=language, dialect=dialect)
            ),
            headers=_attachment("index", selection, kind, dialect),
        )

    @router.get("/downloads/index.xlsx", response_class=Response, responses=file_answer(XlsxFile))
    def index_as_xlsx(
        request: Request,
        period: str = PERIOD,
        unit: str | None = UNIT,
        channels: Literal["official", "all"] = CHANNELS,
        language: Literal["vi", "en"] = LANGUAGE,
        actor: Actor = Depends(deps.caller),
    ) -> XlsxFile:
        """The index table, one sheet per level with the criteria as columns."""
        kind = scoped.FileKind.xlsx
        asked = {"period": period, "unit": unit, "channels": channels}
        selection = index_selection(request, actor, kind, **asked)

        def make(session: Session) -> Iterator[bytes]:
            return _spooled(
                lambda out: write_index_xlsx(session, selection, out, language=language)
            )

        return XlsxFile(reading(make), headers=_attachment("index", selection, kind))

    @router.get("/downloads/responses.csv", response_class=Response, responses=file_answer(CsvFile))
    def responses_as_csv(
        request: Request,
        filters: ResponseFilters = Depends(),
        dialect: CsvDialect = DIALECT,
        actor: Actor = Depends(deps.caller),
    ) -> CsvFile:
        """Raw responses in the methodology's format, those the filters let through."""
        kind = scoped.FileKind.csv
        selection = response_selection(request, actor, filters, kind)
        return CsvFile(
            reading(lambda session: responses_csv(session, selection, dialect=dialect)),
            headers=_attachment("responses", selection, kind, dialect),
        )

    @router.get(
        "/downloads/responses.xlsx", response_class=Response, responses=file_answer(XlsxFile)
    )
    def responses_as_xlsx(
        request: Request,
        filters: ResponseFilters = Depends(),
        actor: Actor = Depends(deps.caller),
    ) -> XlsxFile:
        """The same columns in one sheet (at most a sheet's 1,048,575 rows)."""
        kind = scoped.FileKind.xlsx
        selection = response_selection(request, actor, filters, kind)

        def make(session: Session) -> Iterator[bytes]:
            return _spooled(lambda out: write_responses_xlsx(session, selection, out))

        return XlsxFile(reading(make), headers=_attachment("responses", selection, kind))

    @router.get("/downloads/report.pdf", response_class=Response, responses=file_answer(PdfFile))
    def report_as_pdf(
        request: Request,
        period: str = PERIOD,
        unit: str | None = UNIT,
        channels: Literal["official", "all"] = CHANNELS,
        language: Literal["vi", "en"] = LANGUAGE,
        actor: Actor = Depends(deps.caller),
    ) -> PdfFile:
        """A unit's report: the index and its elements with a chart, criteria lowest first,
        warning signals, priorities, quota progress, the units below."""
        # Imported here: ReportLab and the charts take a quarter of a second to load.
        from hailong.reports.report_pdf import write_report_pdf

        with unit_of_work(deps.sessions) as session:
            selection = scoped.report_download(
                session, actor, period=period, unit=unit, channels=channels, by=who(request, actor)
            )
        running = running_channels(deps.settings)

        def make(session: Session) -> Iterator[bytes]:
            return _spooled(
                lambda out: write_report_pdf(
                    session, selection, out, language=language, running=running
                )
            )

        return PdfFile(reading(make), headers=_attachment("report", selection, scoped.FileKind.pdf))

    return router
