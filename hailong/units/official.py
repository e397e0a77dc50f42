"""The official post-2025 list of administrative units, from the `vietnam-provinces` package.

Since 1 July 2025 the country has two tiers: 34 provinces and 3,321 communes (xã, phường, đặc
khu). Codes are written the way the national list writes them: two digits for a province
("01", "31"), five for a commune ("00070", "11413").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hailong.errors import NotFound
from hailong.i18n import N_
from hailong.models import UnitLevel
from hailong.units.importing import ImportSummary, Progress, UnitRow, no_progress, store_units

if TYPE_CHECKING:
    # The package's tables take a moment to load: only commands that use them pay for it.
    from vietnam_provinces import Province


class UnknownProvince(NotFound):
    message = N_("There is no province with the code {code} in the official list.")


def province_code(code: int) -> str:
    return f"{code:02d}"


def commune_code(code: int) -> str:
    return f"{code:05d}"


def province_name(province: Province) -> str:
    # The package leaves "Tỉnh" out of province names but keeps "Thành phố" (and "Xã",
    # "Phường" for communes); the national list names both kinds in full.
    from vietnam_provinces import VietNamDivisionType

    if province.division_type is VietNamDivisionType.TINH and not province.name.startswith("Tỉnh"):
        return f"Tỉnh {province.name}"
    return province.name


def find_province(code: str) -> Province:
    """A province by its code, written "31", "1" or "01"."""
    from vietnam_provinces import Province, ProvinceCode

    try:
        return Province.from_code(ProvinceCode(int(code)))
    except ValueError:
        raise UnknownProvince(code=code) from None


def official_rows(province: Province | None = None) -> Iterator[UnitRow]:
    """Provinces first, then their communes: every parent comes before its children."""
    from vietnam_provinces import Province, Ward

    provinces = [province] if province is not None else list(Province.iter_all())
    for item in provinces:
        yield UnitRow(
            0, province_code(int(item.code)), province_name(item), UnitLevel.province, None
        )
    for item in provinces:
        for ward in Ward.iter_by_province(item.code):
            yield UnitRow(
                0,
                commune_code(int(ward.code)),
                ward.name,
                UnitLevel.commune,
                province_code(int(item.code)),
            )


def count_rows(province: Province | None = None) -> int:
    from vietnam_provinces import Province, Ward

    if province is None:
        return sum(1 for _ in Province.iter_all()) + sum(1 for _ in Ward.iter_all())
    return 1 + sum(1 for _ in Ward.iter_by_province(province.code))


def import_official(
    session: Session, *, province: Province | None = None, progress: Progress = no_progress
) -> ImportSummary:
    """Idempotent: provinces at the root, each commune under its province, upserted by code."""
    parents = {row.code: row.parent_code for row in official_rows(province)}
    return store_units(session, official_rows(province), parents, progress=progress)
