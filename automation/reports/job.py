"""Build, preview, send and schedule evaluation reports.

One read of the sheet (form, registry and suppression tabs in one call) and a handful of
aggregate ledger queries per period give every figure; the same ``Report`` then feeds the
e-mail, the attachment and the summary tab.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

from automation.core import message
from automation.core.dispatch import DispatchResult
from automation.core.intake import key_of
from automation.core.mailer import Addressing, MailService
from automation.core.registry import parse_registry
from automation.core.render import Rendered
from automation.core.services import REPORT, Services
from automation.core.table import find_columns, rows
from automation.core.views import OfficeView
from automation.model import Registry, Tab
from automation.ports import Envelope
from automation.reports import export, figures, period, tables
from automation.reports.export import Attachment
from automation.reports.figures import Inputs, SuppressionRow
from automation.reports.mail import report_message
from automation.reports.period import Period
from automation.reports.summary import Report, health, metrics
from automation.text.addresses import parse_addresses
from automation.text.files import safe_filename
from automation.text.lines import single_line
from automation.thaidate import BANGKOK, DateParseError, parse_date
from automation.upkeep.check import check
from automation.upkeep.confirm import round_status

if TYPE_CHECKING:  # matplotlib loads only when a report is drawn, not with every command
    from automation.reports.charts import Chart

KIND = "report"


@dataclass(frozen=True)
class Output:
    report: Report
    tables: list[tables.Table]
    charts: list[Chart]
    attachments: list[Attachment]

    @property
    def period(self) -> Period:
        return self.report.current.period


@dataclass(frozen=True)
class SheetData:
    registry_tab: Tab
    registry: Registry
    items: dict[str, str]  # news ID → school as typed
    suppressions: list[SuppressionRow]


class Reports:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.config = services.config
        self.settings = services.config.report
        self.calendar = self.settings.calendar()
        office = services.config.office
        self.mail = MailService(services)
        self.office = OfficeView(office.name, office.website, services.config.mail.sender)

    # -- figures -----------------------------------------------------------------------

    def read_sheet(self) -> SheetData:
        tabs = self.config.sheets.tabs
        columns = self.config.sheets.columns
        read = self.s.sheet.read([tabs.form, tabs.registry, tabs.suppression])
        registry = parse_registry(read[tabs.registry], columns.aliases("registry"),
                                  read[tabs.suppression], columns.aliases("suppression"))
        return SheetData(read[tabs.registry], registry,
                         _sheet_items(read[tabs.form], columns.aliases("form")),
                         _suppressions(read[tabs.suppression], columns.aliases("suppression")))

    def report(self, target: Period, sheet: SheetData | None = None) -> Report:
        """The figures of ``target`` and the period before it, and the registry's health."""
        sheet = sheet or self.read_sheet()
        now = self.s.clock()
        before = period.previous(target, self.calendar)
        ledger = self.s.ledger
        inputs = Inputs(
            events=ledger.events_before(target.bounds()[1]),
            registry=sheet.registry,
            items=sheet.items,
            suppressions=sheet.suppressions,
            school_groups=self.config.registry.school_groups,
            now=now,
        )
        facts = figures.ItemFacts(inputs.events, inputs.items)
        # One pass over the deliveries for both periods: a year of per-item bulletins is
        # millions of rows.
        summary = ledger.delivery_summary([target.bounds(), before.bounds()])
        kinds = tuple(self.settings.reach_kinds)
        current, previous = (
            figures.compute(p, inputs, *figures.split_summary(summary, i, kinds), facts)
            for i, p in enumerate((target, before))
        )
        today = now.astimezone(BANGKOK).date()
        findings = check(sheet.registry_tab, self.config.sheets.columns.aliases("registry"),
                         self.config.registry, today, sheet.registry.suppressed)
        return Report(
            office=self.office.name,
            generated=now,
            current=current,
            previous=previous,
            health=health(sheet.registry, findings, round_status(ledger, sheet.registry),
                          today, self.config.registry.stale_days),
            metrics=metrics(current, previous),
        )

    def build(self, target: Period, sheet: SheetData | None = None) -> Output:
        """The report with its tables, charts and attachment, ready to send or preview."""
        report = self.report(target, sheet)
        all_tables = tables.all_tables(report)
        drawn: list[Chart] = []
        if self.settings.charts:
            from automation.reports import charts

            drawn = charts.render(report, self.settings.font)
        heading = f"สรุปผลการประชาสัมพันธ์ {report.office} {target.label}"
        files = export.attachments(all_tables, heading, f"สรุปผล-{target.key}",
                                   self.settings.attachment)
        return Output(report, all_tables, drawn, files)

    # -- output ------------------------------------------------------------------------

    def render(self, output: Output, src: Callable[[Chart], str] | None = None) -> Rendered:
        src = src or (lambda chart: f"cid:{chart.cid}")
        report = output.report
        top = self.settings.top_schools
        active = [m for m in report.current.members if m.activity.any]
        context = {
            "office": self.office, "now": report.generated, "report": report,
            "r": report.current, "p": report.previous, "health": report.health,
            "metrics": report.metrics, "top_members": active[:top],
            "more_members": max(0, len(active) - top),
            "charts": [{"src": src(c), "title": c.title, "name": c.name} for c in output.charts],
            "attachments": [a.filename for a in output.attachments],
            "channel_names": tables.CHANNEL_NAMES, "no_cluster": tables.NO_CLUSTER,
        }
        return self.s.renderer.render(KIND, context)

    def recipients(self) -> list[str]:
        office = self.config.office
        found: list[str] = []
        for cell in (office.director_email, office.officer_email, *self.settings.to):
            addresses, _bad = parse_addresses(cell or "")
            found.extend(a for a in addresses if a not in found)
        return found

    def envelopes(self, output: Output, again: bool = False) -> list[Envelope]:
        mail = self.config.mail
        rendered = self.render(output)
        now = self.s.clock()
        item_id = output.period.key + (f"#{now.astimezone(BANGKOK):%Y%m%dT%H%M%S}" if again else "")

        def build(address: str) -> Callable[[Addressing], Message]:
            return lambda to: report_message(
                rendered=rendered, charts=output.charts, attachments=output.attachments,
                sender=mail.sender, sender_name=mail.sender_name or self.office.name,
                recipient=address, msg_id=to.message_id, now=now, reply_to=mail.reply_to,
                headers={"X-PR-Kind": KIND, "X-PR-Item": item_id, **message.BULK_HEADERS},
            )

        return [self.mail.wrap(KIND, item_id, address, REPORT, build(address))
                for address in self.recipients()]

    def send(self, output: Output, again: bool = False) -> DispatchResult:
        """E-mail the report to the director and the officer, once per period and address."""
        envelopes = self.envelopes(output, again)
        if not envelopes:
            return DispatchResult(stopped="ไม่มีผู้รับ: ตั้ง [office] director_email / "
                                          "officer_email หรือ [report] to")
        return self.mail.send(envelopes)

    def write_summary(self, output: Output) -> None:
        """Rewrite the worker-owned summary tab in one call."""
        self.s.sheet.backend.replace(self.config.sheets.tabs.summary,
                                     tables.summary_tab(output.report))

    def preview(self, output: Output, html_path: Path) -> list[Path]:
        """The e-mail as an HTML file with its charts and attachments beside it."""
        folder = html_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        stem = safe_filename(html_path.stem)
        for chart in output.charts:
            path = folder / f"{stem}-{chart.filename}"
            path.write_bytes(chart.png)
            written.append(path)
        for attachment in output.attachments:
            path = folder / attachment.filename
            path.write_bytes(attachment.data)
            written.append(path)
        rendered = self.render(output, lambda c: f"{stem}-{c.filename}")
        html_path.write_text(rendered.html, encoding="utf-8")
        return [html_path, *written]

    # -- the scheduled job -------------------------------------------------------------

    def scheduled(self) -> ScheduledRun:
        """Each configured kind of report once, after its period has ended."""
        notes: list[str] = []
        failed = 0
        today = self.s.clock().astimezone(BANGKOK).date()
        sheet: SheetData | None = None
        for kind in self.settings.periods:
            target = period.last_complete(kind, today, self.calendar)
            state = f"report:done:{kind}"
            if self.s.ledger.get_state(state) == target.key:
                continue
            if not self.s.ledger.events_before(target.bounds()[1]):
                # The worker was not running yet: nothing to evaluate, nothing to send.
                self.s.ledger.set_state(state, target.key)
                continue
            sheet = sheet or self.read_sheet()
            output = self.build(target, sheet)
            result = self.send(output)
            self.write_summary(output)
            notes.append(f"รายงาน {target.label}: ส่ง {result.sent}, ล้มเหลว {result.failed}, "
                         f"รอส่ง {result.deferred}")
            failed += result.failed
            if not result.deferred and not result.stopped:
                self.s.ledger.set_state(state, target.key)
        return ScheduledRun(notes, f"ส่งรายงานไม่สำเร็จ {failed} ฉบับ" if failed else "")


@dataclass(frozen=True)
class ScheduledRun:
    """What the scheduled report job did, in the scheduler's terms."""

    notes: list[str]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        return "; ".join(self.notes) or "ไม่มีรายงานที่ถึงกำหนด"


def run_scheduled(services: Services) -> ScheduledRun:
    """The scheduler's ``reports`` job."""
    return Reports(services).scheduled()


def _sheet_items(tab: Tab, aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """News ID → school for every row in the form tab; IDs as the cycle gives them."""
    cols = find_columns(tab, aliases)
    return {key_of(row): single_line(row.text("school")) for row in rows(tab, cols)}


def _suppressions(tab: Tab, aliases: Mapping[str, Sequence[str]]) -> list[SuppressionRow]:
    cols = find_columns(tab, aliases)
    found: list[SuppressionRow] = []
    for row in rows(tab, cols):
        try:
            since = parse_date(row.get("date"))
        except DateParseError:
            since = None
        addresses, _bad = parse_addresses(row.get("email"))
        found.extend(SuppressionRow(a, row.text("reason"), since) for a in addresses)
    return found


def build_report(services: Services, target: Period) -> Output:
    return Reports(services).build(target)


def parse_period(services: Services, text: str) -> Period:
    return period.parse(text, services.config.report.calendar())

