"""The mail benchmark's table and targets on fixed figures, and its mailmerge template
(nothing is timed here)."""

from __future__ import annotations

import jinja2

from benchmarks.mail_content import template_of
from benchmarks.mail_table import Run, median, table, targets


def _runs(send: tuple[float, ...], cpu: float = 1.0, sent: int = 200) -> list[Run]:
    return [Run(send_s=s, wall_s=s + 1.0, cpu_s=cpu, sent=sent, kb=19.7) for s in send]


def _figures() -> dict[str, list[Run]]:
    return {
        # msg/s from the median send phase: 200 / 80 = 2.5
        "mailmerge-html": _runs((90.0, 80.0, 70.0), cpu=6.0),
        "mailmerge-text": _runs((76.0, 75.0, 74.0), cpu=4.0),
        "raw1": _runs((18.0, 20.0, 22.0)),  # 10 msg/s
        "raw3": _runs((7.0, 8.0, 9.0)),  # 25 msg/s
        "project1": _runs((20.0, 21.0, 60.0), cpu=2.0),  # an outlier round: median 21 s
        "project3": _runs((8.0, 8.2, 8.1), cpu=2.4),  # 200 / 8.1 = 24.7 msg/s
    }


def test_medians_are_taken_per_column_and_rates_from_the_median_send_phase() -> None:
    m = median([Run(10.0, 30.0, 2.0, 200, 19.0), Run(40.0, 12.0, 1.0, 200, 21.0),
                Run(20.0, 20.0, 9.0, 199, 20.0)])
    assert (m.send_s, m.wall_s, m.cpu_s, m.sent, m.kb) == (20.0, 20.0, 2.0, 199, 20.0)
    assert round(m.rate, 2) == 9.95 and round(m.cpu_ms, 2) == 10.05


def test_the_table_compares_each_sender_with_mailmerge_and_the_raw_sender_at_its_connections(
) -> None:
    lines = table({"~20 KB": _figures()})
    rows = {tuple(c.strip() for c in line.strip("|").split("|"))[1:3]: line
            for line in lines[2:]}
    cells = {key: [c.strip() for c in line.strip("|").split("|")] for key, line in rows.items()}
    project3 = cells["this project, run --once (default)", "3"]
    # msg/s, CPU ms/msg, x mailmerge (24.69 / 2.5), x raw at 3 connections (24.69 / 25)
    assert project3[5] == "24.7" and project3[8] == "12.00"
    assert project3[9] == "9.88" and project3[10] == "0.99"
    project1 = cells["this project, run --once", "1"]
    assert project1[4] == "21.00" and project1[10] == "0.95"  # 9.52 / 10 msg/s
    assert cells["mailmerge 2.3.0, text + HTML", "1/msg"][9] == "1.00"
    assert cells["raw smtplib, pre-built, NODELAY", "3"][10] == "-"
    assert len(lines) == 2 + 6


def test_targets_name_what_was_missed() -> None:
    verdicts = {t.name: t for t in targets("~20 KB", _figures())}
    speed = verdicts["~20 KB: default connections vs mailmerge (msg/s)"]
    assert not speed.met and "MISSED" in speed.line()  # 9.88x, not 10x
    assert verdicts["~20 KB: 3 connection(s) vs raw smtplib (msg/s)"].met  # 0.99
    assert verdicts["~20 KB: 1 connection(s) vs raw smtplib (msg/s)"].met  # 0.952
    cpu = verdicts["~20 KB: CPU per message vs mailmerge text + HTML"]
    assert cpu.met and round(cpu.value, 2) == 0.4  # 12 ms vs 30 ms a message


def test_a_sender_left_out_leaves_out_its_row_and_its_targets() -> None:
    figures = _figures()
    del figures["mailmerge-html"]
    lines = table({"~60 KB": figures})
    assert len(lines) == 2 + 5 and all("text + HTML" not in line for line in lines)
    names = [t.name for t in targets("~60 KB", figures)]
    assert names == ["~60 KB: 1 connection(s) vs raw smtplib (msg/s)",
                     "~60 KB: 3 connection(s) vs raw smtplib (msg/s)"]


def test_a_mailmerge_template_gives_each_school_its_own_values_and_keeps_the_rest_literal(
) -> None:
    school2 = {"name": "โรงเรียนบ้านทดสอบที่ 2", "coordinator": "นายวิภาวดี ธรรมชัย",
               "email": "school00002@school.example.test"}
    content = ("เรียน นายวิภาวดี ธรรมชัย (โรงเรียนบ้านทดสอบที่ 2)\n"
               "ข่าวจาก โรงเรียนบ้านทดสอบที่ 1 {{ ไม่ใช่ตัวแปร }} {% raw %}\n"
               "ส่งถึง school00002@school.example.test")
    template = template_of(content, school2, ("name", "coordinator", "email"))
    render = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template).render
    assert render(school2) == content
    school3 = {"name": "โรงเรียนบ้านทดสอบที่ 3", "coordinator": "นางกาญจนา ใจดี",
               "email": "school00003@school.example.test"}
    assert render(school3) == (
        "เรียน นางกาญจนา ใจดี (โรงเรียนบ้านทดสอบที่ 3)\n"
        "ข่าวจาก โรงเรียนบ้านทดสอบที่ 1 {{ ไม่ใช่ตัวแปร }} {% raw %}\n"
        "ส่งถึง school00003@school.example.test")
