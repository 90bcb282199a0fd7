"""Sending mail, like for like: one table of every sender against the same provider-like sink.

    python -m benchmarks.bench_mail              # 200 messages, 2 sizes, 3 rounds (~25 min)
    python -m benchmarks.bench_mail --quick      # 40 messages, 1 round, to try it out

Every sender delivers the same 200 personalised Thai bulletins (one news item, one message
per school) to ``benchmarks/line_sink.py``: the reference sink of ``shared/reference/
smtp-sink`` (every reply line 20 ms late, STARTTLS and AUTH required, no PIPELINING), at two
sizes: ~20 KB (text + HTML, as the demo's news) and ~60 KB (a longer text, 12 photo links).

* mailmerge 2.3.0 (``pip install '.[bench]'``): its own connection, STARTTLS and login per
  message; with a text + HTML template rendering exactly the project's two parts for each
  school (checked before the run and at the sink), and with the text part only;
* raw smtplib sending the project's own pre-built ``.eml`` files over 1 and 3 reused
  connections, TCP_NODELAY on (``benchmarks/raw_smtp.py``);
* this project: ``automation run --once`` on a fresh office folder (sheet read, rendering,
  ledger, sending, status write-back) at ``connections = 1`` and at its default (3).

Measured for each run: the send phase **at the sink** (first connection → last message
accepted), and the whole process's wall time and CPU (user + system, from wait4).
Rounds are interleaved (each round runs every sender once, in a rotated order); the table
shows medians. Every run must deliver every message, and in the first round every sender's
messages must carry the project's text (and HTML) to each school, or the benchmark stops.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.line_sink import LineDelaySink
from benchmarks.mail_content import (
    CLI,
    SIZES,
    Parsed,
    Size,
    mailmerge_inputs,
    parse,
    prebuild,
    workspace,
)
from benchmarks.mail_table import SENDERS, Run, table, targets
from benchmarks.raw_smtp import PASSWORD, USER
from tests.workload import smtp_table


@dataclass(frozen=True)
class Child:
    wall_s: float
    cpu_s: float


def run_child(args: list[str], folder: Path, stdin: str = "") -> Child:
    """Run a process in a session of its own (no terminal: mailmerge's password prompt then
    reads stdin), its output to files in ``folder``; wall time and CPU (user + system) from
    wait4, so they are this process's (and its children's) alone."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                start_new_session=True,
                                env={**os.environ, "SMTP_PASSWORD": PASSWORD})
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = (folder / "stderr.txt").read_text(encoding="utf-8", errors="replace")[-800:]
        raise SystemExit(f"{' '.join(args[:5])} failed ({code}): {tail}")
    return Child(wall, usage.ru_utime + usage.ru_stime)


class Prepared:
    """One size's inputs: the pre-built messages, mailmerge's files, the project's offices."""

    def __init__(self, base: Path, members: int, size: Size, sink: LineDelaySink) -> None:
        self.base = base
        self.port, self.cafile = sink.port, sink.cafile
        self.files = prebuild(base / "prebuilt", members, size)
        self.expected = {p.to: p for p in map(parse, (f.read_bytes() for f in self.files))}
        self.mailmerge = {kind: mailmerge_inputs(base, self.files, members, kind == "html")
                          for kind in ("html", "text")}
        conf = base / "mailmerge_server.conf"
        conf.write_text(f"[smtp_server]\nhost = 127.0.0.1\nport = {sink.port}\n"
                        f"security = STARTTLS\nusername = {USER}\n", encoding="utf-8")
        self.mailmerge_conf = conf
        extra = (f'username = "{USER}"\npassword_env = "SMTP_PASSWORD"\n'
                 f'cafile = "{sink.cafile}"\n')
        self.offices: dict[int, Path] = {}
        for connections in (1, 3):
            mail = smtp_table(sink.port, connections=connections, retries=1,
                              security="starttls", extra=extra)
            if connections == 3:  # the project's default: no key at all
                mail = mail.replace("connections = 3\n", "")
            work = workspace(base / f"office-{connections}", members, size, mail=mail)
            self.offices[connections] = work.folder
        self.runs = 0

    def folder(self, key: str) -> Path:
        self.runs += 1
        return self.base / "runs" / f"{self.runs:03d}-{key}"

    def send(self, key: str) -> Child:
        folder = self.folder(key)
        if key.startswith("mailmerge"):
            template, database = self.mailmerge[key.split("-")[1]]
            exe = shutil.which("mailmerge")
            assert exe is not None
            return run_child([exe, "--no-dry-run", "--no-limit", "--output-format", "raw",
                              "--template", str(template), "--database", str(database),
                              "--config", str(self.mailmerge_conf)], folder, PASSWORD + "\n")
        if key.startswith("raw"):
            return run_child([sys.executable, "-m", "benchmarks.raw_smtp",
                              str(self.files[0].parent), str(self.port), self.cafile,
                              key[-1]], folder)
        office = folder / "office"
        shutil.copytree(self.offices[int(key[-1])], office)  # a fresh ledger every run
        return run_child([*CLI, "run", "--once", "--config", str(office / "schedule.toml")],
                         folder)


def check_contents(key: str, sink: LineDelaySink, expected: dict[str, Parsed]) -> None:
    """Each school got the project's text (and HTML, unless text only), whoever sent it.
    The unsubscribe link differs between offices (a secret of each), so it is left out."""
    got = {p.to: p for p in map(parse, sink.messages)}
    if got.keys() != expected.keys():
        raise SystemExit(f"{key}: the sink got mail for other schools than the project's: "
                         f"{sorted(got)[:3]} vs {sorted(expected)[:3]}")
    for to, message in got.items():
        want = expected[to]
        for part in ("text",) if key == "mailmerge-text" else ("text", "html"):
            if _unlinked(getattr(message, part)) != _unlinked(getattr(want, part)):
                raise SystemExit(f"{key}: the {part} part to {to} is not the project's")


def _unlinked(content: str) -> str:
    return "\n".join(line for line in content.splitlines()
                     if "unsubscribe" not in line and "ยกเลิก" not in line)


def measure(sink: LineDelaySink, prepared: Prepared, key: str, members: int,
            check: bool) -> Run:
    sink.reset()
    child = prepared.send(key)
    if sink.accepted != members:
        raise SystemExit(f"{key}: the sink got {sink.accepted} of {members} messages")
    if check:
        check_contents(key, sink, prepared.expected)
    return Run(sink.send_seconds, child.wall_s, child.cpu_s, sink.accepted, sink.mean_kb)


Results = dict[str, dict[str, list[Run]]]


def rounds(sink: LineDelaySink, prepared: dict[str, Prepared], senders: list[str],
           members: int, count: int, progress: Callable[[str], None]) -> Results:
    results: Results = {
        SIZES[s].label: {k: [] for k in senders} for s in prepared}
    for n in range(count):
        order = senders[n % len(senders):] + senders[:n % len(senders)]
        for size, inputs in prepared.items():
            for key in order:
                run = measure(sink, inputs, key, members, check=n == 0)
                results[SIZES[size].label][key].append(run)
                progress(f"round {n + 1}/{count} {size} {key}: {run.sent / run.send_s:.1f} "
                         f"msg/s at the sink, {run.wall_s:.1f} s wall, {run.cpu_s:.2f} s CPU")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 messages, one round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3)")
    parser.add_argument("--messages", type=int, help="messages per run (default 200)")
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="the sink's round trip")
    parser.add_argument("--sizes", default=",".join(SIZES), help="of: " + ", ".join(SIZES))
    parser.add_argument("--senders", default=",".join(s.key for s in SENDERS),
                        help="of: " + ", ".join(s.key for s in SENDERS))
    args = parser.parse_args(argv)
    members = args.messages or (40 if args.quick else 200)
    count = args.rounds or (1 if args.quick else 3)
    senders = [k for k in args.senders.split(",") if k]
    if any(k.startswith("mailmerge") for k in senders) and shutil.which("mailmerge") is None:
        raise SystemExit("mailmerge is not installed: pip install '.[bench]'")
    load_before = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        with LineDelaySink(rtt_ms=args.rtt_ms, keep=True) as sink:
            prepared = {s: Prepared(base / s, members, SIZES[s], sink)
                        for s in args.sizes.split(",") if s}
            results = rounds(sink, prepared, senders, members, count,
                             lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nMail: {members} personalised Thai bulletins per run, benchmarks/line_sink.py "
          f"(every reply line {args.rtt_ms:g} ms late, STARTTLS + AUTH), medians of {count} "
          "interleaved round(s); send s and msg/s at the sink (first connection to last "
          "message accepted), wall s and CPU s of the whole process (user + system)")
    print("\n".join(table(results)))
    print("\nTargets")
    for label, runs in results.items():
        print("\n".join(t.line() for t in targets(label, runs)))
    load_after = os.getloadavg()
    print(f"\nload average {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after; {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
