"""Spreadsheet backends: the embedded local workbook and Google Sheets."""
