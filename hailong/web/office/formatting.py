"""Numbers as Vietnamese officials write them: 1.234,56 (dot thousands, decimal comma, two
decimals); English pages write 1,234.56. Babel knows both conventions."""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_decimal

from hailong.index.figures import Ratio, rounded

NO_FIGURE = "—"


@dataclass(frozen=True)
class Numbers:
    language: str

    def figure(self, value: Ratio | None) -> str:
        """A percentage: two decimals, rounded half up exactly as the index rounds; a dash
        when there is none."""
        shown = rounded(value)
        if shown is None:
            return NO_FIGURE
        return format_decimal(shown, format="#,##0.00", locale=self.language)

    def count(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.language)

    def share(self, part: int, whole: int) -> str:
        """part of whole in percent, two decimals; a dash for nothing to divide by."""
        if whole <= 0:
            return NO_FIGURE
        return self.figure((100 * part, whole))


def bar_width(value: Ratio | None) -> str:
    """An SVG width (0 to 100) for a percentage; inline styles are refused by our CSP."""
    shown = rounded(value)
    if shown is None:
        return "0"
    return str(min(max(shown, 0), 100))
