"""SMTP transport (smtplib): one reused connection per session, errors mapped to verdicts."""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from pathlib import Path

from automation.errors import DeliveryError
from automation.mail.replies import DEFAULT_RULES, ReplyRule, classify
from automation.mail.wire import wire_bytes
from automation.ports import Envelope, nothing

# A line starting with a dot gets a second one on the wire (RFC 5321 4.5.2).
_DOT = re.compile(rb"(?m)^\.")
# The replies that let a message go on: to MAIL, RCPT and DATA.
_WANTED = ((250,), (250, 251), (354,))


class SmtpTransport:
    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        cafile: Path | None = None,
        rules: tuple[ReplyRule, ...] = DEFAULT_RULES,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.timeout = timeout
        self.cafile = cafile
        self.rules = rules

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)

    def open(self) -> SmtpSession:
        where = f"{self.host}:{self.port}"
        try:
            client: smtplib.SMTP
            if self.security == "ssl":
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            _no_delay(client)
            if self.security == "starttls":
                client.starttls(context=self._context())
            if self.username:
                client.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"เซิร์ฟเวอร์อีเมล {where} ไม่รับการเข้าสู่ระบบของ '{self.username}' "
                f"({exc.smtp_code}); ตรวจ 'mail.username' และตัวแปรรหัสผ่าน (mail.password_env)",
                permanent=True,
                scope="account",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(
                f"เซิร์ฟเวอร์อีเมล {where} ไม่มี STARTTLS/AUTH; ตรวจ 'mail.security'",
                permanent=True,
                scope="account",
            ) from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"เชื่อมต่อ TLS กับเซิร์ฟเวอร์อีเมล {where} ไม่สำเร็จ ({exc.reason}); ตรวจ "
                "'mail.security' และ 'mail.port' (465 = ssl, 587 = starttls)",
                permanent=True,
                scope="account",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"เชื่อมต่อเซิร์ฟเวอร์อีเมล {where} ไม่ได้ ({_reason(exc)}); ตรวจ 'mail.host' "
                "และ 'mail.port' หรือการเชื่อมต่ออินเทอร์เน็ต",
                permanent=False, scope="server",
            ) from None
        return SmtpSession(client, self.rules)


def _no_delay(client: smtplib.SMTP) -> None:
    """Send each write at once: a message larger than one TLS record otherwise waits on
    Nagle's algorithm for the server's delayed ACK (about 40 ms a message)."""
    sock = client.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _reason(exc: BaseException) -> str:
    """The OS's own words for a failed connection, without errno numbers."""
    if isinstance(exc, socket.gaierror):
        return f"ไม่พบชื่อเครื่องใน DNS: {exc.strerror or exc}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "หมดเวลารอการเชื่อมต่อ (timeout)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class SmtpSession:
    def __init__(self, client: smtplib.SMTP, rules: tuple[ReplyRule, ...]) -> None:
        self.client = client
        self.rules = rules

    def send(self, envelope: Envelope, meanwhile: Callable[[], None] = nothing) -> None:
        data = wire_bytes(envelope.message)
        try:
            if envelope.sender.isascii() and envelope.recipient.isascii():
                self._transfer(envelope.sender, envelope.recipient, data, meanwhile)
                return
            refused = self.client.sendmail(envelope.sender, [envelope.recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise self._error(code, text) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise self._error(exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPResponseException as exc:
            raise self._error(exc.smtp_code, exc.smtp_error) from None
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            raise DeliveryError(
                f"connection lost: {exc}", permanent=False, scope="session"
            ) from None
        if refused:
            code, text = next(iter(refused.values()))
            raise self._error(code, text)

    def _transfer(self, sender: str, recipient: str, data: bytes,
                  meanwhile: Callable[[], None]) -> None:
        """MAIL, RCPT, DATA, the message. With PIPELINING (RFC 2920) the three commands
        leave in one packet: one round trip to the provider instead of three. Either way
        ``meanwhile`` runs while the provider answers the first command, and every reply
        is judged as ``sendmail`` would judge it."""
        client = self.client
        client.ehlo_or_helo_if_needed()
        size = f" SIZE={len(data)}" if client.has_extn("size") else ""
        commands = (f"MAIL FROM:<{sender}>{size}", f"RCPT TO:<{recipient}>", "DATA")
        together = bool(client.has_extn("pipelining"))
        if together:
            client.send("".join(f"{command}\r\n" for command in commands))
        replies: list[tuple[int, bytes]] = []
        for n, command in enumerate(commands):
            if not together:
                client.send(f"{command}\r\n")
            if n == 0:
                meanwhile()
            code, text = client.getreply()
            if code == 421:  # the provider closes the connection after saying so
                client.close()
                raise smtplib.SMTPResponseException(code, text)
            replies.append((code, text))
            if not together and code not in _WANTED[n]:
                break
        self._judge(replies, sender, recipient, together)
        body = _DOT.sub(b"..", data)
        client.send(body + (b".\r\n" if body.endswith(b"\r\n") else b"\r\n.\r\n"))
        code, text = client.getreply()
        if code == 421:
            client.close()
        elif code != 250:
            self._reset()
        if code != 250:
            raise smtplib.SMTPDataError(code, text)

    def _judge(self, replies: list[tuple[int, bytes]], sender: str, recipient: str,
               together: bool) -> None:
        """Raise for the first command the provider refused, as ``sendmail`` would."""
        refused = [n for n, (code, _text) in enumerate(replies) if code not in _WANTED[n]]
        if not refused:
            return
        if together and replies[2][0] == 354:
            # A server that opened DATA anyway gets an empty message it cannot deliver.
            self.client.send(b".\r\n")
            self.client.getreply()
        self._reset()
        code, text = replies[refused[0]]
        if refused[0] == 0:
            raise smtplib.SMTPSenderRefused(code, text, sender)
        if refused[0] == 1:
            raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
        raise smtplib.SMTPDataError(code, text)

    def _reset(self) -> None:
        # A connection that fails here is the next message's session error.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.client.rset()

    def _error(self, code: int, text: bytes | str) -> DeliveryError:
        message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        rule = classify(code, message, self.rules)
        reason = f"{code} {message}".strip()
        if rule.verdict == "recipient":
            return DeliveryError(reason, permanent=True, scope="recipient")
        if rule.verdict in ("quota", "stop", "throttle"):
            # The dispatcher stops for the window, stops for a person, or backs off.
            return DeliveryError(reason, permanent=rule.verdict == "stop", scope=rule.verdict)
        # 421 closes the connection; other 4xx keep it usable.
        scope = "session" if code == 421 else "recipient"
        return DeliveryError(reason, permanent=False, scope=scope)

    def close(self) -> None:
        try:
            self.client.quit()
        except (smtplib.SMTPException, OSError):
            self.client.close()
