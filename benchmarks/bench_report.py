"""Evaluation report over one fiscal year: 10,000 news × 500 recipients in the ledger.

    python -m benchmarks.bench_report                 # build data once, then time the report
    python -m benchmarks.bench_report --items 1000    # a smaller office

The ledger gets one ``submitted``, ``decided:approved`` and ``published`` event per item,
an acknowledgement per item and a bulletin per (item, recipient): 5,010,000 deliveries for
the default sizes. The workbook holds the registry (500 addresses) and every submission.
Generated data is kept in ``--data`` and reused when the sizes match (setup is not timed).

Timed, as `automation report --period fy2569 --send` does it: reading the sheet, the
ledger queries and figures for the year and the year before, the registry check, charts,
the XLSX attachment, the e-mail for two recipients, and rewriting the summary tab.
Target: under 10 s for the report.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from automation import config as config_mod
from automation import wiring
from automation.ledger.sqlite import SqliteLedger
from automation.mail.wire import wire_bytes
from automation.reports import period
from automation.reports.job import Reports
from automation.sources.local import LocalWorkbook
from automation.thaidate import BANGKOK

FORM, REGISTRY, SUPPRESSION = "การตอบแบบฟอร์ม 1", "ทะเบียนเครือข่าย", "งดรับข่าว"
START = datetime(2025, 10, 1, tzinfo=BANGKOK)
NOW = datetime(2026, 10, 5, 9, 0, tzinfo=BANGKOK)
CONFIG = """\
ledger = "ledger.sqlite3"
[office]
name = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ เขต 1"
director_email = "director@office.example.test"
officer_email = "officer@office.example.test"
[sheets]
backend = "local"
workbook = "workbook.xlsx"
[mail]
transport = "outbox"
outbox = "outbox"
sender = "pr@office.example.test"
"""


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def registry(recipients: int) -> tuple[list[list[object]], list[str]]:
    """Schools in clusters of 20 (every other school with a second address), then agencies."""
    header = ["รหัสสมาชิก", "ประเภทเครือข่าย", "กลุ่ม", "ชื่อหน่วยงาน", "กลุ่มเครือข่ายสถานศึกษา",
              "ผู้ประสานงาน", "ตำแหน่ง", "โทรศัพท์", "อีเมล", "รับข่าวทางอีเมล", "สถานะ",
              "ปรับปรุงล่าสุด", "เผยแพร่ในทำเนียบ"]
    rows: list[list[object]] = [header]
    addresses: list[str] = []
    n = 0
    while len(addresses) < recipients:
        n += 1
        school = len(addresses) < recipients * 0.9
        emails = [f"m{n:04d}@school.example.test"]
        if school and n % 2 == 0 and len(addresses) + 2 <= recipients:
            emails.append(f"kru{n:04d}@example.com")
        addresses.extend(emails)
        rows.append([
            f"M{n:04d}", "ภายใน" if school else "ภายนอก",
            "สถานศึกษา" if school else "หน่วยงานภาครัฐ",
            f"โรงเรียนบ้านทดสอบที่ {n}" if school else f"หน่วยงานทดสอบที่ {n}",
            f"เครือข่ายที่ {1 + n // 20}" if school else None, f"ครูผู้ประสานงาน {n}", "ครู",
            f"08{n % 10}{n:07d}", ", ".join(emails), True, "ใช้งาน",
            (NOW - timedelta(days=n % 400)).date(), True,
        ])
    return rows, addresses


def build(folder: Path, items: int, recipients: int, seed: int = 1) -> Path:
    """Workbook, config and ledger for the benchmark; reused when already built."""
    marker = folder / f"built-{items}x{recipients}"
    config = folder / "schedule.toml"
    if marker.exists():
        return config
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*"):
        if stale.is_file():
            stale.unlink()
    rng = random.Random(seed)
    reg, addresses = registry(recipients)
    members = [r[3] for r in reg[1:]]
    span = (NOW - START - timedelta(days=6)).total_seconds()
    news = []
    for i in range(items):
        submitted = START + timedelta(seconds=rng.uniform(0, span))
        decided = submitted + timedelta(hours=rng.uniform(0.5, 96))
        published = decided + timedelta(hours=rng.uniform(0.1, 24))
        news.append((f"N-{i:08X}", str(rng.choice(members)), submitted, decided, published))
    form = [["ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "หัวข้อข่าว", "เนื้อหาข่าว",
             "อนุมัติ", "รหัสข่าว"]]
    form += [[s.replace(tzinfo=None), f"{i.lower()}@school.example.test", school,
              f"ข่าวกิจกรรมที่ {i}", "เนื้อหาข่าวประชาสัมพันธ์", "อนุมัติ", i]
             for i, school, s, _d, _p in news]
    LocalWorkbook.create(folder / "workbook.xlsx", {
        FORM: form, REGISTRY: reg,
        SUPPRESSION: [["อีเมล", "เหตุผล", "วันที่", "รายละเอียด"]],
    })
    config.write_text(CONFIG, encoding="utf-8")
    SqliteLedger(folder / "ledger.sqlite3").close()  # the ledger's own schema
    db = sqlite3.connect(folder / "ledger.sqlite3", isolation_level=None)
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                         "AND tbl_name = 'deliveries' AND sql IS NOT NULL").fetchall()
    for name, _sql in indexes:
        db.execute(f"DROP INDEX {name}")  # bulk load first, index once
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.executemany("INSERT INTO events (item_id, event, at, detail) VALUES (?, ?, ?, ?)",
                   [row for i, school, s, d, p in news
                    for row in ((i, "submitted", _ts(s), school),
                                (i, "decided:approved", _ts(d), ""),
                                (i, "published", _ts(p), ""))])
    db.executemany(
        "INSERT INTO deliveries (key, kind, item_id, recipient, channel, message_id, status, "
        "attempts, error, created_at, updated_at, sent_at, detail) "
        "VALUES (?, ?, ?, ?, 'email', ?, ?, 1, '', ?, ?, ?, '')",
        _deliveries(news, addresses, rng),
    )
    db.execute("COMMIT")
    for _name, sql in indexes:
        db.execute(sql)
    db.execute("ANALYZE")
    db.close()
    marker.touch()
    return config


def _deliveries(news: list[tuple[str, str, datetime, datetime, datetime]],
                addresses: list[str], rng: random.Random) -> Iterator[tuple[object, ...]]:
    for n, (item, _school, submitted, _decided, published) in enumerate(news):
        ack = _ts(submitted + timedelta(minutes=3))
        yield (f"ack:{item}:{item.lower()}@school.example.test", "ack", item,
               f"{item.lower()}@school.example.test", f"<a{n:08x}@office.example.test>", "sent",
               ack, ack, ack)
        for j, address in enumerate(addresses):
            at = _ts(published + timedelta(seconds=j * 1.2))
            roll = rng.random()
            status = "sent" if roll < 0.99 else ("failed" if roll < 0.997 else "pending")
            yield (f"bulletin:{item}:{address}", "bulletin", item, address,
                   f"<{n:08x}{j:04x}@office.example.test>", status, at, at,
                   at if status == "sent" else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument("--data", type=Path, default=Path("/tmp/bench_report_data"))
    args = parser.parse_args(argv)

    started = time.perf_counter()
    config_path = build(args.data / f"{args.items}x{args.recipients}", args.items,
                        args.recipients)
    setup = time.perf_counter() - started
    services = wiring.services(config_mod.load(config_path))
    services.clock = lambda: NOW
    reports = Reports(services)
    target = period.parse("fy2569")

    timings: list[tuple[str, float, float]] = []

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        timings.append((label, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    sheet = timed("read sheet (form, registry, suppression)", reports.read_sheet)
    report = timed("ledger queries + figures (2 years) + registry check",
                   lambda: reports.report(target, sheet))
    from automation.reports import charts, export, tables

    all_tables = timed("tables", lambda: tables.all_tables(report))
    drawn = timed("charts (3 PNG, Thai font)", lambda: charts.render(report))
    files = timed("XLSX attachment", lambda: export.attachments(
        all_tables, "สรุปผล", f"สรุปผล-{target.key}", "xlsx"))
    from automation.reports.job import Output

    output = Output(report, all_tables, drawn, files)
    envelopes = timed("e-mail (render + 2 messages)", lambda: reports.envelopes(output))
    timings.append(("= report built, ready to send", sum(t for _l, t, _c in timings),
                    sum(c for _l, _t, c in timings)))
    timed("rewrite summary tab (local .xlsx file)", lambda: reports.write_summary(output))
    timings.append(("= everything", sum(t for label, t, _c in timings if label[0] != "="),
                    sum(c for label, _t, c in timings if label[0] != "=")))

    summary = services.ledger.delivery_summary([target.bounds()])
    deliveries = sum(counts[0] for *_k, counts in summary)
    f = report.current
    print(f"\nEvaluation report fy2569: {args.items:,} news × {args.recipients} recipients "
          f"({deliveries:,} deliveries in the period; setup {setup:.1f} s, not timed)\n")
    print(f"{'step':<52}{'wall s':>9}{'CPU s':>9}")
    print("-" * 70)
    for label, seconds, cpu in timings:
        print(f"{label:<52}{seconds:>9.2f}{cpu:>9.2f}")
    total = next(t for label, t, _c in timings if label == "= everything")
    print("-" * 70)
    print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print(f"submitted {f.activity.submitted:,}, published {f.activity.published:,}, "
          f"sent {f.delivery.sent:,}, failed {f.delivery.failed:,}, "
          f"reached {f.delivery.reached_addresses} addresses / "
          f"{f.delivery.reached_members} members; {len(envelopes)} messages of "
          f"{sum(len(wire_bytes(e.message)) for e in envelopes) // len(envelopes) // 1024} KiB")
    verdict = "OK" if total < 10 else "OVER TARGET"
    print(f"report including the summary tab: {total:.2f} s wall (target < 10 s): {verdict}")
    return 0 if total < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
