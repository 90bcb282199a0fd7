"""`automation init`: a ready demo workspace (config + local workbook with Thai sample data)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from automation.errors import ConfigError

CONFIG = """\
# Demo workspace made by `automation init`. Every key is documented in the sample
# schedule.toml at the top of the project; relative paths are relative to this file.

[office]
name = "{name}"
website = "{website}"
director_email = "{director}"
officer_email = "{officer}"

[sheets]
backend = "local"
workbook = "workbook.xlsx"

# The news board: open site/index.html, or serve the folder from any web host.
[site]
folder = "site"

# E-mail news goes out as one digest per member, weekdays at 15:00; an item the director
# marks urgent (column ด่วน, or อนุมัติด่วน in the approval cell) goes at once.
# `automation preview --digest` shows the next digest. The demo sends its first digest in
# the first cycle, so you can see one at once.
[bulletin]
mode = "digest"
digest_cron = "0 15 * * 1-5"
first_digest = "at-once"

# The demo's rows were "sent" over the last days: tell their submitters as if the worker
# had been running then (a real office leaves this empty: older decisions are not mailed).
[publish]
notices_since = "{since}"

[mail]
transport = "outbox"
outbox = "outbox"
sender = "{sender}"
sender_name = "ฝ่ายประชาสัมพันธ์ {name}"
rate_per_minute = 600

# The mail account's limits, counted over a rolling 24 hours: Google Workspace allows
# 2,000 messages a day. `automation status` shows how much of it is used.
[mail.quota]
preset = "workspace"
"""


def init(folder: Path, today: date, force: bool = False) -> Path:
    """Create ``folder``/schedule.toml and ``folder``/workbook.xlsx; returns the config path."""
    from automation.demo import DEMO_OFFICE, demo_tabs
    from automation.sources.local import LocalWorkbook

    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "schedule.toml"
    workbook = folder / "workbook.xlsx"
    for path in (config, workbook):
        if path.exists() and not force:
            raise ConfigError(f"{path} already exists; use --force to replace the demo workspace")
    office = DEMO_OFFICE
    config.write_text(
        CONFIG.format(
            name=office.name, website=office.website, director=office.director_email,
            officer=office.officer_email, sender=office.sender,
            since=(today - timedelta(days=30)).isoformat(),
        ),
        encoding="utf-8",
    )
    LocalWorkbook.create(workbook, demo_tabs(today))
    for stale in ("ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        if force:
            (folder / stale).unlink(missing_ok=True)
    return config
