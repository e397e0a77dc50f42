"""What a button sends back: the response, the question, and the choice, packed in a short
string ("a:12:A1:0").

Naming the response and the question lets a tap on an old message be recognised and refused:
only the question the engine asks now can be answered. Choices are short (an option's place in
the question's list, a procedure's id, yes/no) so a payload stays far below Telegram's 64
bytes. A chat whose buttons send their payload as a message (Zalo) puts a prefix in front to
tell a tap from typed text; `parse` takes it off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SKIP = "-"
DONE = -1
# A Pick's toggle below DONE shows a page of the options instead (compact layouts): -2 is the
# first page, -3 the second... The selection so far travels in the same payload.
_FIRST_PAGE = -2
SEPARATOR = ":"
# Question keys and choices are short words; anything else is not one of our payloads.
_FIELD = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


@dataclass(frozen=True)
class Tap:
    """One answer chosen: `choice` is an option's index, yes/no, a procedure id, or SKIP."""

    response: int
    question: str
    choice: str

    def pack(self) -> str:
        return SEPARATOR.join(("a", str(self.response), self.question, self.choice))


@dataclass(frozen=True)
class Pick:
    """A toggle in a multiple choice; `selected` is a bit mask of option indexes, so the
    selection so far lives in the message itself, never in a server-side session."""

    response: int
    question: str
    selected: int
    toggle: int  # the option index to flip, or DONE

    def pack(self) -> str:
        fields = ("m", str(self.response), self.question, str(self.selected), str(self.toggle))
        return SEPARATOR.join(fields)


@dataclass(frozen=True)
class PageTurn:
    """Another page of the unit's procedures."""

    response: int
    question: str
    page: int

    def pack(self) -> str:
        return SEPARATOR.join(("p", str(self.response), self.question, str(self.page)))


Payload = Tap | Pick | PageTurn


def page_toggle(page: int) -> int:
    """A Pick's toggle that shows page `page` of a multiple choice."""
    return _FIRST_PAGE - page


def shown_page(toggle: int) -> int | None:
    """The page a Pick's toggle shows, or None for a toggle of an option or "Done"."""
    return _FIRST_PAGE - toggle if toggle <= _FIRST_PAGE else None


def parse(data: str, *, prefix: str = "") -> Payload | None:
    """A payload of ours, or None for anything else (an older layout's, a forged one)."""
    if prefix:
        if not data.startswith(prefix):
            return None
        data = data[len(prefix) :]
    parts = data.split(SEPARATOR)
    if len(parts) < 4 or not all(_FIELD.match(part) for part in parts[1:]):
        return None
    kind, response, question = parts[0], _number(parts[1]), parts[2]
    if response is None:
        return None
    if kind == "a" and len(parts) == 4:
        return Tap(response=response, question=question, choice=parts[3])
    if kind == "p" and len(parts) == 4:
        page = _number(parts[3])
        return None if page is None else PageTurn(response, question, page)
    if kind == "m" and len(parts) == 5:
        selected, toggle = _number(parts[3]), _number(parts[4])
        if selected is None or toggle is None:
            return None
        return Pick(response=response, question=question, selected=selected, toggle=toggle)
    return None


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
