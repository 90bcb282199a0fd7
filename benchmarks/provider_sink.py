"""An SMTP sink that behaves like a distant mail provider, for the sending benchmarks.

    python -m benchmarks.provider_sink --port 0 --rtt-ms 20 --spool /tmp/spool.jsonl
    python -m benchmarks.provider_sink --port 0 --rtt-ms 0 --plain

On a bare loopback sink every client is capped by the sink itself, so a comparison there
says little about what the office sees through its provider. A provider costs one network
round trip per reply and requires STARTTLS and a login; this sink models exactly that
(unless ``--plain``). Any user name and password are accepted unless ``--user`` and
``--password`` are given. The certificate is self-signed: trust the ``CAFILE`` printed
at start-up or do not verify.

Output, one item a line, for a parent process to read: ``PORT <n>`` first, then
``CAFILE <path>`` when TLS is on, then ``READY ...``. On SIGTERM or SIGINT it stops and
prints ``ACCEPTED <n>``. Each accepted message is appended to ``--spool`` as
``{"rcpt": [...], "message_id": "..."}`` and flushed at once, so a benchmark or a crash
test can count deliveries and repeats.

In-process: ``with ProviderSink(rtt_ms=20, spool=path) as sink: ... sink.port ...``.
The server itself is ``tests.servers.smtp.SmtpServer``; this is a thin layer over it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import IO

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers.smtp import ReceivedMessage, SmtpServer


class ProviderSink:
    """A provider-like SMTP server on 127.0.0.1; a context manager."""

    def __init__(
        self,
        rtt_ms: float = 20.0,
        tls: bool = True,
        auth: bool = True,
        spool: Path | None = None,
        *,
        port: int = 0,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.rtt_ms = rtt_ms
        self.spool = spool
        self._spool_file: IO[str] | None = None
        self.server = SmtpServer(
            tls=tls, auth=auth, username=username, password=password,
            delay=rtt_ms / 1000, on_message=self._spool_line, port=port,
        )

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def cafile(self) -> str | None:
        return self.server.cafile

    @property
    def accepted(self) -> int:
        return len(self.server.messages)

    def start(self) -> ProviderSink:
        if self.spool is not None:
            self._spool_file = self.spool.open("a", encoding="utf-8")
        try:
            self.server.start()
        except BaseException:
            self._close_spool()
            raise
        return self

    def stop(self) -> None:
        self.server.stop()
        self._close_spool()

    def __enter__(self) -> ProviderSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spool_line(self, record: ReceivedMessage) -> None:
        if self._spool_file is None:
            return
        line = {"rcpt": list(record.rcpt_tos), "message_id": record.message_id}
        self._spool_file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._spool_file.flush()

    def _close_spool(self) -> None:
        if self._spool_file is not None:
            self._spool_file.close()
            self._spool_file = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="delay before every reply")
    parser.add_argument("--plain", action="store_true", help="no STARTTLS, no AUTH")
    parser.add_argument("--spool", type=Path, help="append one JSON line per accepted message")
    parser.add_argument("--user", help="the only login accepted (default: any)")
    parser.add_argument("--password", help="its password")
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sink = ProviderSink(
        rtt_ms=args.rtt_ms, tls=not args.plain, auth=not args.plain, spool=args.spool,
        port=args.port, username=args.user, password=args.password,
    )
    with sink:
        print(f"PORT {sink.port}", flush=True)
        if sink.cafile:
            print(f"CAFILE {sink.cafile}", flush=True)
        mode = "plain" if args.plain else "starttls+auth"
        print(f"READY 127.0.0.1:{sink.port} rtt={args.rtt_ms}ms {mode}", flush=True)
        while not stop.wait(0.5):
            pass
        accepted = sink.accepted
    print(f"ACCEPTED {accepted}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
