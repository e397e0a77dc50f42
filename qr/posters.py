"""Printable counter posters: what goes on one, and writing many of them to one PDF.

`write_posters` takes any iterable of posters and a binary file object, so the command line and
a future dashboard download share it. Pages are rendered by reportlab in fixed-size chunks and
streamed out by `qr.pdfstream.PdfPageSink`, because a reportlab Canvas keeps every page until it
is saved: a province's thousands of posters would otherwise sit in memory at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import BinaryIO

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from hailong.fonts import REGULAR, register_reportlab_fonts
from hailong.i18n import N_
from qr.content import Poster, PosterFrame
from qr.layout import draw_poster, page_size
from qr.pdfstream import PdfPageSink

# Pages rendered by one reportlab Canvas before they are streamed out: memory is about this many
# pages, whatever the batch (see bench/posters.py).
CHUNK_PAGES = 50
POSTERS_TITLE = N_("Counter survey posters")


def _chunks(posters: Iterable[Poster], size: int) -> Iterator[list[Poster]]:
    iterator = iter(posters)
    while chunk := list(islice(iterator, size)):
        yield chunk


def render_chunk(posters: list[Poster], frame: PosterFrame) -> bytes:
    """A small PDF of these posters, one per page (reportlab keeps it all until save)."""
    buffer = io.BytesIO()
    # invariant: no timestamps or random ids, so the same posters give the same bytes. The
    # initial font is ours, or every page would name a Helvetica that is never embedded.
    canvas = Canvas(
        buffer,
        pagesize=page_size(frame.size),
        invariant=1,
        pageCompression=1,
        initialFontName=REGULAR,
    )
    for poster in posters:
        draw_poster(canvas, poster, frame)
        canvas.showPage()
    # Flate alone, not ASCII85 on top: the bytes are read straight back by PdfPageSink, and
    # encoding to 7-bit text and decoding it again took a quarter of the time per page. The
    # setting is process-wide in reportlab, so it is restored at once.
    ascii85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = ascii85
    return buffer.getvalue()


def write_posters(
    out: BinaryIO,
    posters: Iterable[Poster],
    frame: PosterFrame,
    *,
    on_progress: Callable[[int], None] | None = None,
    chunk_pages: int = CHUNK_PAGES,
) -> int:
    """Write one page per poster to `out` as they come; returns the number of pages.

    `out` only needs `write` (a file, a pipe, a streaming HTTP body). `on_progress` hears how
    many pages were just written. With no posters nothing is written and ValueError is raised.
    """
    chunks = _chunks(posters, chunk_pages)
    first = next(chunks, None)
    if first is None:
        raise ValueError("a PDF needs at least one page")
    register_reportlab_fonts()
    sink = PdfPageSink(out)
    for chunk in chain([first], chunks):
        sink.add_pages(render_chunk(chunk, frame))
        if on_progress is not None:
            on_progress(len(chunk))
    sink.close(title=frame.text.vi(POSTERS_TITLE))
    return sink.page_count
