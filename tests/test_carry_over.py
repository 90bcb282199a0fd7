"""What does not fit the daily limit waits for a later cycle; overrides of templates apply."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.servers.smtp import SmtpServer
from tests.workspace import FORM, make_workspace, outbox, run_cycle, smtp_mail, table


def test_daily_limit_carries_over_without_loss_or_repeat(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = make_workspace(tmp_path / "office", mail=smtp_mail(smtp_server.port))
    text = config.read_text(encoding="utf-8").replace("daily_limit = 100000", "daily_limit = 60")
    # No room kept back for notices: the bulletins may fill the whole limit.
    text += "\n[mail.quota]\nreserve = 0\n"
    config.write_text(text, encoding="utf-8")
    first = run_cycle(config)
    assert len(smtp_server.messages) == 60
    assert first.deferred > 0
    assert any("daily limit" in n for n in first.notes)
    rows = table(tmp_path / "office" / "workbook.xlsx", FORM)
    waiting = [r for r in rows if "รอส่ง" in str(r["ผลการส่ง"] or "")]
    assert waiting or any(r["สถานะ"] == "อนุมัติ-รอเผยแพร่" for r in rows)

    config.write_text(text.replace("daily_limit = 60", "daily_limit = 100000"), encoding="utf-8")
    second = run_cycle(config)
    assert second.deferred == 0
    pairs = Counter(
        (m.message["X-PR-Kind"], m.message["X-PR-Item"], m.rcpt_tos[0])
        for m in smtp_server.messages
    )
    assert max(pairs.values()) == 1
    statuses = Counter(r["สถานะ"] for r in table(tmp_path / "office" / "workbook.xlsx", FORM))
    assert statuses["เผยแพร่แล้ว"] == 5


def test_office_template_overrides_the_shipped_one(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    mine = tmp_path / "office" / "mine" / "bulletin"
    mine.mkdir(parents=True)
    (mine / "subject.txt").write_text("ข่าวเครือข่าย: {{ item.title }}\n", encoding="utf-8")
    config.write_text('templates = "mine"\n' + config.read_text(encoding="utf-8"), encoding="utf-8")
    run_cycle(config)
    bulletins = [m for m in outbox(tmp_path / "office" / "outbox") if m["X-PR-Kind"] == "bulletin"]
    assert bulletins and all(str(m["Subject"]).startswith("ข่าวเครือข่าย: ") for m in bulletins)
    acks = [m for m in outbox(tmp_path / "office" / "outbox") if m["X-PR-Kind"] == "ack"]
    assert acks and not str(acks[0]["Subject"]).startswith("ข่าวเครือข่าย")
