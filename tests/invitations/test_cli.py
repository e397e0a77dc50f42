"""`hailong invitations send FILE.csv`: each bad row reported with its line; nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from hailong.models import Invitation, OutboxMessage
from tests.invitations.conftest import BIRTH, COPY, count

pytestmark = pytest.mark.usefixtures("country")
Hailong = Callable[..., Result]
HEADER = "dossier_id,unit_code,procedure_code,email"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "invitations.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


class TestSend:
    def test_good_rows_are_invited_and_bad_ones_reported_with_their_line(
        self, hailong: Hailong, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        path = write(
            tmp_path,
            f"H37-0001,11413,{BIRTH},an@example.vn",
            f"H37-0002,11413,{COPY},khong-phai-thu",
            f"H37-0003,99999,{BIRTH},binh@example.vn",
            f"H37-0004,11341,{COPY},chi@example.vn",
        )

        result = hailong("invitations", "send", str(path))

        assert result.exit_code == 1
        assert "Dòng 3: Địa chỉ thư điện tử không hợp lệ." in result.stderr
        assert "Dòng 4: " in result.stderr and "99999" in result.stderr
        assert "2 đã xếp hàng chờ gửi, 0 bỏ qua" in result.stderr
        assert "an@example.vn" not in result.output + result.stderr
        assert count(sessions, Invitation) == 2 and count(sessions, OutboxMessage) == 2

    def test_the_same_file_again_sends_nothing_twice(
        self, hailong: Hailong, sessions: sessionmaker[Session], tmp_path: Path
    ) -> None:
        path = write(tmp_path, f"H37-0001,11413,{BIRTH},an@example.vn")
        assert hailong("invitations", "send", str(path)).exit_code == 0

        again = hailong("invitations", "send", str(path))

        assert again.exit_code == 0, again.stderr
        assert "0 đã xếp hàng chờ gửi, 1 bỏ qua" in again.stdout
        assert count(sessions, OutboxMessage) == 1

    def test_a_file_without_the_columns_is_refused(self, hailong: Hailong, tmp_path: Path) -> None:
        path = tmp_path / "x.csv"
        path.write_text("so_ho_so,email\nH37,an@example.vn\n", encoding="utf-8")

        result = hailong("invitations", "send", str(path))

        assert result.exit_code == 1
        assert "dossier_id,unit_code,procedure_code,email" in result.stderr
