"""The worker's configuration: schedule.toml loaded into typed, validated objects.

The sample ``schedule.toml`` at the top of the repository documents every key. Secrets never
live in the file: a key ending in ``_env`` names the environment variable that holds them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from automation import logs
from automation.channels.settings import ChannelsConfig
from automation.configschema import build
from automation.core.quota import PRESETS, Limits
from automation.core.settings import Delivery
from automation.errors import ConfigError
from automation.inbox.settings import BouncesConfig, ImapConfig, UnsubscribeConfig
from automation.mail.settings import BulletinConfig, QuotaConfig, ReplyConfig
from automation.media.settings import MediaConfig
from automation.reports.settings import ReportConfig
from automation.scheduler.settings import ScheduleConfig
from automation.site.settings import SiteConfig
from automation.survey.settings import SurveyConfig
from automation.upkeep.settings import KeepCurrentConfig, RegistryRules

FORM_FIELDS: dict[str, list[str]] = {
    "timestamp": ["ประทับเวลา", "Timestamp", "วันเวลาที่ส่ง", "เวลาที่ส่ง", "วันที่ส่ง"],
    # The first name of each field is the one the README's form table and the worker's own
    # messages use. Matching ignores case, spaces, hyphens, zero-width characters and a
    # trailing hint in parentheses ("อัปโหลดภาพกิจกรรม (ไม่เกิน 5 ภาพ)").
    "email": ["ที่อยู่อีเมล", "Email Address", "อีเมล", "E-mail", "อีเมลผู้ส่ง",
              "อีเมลผู้ส่งข่าว", "อีเมลติดต่อกลับ", "อีเมลผู้ประสานงาน", "ที่อยู่อีเมลผู้ส่ง",
              "Email", "อีเมลล์", "เมล"],
    "school": ["ชื่อโรงเรียน/หน่วยงาน", "โรงเรียน/หน่วยงาน", "ชื่อหน่วยงาน", "School",
               "ชื่อโรงเรียน", "โรงเรียน", "หน่วยงาน", "สถานศึกษา", "ชื่อสถานศึกษา",
               "โรงเรียน/สถานศึกษา", "หน่วยงานที่ส่งข่าว", "School name",
               "Organization"],
    "sender": ["ผู้ส่งข่าว", "ชื่อผู้ส่งข่าว", "ชื่อผู้ส่ง", "Sender", "ชื่อ-สกุล ผู้ส่งข่าว",
               "ชื่อ-สกุล", "ชื่อ-นามสกุล", "ชื่อ-สกุลผู้ส่ง", "ชื่อ-นามสกุลผู้ส่งข่าว",
               "ผู้รายงาน", "ผู้รายงานข่าว", "ชื่อผู้รายงาน", "ผู้เขียนข่าว", "Name",
               "Full name"],
    "phone": ["เบอร์โทรศัพท์", "โทรศัพท์", "Phone", "เบอร์โทร", "หมายเลขโทรศัพท์",
              "เบอร์โทรศัพท์ผู้ส่ง", "เบอร์โทรศัพท์มือถือ", "โทรศัพท์มือถือ", "เบอร์ติดต่อ",
              "เบอร์โทรติดต่อ", "Phone number", "Tel", "Mobile"],
    "title": ["หัวข้อข่าว", "ชื่อข่าว", "Title", "หัวข้อ", "ชื่อเรื่อง", "ชื่อกิจกรรม",
              "หัวเรื่องข่าว", "พาดหัวข่าว", "หัวข้อข่าวประชาสัมพันธ์", "เรื่อง", "News title",
              "Headline"],
    "body": ["เนื้อหาข่าว", "รายละเอียดข่าว", "Body", "เนื้อหา", "รายละเอียด",
             "รายละเอียดกิจกรรม", "เนื้อข่าว", "ข้อความข่าว", "เนื้อหาข่าวประชาสัมพันธ์",
             "รายละเอียดข่าวประชาสัมพันธ์", "Details", "Description"],
    "activity_date": ["วันที่จัดกิจกรรม", "Activity date", "วันที่", "วันที่กิจกรรม",
                      "วันที่ดำเนินกิจกรรม", "วันที่จัด", "วันจัดกิจกรรม", "วันที่ของกิจกรรม",
                      "วันที่เกิดกิจกรรม", "วันเดือนปีที่จัดกิจกรรม", "Date", "Event date"],
    "images": ["ภาพประกอบ", "รูปภาพ", "Images", "อัปโหลดภาพกิจกรรม", "ภาพกิจกรรม",
               "รูปภาพกิจกรรม", "ภาพถ่าย", "ภาพถ่ายกิจกรรม", "อัปโหลดรูปภาพ", "แนบภาพ",
               "แนบรูปภาพ", "ไฟล์ภาพ", "อัพโหลดภาพกิจกรรม", "อัพโหลดรูปภาพ", "Photos",
               "Pictures"],
    "links": ["ลิงก์เพิ่มเติม", "Links", "ลิงก์", "ลิงค์", "ลิงค์เพิ่มเติม", "ลิงก์ที่เกี่ยวข้อง",
              "ลิงค์ที่เกี่ยวข้อง", "ลิงก์ภาพเพิ่มเติม", "ลิงก์อัลบั้มภาพ", "ลิงก์ Facebook",
              "URL", "Link", "Website"],
    "category": ["ประเภทข่าว", "Category", "ประเภท", "หมวดหมู่", "หมวดหมู่ข่าว", "หมวดข่าว",
                 "ประเภทกิจกรรม", "ประเภทของข่าว", "ด้านของข่าว", "กลุ่มข่าว", "News type",
                 "Type"],
    "approval": ["อนุมัติ", "การอนุมัติ", "Approval"],
    "note": ["หมายเหตุผู้อนุมัติ", "Approver note"],
    "audience": ["กลุ่มเป้าหมาย", "Audience"],
    "publish_after": ["เผยแพร่วันที่", "Publish on"],
    "urgent": ["ด่วน", "Urgent"],
    "channels": ["ช่องทางเผยแพร่", "ช่องทาง", "Channels"],
    # The office's own columns (notes, checklists): recognised so they are not reported as
    # unknown questions, and never read or written.
    # A resubmission names the returned item it replaces (a form question, or the body's
    # "แก้ไขจากรหัสข่าว N-…").
    "replaces": ["แก้ไขจากรหัสข่าว", "รหัสข่าวเดิม", "รหัสข่าวที่ส่งกลับ", "แก้ไขข่าวรหัส",
                 "Replaces"],
    "officer_note": ["หมายเหตุเจ้าหน้าที่", "บันทึกเจ้าหน้าที่", "หมายเหตุฝ่ายประชาสัมพันธ์",
                     "Officer note"],
    # Worker-owned columns: the worker adds them when missing and writes only these.
    "id": ["รหัสข่าว", "News ID"],
    "status": ["สถานะ", "Status"],
    "published_at": ["เผยแพร่เมื่อ", "Published at"],
    "delivery": ["ผลการส่ง", "Delivery"],
    "link": ["ลิงก์ข่าว", "News link"],
    "source": ["ช่องทางส่งข่าว", "Source"],
}
FORM_WORKER_FIELDS = ("id", "status", "published_at", "delivery", "link", "source")

REGISTRY_FIELDS: dict[str, list[str]] = {
    "member_id": ["รหัสสมาชิก", "Member ID"],
    "network": ["ประเภทเครือข่าย", "Network"],
    "group": ["กลุ่ม", "Group"],
    "name": ["ชื่อหน่วยงาน", "ชื่อโรงเรียน/หน่วยงาน", "Name"],
    "cluster": ["กลุ่มเครือข่ายสถานศึกษา", "กลุ่มเครือข่าย", "Cluster"],
    "coordinator": ["ผู้ประสานงาน", "Coordinator"],
    "position": ["ตำแหน่ง", "Position"],
    "phone": ["โทรศัพท์", "เบอร์โทรศัพท์", "Phone"],
    "email": ["อีเมล", "E-mail"],
    "accepts_email": ["รับข่าวทางอีเมล", "Accepts e-mail"],
    "status": ["สถานะ", "Status"],
    "updated": ["ปรับปรุงล่าสุด", "Updated"],
    "public": ["เผยแพร่ในทำเนียบ", "Public"],
    "note": ["หมายเหตุ", "Note"],
}

SUPPRESSION_FIELDS: dict[str, list[str]] = {
    "email": ["อีเมล", "E-mail"],
    "reason": ["เหตุผล", "Reason"],
    "date": ["วันที่", "Date"],
    "detail": ["รายละเอียด", "Detail"],
}


@dataclass(frozen=True)
class OfficeConfig:
    name: str = "สำนักงานเขตพื้นที่การศึกษา"
    website: str | None = None
    director_email: str | None = None
    officer_email: str | None = None
    timezone: str = "Asia/Bangkok"
    # The news form's public address (https://forms.gle/… or docs.google.com/forms/…):
    # notices ask schools to send and resubmit through it.
    form_url: str | None = None


@dataclass(frozen=True)
class TabsConfig:
    form: str = "การตอบแบบฟอร์ม 1"
    registry: str = "ทะเบียนเครือข่าย"
    suppression: str = "งดรับข่าว"
    summary: str = "สรุปผล"


@dataclass(frozen=True)
class ColumnsConfig:
    form: dict[str, list[str]] = field(default_factory=dict)
    registry: dict[str, list[str]] = field(default_factory=dict)
    suppression: dict[str, list[str]] = field(default_factory=dict)

    def aliases(self, tab: str) -> dict[str, list[str]]:
        defaults = {"form": FORM_FIELDS, "registry": REGISTRY_FIELDS}.get(tab, SUPPRESSION_FIELDS)
        extra = getattr(self, tab)
        return {k: list(extra.get(k, [])) + v for k, v in defaults.items()}


@dataclass(frozen=True)
class SheetsConfig:
    backend: Literal["local", "google"] = "local"
    workbook: Path | None = None
    spreadsheet_id: str | None = None
    credentials: Path | None = None
    auth: Literal["service_account", "oauth"] = "service_account"
    oauth_token: Path | None = None
    timeout: float = 30.0
    retry_seconds: float = 120.0
    tabs: TabsConfig = field(default_factory=TabsConfig)
    columns: ColumnsConfig = field(default_factory=ColumnsConfig)


@dataclass(frozen=True)
class MailConfig:
    transport: Literal["outbox", "smtp"] = "outbox"
    outbox: Path | None = None
    host: str = "localhost"
    port: int = 587
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "pr@office.example.test"
    sender_name: str | None = None
    reply_to: str | None = None
    unsubscribe: str | None = None
    rate_per_minute: int = 60
    daily_limit: int = 1500
    connections: int = 3
    timeout: float = 30.0
    retries: int = 3
    cafile: Path | None = None
    # Logging in over a connection without TLS sends the password in the clear: refused for
    # any host but this machine unless the office says so.
    allow_plaintext_login: bool = False
    # The provider's limits and how its replies are read (see the sample schedule.toml).
    quota: QuotaConfig = field(default_factory=QuotaConfig)
    replies: list[ReplyConfig] = field(default_factory=list)

    def limits(self) -> Limits:
        """The provider's effective limits: ``[mail.quota]`` keys, else the preset, else
        ``[mail]``."""
        mail, quota = self, self.quota
        preset = PRESETS[quota.preset]

        def pick(name: str, fallback: int | None) -> int | None:
            value: int | None = getattr(quota, name)
            if value is not None:
                return value
            return preset.get(name, fallback)

        messages = pick("messages_per_day", mail.daily_limit) or mail.daily_limit
        domains = [d.strip().lstrip("@").casefold() for d in quota.internal_domains
                   if d.strip()]
        if not domains:
            domains = [mail.sender.rpartition("@")[2].casefold()]
        return Limits(
            preset=quota.preset,
            messages_per_day=messages,
            recipients_per_day=pick("recipients_per_day", None),
            external_recipients_per_day=pick("external_recipients_per_day", None),
            max_recipients_per_message=pick("max_recipients_per_message", None),
            messages_per_minute=pick("messages_per_minute", mail.rate_per_minute)
            or mail.rate_per_minute,
            connections=pick("connections", mail.connections) or mail.connections,
            # 5 % of the day: the notices' own share (acknowledgements, decisions, receipts,
            # the director's digest); they never take more, so bulletins keep the rest.
            reserve=quota.reserve if quota.reserve is not None else max(5, messages // 20),
            internal_domains=frozenset(domains),
        )

    def password(self) -> str | None:
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(
                f"ไม่ได้ตั้งตัวแปรสภาพแวดล้อม {self.password_env} (ชื่อจาก 'mail.password_env'); "
                "ตั้งให้เป็นรหัสผ่านของบัญชีอีเมล"
            )
        return value


@dataclass(frozen=True)
class PublishConfig:
    acknowledge: bool = True
    acknowledge_days: int = 7
    notify_submitters: bool = True
    max_title: int = 300
    max_body: int = 20000
    director_digest: bool = True
    officer_report: bool = True
    # Decisions on rows submitted before this day (YYYY-MM-DD) are taken as already told;
    # "" = the day the worker first saw the sheet.
    notices_since: str = ""

    def __post_init__(self) -> None:
        if self.notices_since:
            try:
                date.fromisoformat(self.notices_since)
            except ValueError:
                raise ConfigError(
                    f"'publish.notices_since' = \"{self.notices_since}\" ไม่ใช่วันที่แบบ "
                    "ปปปป-ดด-วว (ค.ศ.) เช่น \"2026-12-01\"") from None


@dataclass(frozen=True)
class Config:
    path: Path
    office: OfficeConfig = field(default_factory=OfficeConfig)
    sheets: SheetsConfig = field(default_factory=SheetsConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    publish: PublishConfig = field(default_factory=PublishConfig)
    bulletin: BulletinConfig = field(default_factory=BulletinConfig)
    site: SiteConfig = field(default_factory=SiteConfig)
    media: MediaConfig = field(default_factory=MediaConfig)
    channels: ChannelsConfig = field(default_factory=ChannelsConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    registry: RegistryRules = field(default_factory=RegistryRules)
    keep_current: KeepCurrentConfig = field(default_factory=KeepCurrentConfig)
    imap: ImapConfig = field(default_factory=ImapConfig)
    bounces: BouncesConfig = field(default_factory=BouncesConfig)
    unsubscribe: UnsubscribeConfig = field(default_factory=UnsubscribeConfig)
    survey: SurveyConfig = field(default_factory=SurveyConfig)
    ledger: Path | None = None
    templates: Path | None = None

    @property
    def base(self) -> Path:
        return self.path.parent

    @property
    def delivery(self) -> Delivery:
        """What the core's mail service needs from [mail], [unsubscribe] and [bounces]."""
        mail = self.mail
        return Delivery(
            sender=mail.sender, sender_name=mail.sender_name, reply_to=mail.reply_to,
            unsubscribe_to=mail.unsubscribe or mail.sender,
            one_click_base=self.unsubscribe.base_url or "", verp=self.bounces.verp,
            paced=mail.transport == "smtp", retries=mail.retries, limits=mail.limits(),
        )

    @property
    def board_url(self) -> str:
        """Where the published news pages are: the board's own address, else the office's."""
        return self.site.base_url or self.office.website or ""

    @property
    def ledger_path(self) -> Path:
        return self.ledger or self.base / "ledger.sqlite3"


def load(path: Path) -> Config:
    """Read and validate ``path``; every problem is a ConfigError naming its key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"ไม่พบไฟล์ตั้งค่า {path}; สร้างด้วย 'automation init' หรือระบุด้วย --config"
        ) from None
    except OSError as exc:
        raise ConfigError(f"อ่านไฟล์ตั้งค่า {path} ไม่ได้: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path} ไม่ใช่ข้อความ UTF-8; บันทึกไฟล์ใหม่เป็น UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} เขียนผิดรูปแบบ TOML: {exc}") from None
    if "path" in data:
        raise ConfigError("ไม่รู้จักคีย์ 'path' ใน schedule.toml")
    data = {**data, "path": str(path.resolve())}
    config = build(Config, data, "", path.resolve().parent)
    _check(config)
    _register_secrets(config)
    return config


def _register_secrets(node: object) -> None:
    """Every secret the config names by environment variable (``*_env``: passwords,
    tokens, webhook addresses and secrets) is masked in every log line from now on."""
    if isinstance(node, list | tuple):
        for item in node:
            _register_secrets(item)
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if f.name.endswith("_env") and isinstance(value, str) and value:
            logs.register_secret(os.environ.get(value))
        else:
            _register_secrets(value)


def _loopback(host: str) -> bool:
    return host.strip().lower() in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def _check(config: Config) -> None:
    sheets, mail = config.sheets, config.mail
    if sheets.backend == "local" and sheets.workbook is None:
        raise ConfigError("ต้องมี 'sheets.workbook' เมื่อ sheets.backend = \"local\"")
    if sheets.backend == "google" and not sheets.spreadsheet_id:
        raise ConfigError("ต้องมี 'sheets.spreadsheet_id' เมื่อ sheets.backend = \"google\"")
    if mail.transport == "outbox" and mail.outbox is None:
        raise ConfigError("ต้องมี 'mail.outbox' เมื่อ mail.transport = \"outbox\"")
    for key, value in (
        ("mail.rate_per_minute", mail.rate_per_minute),
        ("mail.daily_limit", mail.daily_limit),
        ("mail.connections", mail.connections),
        ("mail.port", mail.port),
    ):
        if value < 1:
            raise ConfigError(f"'{key}' = {value} ใช้ไม่ได้; ต้องเป็น 1 ขึ้นไป")
    if (mail.transport == "smtp" and mail.security == "none" and mail.username
            and not mail.allow_plaintext_login and not _loopback(mail.host)):
        raise ConfigError(
            f"'mail.security' = \"none\" จะส่งรหัสผ่านของ '{mail.username}' ไปยัง {mail.host} "
            "โดยไม่เข้ารหัส; ใช้ \"starttls\" (พอร์ต 587) หรือ \"ssl\" (พอร์ต 465) หรือถ้าจำเป็นจริง "
            "ตั้ง 'mail.allow_plaintext_login = true'")
    form_url = config.office.form_url
    if form_url is not None and not re.fullmatch(r"https?://[^\s<>\"']+", form_url.strip()):
        raise ConfigError(
            f"'office.form_url' = \"{form_url}\" ต้องเป็นที่อยู่เว็บของแบบฟอร์ม (https://…)"
        )
    if "@" not in mail.sender:
        raise ConfigError(f"'mail.sender' ต้องเป็นที่อยู่อีเมล แต่พบ \"{mail.sender}\"")
    for problem in config.media.problems():
        raise ConfigError(problem)
    for tab in ("form", "registry", "suppression"):
        fields = {"form": FORM_FIELDS, "registry": REGISTRY_FIELDS}.get(tab, SUPPRESSION_FIELDS)
        for name in getattr(sheets.columns, tab):
            if name not in fields:
                raise ConfigError(
                    f"ไม่รู้จักช่อง 'sheets.columns.{tab}.{name}'; ช่องที่ใช้ได้: {', '.join(fields)}"
                )
