"""`automation init --google ID --form`: make the news form, then say what is left to click."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path

from automation import config as config_mod
from automation.cli_util import console
from automation.sources.google import GoogleSheet
from automation.text.addresses import parse_addresses

_KINDS = {"dropdown": "รายการแบบเลื่อนลง", "choice": "หลายตัวเลือก (มี 'อื่น ๆ')",
          "date": "วันที่", "paragraph": "ย่อหน้า", "short": "คำตอบสั้น"}


def create_form(
    args: argparse.Namespace, sheet: GoogleSheet, sheets: config_mod.SheetsConfig,
    office: config_mod.OfficeConfig, editors: Sequence[str],
) -> None:
    from automation.sources.google_form import (
        DEFAULT_CATEGORIES,
        FormsClient,
        create_news_form,
        manual_steps,
        questions,
        registry_schools,
    )

    aliases = sheets.columns.aliases("form")
    schools = registry_schools(sheet, sheets)
    items, warnings = questions(aliases, schools, args.category or DEFAULT_CATEGORIES)
    if sheet.metadata().tab(sheets.tabs.form) is not None:
        warnings.append(
            f"มีแท็บ '{sheets.tabs.form}' อยู่แล้ว: เมื่อเชื่อมแบบฟอร์ม Google จะสร้างแท็บคำตอบใหม่ "
            "(ชื่อลงท้ายด้วยเลขถัดไป); ถ้าแท็บเดิมยังไม่มีคำตอบ ให้ลบก่อนเชื่อม หรือตั้ง "
            "[sheets.tabs] form เป็นชื่อแท็บใหม่"
        )
    officer, _bad = parse_addresses(office.officer_email or "")
    created = create_news_form(FormsClient.from_config(sheets), office.name, items,
                               [*officer, *editors])
    out = console()
    out.print(f"สร้างแบบฟอร์มส่งข่าวแล้ว และเปิดรับคำตอบ: {created.responder_uri}", markup=False)
    for q in created.questions:
        need = "บังคับ" if q.required else "ไม่บังคับ"
        extra = f" ({len(q.options)} ตัวเลือก)" if q.options else ""
        out.print(f"  คำถาม: '{q.title}' — {_KINDS[q.kind]}{extra}, {need}", markup=False)
    for warning in [*warnings, *created.warnings]:
        out.print(f"  คำเตือน: {warning}", markup=False)
    images = aliases["images"][0]
    config_path: Path = args.config
    steps = manual_steps(created, images, sheet.spreadsheet_id, sheets.tabs.form,
                         str(config_path))
    steps.append(_form_url(config_path, created.responder_uri))
    out.print("สิ่งที่ต้องทำต่อใน Google Forms (API ทำแทนไม่ได้):", markup=False)
    for number, step in enumerate(steps, start=1):
        out.print(f"  {number}. {step}", markup=False)


def _form_url(path: Path, url: str) -> str:
    """Write ``[office] form_url`` into schedule.toml when it has an [office] table."""
    line = f'form_url = "{url}"'
    if path.exists():
        text = path.read_text(encoding="utf-8")
        found = re.search(r"(?m)^\[office\][ \t]*\r?\n", text)
        if found and not re.search(r"(?m)^form_url\s*=", text[found.end():].split("\n[", 1)[0]):
            path.write_text(text[: found.end()] + line + "\n" + text[found.end():],
                            encoding="utf-8")
            return f"บันทึก {line} ใต้ [office] ใน {path} แล้ว: ประกาศต่าง ๆ จะลิงก์ไปที่แบบฟอร์มนี้"
    return f"ใส่ใน schedule.toml ใต้ [office]: {line} เพื่อให้ประกาศต่าง ๆ ลิงก์ไปที่แบบฟอร์มนี้"
