"""Mail throughput, CPU per message and cycles at scale, printed as one table.

    python -m benchmarks.bench_mail              # everything (about 8 minutes)
    python -m benchmarks.bench_mail --quick      # small sizes, to try it out
    python -m benchmarks.bench_mail --parts scale  # one part: mail, cpu, scale

1. **Throughput**, the same 200 personalised Thai messages for every sender, each sender
   its own process: this project (`automation run --once`, ledger on) at
   ``connections = 1`` and at its default; mailmerge (new connection, STARTTLS and login
   per message); raw smtplib sending the project's pre-built messages over one reused
   connection and over three. Against three provider-like sinks, all with STARTTLS and
   AUTH required: ``benchmarks/provider_sink.py`` (the server waits 20 ms before each
   reply, one reply after another); ``benchmarks/network_sink.py`` (an undelayed server
   behind a link that holds every packet 10 ms each way, as a distant provider is, and
   PIPELINING offered as Gmail and Microsoft 365 offer it); and — for the figures in the
   issue — ``benchmarks/line_sink.py``, which delays every reply *line* as the reference
   sink does.
   "work s" is the sending part: the project's cycle (sheet read, rendering, ledger,
   sending, status write-back), raw smtplib's send loop, mailmerge's whole run.
2. **CPU per message** on the bare loopback sink (no TLS, no delay), 1,000 messages:
   user + system CPU of the whole process, the project next to mailmerge; and the
   project's start-up alone (`automation --version`: interpreter and imports).
3. **Cycles at scale** on the local workbook, 30,000 registry rows and 10,000
   submissions, in a worker kept running as `automation run` keeps it
   (``benchmarks/kept_worker.py``): the first cycle (an ID for every row), a poll with no
   change, one with 50 new approvals (each to a cluster of 20), and a quiet one after:
   cycle time, peak RSS of the worker process so far, spreadsheet requests, messages.
   Then one cron-style `automation run --once` with no change, start-up included.

mailmerge must be installed (``pip install mailmerge``); without it its rows say so.
"""

from __future__ import annotations

import argparse
import csv
import email
import email.policy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.line_sink import LineDelaySink
from benchmarks.network_sink import NetworkSink
from benchmarks.provider_sink import ProviderSink
from benchmarks.raw_smtp import PASSWORD, USER
from tests.workload import Workload, make_workload, quiet, smtp_table

QUIET = quiet()
CLI = [sys.executable, "-m", "automation.cli"]


class Sink(Protocol):
    @property
    def port(self) -> int: ...

    @property
    def cafile(self) -> str | None: ...

    @property
    def accepted(self) -> int: ...


@dataclass(frozen=True)
class Run:
    """One sender process: wall and CPU of the whole process, and its sending part."""

    wall: float
    work: float
    cpu: float
    sent: int
    rss_mb: float = 0.0
    requests: int = 0


def _child(args: list[str], stdin: str = "") -> tuple[str, float, float, float]:
    """Run a process in a session of its own (no terminal: mailmerge's password prompt then
    reads stdin); its stdout, wall time, CPU (user + system) and peak RSS in MB, from wait4,
    so they are this process's alone."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "SMTP_PASSWORD": PASSWORD})
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    outputs: dict[str, str] = {}
    readers = [threading.Thread(target=lambda n=n, f=f: outputs.__setitem__(n, f.read()))
               for n, f in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    proc.stdin.write(stdin)
    proc.stdin.close()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:5])} failed ({proc.returncode}): "
                         f"{outputs.get('err', '')[-800:]}")
    return (outputs.get("out", ""), wall, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024)


def _json_line(text: str) -> dict[str, Any]:
    line = next((ln for ln in reversed(text.splitlines()) if ln.startswith("{")), "{}")
    value: dict[str, Any] = json.loads(line)
    return value


# -- the senders --------------------------------------------------------------------------


def run_project(config: Path) -> Run:
    """`automation run --once`, its cycle's own figures read from the JSON log line."""
    out, wall, cpu, rss = _child([*CLI, "--log-format", "json", "run", "--once", "--config",
                                  str(config)])
    entry = next(e for e in map(json.loads, (ln for ln in out.splitlines()
                                             if ln.startswith("{")))
                 if e.get("job") == "cycle")
    return Run(wall, float(entry["seconds"]), cpu, int(entry["sent"]) + int(entry["notices"]),
               rss, int(entry["sheet_requests"]))


def run_raw(folder: Path, sink: Sink, connections: int) -> Run:
    out, wall, cpu, _rss = _child([sys.executable, "-m", "benchmarks.raw_smtp", str(folder),
                                   str(sink.port), sink.cafile or "", str(connections)])
    data = _json_line(out)
    return Run(wall, float(data["seconds"]), cpu, int(data["sent"]))


def run_mailmerge(folder: Path, sink: Sink) -> Run | None:
    exe = shutil.which("mailmerge")
    if exe is None:
        return None
    conf = folder / "mailmerge_server.conf"
    conf.write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {sink.port}\n"
                    + (f"security = STARTTLS\nusername = {USER}\n" if sink.cafile else ""),
                    encoding="utf-8")
    _out, wall, cpu, _rss = _child(
        [exe, "--no-dry-run", "--no-limit", "--output-format", "raw",
         "--template", str(folder / "mailmerge_template.txt"),
         "--database", str(folder / "mailmerge_database.csv"), "--config", str(conf)],
        stdin=PASSWORD + "\n")
    with (folder / "mailmerge_database.csv").open(encoding="utf-8") as fh:
        sent = sum(1 for _row in csv.reader(fh)) - 1
    return Run(wall, wall, cpu, sent)


# -- the messages -------------------------------------------------------------------------


def mail_workload(folder: Path, members: int, sink: Sink, connections: int | None) -> Workload:
    extra = f'username = "{USER}"\npassword_env = "SMTP_PASSWORD"\n'
    if sink.cafile:
        extra += f'cafile = "{sink.cafile}"\n'
    mail = smtp_table(sink.port, connections=connections or 3, retries=1,
                      security="starttls" if sink.cafile else "none", extra=extra)
    if connections is None:  # whatever the project's default is
        mail = mail.replace("connections = 3\n", "")
    return make_workload(folder, members=members, approved=1, mail=mail, extra_config=QUIET)


def prebuilt(folder: Path, members: int) -> Path:
    """The project's own messages as .eml files (its outbox), and mailmerge's inputs."""
    work = make_workload(folder, members=members, approved=1, extra_config=QUIET)
    _child([*CLI, "run", "--once", "--config", str(work.config)])
    outbox = folder / "outbox"
    files = sorted(outbox.glob("bulletin-*.eml"))
    assert len(files) == members, f"{len(files)} of {members} messages built"
    _mailmerge_inputs(folder, files)
    return outbox


def _text(path: Path) -> tuple[str, str, str]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return msg["To"].addresses[0].addr_spec, str(msg["Subject"]), str(part.get_content())


def _mailmerge_inputs(folder: Path, files: Sequence[Path]) -> None:
    """mailmerge's template and CSV: the same subject and personalised Thai text bodies."""
    _to, subject, text = _text(files[0])
    rest = text.split("\n", 1)[1]
    (folder / "mailmerge_template.txt").write_text(
        f"TO: {{{{email}}}}\nSUBJECT: {subject}\nFROM: {USER}\n\n{{{{greeting}}}}\n{rest}",
        encoding="utf-8")
    with (folder / "mailmerge_database.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["email", "greeting"])
        for path in files:
            to, _subject, body = _text(path)
            writer.writerow([to, body.split("\n", 1)[0]])


# -- 1. throughput ------------------------------------------------------------------------

Row = tuple[str, str, str, str, str, str, str]
Send = Callable[[Sink, int], "Run | None"]


def throughput(base: Path, messages: int, repeat: int,
               sink: Callable[[], AbstractContextManager[Any]],
               which: Sequence[str]) -> tuple[list[Row], dict[str, float]]:
    outbox = prebuilt(base / "prebuilt", messages)
    senders: dict[str, tuple[str, str, Send]] = {
        "mailmerge": ("mailmerge", "1 per message",
                      lambda s, _i: run_mailmerge(base / "prebuilt", s)),
        "raw1": ("raw smtplib, pre-built", "1", lambda s, _i: run_raw(outbox, s, 1)),
        "raw3": ("raw smtplib, pre-built", "3", lambda s, _i: run_raw(outbox, s, 3)),
        "project1": ("this project, ledger on", "1", lambda s, i: run_project(
            mail_workload(base / f"c1-{i}-{time.monotonic_ns()}", messages, s, 1).config)),
        "project": ("this project, ledger on", "3 (default)", lambda s, i: run_project(
            mail_workload(base / f"c3-{i}-{time.monotonic_ns()}", messages, s, None).config)),
    }
    rows: list[Row] = []
    rates: dict[str, float] = {}
    for key in which:
        name, connections, send = senders[key]
        runs: list[Run] = []
        for i in range(repeat):
            with sink() as server:
                assert isinstance(server, ProviderSink | LineDelaySink | NetworkSink)
                result = send(server, i)
                if result is not None and server.accepted != result.sent:
                    raise SystemExit(f"{name}: the sink got {server.accepted} of {result.sent}")
            if result is not None:
                runs.append(result)
        if not runs:
            rows.append((name, connections, str(messages), "-", "-", "not installed", "-"))
            continue
        run = sorted(runs, key=lambda r: r.work)[len(runs) // 2]  # the median
        rates[key] = run.sent / run.work
        rows.append((name, connections, str(run.sent), f"{run.wall:.2f}", f"{run.work:.2f}",
                     f"{rates[key]:.1f}", f"{1000 * run.cpu / run.sent:.2f}"))
    return rows, rates


# -- 2. CPU per message -------------------------------------------------------------------


def cpu_per_message(base: Path, messages: int) -> tuple[list[Row], dict[str, float]]:
    """Whole-process CPU at ``messages``; and at a fifth of them, for the cost of one more
    message apart from start-up and the sheet (the marginal figure)."""
    small = messages // 5
    runs: dict[tuple[str, int], Run | None] = {}
    for n in (messages, small):
        prebuilt(base / f"cpu-{n}", n)
        with ProviderSink(rtt_ms=0, tls=False, auth=False) as sink:
            runs["mailmerge", n] = run_mailmerge(base / f"cpu-{n}", sink)
        with ProviderSink(rtt_ms=0, tls=False, auth=False) as sink:
            runs["project", n] = run_project(
                mail_workload(base / f"cpu-project-{n}", n, sink, None).config)
    _out, _wall, startup, _rss = _child([*CLI, "--version"])
    rows: list[Row] = []
    per: dict[str, float] = {}
    for key, name in (("mailmerge", "mailmerge"), ("project", "this project, ledger on")):
        run, few = runs[key, messages], runs[key, small]
        if run is None or few is None:
            rows.append((name, "", str(messages), "-", "-", "-", "not installed"))
            continue
        per[key] = 1000 * run.cpu / run.sent
        per[f"{key} marginal"] = 1000 * (run.cpu - few.cpu) / (run.sent - few.sent)
        rows.append((name, "1 per message" if key == "mailmerge" else "3 (default)",
                     str(run.sent), f"{run.wall:.2f}", f"{run.work:.2f}",
                     f"{run.sent / run.work:.0f}", f"{per[key]:.2f}"))
        rows.append((f"  one more message ({messages} vs {small})", "", "", "", "", "",
                     f"{per[f'{key} marginal']:.2f}"))
    per["startup"] = startup
    rows.append(("  `automation --version` (start-up)", "", "", "", "", "",
                 f"{1000 * startup / messages:.2f}"))
    return rows, per


# -- 3. cycles at scale -------------------------------------------------------------------


def at_scale(base: Path, registry: int, submissions: int, approvals: int
             ) -> list[tuple[str, Run]]:
    """Cycles of a worker kept running (`automation run`), then one cron-style `--once`.

    The workbook is built and edited by ``benchmarks.scale_edit`` in processes of their
    own, so this process stays small: a child counts its parent's memory at start-up in
    its own peak RSS.
    """
    root = Path(__file__).resolve().parent.parent

    def edit(*args: object) -> str:
        done = subprocess.run([sys.executable, "-m", "benchmarks.scale_edit",
                               *map(str, args)], cwd=root, check=True, text=True,
                              stdout=subprocess.PIPE)
        return done.stdout.strip()

    config = Path(edit("make", base / "scale", registry, submissions))
    workbook = config.parent / "workbook.xlsx"
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.kept_worker", str(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=root)
    assert proc.stdin is not None and proc.stdout is not None

    def cycle() -> Run:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("cycle\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the kept worker stopped; see its output above")
        data = json.loads(line)
        return Run(float(data["seconds"]), float(data["seconds"]), 0.0, int(data["sent"]),
                   float(data["peak_mb"]), int(data["requests"]))

    try:
        results = [("first cycle (IDs for every row)", cycle()), ("poll, no change", cycle())]
        edit("approve", workbook, approvals, max(1, registry // 20))
        results.append((f"poll, {approvals} new approvals", cycle()))
        results.append(("poll, no change (after)", cycle()))
    finally:
        proc.stdin.close()
        proc.wait()
    results.append(("cron --once, no change (whole run)", run_project(config)))
    return results


# -- the table ----------------------------------------------------------------------------

HEAD = ("sender", "connections", "messages", "wall s", "work s", "msg/s", "CPU ms/msg")
WIDTHS = (34, 13, 8, 7, 7, 7, 10)


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.ljust(w) if i < 2 else c.rjust(w)
                             for i, (c, w) in enumerate(zip(cells, WIDTHS, strict=True))) + " |"


def _table(title: str, rows: Sequence[Row]) -> Iterator[str]:
    yield f"\n{title}"
    yield _line(HEAD)
    yield "|" + "|".join("-" * (w + 2) for w in WIDTHS) + "|"
    yield from (_line(r) for r in rows)


def _target(name: str, value: float, goal: str, met: bool | None) -> str:
    verdict = "n/a" if met is None else ("met" if met else "MISSED")
    return f"  {name:<52} {value:8.2f}  (target {goal}): {verdict}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--repeat", type=int, default=1, help="runs per sender (median)")
    parser.add_argument("--no-line-sink", action="store_true",
                        help="skip the comparison on the reference-style sink")
    parser.add_argument("--parts", default="mail,cpu,scale",
                        help="which parts to run (comma-separated: mail, cpu, scale)")
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    messages, cpu_messages = (40, 200) if args.quick else (200, 1000)
    registry, submissions = (3000, 1000) if args.quick else (30_000, 10_000)
    base = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    every = ("mailmerge", "raw1", "raw3", "project1", "project")
    mail_rows: list[Row] = []
    line_rows: list[Row] = []
    net_rows: list[Row] = []
    net_rates: dict[str, float] = {}
    cpu_rows: list[Row] = []
    rates: dict[str, float] = {}
    line_rates: dict[str, float] = {}
    cpu: dict[str, float] = {}
    scale: list[tuple[str, Run]] = []
    try:
        if "mail" in parts:
            mail_rows, rates = throughput(base / "provider", messages, args.repeat,
                                          lambda: ProviderSink(rtt_ms=20), every)
        if "mail" in parts:
            net_rows, net_rates = throughput(base / "network", messages, args.repeat,
                                             lambda: NetworkSink(rtt_ms=20), every)
        if "mail" in parts and not args.no_line_sink:
            line_rows, line_rates = throughput(base / "line", messages, args.repeat,
                                               lambda: LineDelaySink(rtt_ms=20),
                                               ("mailmerge", "raw3", "project"))
        if "cpu" in parts:
            cpu_rows, cpu = cpu_per_message(base, cpu_messages)
        if "scale" in parts:
            scale = at_scale(base, registry, submissions, 50)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    lines: list[str] = []
    if mail_rows:
        lines += _table(f"Mail throughput: {messages} personalised Thai messages, "
                        "benchmarks/provider_sink.py (STARTTLS + AUTH, 20 ms per reply)",
                        mail_rows)
    if net_rows:
        lines += _table("Same, across a network link: benchmarks/network_sink.py (every packet "
                        "10 ms each way, STARTTLS + AUTH, PIPELINING offered)", net_rows)
    if line_rows:
        lines += _table("Same, against benchmarks/line_sink.py (20 ms per reply line, as the "
                        "issue's reference sink)", line_rows)
    if cpu_rows:
        lines += _table(f"CPU per message: bare loopback sink (no TLS, no delay), "
                        f"{cpu_messages} messages, whole process (user + system)", cpu_rows)
    if scale:
        lines += [f"\nCycles at scale: local workbook, {registry:,} registry rows + "
                  f"{submissions:,} submissions",
                  "| cycle                              |  wall s | cycle s | peak RSS MB |"
                  " requests | messages |",
                  "|------------------------------------|---------|---------|-------------|"
                  "----------|----------|"]
        lines += [f"| {name:<34} | {r.wall:7.2f} | {r.work:7.2f} | {r.rss_mb:11.0f} | "
                  f"{r.requests:8d} | {r.sent:8d} |" for name, r in scale]
    lines.append("\nTargets")

    def ratio(a: float | None, b: float | None) -> float:
        return a / b if a and b else 0.0

    if rates:
        lines.append(_target("connections = 1 vs raw smtplib, one connection",
                             ratio(rates.get("project1"), rates.get("raw1")), ">= 0.90",
                             ratio(rates.get("project1"), rates.get("raw1")) >= 0.9))
    if net_rates:
        lines.append(_target("  the same across the network link",
                             ratio(net_rates.get("project1"), net_rates.get("raw1")), ">= 0.90",
                             ratio(net_rates.get("project1"), net_rates.get("raw1")) >= 0.9))
    for label, found in (("provider sink", rates), ("network link", net_rates),
                         ("line sink", line_rates)):
        if "mailmerge" in found:
            value = ratio(found.get("project"), found.get("mailmerge"))
            ceiling = ratio(found.get("raw3"), found.get("mailmerge"))
            lines.append(_target(f"default vs mailmerge, {label} (raw x3: {ceiling:.1f}x)",
                                 value, ">= 10x", value >= 10))
    if "mailmerge" in cpu:
        value = ratio(cpu.get("project"), cpu["mailmerge"])
        lines.append(_target("CPU per message vs mailmerge", value, "<= 2x", value <= 2))
        value = ratio(cpu.get("project marginal"), cpu.get("mailmerge marginal"))
        lines.append(_target("  the same, one more message (marginal)", value, "<= 2x",
                             value <= 2))
    if scale:
        idle = next(r for n, r in scale if n == "poll, no change")
        lines.append(_target("no-change poll cycle at scale (s)", idle.work, "< 2 s",
                             idle.work < 2))
        peak = max(r.rss_mb for _n, r in scale)
        lines.append(_target("peak RSS at scale (MB)", peak, "< 300 MB", peak < 300))
    lines.append(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
                 f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
