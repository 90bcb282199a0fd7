"""``automation serve``: the one-click unsubscribe endpoint (RFC 8058), stdlib only.

    POST /unsubscribe/<address>.<token>   List-Unsubscribe=One-Click → 200, address suppressed
    GET  /unsubscribe/<address>.<token>   a page with a confirm button (link scanners and
                                          previews fetch links; a GET never unsubscribes)
    GET  /healthz                         "ok"

The link is the address (base64url) signed with the office's secret. A forged or altered
link gets the same 404 as an unknown path, so nothing can be learned by trying. A replayed
POST is answered 200 again and changes nothing: the request is one per address and day,
and an address already on the suppression tab is not appended again. Put it behind the
office's HTTPS reverse proxy at ``[unsubscribe] base_url``; it never logs the address.

Hostile clients: a POST without a usable ``Content-Length`` is refused (411 missing or
chunked, 400 negative or not a number, 413 over 16 KB) before any of its body is read; at
most 32 requests are served at once (more get 503 at once) and a connection is cut after
20 seconds in all; nothing a client sends prints a traceback.
"""

from __future__ import annotations

import contextlib
import html
import logging
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from automation.core.services import Services
from automation.errors import AutomationError
from automation.inbox import suppress, unsubscribe
from automation.inbox.settle import settle
from automation.thaidate import BANGKOK

log = logging.getLogger("automation.serve")
_PREFIX = "/unsubscribe/"
_MAX_BODY = 16 * 1024
_THREADS = 32  # requests served at once; more are answered 503 at once
_SECONDS = 20.0  # one connection's whole time, however slowly the client sends
_BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
         b"Retry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


class _BoundedServer(ThreadingHTTPServer):
    """At most ``threads`` requests at once, each closed after ``seconds`` in all, and no
    traceback ever printed for a client's doing."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 threads: int, seconds: float) -> None:
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(threads)
        self.seconds = seconds

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            with contextlib.suppress(OSError):
                request.sendall(_BUSY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        # The deadline cuts a client that trickles its request byte by byte.
        timer = threading.Timer(self.seconds, _cut, (request,))
        timer.daemon = True
        timer.start()
        try:
            super().process_request_thread(request, client_address)
        finally:
            timer.cancel()
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        log.warning("request ended early: %s", type(error).__name__ if error else "?")


def _cut(request: socket.socket) -> None:
    with contextlib.suppress(OSError):
        request.shutdown(socket.SHUT_RDWR)


class UnsubscribeServer:
    """A small threaded HTTP server; ``serve_forever()`` until ``shutdown()``."""

    def __init__(self, services: Services, host: str, port: int, *, threads: int = _THREADS,
                 seconds: float = _SECONDS) -> None:
        self.services = services
        self._lock = threading.Lock()
        handler = _handler(self)
        self.httpd = _BoundedServer((host, port), handler, threads, seconds)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def unsubscribe(self, email: str) -> None:
        """Record the request, then put it on the sheet (later, if the sheet is unreachable)."""
        s = self.services
        now = s.clock()
        wanted = suppress.Request(
            email, suppress.UNSUBSCRIBED, "กดลิงก์ยกเลิกการรับข่าวในอีเมล (one-click)",
            now.astimezone(BANGKOK).date(),
        )
        with self._lock:
            suppress.request(s.ledger, wanted, now)
            try:
                settle(s, None)
            except AutomationError as exc:
                # Recorded in the ledger: the next mailbox pass or cycle puts it on the tab.
                log.warning("suppression tab not updated now, kept for the next cycle: %s", exc)

    def address_of(self, blob: str) -> str | None:
        return unsubscribe.one_click_address(unsubscribe.secret(self.services.ledger), blob)


def _page(title: str, text: str, form: str = "") -> bytes:
    return f"""<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title></head>
<body style="font-family:'Sarabun','Noto Sans Thai',Tahoma,sans-serif;max-width:36em;
margin:3em auto;padding:0 1em;line-height:1.7;color:#1f2933;">
<h1 style="font-size:1.4em;">{html.escape(title)}</h1>
<p>{html.escape(text)}</p>{form}
</body></html>
""".encode()


def _handler(server: UnsubscribeServer) -> type[BaseHTTPRequestHandler]:
    office = server.services.config.office.name
    base_path = urlsplit(server.services.config.unsubscribe.base_url).path.rstrip("/")

    class Handler(BaseHTTPRequestHandler):
        server_version = "automation-unsubscribe"
        sys_version = ""
        timeout = 15  # seconds a client may take to send its request

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(HTTPStatus.OK, b"ok\n", "text/plain; charset=utf-8")
                return
            email = self._email()
            if email is None:
                return
            form = ('<form method="post"><input type="hidden" name="List-Unsubscribe" '
                    'value="One-Click"><button type="submit" style="font-size:1.1em;'
                    'padding:.4em 1.2em;">ยืนยันยกเลิกรับข่าว</button></form>')
            self._send(HTTPStatus.OK, _page(
                "ยกเลิกรับข่าวทางอีเมล",
                f"กดปุ่มด้านล่างเพื่อหยุดรับข่าวประชาสัมพันธ์ทางอีเมลจาก {office} "
                f"ที่อยู่ {email}", form))

        def do_POST(self) -> None:
            length = self._length()
            if length is None:
                return
            self.rfile.read(length)
            email = self._email()
            if email is None:
                return
            server.unsubscribe(email)
            self._send(HTTPStatus.OK, _page(
                "ยกเลิกรับข่าวเรียบร้อยแล้ว",
                f"ที่อยู่ {email} จะไม่ได้รับข่าวประชาสัมพันธ์ทางอีเมลจาก {office} อีก "
                "หากต้องการรับข่าวอีกครั้ง โปรดติดต่องานประชาสัมพันธ์ของสำนักงาน"))

        def _length(self) -> int | None:
            """The body's length, checked before a byte of it is read (None: answered)."""
            raw = self.headers.get_all("Content-Length") or []
            if self.headers.get("Transfer-Encoding") or not raw:
                self._refuse(HTTPStatus.LENGTH_REQUIRED, "ต้องระบุ Content-Length")
                return None
            value = raw[0].strip()
            if len(set(raw)) > 1 or not value.isascii() or not value.isdigit():
                self._refuse(HTTPStatus.BAD_REQUEST, "Content-Length ไม่ถูกต้อง")
                return None
            if len(value) > 12 or int(value) > _MAX_BODY:
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "คำขอใหญ่เกินไป")
                return None
            return int(value)

        def _refuse(self, status: HTTPStatus, why: str) -> None:
            self.close_connection = True
            self._send(status, f"{why}\n".encode(), "text/plain; charset=utf-8")

        def _email(self) -> str | None:
            path = self.path.split("?", 1)[0]
            # Behind a proxy that passes the public path on unchanged, drop the base path.
            if base_path and path.startswith(base_path + _PREFIX):
                path = path[len(base_path):]
            email = None
            if path.startswith(_PREFIX):
                email = server.address_of(path[len(_PREFIX):].rstrip("/"))
            if email is None:
                self._send(HTTPStatus.NOT_FOUND, _page(
                    "ไม่พบหน้านี้", "ลิงก์ไม่ถูกต้อง โปรดใช้ลิงก์จากอีเมลข่าวฉบับล่าสุด"))
            return email

        def _send(self, status: HTTPStatus, body: bytes,
                  kind: str = "text/html; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Robots-Tag", "noindex")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # The path holds the address: log only what was asked and the answer.
            path = self.path.split("?", 1)[0]
            shown = "…" + _PREFIX + "…" if _PREFIX in path else path[:40]
            log.info("%s %s %s", self.command, shown, args[1] if len(args) > 1 else "")

    return Handler
