"""All wiring in one place: config → adapters → the core's Services."""

from __future__ import annotations

import threading
from datetime import datetime

from automation.config import Config
from automation.core.cycle import Worker
from automation.core.render import Renderer
from automation.core.services import Services
from automation.core.table import Sheet
from automation.ledger.sqlite import SqliteLedger
from automation.ports import Ledger, MailTransport, Publisher, SheetBackend
from automation.thaidate import BANGKOK


def now() -> datetime:
    return datetime.now(BANGKOK)


def sheet_backend(config: Config) -> SheetBackend:
    sheets = config.sheets
    if sheets.backend == "google":
        from automation.sources.google import GoogleSheet  # gspread only when asked for

        return GoogleSheet.from_config(sheets)
    from automation.sources.local import LocalWorkbook

    assert sheets.workbook is not None  # checked when the config was loaded
    return LocalWorkbook(sheets.workbook)


def mail_transport(config: Config) -> MailTransport:
    mail = config.mail
    if mail.transport == "smtp":
        from automation.mail.replies import rules
        from automation.mail.smtp import SmtpTransport

        return SmtpTransport(
            mail.host, mail.port, mail.security, mail.username, mail.password(),
            timeout=mail.timeout, cafile=mail.cafile, rules=rules(mail.replies),
        )
    from automation.mail.outbox import OutboxTransport

    assert mail.outbox is not None
    return OutboxTransport(mail.outbox)


def publishers(config: Config, ledger: Ledger) -> list[Publisher]:
    """The news board first (bulletins and posts link to its pages), then chat/social."""
    made: list[Publisher] = []
    if config.site.folder is not None:
        from automation.site.factory import site_publisher

        made.append(site_publisher(config, ledger, now))
    from automation.channels.factory import publisher as channel_publisher

    channels = channel_publisher(config.channels, ledger, now)
    if channels is not None:
        made.append(channels)
    return made


def services(config: Config, stop: threading.Event | None = None) -> Services:
    from automation.inbox import cycle_hook
    from automation.media.factory import media_store
    from automation.survey.invite import digest_addon

    ledger = SqliteLedger(config.ledger_path)
    backend = sheet_backend(config)
    built = Services(
        config=config,
        sheet=Sheet(backend),
        ledger=ledger,
        transport=mail_transport(config),
        renderer=Renderer(config.templates, compiled=config.ledger_path.with_name(
            config.ledger_path.name + ".templates")),
        clock=now,
        publishers=publishers(config, ledger),
        stop=stop or threading.Event(),
        media=media_store(config, backend),
    )
    built.inbound = (cycle_hook(built),)
    built.digest_extras = digest_addon(config, ledger, built.sheet, now)
    return built


def worker(config: Config, stop: threading.Event | None = None) -> Worker:
    return Worker(services(config, stop))
