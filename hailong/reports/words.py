"""The words and numbers of the downloads, in one language (Vietnamese unless asked otherwise).

msgids are English and live in the `reports` catalog; numbers in a PDF follow the language's
conventions (66,67 in Vietnamese), while CSV and XLSX cells keep a plain decimal point so that
programs read them back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal

from hailong.i18n import N_, Catalogs, pick_language
from hailong.index.figures import Ratio, rounded
from hailong.models import Channel, UnitLevel

WHOLE_COUNTRY = N_("Whole country")
LEVELS = {
    UnitLevel.province.value: N_("Province/City"),
    UnitLevel.district.value: N_("District/Town"),
    UnitLevel.commune.value: N_("Commune/Ward"),
    UnitLevel.department.value: N_("Department/Agency"),
}
# The order of the levels' sheets in the XLSX, from the top of the tree down.
LEVEL_ORDER = tuple(LEVELS)
CHANNELS = {
    Channel.web.value: N_("Web form (QR code)"),
    Channel.telegram.value: N_("Telegram"),
    Channel.zalo.value: N_("Zalo"),
    Channel.email.value: N_("E-mail link"),
    Channel.interview.value: N_("Enumerator interview"),
    Channel.paper.value: N_("Paper form"),
}
NO_FIGURE = "—"
# Characters a spreadsheet refuses in a sheet's name.
SHEET_FORBIDDEN = str.maketrans({c: " - " for c in "/\\?*[]:"})
SHEET_NAME_LIMIT = 31


class Words:
    """Translates the reports' msgids and formats figures for one language."""

    def __init__(self, language: str | None = None, catalogs: Catalogs | None = None) -> None:
        self.language = pick_language(language)
        self.catalogs = catalogs or Catalogs("reports")

    def __call__(self, message: str, **params: object) -> str:
        text = self.catalogs.gettext(self.language, message)
        return text.format(**params) if params else text

    def level(self, level: str) -> str:
        known = LEVELS.get(level)
        return self(known) if known else level

    def sheet_name(self, level: str) -> str:
        return self.level(level).translate(SHEET_FORBIDDEN)[:SHEET_NAME_LIMIT]

    def channel(self, code: str) -> str:
        known = CHANNELS.get(code)
        return self(known) if known else code

    def figure(self, value: Ratio | None) -> str:
        """A percentage as shown to people: two decimals, rounded half up; a dash for none."""
        figure = rounded(value)
        if figure is None:
            return NO_FIGURE
        return format_decimal(figure, format="0.00", locale=self.language)

    def count(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.language)

    def date(self, day: date) -> str:
        # dd/mm/yyyy is how Vietnamese documents write dates, and it reads fine in English.
        return day.strftime("%d/%m/%Y")


def cell_figure(value: Ratio | None) -> Decimal | None:
    """A percentage for a CSV or XLSX cell: two decimals, rounded half up, None when absent."""
    return rounded(value)
