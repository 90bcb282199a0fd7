"""What staff type and do: consent words in the registry, an item taken off the board."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from automation.config import REGISTRY_FIELDS
from automation.core.registry import audience_of, parse_registry
from automation.model import Decision, Submission, Tab
from tests.workspace import FORM, make_workspace, run_cycle, table


def _item() -> Submission:
    return Submission("N-00000001", 2, None, "", "", "", "", "ข่าว", "เนื้อหา", None, (), (),
                      "", "form", Decision.APPROVED, "", "ทั้งหมด", None, False)


def test_consent_words_staff_type_are_read_as_yes() -> None:
    header = ["รหัสสมาชิก", "ชื่อหน่วยงาน", "อีเมล", "รับข่าวทางอีเมล", "เผยแพร่ในทำเนียบ"]
    words = ["รับ", "ยินยอม", "ใช่", "✓", "TRUE", "1", "x", True, "ด่วน", "ไม่รับ", "", False]
    rows = [[f"M{i:03d}", f"โรงเรียน {i}", f"m{i}@school.example.test", w, w]
            for i, w in enumerate(words)]
    aliases = {k: list(v) for k, v in REGISTRY_FIELDS.items()}
    registry = parse_registry(Tab("ทะเบียนเครือข่าย", [header, *rows]), aliases)
    recipients, problem = audience_of(registry, _item())
    assert problem is None
    assert [r.email for r in recipients] == [f"m{i}@school.example.test" for i in range(8)]
    assert [m.public for m in registry.members] == [True] * 8 + [False] * 4


def test_withdrawn_item_reads_withdrawn_in_the_sheet(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    run_cycle(config)
    workbook = tmp_path / "office" / "workbook.xlsx"
    item_id = next(r["รหัสข่าว"] for r in table(workbook, FORM) if r["สถานะ"] == "เผยแพร่แล้ว")
    done = subprocess.run(
        [sys.executable, "-m", "automation.cli", "--config", str(config), "site", "withdraw",
         str(item_id), "--reason", "ข้อมูลผิด"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    run_cycle(config)
    row = next(r for r in table(workbook, FORM) if r["รหัสข่าว"] == item_id)
    assert row["สถานะ"] == "ถอนการเผยแพร่แล้ว"


def test_status_is_loud_about_a_lost_ledger_and_counts_items_waiting_for_their_date(
    tmp_path: Path,
) -> None:
    config = make_workspace(tmp_path / "office")
    run_cycle(config)
    (tmp_path / "office" / "ledger.sqlite3").unlink()

    def status() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "automation.cli", "--config", str(config), "status"],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    before = status()
    assert "ledger) ไม่รู้จักข่าว" in before
    assert "รอถึงวันเผยแพร่ (เผยแพร่วันที่): 1 ข่าว" in before
    run_cycle(config)  # adopts what the sheet shows
    after = status()
    assert "เคยหายหรือว่าง" in after and "ไม่รู้จักข่าว" not in after
