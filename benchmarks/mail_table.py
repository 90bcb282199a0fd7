"""The mail benchmark's table and targets, from the runs' figures (no I/O, no timing).

Each figure is the median over the rounds, taken per column: the send phase as the sink
saw it (first connection to last message accepted), the whole process's wall time and its
CPU (user + system, from wait4). msg/s is the messages over the median send phase.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """One sender process, measured at the sink and by the parent."""

    send_s: float  # the sink: first connection → last message accepted
    wall_s: float  # the whole process, start to exit
    cpu_s: float  # the whole process: user + system
    sent: int  # messages the sink accepted
    kb: float  # their mean size on the wire, KB


@dataclass(frozen=True)
class Sender:
    key: str
    name: str
    connections: int | None  # None: one per message
    raw: str | None = None  # the raw smtplib sender at the same connections


SENDERS: tuple[Sender, ...] = (
    Sender("mailmerge-html", "mailmerge 2.3.0, text + HTML", None),
    Sender("mailmerge-text", "mailmerge 2.3.0, text only", None),
    Sender("raw1", "raw smtplib, pre-built, NODELAY", 1),
    Sender("raw3", "raw smtplib, pre-built, NODELAY", 3),
    Sender("project1", "this project, run --once", 1, raw="raw1"),
    Sender("project3", "this project, run --once (default)", 3, raw="raw3"),
)
BASELINE = "mailmerge-html"


@dataclass(frozen=True)
class Median:
    send_s: float
    wall_s: float
    cpu_s: float
    sent: int
    kb: float

    @property
    def rate(self) -> float:
        return self.sent / self.send_s if self.send_s else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.sent if self.sent else 0.0


def median(runs: Sequence[Run]) -> Median:
    return Median(
        statistics.median(r.send_s for r in runs), statistics.median(r.wall_s for r in runs),
        statistics.median(r.cpu_s for r in runs), min(r.sent for r in runs),
        statistics.median(r.kb for r in runs),
    )


HEAD = ("size", "sender", "conn.", "KB/msg", "send s", "msg/s", "wall s", "CPU s",
        "CPU ms/msg", "x mailmerge", "x raw")
WIDTHS = (6, 35, 6, 6, 6, 6, 6, 6, 10, 11, 5)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def rows(size: str, medians: Mapping[str, Median]) -> Iterator[tuple[str, ...]]:
    base = medians.get(BASELINE)
    for sender in SENDERS:
        m = medians.get(sender.key)
        if m is None:
            continue
        raw = medians.get(sender.raw) if sender.raw else None
        yield (size, sender.name, "1/msg" if sender.connections is None else
               str(sender.connections), f"{m.kb:.1f}", f"{m.send_s:.2f}", f"{m.rate:.1f}",
               f"{m.wall_s:.2f}", f"{m.cpu_s:.2f}", f"{m.cpu_ms:.2f}",
               _ratio(m.rate, base.rate) if base else "-",
               _ratio(m.rate, raw.rate) if raw else "-")


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.ljust(w) if i < 2 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, WIDTHS, strict=True))) + " |"


def table(results: Mapping[str, Mapping[str, Sequence[Run]]]) -> list[str]:
    """``results[size][sender key]``: the runs; one row per sender and size."""
    lines = [_line(HEAD), "|" + "|".join("-" * (w + 2) for w in WIDTHS) + "|"]
    for size, runs in results.items():
        lines += [_line(r) for r in rows(size, {k: median(v) for k, v in runs.items() if v})]
    return lines


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    goal: str
    met: bool

    def line(self) -> str:
        return f"  {self.name:<58} {self.value:7.2f}  (target {self.goal}): " + (
            "met" if self.met else "MISSED")


def targets(size: str, runs: Mapping[str, Sequence[Run]]) -> list[Target]:
    """Default connections >= 10x mailmerge (text + HTML); each connection count >= 0.95x
    raw smtplib at the same connections; CPU per message <= mailmerge's, same HTML."""
    m = {k: median(v) for k, v in runs.items() if v}
    found: list[Target] = []
    base, project = m.get(BASELINE), m.get("project3")
    if base and project:
        value = project.rate / base.rate
        found.append(Target(f"{size}: default connections vs mailmerge (msg/s)", value,
                            ">= 10x", value >= 10))
    for key, raw in (("project1", "raw1"), ("project3", "raw3")):
        if key in m and raw in m:
            value = m[key].rate / m[raw].rate
            found.append(Target(f"{size}: {key[-1]} connection(s) vs raw smtplib (msg/s)",
                                value, ">= 0.95x", value >= 0.95))
    if base and project:
        value = project.cpu_ms / base.cpu_ms
        found.append(Target(f"{size}: CPU per message vs mailmerge text + HTML", value,
                            "<= 1x", value <= 1))
    return found
