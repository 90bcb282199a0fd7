"""Evaluation summaries (manual 5.10, 5.1.8, 5.2.6): figures, charts, attachment, e-mail.

Modules: ``period`` (months, semesters, fiscal years, ranges), ``figures`` (numbers from the
ledger and the sheet), ``tables`` (the one source of every table shown anywhere),
``charts`` (matplotlib, Thai font), ``export`` (XLSX/CSV), ``mail`` (the HTML message with
inline charts) and ``job`` (build, send, preview, summary tab, schedule).
"""
