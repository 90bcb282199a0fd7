"""The survey summary of a period: e-mail to the director and officer, XLSX, summary tab.

One read of the sheet (the responses, registry and suppression tabs in one call) gives every
figure; the same ``SurveyReport`` feeds the e-mail, the attachment and the summary tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message
from typing import TYPE_CHECKING

from automation.core.dispatch import DispatchResult
from automation.core.mailer import Addressing, MailService
from automation.core.registry import parse_registry
from automation.core.render import Rendered
from automation.core.services import REPORT, Services
from automation.core.views import OfficeView
from automation.errors import SheetError
from automation.model import Problem, Registry, Tab
from automation.reports import export
from automation.reports import period as periods
from automation.reports.export import Attachment
from automation.reports.mail import report_message
from automation.reports.period import Period
from automation.survey import responses, stats
from automation.survey.settings import LEVELS
from automation.survey.tables import SD_NOTE, SurveyReport, all_tables, summary_tab
from automation.text.addresses import parse_addresses

if TYPE_CHECKING:  # matplotlib loads only when a chart is drawn
    from automation.reports.charts import Chart

KIND = "survey_report"


@dataclass(frozen=True)
class Output:
    report: SurveyReport
    charts: list[Chart]
    attachments: list[Attachment]

    @property
    def period(self) -> Period:
        return self.report.current.period


def answers_until(target: Period, calendar: periods.SchoolCalendar) -> tuple[datetime, datetime]:
    """[start of ``target``, start of the period after it): late answers in a break count."""
    start, end = target.bounds()
    if target.kind != "range":
        end = periods.containing(target.kind, target.end + timedelta(days=1), calendar).bounds()[0]
    return start, end


class SurveyReports:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.config = services.config
        self.survey = services.config.survey
        self.calendar = services.config.report.calendar()

    def read(self) -> tuple[Tab, Registry]:
        tabs = self.config.sheets.tabs
        columns = self.config.sheets.columns
        try:
            read = self.s.sheet.read([self.survey.tab, tabs.registry, tabs.suppression])
        except SheetError as exc:
            raise SheetError(f"อ่านแท็บคำตอบแบบประเมิน '{self.survey.tab}' ไม่ได้ "
                             f"(ตั้งชื่อแท็บที่ [survey] tab): {exc}") from None
        registry = parse_registry(read[tabs.registry], columns.aliases("registry"),
                                  read[tabs.suppression], columns.aliases("suppression"))
        return read[self.survey.tab], registry

    def report(self, target: Period) -> SurveyReport:
        tab, registry = self.read()
        found = responses.read(tab, self.survey)
        bands = self.survey.bands
        figures = []
        for p in (target, periods.previous(target, self.calendar)):
            start, end = answers_until(p, self.calendar)
            figures.append(stats.compute(p, found.questions, found.between(start, end), bands))
        return SurveyReport(
            office=self.config.office.name, generated=self.s.clock(),
            form_url=self.survey.form_url, anonymous=self.survey.anonymous,
            current=figures[0], previous=figures[1],
            members=sum(1 for m in registry.members if m.active), bands=tuple(bands),
            problems=tuple(found.problems),
        )

    def build(self, target: Period) -> Output:
        report = self.report(target)
        drawn: list[Chart] = []
        if self.config.report.charts:
            from automation.survey import chart

            drawn = [chart.draw(report, self.config.report.font)]
        heading = f"ผลการประเมินความพึงพอใจ {report.office} {target.label}"
        files = export.attachments(all_tables(report), heading, f"แบบประเมิน-{target.key}", "xlsx")
        return Output(report, drawn, files)

    def render(self, output: Output) -> Rendered:
        report = output.report
        context = {
            "office": OfficeView(self.config.office.name, self.config.office.website,
                                 self.config.mail.sender), "now": report.generated, "r": report,
            "c": report.current, "p": report.previous, "sd_note": SD_NOTE, "levels": LEVELS,
            "charts": [{"src": f"cid:{c.cid}", "title": c.title} for c in output.charts],
            "attachments": [a.filename for a in output.attachments],
            "problems": [_located(p) for p in report.problems[:20]],
            "more_problems": max(0, len(report.problems) - 20),
        }
        return self.s.renderer.render(KIND, context)

    def recipients(self) -> list[str]:
        office = self.config.office
        found: list[str] = []
        for cell in (office.director_email, office.officer_email, *self.config.report.to):
            addresses, _bad = parse_addresses(cell or "")
            found.extend(a for a in addresses if a not in found)
        return found

    def send(self, output: Output) -> DispatchResult:
        """E-mail the summary once per period and address (the ledger keeps it once)."""
        mail = self.config.mail
        mailer = MailService(self.s)
        rendered = self.render(output)
        now = self.s.clock()
        item_id = output.period.key

        def build(address: str) -> Callable[[Addressing], Message]:
            return lambda to: report_message(
                rendered=rendered, charts=output.charts, attachments=output.attachments,
                sender=mail.sender, sender_name=mail.sender_name or self.config.office.name,
                recipient=address, msg_id=to.message_id, now=now, reply_to=mail.reply_to,
                headers={"X-PR-Kind": KIND, "X-PR-Item": item_id},
            )

        envelopes = [mailer.wrap(KIND, item_id, address, REPORT, build(address))
                     for address in self.recipients()]
        if not envelopes:
            return DispatchResult(stopped="ไม่มีผู้รับ: ตั้ง [office] director_email / "
                                          "officer_email หรือ [report] to")
        return mailer.send(envelopes)

    def write_summary(self, output: Output) -> None:
        self.s.sheet.backend.replace(self.survey.summary_tab, summary_tab(output.report))


def _located(problem: Problem) -> str:
    return f"{problem.where()}: {problem.message}"
