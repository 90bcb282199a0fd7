"""Registry upkeep as jobs the scheduler (or the CLI) runs: check, confirm."""

from __future__ import annotations

from dataclasses import dataclass

from automation.core.mailer import MailService
from automation.core.registry import parse_registry
from automation.core.services import REPORT, Services
from automation.model import Registry, Tab
from automation.text.addresses import parse_addresses
from automation.thaidate import BANGKOK
from automation.upkeep.check import Finding, check, findings_hash
from automation.upkeep.confirm import ConfirmResult, KeepCurrent

CHECK_KIND = "registry_check"
CHECK_STATE = "registry_check:fingerprint"


def load(s: Services) -> tuple[Tab, Registry]:
    """The registry tab as read and parsed (with the suppression list), in one read."""
    tabs, columns = s.config.sheets.tabs, s.config.sheets.columns
    read = s.sheet.read([tabs.registry, tabs.suppression])
    registry = parse_registry(read[tabs.registry], columns.aliases("registry"),
                              read[tabs.suppression], columns.aliases("suppression"))
    return read[tabs.registry], registry


def findings(s: Services, tab: Tab, registry: Registry) -> list[Finding]:
    today = s.clock().astimezone(BANGKOK).date()
    return check(tab, s.config.sheets.columns.aliases("registry"), s.config.registry, today,
                 registry.suppressed)


@dataclass(frozen=True)
class CheckRun:
    findings: list[Finding]
    findings_hash: str
    changed: bool
    sent: int = 0
    note: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def summary(self) -> str:
        told = f", ส่งถึงเจ้าหน้าที่ {self.sent} ฉบับ" if self.sent else ""
        return (f"ทะเบียน: ข้อผิดพลาด {self.errors}, คำเตือน {len(self.findings) - self.errors}"
                f"{' (เปลี่ยนจากครั้งก่อน)' if self.changed else ''}{told}")


def check_job(s: Services, send: bool = True) -> CheckRun:
    """Check the registry; e-mail the officer the list only when it differs from last time."""
    tab, registry = load(s)
    found = findings(s, tab, registry)
    hashed = findings_hash(found)
    previous = s.ledger.get_state(CHECK_STATE)
    changed = hashed != previous and not (previous is None and not found)
    if not changed or not send or not s.config.registry.check_mail:
        return CheckRun(found, hashed, changed)
    addresses, _bad = parse_addresses(s.config.office.officer_email or "")
    if not addresses:
        return CheckRun(found, hashed, changed, note="ไม่ได้ตั้ง [office] officer_email")
    mail = MailService(s)
    context = {
        "office": mail.office, "now": s.clock(), "tab": tab.title,
        "errors": [f for f in found if f.severity == "error"],
        "warnings": [f for f in found if f.severity != "error"],
    }
    result = mail.send([mail.envelope(CHECK_KIND, hashed, a, None, context, REPORT)
                        for a in addresses])
    if not result.deferred and not result.stopped:
        s.ledger.set_state(CHECK_STATE, hashed)
    return CheckRun(found, hashed, changed, result.sent, result.stopped)


def keep_current_job(s: Services, limit: int | None = None) -> ConfirmResult | None:
    """This round's keep-current confirmations; None when no form is configured."""
    if not s.config.keep_current.form_id:
        return None
    _tab, registry = load(s)
    return KeepCurrent(s).run(registry, limit)


def scheduled_check(services: Services) -> CheckRun:
    """The scheduler's ``registry_check`` job: check, and tell the officer what changed."""
    return check_job(services)


def scheduled_keep_current(services: Services) -> ConfirmResult | str:
    """The scheduler's ``keep_current`` job; a note when no form is configured."""
    result = keep_current_job(services)
    return result if result is not None else "ไม่ได้ตั้งค่า [keep_current] form_id"
