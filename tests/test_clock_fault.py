"""A clock that ran ahead for one cycle (a board without a real-time clock, a bad NTP
answer) stops nothing: back at the real time, the next digest goes on its real day and the
officer is told. The parse cache sees a cell going from the number 1 to TRUE."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from automation.core.services import Services
from tests.sheet_driver import Grid, LocalDriver, cycle_at, weekday_9am
from tests.workspace import FORM, outbox


def _approve(driver: LocalDriver, row_number: int, value: object = True) -> str:
    found: list[str] = []

    def change(grid: Grid) -> Grid:
        grid[row_number - 1][grid[0].index("อนุมัติ")] = value
        found.append(str(grid[row_number - 1][grid[0].index("รหัสข่าว")]))
        return grid

    driver.edit(FORM, change)
    return found[0]


def test_one_cycle_a_year_ahead_then_digests_go_on_the_real_day(tmp_path: Path) -> None:
    folder = tmp_path / "office"
    driver = LocalDriver(folder)
    driver.config.write_text(driver.config.read_text(encoding="utf-8").replace(
        'mode = "per-item"', 'mode = "digest"'), encoding="utf-8")
    day = weekday_9am(1)
    cycle_at(driver, day)  # the first digest goes at once
    cycle_at(driver, day + timedelta(days=365, hours=1))  # the clock ran a year ahead
    item_id = _approve(driver, 10)  # back at the real time, the director approves
    report = cycle_at(driver, day.replace(hour=10))
    assert [p for p in report.problems if "นาฬิกา" in p.message]
    assert not [p for p in cycle_at(driver, day.replace(hour=11)).problems if "นาฬิกา" in p.message]

    cycle_at(driver, day.replace(hour=15, minute=5))
    carried = [m for m in outbox(folder / "outbox") if m["X-PR-Kind"] == "digest"
               and item_id in str(m["X-PR-Items"] or "")]
    assert carried, "the digest went on the real day"
    assert next(r for r in driver.table(FORM) if r["รหัสข่าว"] == item_id)["สถานะ"] == \
        "เผยแพร่แล้ว"


def test_a_cell_going_from_1_to_true_is_seen_by_a_worker_left_running(tmp_path: Path) -> None:
    folder = tmp_path / "office"
    driver = LocalDriver(folder)
    day = weekday_9am(1)
    clock = {"now": day}

    def pin(svc: Services) -> None:
        svc.clock = lambda: clock["now"]

    worker = driver.worker(pin)  # one worker for every cycle, as `automation run` keeps it
    worker.cycle()
    item_id = _approve(driver, 10, 1)  # a 1 typed where the checkbox goes: not a yes
    clock["now"] = day.replace(hour=10)
    worker.cycle()
    assert next(r for r in driver.table(FORM) if r["รหัสข่าว"] == item_id)["สถานะ"] != \
        "เผยแพร่แล้ว"
    _approve(driver, 10, True)  # now ticked
    clock["now"] = day.replace(hour=11)
    worker.cycle()
    assert [m for m in outbox(folder / "outbox") if m["X-PR-Kind"] == "bulletin"
            and m["X-PR-Item"] == item_id]


def test_cron_star_step_in_the_day_field_needs_the_weekday_too() -> None:
    from datetime import date

    from automation.core.cron import Cron

    cron = Cron.parse("0 15 */2 * 1-5")  # odd days that are also weekdays (Vixie cron)
    assert cron.matches_day(date(2026, 3, 3))  # Tuesday the 3rd
    assert not cron.matches_day(date(2026, 3, 7))  # Saturday the 7th: odd, not a weekday
    assert not cron.matches_day(date(2026, 3, 4))  # Wednesday the 4th: even
    both = Cron.parse("0 15 1 * 1")  # two restricted fields: either
    assert both.matches_day(date(2026, 3, 1)) and both.matches_day(date(2026, 3, 2))
