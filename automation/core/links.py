"""Where people are sent to act: the spreadsheet the director decides in."""

from __future__ import annotations

from urllib.parse import quote

from automation.config import SheetsConfig

GOOGLE_SHEET = "https://docs.google.com/spreadsheets/d/{id}"


def sheet_location(sheets: SheetsConfig) -> str:
    """The Google Sheet's address, or the local workbook's path (opened from the office's
    shared drive); empty when neither is configured."""
    if sheets.backend == "google" and sheets.spreadsheet_id:
        return GOOGLE_SHEET.format(id=quote(sheets.spreadsheet_id.strip(), safe=""))
    if sheets.workbook is not None:
        return str(sheets.workbook)
    return ""
