"""Report charts as PNG images, drawn with matplotlib (Agg) in a Thai font.

Matplotlib's default font has no Thai letters and draws empty boxes for them, so a font
that covers Thai is found first (Debian/Ubuntu: ``fonts-thai-tlwg``) and checked glyph by
glyph; without one the report says how to install it instead of mailing unreadable charts.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes

# The Agg canvas directly, never pyplot: no GUI backend, no global figure registry.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from automation.errors import AutomationError
from automation.reports.figures import PeriodFigures
from automation.reports.summary import Report
from automation.reports.tables import NO_CLUSTER

# Consonants, vowels and tone marks: a font lacking any of them would draw boxes.
THAI_SAMPLE = "กขคงจฉชซญฎฐดตถทธนบปผพฟภมยรลวศษสหอฮะัาำิีึืุู่้๊๋็์เแโใไๆ๐๑๒๓๔๕๖๗๘๙"
PREFERRED = ("Sarabun", "TH Sarabun New", "Noto Sans Thai", "Noto Sans Thai UI", "Garuda",
             "Loma", "Waree", "Umpush", "Norasi", "Kinnari", "Tlwg Typo", "Laksaman")
COLOURS = ("#1d4f91", "#e0a800", "#2f9e44", "#b42318", "#7048e8")
_LOCK = threading.Lock()  # rc settings are process-wide


class FontError(AutomationError):
    """No font that can draw Thai."""


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    png: bytes
    font: Path

    @property
    def cid(self) -> str:
        return f"chart-{self.name}@report"

    @property
    def filename(self) -> str:
        return f"chart-{self.name}.png"


@functools.lru_cache(maxsize=64)
def covers_thai(path: Path) -> bool:
    try:
        charmap = FT2Font(str(path)).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(c) in charmap for c in THAI_SAMPLE)


def thai_font(preference: str = "") -> Path:
    """The font file to draw Thai with: ``preference`` (a file or family) or the best found."""
    if preference:
        candidate = Path(preference).expanduser()
        if not candidate.is_file():
            try:
                candidate = Path(font_manager.findfont(
                    font_manager.FontProperties(family=preference), fallback_to_default=False))
            except ValueError:
                raise FontError(f"'report.font' = \"{preference}\": no such font file or "
                                "family on this machine") from None
        if not covers_thai(candidate):
            raise FontError(f"'report.font' = \"{preference}\" ({candidate.name}) cannot draw "
                            "Thai; choose a Thai font such as Garuda or Sarabun")
        return candidate
    regular: dict[str, Path] = {}
    for entry in font_manager.fontManager.ttflist:
        if entry.style == "normal" and entry.weight in (400, "normal", "regular"):
            regular.setdefault(entry.name, Path(entry.fname))
    for family in (*PREFERRED, *sorted(regular)):
        path = regular.get(family)
        if path is not None and covers_thai(path):
            return path
    raise FontError("no Thai font found for the report charts; install one "
                    "(apt-get install fonts-thai-tlwg) or set [report] font to a .ttf file")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure(font: Path, height: float) -> Figure:
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    matplotlib.rcParams["font.family"] = family
    matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(7.2, height), dpi=110)
    fig.patch.set_facecolor("white")
    return fig


def _note_if_empty(ax: Axes, empty: bool) -> None:
    if empty:
        ax.text(0.5, 0.5, "ไม่มีข้อมูลในช่วงนี้", transform=ax.transAxes,
                ha="center", va="center", fontsize=13, color="#52606d")


def cluster_chart(f: PeriodFigures, font: Path) -> Chart:
    clusters = list(reversed(f.clusters))
    labels = [c.cluster or NO_CLUSTER for c in clusters]
    series = (("ส่งเข้ามา", [c.activity.submitted for c in clusters]),
              ("อนุมัติ", [c.activity.approved for c in clusters]),
              ("เผยแพร่", [c.activity.published for c in clusters]))
    fig = _figure(font, max(3.0, 1.2 + 0.55 * len(labels)))
    ax = fig.add_subplot()
    width = 0.26
    for i, (name, values) in enumerate(series):
        positions = [y + (1 - i) * width for y in range(len(labels))]
        ax.barh(positions, values, height=width, label=name, color=COLOURS[i])
    ax.set_yticks(range(len(labels)), labels)
    ax.set_title(f"ข่าวรายกลุ่มเครือข่าย — {f.period.name}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right")
    _note_if_empty(ax, not any(c.activity.any for c in clusters))
    fig.tight_layout()
    return Chart("clusters", "ข่าวรายกลุ่มเครือข่าย", _png(fig), font)


def timeline_chart(f: PeriodFigures, font: Path) -> Chart:
    labels = [b.label for b in f.timeline]
    fig = _figure(font, 3.4)
    ax = fig.add_subplot()
    xs = range(len(labels))
    ax.bar(xs, [b.submitted for b in f.timeline], color=COLOURS[0], label="ส่งเข้ามา")
    ax.plot(xs, [b.published for b in f.timeline], color=COLOURS[1], marker="o",
            linewidth=2, label="เผยแพร่")
    step = max(1, len(labels) // 16)
    ax.set_xticks(list(xs)[::step], labels[::step])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"ข่าวตามช่วงเวลา — {f.period.name}")
    ax.legend(loc="upper left")
    _note_if_empty(ax, not any(b.submitted or b.published for b in f.timeline))
    fig.tight_layout()
    return Chart("timeline", "ข่าวตามช่วงเวลา", _png(fig), font)


def compare_chart(report: Report, font: Path) -> Chart:
    keys = ("submitted", "approved", "rejected", "returned", "published")
    metrics = [report.metric(k) for k in keys]
    fig = _figure(font, 3.4)
    ax = fig.add_subplot()
    width = 0.38
    xs = range(len(metrics))
    ax.bar([x - width / 2 for x in xs], [m.previous or 0 for m in metrics], width,
           color="#9fb3c8", label=report.previous.period.name)
    ax.bar([x + width / 2 for x in xs], [m.value or 0 for m in metrics], width,
           color=COLOURS[0], label=report.current.period.name)
    ax.set_xticks(list(xs), [m.label for m in metrics])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("เทียบกับช่วงก่อน")
    ax.legend(loc="upper right")
    _note_if_empty(ax, not any((m.value or 0) or (m.previous or 0) for m in metrics))
    fig.tight_layout()
    return Chart("compare", "เทียบกับช่วงก่อน", _png(fig), font)


def render(report: Report, preference: str = "") -> list[Chart]:
    font = thai_font(preference)
    with _LOCK, matplotlib.rc_context():
        charts: Sequence[Chart] = (
            compare_chart(report, font),
            cluster_chart(report.current, font),
            timeline_chart(report.current, font),
        )
    return list(charts)
