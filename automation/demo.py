"""Thai sample data for the demo workbook that `automation init` creates.

The rows are built relative to ``today`` so the demo always looks current, and they are
chosen to exercise every path of a cycle on one machine.

Form responses (12 rows, in sheet order):

* six approved items — three ticked (``True``), one with the word ``อนุมัติ``, one with
  `` อนุมัติ `` (stray spaces, as people type it) targeted at one school cluster, and one
  more ticked item targeted ``ภายนอก``;
* one ticked item carries hostile markup (``<script>``, a ``javascript:`` link and a line
  starting ``=HYPERLINK(``) that must come out inert in every channel;
* one ticked item has ``เผยแพร่วันที่`` three days ahead, so it waits;
* one ``ไม่อนุมัติ`` and one ``ส่งกลับแก้ไข``, each with the director's note;
* two pending (an empty cell and an unticked ``False`` checkbox);
* two invalid rows, neither approved — an empty title, and a submitter address without a
  TLD (``somchai@gmail``).

School names match the registry, except ``รร.บ้านป่าแดด`` (an abbreviation of a registered
school) and one school the registry does not know.

Registry: 40 schools in 5 clusters, 5 cluster rows, 2 office-staff rows and 10 external
members, with the faults the validator must report: several addresses in one cell, members
who do not take e-mail, one suspended member, one malformed address, one address shared by
two members, a missing coordinator and rows not confirmed for over a year.

Every address is on a reserved domain (``*.example.test``, ``example.org``,
``example.com``) so nothing can reach a real mailbox — except the broken ``somchai@gmail``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DemoCell = str | bool | int | dt.datetime | dt.date | None
DemoRows = list[list[DemoCell]]

FORM_TAB = "การตอบแบบฟอร์ม 1"
REGISTRY_TAB = "ทะเบียนเครือข่าย"
SUPPRESSION_TAB = "งดรับข่าว"

# fmt: off
FORM_HEADERS: tuple[str, ...] = (
    "ประทับเวลา", "ที่อยู่อีเมล", "ชื่อโรงเรียน/หน่วยงาน", "ผู้ส่งข่าว", "เบอร์โทรศัพท์",
    "หัวข้อข่าว", "เนื้อหาข่าว", "วันที่จัดกิจกรรม", "ภาพประกอบ", "ลิงก์เพิ่มเติม", "ประเภทข่าว",
    "อนุมัติ", "หมายเหตุผู้อนุมัติ", "กลุ่มเป้าหมาย", "เผยแพร่วันที่", "หมายเหตุเจ้าหน้าที่",
)
REGISTRY_HEADERS: tuple[str, ...] = (
    "รหัสสมาชิก", "ประเภทเครือข่าย", "กลุ่ม", "ชื่อหน่วยงาน", "กลุ่มเครือข่ายสถานศึกษา",
    "ผู้ประสานงาน", "ตำแหน่ง", "โทรศัพท์", "อีเมล", "รับข่าวทางอีเมล", "สถานะ",
    "ปรับปรุงล่าสุด", "เผยแพร่ในทำเนียบ", "หมายเหตุ",
)
SUPPRESSION_HEADERS: tuple[str, ...] = ("อีเมล", "เหตุผล", "วันที่", "รายละเอียด")

THAI_MONTHS_SHORT: tuple[str, ...] = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)
# fmt: on

SCHOOL_DOMAIN = "school.example.test"
OFFICE_DOMAIN = "office.example.test"


@dataclass(frozen=True)
class DemoOffice:
    """The fictional office the demo workspace speaks for."""

    name: str
    sender: str
    director_email: str
    officer_email: str
    website: str


DEMO_OFFICE = DemoOffice(
    name="สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 9",
    sender=f"pr@{OFFICE_DOMAIN}",
    director_email=f"director@{OFFICE_DOMAIN}",
    officer_email=f"pr.officer@{OFFICE_DOMAIN}",
    website="https://pr.office.example.test",
)

# fmt: off
# Cluster name → its schools as (Thai village name, ASCII mailbox name).
CLUSTERS: dict[str, tuple[tuple[str, str], ...]] = {
    "เครือข่ายแม่ริม 1": (
        ("บ้านป่าแดด", "banpadad"), ("บ้านดอนแก้ว", "bandonkaew"),
        ("บ้านริมใต้", "banrimtai"), ("บ้านสันโป่ง", "bansanpong"),
        ("บ้านแม่สา", "banmaesa"), ("บ้านโป่งแยง", "banpongyaeng"),
        ("บ้านห้วยทราย", "banhuaysai"), ("บ้านขี้เหล็ก", "bankhilek"),
    ),
    "เครือข่ายแม่ริม 2": (
        ("บ้านแม่แรม", "banmaeraem"), ("บ้านสะลวง", "bansaluang"),
        ("บ้านห้วยบง", "banhuaybong"), ("บ้านเหมืองแร่", "banmuangrae"),
        ("บ้านปงไคร้", "banpongkrai"), ("บ้านกองแหะ", "bankonghae"),
        ("บ้านหนองหอย", "bannonghoi"), ("บ้านต้นผึ้ง", "bantonpueng"),
    ),
    "เครือข่ายแม่แตง": (
        ("บ้านช่อแล", "banchorlae"), ("บ้านแม่ตะมาน", "banmaetaman"),
        ("บ้านสบก๋าย", "bansobkai"), ("บ้านป่าไม้แดง", "banpamaidaeng"),
        ("บ้านเมืองกื้ด", "banmuangkued"), ("บ้านอินทขิล", "baninthakhin"),
        ("บ้านแม่หอพระ", "banmaehopra"), ("บ้านสันมหาพน", "bansanmahapon"),
    ),
    "เครือข่ายสะเมิง": (
        ("บ้านสะเมิงใต้", "bansamoengtai"), ("บ้านบ่อแก้ว", "banborkaew"),
        ("บ้านแม่สาบ", "banmaesap"), ("บ้านยั้งเมิน", "banyangmoen"),
        ("บ้านแม่ลาน", "banmaelan"), ("บ้านป่าเกี๊ยะ", "banpakia"),
        ("บ้านแม่ตะละ", "banmaetala"), ("บ้านสามหลัง", "bansamlang"),
    ),
    "เครือข่ายดอยสะเก็ด": (
        ("บ้านป่าป้อง", "banpapong"), ("บ้านเชิงดอย", "banchoengdoi"),
        ("บ้านลวงเหนือ", "banluangnuea"), ("บ้านสง่าบ้าน", "bansangaban"),
        ("บ้านป่าลาน", "banpalan"), ("บ้านเทพเสด็จ", "bantepsadet"),
        ("บ้านแม่คือ", "banmaekue"), ("บ้านห้วยแก้ว", "banhuaykaew"),
    ),
}
# fmt: on

UNREGISTERED_SCHOOL = "โรงเรียนบ้านทุ่งหลวงวิทยา"
SUPPRESSED_EMAIL = f"bankhilek@{SCHOOL_DOMAIN}"
DUPLICATED_EMAIL = f"banchorlae@{SCHOOL_DOMAIN}"
INVALID_REGISTRY_EMAIL = f"banmuangkued@@{SCHOOL_DOMAIN}"
BROKEN_SUBMITTER_EMAIL = "somchai@gmail"

# fmt: off
_MEN = ("ประเสริฐ", "สุริยา", "ณัฐพล", "ธนากร", "วรวุฒิ", "อนุชา", "ชัยวัฒน์")
_WOMEN = ("สมศรี", "วิภาวดี", "อรุณี", "จันทร์เพ็ญ", "พิมพ์ชนก", "กาญจนา", "ศิริพร", "มยุรี",
          "รัตนา")
_LAST_NAMES = ("ใจดี", "คำแสน", "อินทร์แก้ว", "ปัญญาวงค์", "สุขเกษม", "ธรรมชัย", "แก้วมูล",
               "บุญเรือง", "ศรีวิชัย", "ไชยวงศ์", "จันทร์ตา", "มูลเมือง", "ปินตา", "วงค์ษา",
               "ทองคำ", "นันทวงศ์")
# fmt: on
_POSITIONS = ("ครู", "ครูชำนาญการ", "ครูชำนาญการพิเศษ", "รองผู้อำนวยการโรงเรียน")


def thai_short_date(day: dt.date) -> str:
    """A date the way people type it into a sheet: ``20 พ.ย. 2569`` (Buddhist era)."""
    return f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {day.year + 543}"


def academic_year(day: dt.date) -> int:
    """The Thai academic year (B.E.), which starts in May."""
    return day.year + 543 if day.month >= 5 else day.year + 542


def school_name(village: str) -> str:
    return f"โรงเรียน{village}"


def demo_tabs(today: dt.date) -> dict[str, DemoRows]:
    """Tab name → rows (first row is the header row) for the demo workbook."""
    return {
        FORM_TAB: _form_rows(today),
        REGISTRY_TAB: _registry_rows(today),
        SUPPRESSION_TAB: _suppression_rows(today),
    }


# --- registry ---------------------------------------------------------------------------


def _person(n: int) -> str:
    last = _LAST_NAMES[(n * 7) % len(_LAST_NAMES)]
    if n % 3 == 1:
        return f"นาย{_MEN[n % len(_MEN)]} {last}"
    title = "นาง" if n % 3 == 0 else "นางสาว"
    return f"{title}{_WOMEN[n % len(_WOMEN)]} {last}"


def _mobile(n: int) -> str:
    prefix = ("081", "089", "062", "095", "086")[n % 5]
    return f"{prefix}{(n * 7919 + 1234567) % 10_000_000:07d}"


def _landline(n: int) -> str:
    return f"053{(n * 3571) % 1_000_000:06d}"


def _school_rows(today: dt.date) -> DemoRows:
    rows: DemoRows = []
    n = 0
    for cluster, schools in CLUSTERS.items():
        for village, mailbox in schools:
            n += 1
            email = f"{mailbox}@{SCHOOL_DOMAIN}"
            accepts, status, public, note = True, "ใช้งาน", n % 6 != 0, ""
            coordinator, updated_days = _person(n), (n * 23) % 280
            if n == 3:
                email = f"{email}, kru.wipa@example.com"
                note = "รับข่าวสองที่อยู่: โรงเรียนและครูผู้รับผิดชอบ"
            elif n == 10:
                email = f"{email}  saluang.pr@example.com"
            elif n in (7, 20):
                accepts, note = False, "ขอรับข่าวทางไลน์กลุ่มเครือข่ายแทน"
            elif n == 15:
                status, note = "ระงับ", "ยุบรวมกับโรงเรียนบ้านแม่แรม"
            elif mailbox == "banmuangkued":
                email = INVALID_REGISTRY_EMAIL
            elif n == 30:
                coordinator = ""
            elif n in (33, 38):
                updated_days = 540 + n  # not confirmed for well over a year
            position = _POSITIONS[n % len(_POSITIONS)] if coordinator else ""
            phone = _mobile(n) if n % 4 else _landline(n)
            updated = today - dt.timedelta(days=updated_days)
            rows.append([
                f"M{n:04d}", "ภายใน", "สถานศึกษา", school_name(village), cluster, coordinator,
                position, phone, email, accepts, status, updated, public, note or None,
            ])  # fmt: skip
    return rows


# fmt: off
# Cluster rows: the chair school's own mailbox doubles as one cluster's, a duplicate to report.
_CLUSTER_MAILBOXES = {
    "เครือข่ายแม่ริม 1": "rim1.network@school.example.test",
    "เครือข่ายแม่ริม 2": "rim2.network@school.example.test",
    "เครือข่ายแม่แตง": DUPLICATED_EMAIL,
    "เครือข่ายสะเมิง": "samoeng.network@school.example.test",
    "เครือข่ายดอยสะเก็ด": "doisaket.network@school.example.test",
}

# (network, group, organisation, coordinator, position, phone, e-mail,
#  takes e-mail, public, days since last update, note)
_Other = tuple[str, str, str, str, str, str, str, bool, bool, int, str | None]
_OTHER_MEMBERS: tuple[_Other, ...] = (
    ("ภายใน", "บุคลากรในสำนักงาน", "กลุ่มอำนวยการ สพป.เชียงใหม่ เขต 9",
     "นางสาวกาญจนา ศรีวิชัย", "นักประชาสัมพันธ์", "053112233",
     f"saraban@{OFFICE_DOMAIN}", True, False, 10, None),
    ("ภายใน", "บุคลากรในสำนักงาน", "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา",
     "นายธนากร ปินตา", "ศึกษานิเทศก์ชำนาญการพิเศษ", "053112245",
     f"supervision@{OFFICE_DOMAIN}", True, False, 12, None),
    ("ภายนอก", "หน่วยงานภาครัฐ", "สำนักงานสาธารณสุขอำเภอแม่ริม",
     "นางมยุรี แก้วมูล", "นักวิชาการสาธารณสุข", "053297011",
     "health.maerim@gov.example.test", True, True, 60, None),
    ("ภายนอก", "หน่วยงานภาครัฐ", "สถานีตำรวจภูธรแม่ริม",
     "ร.ต.อ.ชัยวัฒน์ ไชยวงศ์", "รองสารวัตรป้องกันปราบปราม", "053297129",
     "police.maerim@gov.example.test", True, False, 90, None),
    ("ภายนอก", "เอกชน", "บริษัท ล้านนาการพิมพ์ จำกัด",
     "นายอนุชา ทองคำ", "ผู้จัดการฝ่ายการตลาด", "0891234567",
     "info@lannaprint.example.test", False, True, 200, "ขอรับเฉพาะหนังสือราชการ"),
    ("ภายนอก", "องค์กรปกครองส่วนท้องถิ่น", "เทศบาลตำบลริมใต้",
     "นางรัตนา มูลเมือง", "นักประชาสัมพันธ์", "053121314",
     "pr@rimtai.local.example.test", True, True, 75, None),
    ("ภายนอก", "องค์กรปกครองส่วนท้องถิ่น", "องค์การบริหารส่วนตำบลแม่แรม",
     "นายวรวุฒิ นันทวงศ์", "หัวหน้าสำนักปลัด", "053151617",
     "saraban@maeraem.local.example.test, maeraem.pr@example.org", True, True, 120, None),
    ("ภายนอก", "องค์กรชุมชน", "ชมรมผู้สูงอายุตำบลดอนแก้ว",
     "นายประเสริฐ บุญเรือง", "ประธานชมรม", "0869876543",
     "donkaew.elders@example.org", True, True, 150, None),
    ("ภายนอก", "สถานประกอบการ", "ร้านสหกรณ์การเกษตรแม่ริม จำกัด",
     "นางศิริพร วงค์ษา", "ผู้จัดการ", "053299888",
     "coop.maerim@example.com", True, True, 95, None),
    ("ภายนอก", "สื่อมวลชน", "หนังสือพิมพ์ข่าวเหนือรายวัน",
     "นายณัฐพล จันทร์ตา", "ผู้สื่อข่าวสายการศึกษา", "0815556677",
     "newsroom@khaonuea.example.test", True, True, 20, None),
    ("ภายนอก", "สื่อมวลชน", "สถานีวิทยุชุมชนคนแม่ริม FM 99.75",
     "นางสาวพิมพ์ชนก สุขเกษม", "ผู้ดำเนินรายการ", "0623334455",
     "radio@maerimfm.example.test", True, True, 33, None),
    ("ภายนอก", "สื่อมวลชน", "เพจข่าวล้านนาออนไลน์",
     "นายสุริยา อินทร์แก้ว", "บรรณาธิการ", "0957778899",
     "editor@lanna-online.example.test", True, False, 5, None),
)
# fmt: on


def _registry_rows(today: dt.date) -> DemoRows:
    rows: DemoRows = [list(REGISTRY_HEADERS), *_school_rows(today)]
    for i, (cluster, email) in enumerate(_CLUSTER_MAILBOXES.items()):
        n = len(rows)
        updated = today - dt.timedelta(days=45 + i)
        rows.append([
            f"M{n:04d}", "ภายใน", "กลุ่มเครือข่ายสถานศึกษา", f"กลุ่มโรงเรียน{cluster}", cluster,
            _person(60 + i), "ประธานกลุ่มเครือข่าย", _mobile(60 + i), email, True, "ใช้งาน",
            updated, True, None,
        ])  # fmt: skip
    for member in _OTHER_MEMBERS:
        network, group, name, person, position, phone, email, accepts, public, days, note = member
        n = len(rows)
        updated = today - dt.timedelta(days=days)
        rows.append([
            f"M{n:04d}", network, group, name, None, person, position, phone, email, accepts,
            "ใช้งาน", updated, public, note,
        ])  # fmt: skip
    return rows


def _suppression_rows(today: dt.date) -> DemoRows:
    return [
        list(SUPPRESSION_HEADERS),
        [SUPPRESSED_EMAIL, "อีเมลตีกลับถาวร", today - dt.timedelta(days=14),
         "550 5.1.1 mailbox unavailable (ตีกลับ 3 ครั้งติดต่อกัน)"],
        ["old.contact@example.org", "ยกเลิกรับข่าว", today - dt.timedelta(days=40),
         "ผู้รับกดลิงก์ยกเลิกการรับข่าวในอีเมล"],
    ]  # fmt: skip


# --- form responses ---------------------------------------------------------------------


def _drive(*ids: str) -> str:
    return ", ".join(f"https://drive.google.com/open?id={i}" for i in ids)


def _at(today: dt.date, days_ago: int, hour: int, minute: int) -> dt.datetime:
    day = today - dt.timedelta(days=days_ago)
    return dt.datetime(day.year, day.month, day.day, hour, minute, 0)


def _row(stamp: dt.datetime, email: str, school: str, sender: str, phone: str, title: str,
         body: str, activity: DemoCell, images: str | None, links: str | None, category: str,
         approval: DemoCell, note: str | None = None, target: str | None = None,
         publish: dt.date | None = None, officer: str | None = None) -> list[DemoCell]:  # fmt: skip
    return [stamp, email, school, sender, phone, title, body, activity, images, links,
            category, approval, note, target, publish, officer]  # fmt: skip


# fmt: off
def _form_rows(today: dt.date) -> DemoRows:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    school = f"@{SCHOOL_DOMAIN}"
    return [
        list(FORM_HEADERS),
        _row(
            _at(today, 9, 8, 12), "bandonkaew" + school, "โรงเรียนบ้านดอนแก้ว",
            "นางสมศรี ใจดี", "0812345678",
            f"การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” ประจำปีการศึกษา {academic_year(today)}",
            "โรงเรียนบ้านดอนแก้วจัดการแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์” โดยมีนายอำเภอแม่ริม"
            "ให้เกียรติเป็นประธานในพิธีเปิด นักเรียนทั้ง 4 สีร่วมขบวนพาเหรดอย่างสนุกสนาน\n\n"
            "กิจกรรมประกอบด้วยการแข่งขันฟุตบอล วอลเลย์บอล แชร์บอล และกีฬาพื้นบ้าน เช่น "
            "วิ่งกระสอบ ชักเย่อ โดยผู้ปกครองและชุมชนร่วมเป็นกองเชียร์\n\n"
            "ผลการแข่งขัน สีเหลืองได้รับถ้วยรางวัลชนะเลิศคะแนนรวม",
            ago(12), _drive("1aGk3sPortsDay01", "1aGk3sPortsDay02", "1aGk3sPortsDay03"),
            None, "ข่าวกิจกรรม", True, publish=ago(1),
        ),
        _row(
            _at(today, 8, 10, 41), "banmaeraem" + school, "โรงเรียนบ้านแม่แรม",
            "นายณัฐพล คำแสน", "0891112233",
            "เข้าค่ายพักแรมลูกเสือ-เนตรนารี ชั้นประถมศึกษาปีที่ 4-6",
            "โรงเรียนบ้านแม่แรมนำลูกเสือและเนตรนารีเข้าค่ายพักแรม 2 วัน 1 คืน "
            "ณ ค่ายลูกเสือจังหวัดเชียงใหม่ ฝึกทักษะการผูกเงื่อน การปฐมพยาบาล "
            "และการเดินทางไกล\n\n"
            "กิจกรรมรอบกองไฟ <script>alert(1)</script> ช่วยสร้างความสามัคคี\n"
            "ดูภาพเพิ่มเติม <a href=\"javascript:alert(document.cookie)\">คลิกที่นี่</a>\n\n"
            "=HYPERLINK(\"https://evil.example.test/steal\",\"ดาวน์โหลดเกียรติบัตร\")\n\n"
            "ขอขอบคุณผู้ปกครองทุกท่านที่ให้การสนับสนุน",
            thai_short_date(ago(15)), _drive("1bScoutCamp2025aa", "1bScoutCamp2025bb"),
            "javascript:alert('xss'), https://example.org/scout-camp", "ข่าวกิจกรรม",
            True, officer="เนื้อหามีโค้ดแปลกปลอม ตรวจว่าระบบแสดงเป็นข้อความธรรมดา",
        ),
        _row(
            _at(today, 7, 13, 5), DUPLICATED_EMAIL, "โรงเรียนบ้านช่อแล",
            "นางสาวพิมพ์ชนก ปัญญาวงค์", "0623456789",
            "ติวเข้มเตรียมความพร้อมสอบ O-NET ชั้นประถมศึกษาปีที่ 6",
            "กลุ่มโรงเรียนเครือข่ายแม่แตงร่วมกับโรงเรียนบ้านช่อแล จัดกิจกรรมติวเข้ม O-NET "
            "วิชาภาษาไทย คณิตศาสตร์ วิทยาศาสตร์ และภาษาอังกฤษ ให้นักเรียนชั้น ป.6 "
            "จาก 8 โรงเรียนในกลุ่ม\n\n"
            "วิทยากรเป็นครูแกนนำที่มีผลสัมฤทธิ์ดีเด่น นักเรียนได้ฝึกทำข้อสอบเสมือนจริง "
            "และเรียนเทคนิคการทำข้อสอบแบบเขียนตอบ",
            today + dt.timedelta(days=5), _drive("1cOnetTutor0001"),
            "https://example.org/onet-schedule.pdf", "ข่าววิชาการ", True,
            publish=today + dt.timedelta(days=3),
        ),
        _row(
            _at(today, 6, 9, 30), "banpadad" + school, "รร.บ้านป่าแดด",
            "นายประเสริฐ อินทร์แก้ว", "0865554433",
            "โครงการอาหารกลางวัน “จากแปลงผักสู่จานอร่อย”",
            "โรงเรียนบ้านป่าแดดดำเนินโครงการเกษตรในโรงเรียนเพื่ออาหารกลางวัน นักเรียนปลูกผัก"
            "ปลอดสารพิษ เลี้ยงไก่ไข่ และเลี้ยงปลาดุก ผลผลิตนำมาประกอบอาหารกลางวัน\n\n"
            "ผลการดำเนินงานทำให้นักเรียนได้รับประทานอาหารครบ 5 หมู่ทุกวัน "
            "และลดค่าใช้จ่ายวัตถุดิบได้ประมาณร้อยละ 20",
            thai_short_date(ago(20)), _drive("1dLunchGarden01", "1dLunchGarden02"), None,
            "ข่าวกิจกรรม", "อนุมัติ",
        ),
        _row(
            _at(today, 5, 15, 47), "bansamoengtai" + school, "โรงเรียนบ้านสะเมิงใต้",
            "นางอรุณี ธรรมชัย", "0957654321",
            "ครูโรงเรียนบ้านสะเมิงใต้ได้รับรางวัล “ครูดีในดวงใจ”",
            "ขอแสดงความยินดีกับนางอรุณี ธรรมชัย ครูชำนาญการพิเศษ ที่ได้รับรางวัล "
            f"“ครูดีในดวงใจ” ประจำปี {today.year + 543}\n\n"
            "รางวัลนี้มอบให้ครูที่อุทิศตนเพื่อการศึกษาของเด็กบนพื้นที่สูง "
            "และเป็นแบบอย่างที่ดีแก่เพื่อนครู",
            ago(10), _drive("1eTeacherAward01"), None, "ข่าวผลงาน/รางวัล", " อนุมัติ ",
            target="เครือข่ายสะเมิง",
        ),
        _row(
            _at(today, 4, 11, 20), "banpapong" + school, "โรงเรียนบ้านป่าป้อง",
            "นายสุริยา แก้วมูล", "0819998877",
            "นักเรียนร่วมกับชุมชนปลูกป่าต้นน้ำ เฉลิมพระเกียรติ",
            "โรงเรียนบ้านป่าป้องร่วมกับองค์การบริหารส่วนตำบลและชุมชน ปลูกต้นไม้ 500 ต้น "
            "ในพื้นที่ป่าต้นน้ำ พร้อมสร้างฝายชะลอน้ำ 3 จุด\n\n"
            "กิจกรรมนี้ปลูกฝังจิตสำนึกการอนุรักษ์ทรัพยากรธรรมชาติให้แก่นักเรียน",
            ago(6), _drive("1fForest0001", "1fForest0002", "1fForest0003", "1fForest0004"),
            "https://example.org/forest-day", "ข่าวประชาสัมพันธ์", True, target="ภายนอก",
        ),
        _row(
            _at(today, 4, 16, 2), "banhuaybong" + school, "โรงเรียนบ้านห้วยบง",
            "นางจันทร์เพ็ญ สุขเกษม", "0867778899",
            "พิธีมอบประกาศนียบัตรนักเรียนชั้นอนุบาล 3 และประถมศึกษาปีที่ 6",
            "โรงเรียนบ้านห้วยบงจัดพิธีมอบประกาศนียบัตร จำลองแบบพิธีพระราชทานปริญญาบัตร "
            "ให้แก่นักเรียนที่จบการศึกษา\n\n"
            "ผู้ปกครองร่วมแสดงความยินดีเป็นจำนวนมาก",
            thai_short_date(ago(8)), _drive("1gCeremony01"), None, "ข่าวกิจกรรม",
            "ไม่อนุมัติ",
            note="ภาพประกอบเห็นใบหน้านักเรียนชัดเจนโดยยังไม่มีหนังสือยินยอมจากผู้ปกครอง "
            "และการจำลองพิธีพระราชทานควรใช้ถ้อยคำให้เหมาะสม",
        ),
        _row(
            _at(today, 3, 14, 36), "banchoengdoi" + school, "โรงเรียนบ้านเชิงดอย",
            "นายวรวุฒิ ศรีวิชัย", "0894445566",
            "จิตอาสาพัฒนาวัดและชุมชน",
            "นักเรียนและครูร่วมกิจกรรมจิตอาสาทำความสะอาดวัดและถนนในหมู่บ้าน",
            None, None, None, "ข่าวกิจกรรม", "ส่งกลับแก้ไข",
            note="กรุณาระบุวันที่จัดกิจกรรม เพิ่มรายละเอียดผู้เข้าร่วม "
            "และแนบภาพประกอบอย่างน้อย 2 ภาพ แล้วส่งแบบฟอร์มใหม่อีกครั้ง",
            officer="โทรแจ้งครูผู้ส่งข่าวแล้ว",
        ),
        _row(
            _at(today, 2, 9, 55), "bansanpong" + school, "โรงเรียนบ้านสันโป่ง",
            "นางสาวศิริพร มูลเมือง", "0628889900",
            "นักเรียนคว้ารางวัลเหรียญทองการประกวดโครงงานวิทยาศาสตร์",
            "ทีมนักเรียนชั้น ป.5 ได้รับรางวัลเหรียญทองจากโครงงาน "
            "“ถ่านชีวภาพจากเปลือกลำไย” ในงานศิลปหัตถกรรมนักเรียนระดับเขตพื้นที่\n\n"
            "โครงงานนี้ช่วยลดขยะทางการเกษตรในชุมชน",
            ago(4), _drive("1hScienceFair01"), None, "ข่าวผลงาน/รางวัล", None,
        ),
        _row(
            _at(today, 1, 7, 48), "kru.anucha@example.com", UNREGISTERED_SCHOOL,
            "นายอนุชา วงค์ษา", "0951230000",
            "ค่ายภาษาอังกฤษ English Camp สำหรับนักเรียนประถมศึกษา",
            "โรงเรียนจัดค่ายภาษาอังกฤษร่วมกับอาสาสมัครชาวต่างชาติ นักเรียนได้ฝึกสนทนา "
            "ร้องเพลง และเล่นเกมเป็นภาษาอังกฤษ\n\n"
            "ผู้ปกครองสนใจให้จัดต่อเนื่องทุกภาคเรียน",
            thai_short_date(ago(3)), _drive("1iEnglishCamp01"), None, "ข่าววิชาการ", False,
        ),
        _row(
            _at(today, 1, 12, 13), "banmaelan" + school, "โรงเรียนบ้านแม่ลาน",
            "นางรัตนา ปินตา", "0861237777",
            "",
            "โรงเรียนบ้านแม่ลานจัดกิจกรรมตรวจสุขภาพประจำปีให้นักเรียนทุกคน "
            "โดยความร่วมมือของโรงพยาบาลส่งเสริมสุขภาพตำบล",
            ago(5), None, None, "ข่าวกิจกรรม", None,
        ),
        _row(
            _at(today, 1, 18, 27), BROKEN_SUBMITTER_EMAIL, "โรงเรียนบ้านยั้งเมิน",
            "นายสมชาย ทองคำ", "0899990001",
            "ตรวจสุขภาพฟันและเคลือบฟลูออไรด์นักเรียน",
            "ทันตบุคลากรจากโรงพยาบาลสะเมิงตรวจสุขภาพช่องปาก และเคลือบฟลูออไรด์ให้นักเรียน"
            "ชั้นอนุบาลถึง ป.6\n\n"
            "นักเรียนได้เรียนรู้วิธีแปรงฟันที่ถูกต้อง",
            ago(2), _drive("1jDental0001"), None, "ข่าวประชาสัมพันธ์", None,
        ),
    ]
# fmt: on
