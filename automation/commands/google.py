"""Google Sheets commands: `init --google SPREADSHEET_ID` (sheet layout) and `google-login`."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from automation import config as config_mod
from automation.cli_util import console, subcommand
from automation.errors import ConfigError


def add_init_options(parser: argparse.ArgumentParser) -> None:
    """Options of `automation init` that lay out a Google Sheet instead of a demo folder."""
    group = parser.add_argument_group("Google Sheets (with --google)")
    group.add_argument(
        "--google", metavar="SPREADSHEET_ID",
        help="จัดเตรียม Google Sheet นี้ให้ระบบ (แท็บ หัวคอลัมน์ คอลัมน์อนุมัติ); "
        "ใช้ [sheets] และ [office] จาก --config เมื่อมีไฟล์นั้น",
    )
    group.add_argument("--credentials", type=Path,
                       help="ไฟล์กุญแจ service account (ค่าเริ่มต้น: sheets.credentials)")
    group.add_argument("--auth", choices=("service_account", "oauth"),
                       help="วิธีลงชื่อเข้าใช้ (ค่าเริ่มต้น: sheets.auth)")
    group.add_argument("--editor", action="append", default=[], metavar="EMAIL",
                       help="ผู้ที่แก้คอลัมน์อนุมัติได้ (ใส่ซ้ำได้; "
                       "ค่าเริ่มต้น: office.director_email)")
    group.add_argument("--approval", choices=("dropdown", "checkbox"), default="dropdown",
                       help="รูปแบบคอลัมน์อนุมัติ: ดรอปดาวน์ อนุมัติ/ไม่อนุมัติ/ส่งกลับแก้ไข "
                       "(ค่าเริ่มต้น) หรือช่องติ๊ก")
    group.add_argument("--form", action="store_true",
                       help="สร้างแบบฟอร์มส่งข่าวใน Google Forms ด้วย (คำถามตรงกับที่ระบบอ่าน, "
                       "รายชื่อโรงเรียนจากทะเบียนเครือข่าย) แล้วเปิดรับคำตอบ")
    group.add_argument("--category", action="append", default=[], metavar="ชื่อ",
                       help="ตัวเลือกของคำถามประเภทข่าว (ใส่ซ้ำได้; ค่าเริ่มต้น: "
                       "ข่าวกิจกรรม, ข่าวผลงาน/รางวัล, ข่าววิชาการ, ข่าวประชาสัมพันธ์)")


def register(sub: Any) -> dict[str, Any]:
    p = subcommand(sub, "google-login",
                   "ลงชื่อเข้าใช้ Google ในนามบุคคล (sheets.auth = \"oauth\") และเก็บ token ไว้")
    p.add_argument("--force", action="store_true", help="ลงชื่อเข้าใช้ใหม่แม้มี token อยู่แล้ว")
    p.add_argument("--form", action="store_true",
                   help="ขอสิทธิ์สร้างแบบฟอร์ม Google Forms ด้วย (สำหรับ init --google --form)")
    return {"google-login": cmd_login}


def _settings(
    args: argparse.Namespace,
) -> tuple[config_mod.SheetsConfig, tuple[str, ...], config_mod.OfficeConfig]:
    """The [sheets] settings, editors and the [office] settings for `init --google`."""
    from automation.text.addresses import parse_addresses

    path: Path = args.config
    if path.exists():
        config = config_mod.load(path)
        sheets, office = config.sheets, config.office
    else:
        sheets, office = config_mod.SheetsConfig(), config_mod.OfficeConfig()
    from automation.sources.google import spreadsheet_key

    changes: dict[str, Any] = {"backend": "google", "spreadsheet_id": spreadsheet_key(args.google)}
    if args.credentials is not None:
        changes["credentials"] = args.credentials.expanduser().resolve()
    if args.auth is not None:
        changes["auth"] = args.auth
    editors = list(args.editor)
    if not editors and office.director_email:
        editors, _bad = parse_addresses(office.director_email)
    return dataclasses.replace(sheets, **changes), tuple(editors), office


def init_google(args: argparse.Namespace) -> int:
    from automation.sources.google import GoogleSheet
    from automation.sources.google_setup import SetupOptions, describe_target, set_up

    if not args.google.strip():
        raise ConfigError("--google needs the spreadsheet ID (the part after /d/ in its address)")
    sheets, editors, office = _settings(args)
    make_form = args.form and not _has_form(office)
    sheet = GoogleSheet.from_config(sheets)
    options = SetupOptions(editors, args.approval, office.timezone, form_tab=not make_form)
    report = set_up(sheet, sheets, options)
    out = console()
    out.print(f"จัดรูปแบบ{describe_target(sheet)}", markup=False)
    for change in report.changes:
        out.print(f"  เปลี่ยน: {change}", markup=False)
    if not report.changes:
        out.print("  ครบถ้วนแล้ว ไม่มีอะไรต้องเปลี่ยน", markup=False)
    for warning in report.warnings:
        out.print(f"  คำเตือน: {warning}", markup=False)
    out.print(f"  ใช้คำขอ Google Sheets API {sheet.requests} ครั้ง", markup=False)
    if make_form:
        from automation.commands.form import create_form

        create_form(args, sheet, sheets, office, editors)
    return 0


def _has_form(office: config_mod.OfficeConfig) -> bool:
    if office.form_url:
        console().print(f"มีแบบฟอร์มส่งข่าวแล้ว ([office] form_url = {office.form_url}) "
                        "จึงไม่สร้างใหม่; ลบ form_url ออกก่อนถ้าต้องการแบบฟอร์มใหม่", markup=False)
    return bool(office.form_url)


def cmd_login(args: argparse.Namespace) -> int:
    from automation.sources.google_auth import login

    config = config_mod.load(args.config)
    if config.sheets.auth != "oauth":
        raise ConfigError(
            'google-login is for sheets.auth = "oauth"; with a service account, share the '
            "sheet with the account's e-mail instead"
        )
    from automation.sources.google_auth import FORM_SCOPES, SCOPES

    token = login(config.sheets, force=args.force, scopes=FORM_SCOPES if args.form else SCOPES)
    print(f"ลงชื่อเข้าใช้ Google แล้ว เก็บโทเคนไว้ที่ {token} (อย่าแชร์ไฟล์นี้)")
    return 0
