"""The survey chart: horizontal bars of each question's mean with the band boundaries."""

from __future__ import annotations

import matplotlib

from automation.reports import charts
from automation.reports.charts import Chart
from automation.survey.tables import SurveyReport
from automation.text.lines import single_line

AREA_COLOURS = {"coordination": "#2f9e44", "publicity": "#1d4f91", "service": "#e0a800",
                "other": "#7048e8"}


def draw(report: SurveyReport, preference: str = "") -> Chart:
    font = charts.thai_font(preference)
    with charts._LOCK, matplotlib.rc_context():
        questions = list(reversed(report.current.questions))
        labels = [f"{q.number}. {single_line(q.question.text, 38)}" for q in questions]
        means = [q.stat.mean or 0.0 for q in questions]
        fig = charts._figure(font, max(3.2, 1.4 + 0.42 * len(labels)))
        ax = fig.add_subplot()
        colours = [AREA_COLOURS.get(q.question.area, "#7048e8") for q in questions]
        bars = ax.barh(range(len(labels)), means, color=colours, height=0.6)
        for bar, q in zip(bars, questions, strict=True):
            if q.stat.mean is not None:
                ax.text(bar.get_width() + 0.04, bar.get_y() + bar.get_height() / 2,
                        f"{q.stat.mean:.2f}", va="center", fontsize=9)
        for floor in report.bands:
            ax.axvline(floor - 0.005, color="#9aa5b1", linestyle="--", linewidth=0.9)
        for (_rng, name), floor, ceiling in zip(
                report.legend, (*report.bands, 1.0), (5.0, *report.bands), strict=True):
            ax.text((floor + ceiling) / 2, len(labels) - 0.35, name, ha="center", va="bottom",
                    fontsize=8, color="#52606d")
        ax.set_xlim(1.0, 5.35)
        ax.set_ylim(-0.6, len(labels) + 0.1)
        ax.set_yticks(range(len(labels)), labels, fontsize=9)
        ax.set_xlabel("ค่าเฉลี่ย")
        ax.set_title(f"ความพึงพอใจรายข้อ — {report.current.period.name}")
        charts._note_if_empty(ax, not report.current.responses)
        fig.tight_layout()
        return Chart("survey", "ความพึงพอใจรายข้อ", charts._png(fig), font)
