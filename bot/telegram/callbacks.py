"""What an inline button sends back: the response, the question, and the choice.

Telegram gives callback data 64 bytes. Naming the response and the question lets a tap on an
old message be recognised and refused: only the question the engine asks now can be answered.
Choices are short: an option's place in the question's list, a procedure's id, yes/no.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

SKIP = "-"
DONE = -1


class Tap(CallbackData, prefix="a"):
    """One answer chosen: `choice` is an option's index, yes/no, a procedure id, or SKIP."""

    response: int
    question: str
    choice: str


class Pick(CallbackData, prefix="m"):
    """A toggle in a multiple choice; `selected` is a bit mask of option indexes, so the
    selection so far lives in the message itself, never in a server-side session."""

    response: int
    question: str
    selected: int
    toggle: int  # the option index to flip, or DONE


class Page(CallbackData, prefix="p"):
    """Another page of the unit's procedures."""

    response: int
    question: str
    page: int
