"""Join small PDFs into one, page by page, straight into a binary stream.

reportlab's Canvas, pypdf's PdfWriter and poppler's pdfunite all hold the whole document until
the end. This writer copies each small PDF's pages (and the fonts they use) out as soon as it
gets them and keeps only what the PDF format needs at the end: one byte offset per object for
the cross-reference table and one object number per page for the page tree, a few bytes per
page. The input is read with pypdf; each stream is re-compressed with Flate so any filter the
input used reads back the same.
"""

from __future__ import annotations

import gc
import io
import zlib
from array import array
from typing import IO, Any, BinaryIO, cast

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

CATALOG, PAGES, INFO = 1, 2, 3
# Keys that describe how a stream was encoded; we write every stream with our own Flate.
_ENCODING_KEYS = frozenset({"/Length", "/Filter", "/DecodeParms"})
# Page references and xref entries are written this many at a time.
_SLICE = 1000


class _CountingWriter:
    """Writes to the caller's stream and knows the position, which a socket cannot tell."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.position = 0

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self.position += len(data)
        return len(data)


class PdfPageSink:
    """A PDF written page by page; call `add_pages` for each small PDF, then `close` once."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = _CountingWriter(out)
        # pypdf's objects write to any object with `write`; they are typed for IO.
        self._stream = cast(IO[Any], self._out)
        # offsets[n] is where object n starts; object 0 is the free-list head of the xref table.
        self._offsets = array("Q", [0, 0, 0, 0])
        self._kids = array("Q")
        self._out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def add_pages(self, pdf: bytes) -> None:
        reader = PdfReader(io.BytesIO(pdf))
        # Source object number -> ours, for this input only: its fonts are shared by its pages.
        numbers: dict[int, int] = {}
        for page in reader.pages:
            pending: list[IndirectObject] = []
            copy = DictionaryObject()
            for key, value in page.items():
                if key != "/Parent":
                    copy[NameObject(key)] = self._renumber(value, numbers, pending)
            copy[NameObject("/Parent")] = IndirectObject(PAGES, 0, None)
            number = self._reserve()
            self._write_object(number, copy)
            self._kids.append(number)
            self._drain(pending, numbers)
        # pypdf's objects point back at their reader, so each input leaves reference cycles
        # behind; collecting them now keeps memory flat however many inputs follow.
        del reader
        gc.collect()

    def close(self, *, title: str | None = None) -> None:
        self._write_page_tree()
        catalog = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Catalog"),
                NameObject("/Pages"): IndirectObject(PAGES, 0, None),
            }
        )
        info = DictionaryObject({NameObject("/Producer"): TextStringObject("hailong")})
        if title:
            info[NameObject("/Title")] = TextStringObject(title)
        self._write_object(CATALOG, catalog)
        self._write_object(INFO, info)
        self._write_xref()

    def _reserve(self) -> int:
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _renumber(
        self, value: PdfObject, numbers: dict[int, int], pending: list[IndirectObject]
    ) -> PdfObject:
        """A copy of `value` whose references point to our numbers; new targets are queued."""
        if isinstance(value, IndirectObject):
            ours = numbers.get(value.idnum)
            if ours is None:
                ours = numbers[value.idnum] = self._reserve()
                pending.append(value)
            return IndirectObject(ours, 0, None)
        if isinstance(value, DictionaryObject):
            copy = DictionaryObject()
            for key, item in value.items():
                copy[NameObject(key)] = self._renumber(item, numbers, pending)
            return copy
        if isinstance(value, ArrayObject):
            return ArrayObject(self._renumber(item, numbers, pending) for item in value)
        return value

    def _drain(self, pending: list[IndirectObject], numbers: dict[int, int]) -> None:
        while pending:
            reference = pending.pop()
            target = reference.get_object()
            assert target is not None
            if isinstance(target, StreamObject):
                self._write_stream(numbers[reference.idnum], target, numbers, pending)
            else:
                copy = self._renumber(target, numbers, pending)
                self._write_object(numbers[reference.idnum], copy)

    def _write_stream(
        self,
        number: int,
        stream: StreamObject,
        numbers: dict[int, int],
        pending: list[IndirectObject],
    ) -> None:
        data = zlib.compress(stream.get_data(), 6)
        header = DictionaryObject()
        for key, item in stream.items():
            if key not in _ENCODING_KEYS:
                header[NameObject(key)] = self._renumber(item, numbers, pending)
        header[NameObject("/Filter")] = NameObject("/FlateDecode")
        header[NameObject("/Length")] = NumberObject(len(data))
        self._offsets[number] = self._out.position
        self._out.write(f"{number} 0 obj\n".encode())
        header.write_to_stream(self._stream)
        self._out.write(b"\nstream\n")
        self._out.write(data)
        self._out.write(b"\nendstream\nendobj\n")

    def _write_object(self, number: int, value: PdfObject) -> None:
        self._offsets[number] = self._out.position
        self._out.write(f"{number} 0 obj\n".encode())
        value.write_to_stream(self._stream)
        self._out.write(b"\nendobj\n")

    def _write_page_tree(self) -> None:
        # One flat /Kids array, written in slices: thousands of pages never become objects.
        self._offsets[PAGES] = self._out.position
        self._out.write(f"{PAGES} 0 obj\n<< /Type /Pages /Count {len(self._kids)} /Kids [".encode())
        for start in range(0, len(self._kids), _SLICE):
            refs = " ".join(f"{kid} 0 R" for kid in self._kids[start : start + _SLICE])
            self._out.write(f"{refs}\n".encode())
        self._out.write(b"] >>\nendobj\n")

    def _write_xref(self) -> None:
        start = self._out.position
        size = len(self._offsets)
        self._out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
        for first in range(0, size - 1, _SLICE):
            entries = self._offsets[1 + first : 1 + first + _SLICE]
            self._out.write("".join(f"{offset:010d} 00000 n \n" for offset in entries).encode())
        trailer = f"trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\n"
        self._out.write(f"{trailer}startxref\n{start}\n%%EOF\n".encode())
