"""The demo's data: Hải Phòng after the 2025 reform, its old Quận Hải An, common procedures.

Sources, so the data can be checked:
- Post-2025 units: the official list carried by the `vietnam-provinces` package; only codes are
  written here, names are read from the package when seeding.
- Pre-2025 Quận Hải An (code 306) and its eight wards: the national list of administrative units
  in force until 30 June 2025 (GSO codes). The new wards reused old ward codes (Phường Hải An
  took 11413, Phường Đằng Lâm's; Phường Đông Hải took 11411, Phường Đông Hải 2's), and a code is
  unique, so an old ward is stored as "<district>-<ward>" (e.g. "306-11413"): our own spelling of
  the old code, never confused with a live one.
- Procedures: codes of the national database of administrative procedures (Cơ sở dữ liệu quốc
  gia về thủ tục hành chính, as published on dichvucong.gov.vn) for commune-level procedures.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_CODE = "31"  # Thành phố Hải Phòng

# Post-2025 wards and communes of Hải Phòng (names from the official list).
COMMUNE_CODES = (
    "11413",  # Phường Hải An
    "11341",  # Phường Ngô Quyền
    "10882",  # Xã Hà Đông
    "11411",  # Phường Đông Hải
    "11383",  # Phường Lê Chân
    "11311",  # Phường Hồng Bàng
)

# The counter whose survey URL `hailong demo` prints.
DEMO_UNIT_CODE = "11413"

OLD_DISTRICT_CODE = "306"
OLD_DISTRICT_NAME = "Quận Hải An"
OLD_WARDS = (
    ("11410", "Phường Đông Hải 1"),
    ("11411", "Phường Đông Hải 2"),
    ("11413", "Phường Đằng Lâm"),
    ("11414", "Phường Thành Tô"),
    ("11416", "Phường Đằng Hải"),
    ("11419", "Phường Nam Hải"),
    ("11422", "Phường Cát Bi"),
    ("11425", "Phường Tràng Cát"),
)


def old_ward_code(ward_code: str) -> str:
    return f"{OLD_DISTRICT_CODE}-{ward_code}"


# Counters per active unit; the others get DEFAULT_COUNTERS.
COUNTERS = {DEMO_UNIT_CODE: 3}
DEFAULT_COUNTERS = 2
COUNTER_NAME = "Quầy số {number}"


@dataclass(frozen=True)
class DemoProcedure:
    code: str
    name: str
    field: str


CIVIL_STATUS = "Hộ tịch"
CERTIFICATION = "Chứng thực"
RESIDENCE = "Đăng ký, quản lý cư trú"

PROCEDURES = (
    DemoProcedure("1.001193", "Đăng ký khai sinh", CIVIL_STATUS),
    DemoProcedure("1.000894", "Đăng ký kết hôn", CIVIL_STATUS),
    DemoProcedure("1.000656", "Đăng ký khai tử", CIVIL_STATUS),
    DemoProcedure("1.001022", "Đăng ký nhận cha, mẹ, con", CIVIL_STATUS),
    DemoProcedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", CIVIL_STATUS),
    DemoProcedure("2.000635", "Cấp bản sao Trích lục hộ tịch", CIVIL_STATUS),
    DemoProcedure("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", CERTIFICATION),
    DemoProcedure("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", CERTIFICATION),
    DemoProcedure("1.004222", "Đăng ký thường trú", RESIDENCE),
    DemoProcedure("1.004194", "Đăng ký tạm trú", RESIDENCE),
)

QUESTIONNAIRE = "sipas-2023"
QUOTA = 30
