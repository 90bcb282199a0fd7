"""The baseline sender: plain smtplib with pre-built messages over reused connections.

    python -m benchmarks.raw_smtp FOLDER PORT CAFILE CONNECTIONS

Sends every ``*.eml`` in FOLDER (read into memory first) to the sink at 127.0.0.1:PORT,
STARTTLS and login when CAFILE is given (""), over CONNECTIONS sessions sharing one queue,
with TCP_NODELAY on every socket (as the project sets it: a message larger than one TLS
record otherwise waits ~40 ms on Nagle's algorithm), and prints ``{"seconds": …, "sent": …}``:
the time of the sending alone. Standard library only, so the process's CPU is smtplib's.
"""

from __future__ import annotations

import email
import email.policy
import json
import queue
import smtplib
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

USER, PASSWORD = "pr@office.example.test", "bench-password"


def load(folder: Path) -> queue.Queue[tuple[str, bytes]]:
    todo: queue.Queue[tuple[str, bytes]] = queue.Queue()
    for path in sorted(folder.glob("*.eml")):
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        to = email.message_from_bytes(data, policy=email.policy.default)["To"]
        todo.put((to.addresses[0].addr_spec, data))
    return todo


def send_all(todo: queue.Queue[tuple[str, bytes]], port: int, cafile: str) -> None:
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    assert smtp.sock is not None
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # kept through STARTTLS
    if cafile:
        smtp.starttls(context=ssl.create_default_context(cafile=cafile))
        smtp.login(USER, PASSWORD)
    while True:
        try:
            to, data = todo.get_nowait()
        except queue.Empty:
            break
        smtp.sendmail(USER, [to], data)
    smtp.quit()


def main(argv: list[str]) -> int:
    folder, port, cafile, connections = Path(argv[0]), int(argv[1]), argv[2], int(argv[3])
    todo = load(folder)
    total = todo.qsize()
    started = time.perf_counter()
    threads = [threading.Thread(target=send_all, args=(todo, port, cafile))
               for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"seconds": time.perf_counter() - started, "sent": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
