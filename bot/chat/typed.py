"""Answers typed instead of tapped: "4", "hài lòng", "rat hai long", "có", "1, 4", a "0" to skip.

Chat apps with few buttons per message (Zalo shows five) rely on it; any chat may accept it.
Words are compared folded: without diacritics, case or extra spaces and punctuation, since
many phones type Vietnamese without its marks. Only an unambiguous match is an answer; anything
else is None, and the conversation nudges the citizen instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hailong.survey.steps import Asked
from survey_flows import NO, OTHER_PROCEDURE, YES, Question, QuestionKind

SKIP_WORDS = frozenset({"0", "bo qua", "khong tra loi", "skip", "pass"})
YES_WORDS = frozenset({"co", "yes", "y", "da", "vang", "u"})
NO_WORDS = frozenset({"khong", "no", "n", "chua", "ko", "k"})
_SEPARATORS = re.compile(r"[\s,;/+]+")
_NOT_WORD = re.compile(r"[^\w\s]")


@dataclass(frozen=True)
class Typed:
    """A typed text understood as an answer: a code, several codes, or None (skipped)."""

    raw: str | list[str] | None


def fold(text: str) -> str:
    """Lower case, no diacritics (đ as d), punctuation gone, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(_NOT_WORD.sub(" ", plain.casefold()).split())


def understand(asked: Asked, text: str) -> Typed | None:
    """The answer a typed text gives to the question asked now, if it gives one."""
    folded = fold(text)
    if not folded:
        return None
    question = asked.question
    if folded in SKIP_WORDS:
        return Typed(None)
    if question.kind is QuestionKind.multi_choice:
        codes = _several(question, folded)
        return None if codes is None else Typed(codes)
    if question.kind is QuestionKind.procedure:
        return _procedure(asked, folded)
    code = _one_option(question, folded)
    if code is None and question.kind is QuestionKind.yes_no:
        code = YES if folded in YES_WORDS else NO if folded in NO_WORDS else None
    return None if code is None else Typed(code)


def _one_option(question: Question, folded: str) -> str | None:
    """An option by its code ("4"), its label in either language ("rat hai long"), or its
    place in the list ("2") when the codes are not numbers themselves."""
    matches = {
        option.code
        for option in question.options
        if folded in (fold(option.code), fold(option.label.vi), fold(option.label.en))
    }
    if len(matches) == 1:
        return matches.pop()
    if not matches and folded.isdigit() and not any(o.code.isdigit() for o in question.options):
        place = int(folded)
        if 1 <= place <= len(question.options):
            return question.options[place - 1].code
    return None


def _several(question: Question, folded: str) -> list[str] | None:
    """Several options ("1 4", "p1, p4"), each by its code or its place in the list."""
    codes: list[str] = []
    for word in _SEPARATORS.split(folded):
        code = _one_option(question, word)
        if code is None:
            return None
        codes.append(code)
    return codes


def _procedure(asked: Asked, folded: str) -> Typed | None:
    by_name = {
        choice.code
        for choice in asked.procedures
        if folded in (fold(choice.name), fold(choice.code))
    }
    if len(by_name) == 1:
        return Typed(by_name.pop())
    other = asked.question.option(OTHER_PROCEDURE)
    if other is not None and folded in (fold(other.label.vi), fold(other.label.en), "khac"):
        return Typed(OTHER_PROCEDURE)
    return None
