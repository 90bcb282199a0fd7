"""What Google's error answers mean for the office, one sentence each, with what to do."""

from __future__ import annotations

from automation.errors import SheetError

_API_DISABLED = ("has not been used", "is disabled", "SERVICE_DISABLED", "API has not been")


def _who(account: str | None) -> str:
    return account or "บัญชี Google ที่ลงชื่อเข้าใช้"


def explain(
    status: int, message: str, what: str, writing: bool, spreadsheet_id: str, account: str | None
) -> SheetError:
    who = _who(account)
    if status == 403 and any(marker in message for marker in _API_DISABLED):
        return SheetError(
            "ยังไม่ได้เปิดใช้ Google Sheets API ในโปรเจกต์ของกุญแจนี้; ใน Google Cloud Console "
            "ไปที่ APIs & Services → Library → Google Sheets API → Enable แล้วรอสักครู่"
        )
    if status == 403 and "protected" in message.casefold():
        return SheetError(
            f"{what}: ช่องที่ระบบต้องเขียนถูกล็อกไว้ (Data → Protect sheets and ranges); "
            f"ปลดล็อกคอลัมน์ของระบบ หรือเพิ่ม {who} เป็นผู้แก้ไขของช่วงที่ล็อก"
        )
    if status == 403 and writing:
        return SheetError(
            f"{what}: {who} มีสิทธิ์เพียงดูสเปรดชีต {spreadsheet_id}; "
            f"กด 'แชร์' ในชีตแล้วเปลี่ยนสิทธิ์ของ {who} เป็น 'ผู้แก้ไข' (Editor)"
        )
    if status == 403:
        return SheetError(
            f"สเปรดชีต {spreadsheet_id} ยังไม่ได้แชร์ให้ {who}; เปิดชีตใน Google Sheets "
            f"กด 'แชร์' (Share) แล้วเพิ่ม {who} เป็น 'ผู้แก้ไข' (Editor)"
        )
    if status == 404:
        return SheetError(
            f"ไม่พบสเปรดชีตรหัส '{spreadsheet_id}'; ตรวจ 'sheets.spreadsheet_id' ใน schedule.toml "
            "ให้ตรงกับส่วน /d/<รหัส>/ ในที่อยู่ของชีต"
        )
    if status == 401:
        return SheetError(
            f"Google ไม่ยอมรับการลงชื่อเข้าใช้ของ {who} ({message}); "
            "สร้างกุญแจใหม่ หรือรัน automation google-login ใหม่"
        )
    if status == 400:
        return SheetError(f"{what}: Google Sheets ปฏิเสธคำขอ ({message})")
    return SheetError(f"{what}: Google Sheets ตอบรหัส {status} ({message})")


def refresh_failed(reason: str, account: str | None) -> str:
    """A key or token Google no longer accepts (deleted key, revoked sign-in, wrong clock)."""
    if account:
        return (
            f"Google ไม่ยอมรับกุญแจของบัญชีบริการ {account} ({reason}); กุญแจอาจถูกลบหรือปิดใช้ "
            "สร้างกุญแจใหม่ใน Google Cloud Console และตรวจว่านาฬิกาของเครื่องตรงเวลา"
        )
    return (
        f"การลงชื่อเข้าใช้ Google หมดอายุหรือถูกเพิกถอน ({reason}); "
        "รัน automation google-login --config schedule.toml ใหม่"
    )
