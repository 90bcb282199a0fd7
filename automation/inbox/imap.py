"""The office mailbox over IMAP, with imap-tools.

Only what the mailbox pass needs: log in, open the folder (its UIDVALIDITY), list UIDs
after the last one seen, fetch header blocks and then whole messages without marking them
read, and finally move processed messages away (or mark them read). Every failure of the
server or the network becomes one MailboxError with a sentence an officer can act on.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import (
    ImapToolsError,
    MailboxFolderSelectError,
    MailboxFolderStatusError,
    MailboxLoginError,
    MailboxStarttlsError,
)

from automation.errors import AutomationError
from automation.inbox.settings import ImapConfig

_CHUNK = 50
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE "([^"]+)"')


class MailboxError(AutomationError):
    """The mailbox cannot be read as configured (server, login, folder or network)."""


@dataclass(frozen=True)
class Fetched:
    """One message (or only its header block) as the server holds it."""

    uid: int
    size: int
    received: datetime | None  # INTERNALDATE: when the server took the message in
    data: bytes


class ImapMailbox:
    """One logged-in session; use as a context manager."""

    def __init__(self, config: ImapConfig, password: str) -> None:
        self.config = config
        self.password = password
        self.where = f"{config.host}:{config.port}"
        self._box: BaseMailBox | None = None

    # -- session ---------------------------------------------------------------------

    def __enter__(self) -> ImapMailbox:
        config = self.config
        with self._guard("connect"):
            box = self._connect()
        with self._guard("login"):
            if (config.username + self.password).isascii():
                box.login(config.username, self.password, initial_folder=None)
            else:
                box.login_utf8(config.username, self.password, initial_folder=None)
        self._box = box
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        box, self._box = self._box, None
        if box is not None:
            with contextlib.suppress(Exception):  # the server may already be gone
                box.logout()

    def _connect(self) -> BaseMailBox:
        config = self.config
        if config.security == "none":
            return MailBoxUnencrypted(config.host, config.port, timeout=config.timeout)
        context = ssl.create_default_context(
            cafile=str(config.cafile) if config.cafile else None
        )
        if config.security == "starttls":
            return MailBoxStartTls(
                config.host, config.port, timeout=config.timeout, ssl_context=context
            )
        return MailBox(config.host, config.port, timeout=config.timeout, ssl_context=context)

    @property
    def box(self) -> BaseMailBox:
        if self._box is None:
            raise MailboxError("the mailbox is not open")  # a programming error
        return self._box

    # -- reading ---------------------------------------------------------------------

    def select(self, folder: str) -> int:
        """Open ``folder`` for reading and moving; returns its UIDVALIDITY."""
        with self._guard("folder", folder):
            status = self.box.folder.status(folder, ["UIDVALIDITY", "MESSAGES"])
            self.box.folder.set(folder)
        return int(status["UIDVALIDITY"])

    def uids_after(self, last: int) -> list[int]:
        with self._guard("search"):
            found = self.box.uids(f"UID {last + 1}:*")
        # "n:*" always matches the newest message, even when its UID is below n.
        return sorted(u for u in (int(x) for x in found) if u > last)

    def headers(self, uids: Sequence[int]) -> list[Fetched]:
        return self._fetch(uids, "BODY.PEEK[HEADER]")

    def messages(self, uids: Sequence[int]) -> list[Fetched]:
        return self._fetch(uids, "BODY.PEEK[]")

    def _fetch(self, uids: Sequence[int], part: str) -> list[Fetched]:
        result: list[Fetched] = []
        for start in range(0, len(uids), _CHUNK):
            chunk = ",".join(str(u) for u in uids[start:start + _CHUNK])
            with self._guard("fetch"):
                typ, data = self.box.client.uid(
                    "FETCH", chunk, f"(UID RFC822.SIZE INTERNALDATE {part})"
                )
            if typ != "OK":
                raise MailboxError(f"IMAP server {self.where} refused to fetch messages: {data!r}")
            result.extend(_records(data))
        return result

    # -- marking -------------------------------------------------------------------------

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move to ``folder``, creating (and subscribing) it first when it is missing."""
        if not uids:
            return
        with self._guard("move", folder):
            if not self.box.folder.exists(folder):
                self.box.folder.create(folder)
                with contextlib.suppress(ImapToolsError):
                    self.box.folder.subscribe(folder, True)
            self.box.move([str(u) for u in uids], folder)

    def mark_read(self, uids: Sequence[int]) -> None:
        if not uids:
            return
        with self._guard("flag"):
            typ, data = self.box.client.uid(
                "STORE", ",".join(str(u) for u in uids), "+FLAGS.SILENT", r"(\Seen)"
            )
        if typ != "OK":
            raise MailboxError(f"IMAP server {self.where} refused to mark messages read: {data!r}")

    # -- errors --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self, action: str, folder: str = "") -> Iterator[None]:
        config = self.config
        try:
            yield
        except MailboxLoginError:
            raise MailboxError(
                f"IMAP server {self.where} refused the login for '{config.username}'; check "
                f"'imap.username' and the password in the variable {config.password_env}"
            ) from None
        except MailboxStarttlsError:
            raise MailboxError(
                f"IMAP server {self.where} does not offer STARTTLS; check 'imap.security' "
                "(\"ssl\" for port 993)"
            ) from None
        except (MailboxFolderStatusError, MailboxFolderSelectError):
            raise MailboxError(
                f"folder '{folder}' not found in the mailbox {config.username} on "
                f"{config.host} (folders: {self._folder_names()}); check 'imap.folder'"
            ) from None
        except ssl.SSLError as exc:
            raise MailboxError(
                f"TLS with IMAP server {self.where} failed ({exc.reason or exc}); check "
                "'imap.security' (\"ssl\" = port 993, \"starttls\" = port 143) and 'imap.cafile'"
            ) from None
        except (socket.gaierror, ConnectionRefusedError) as exc:
            raise MailboxError(
                f"cannot connect to IMAP server {self.where} ({exc.strerror or exc}); check "
                "'imap.host' and 'imap.port'"
            ) from None
        except (imaplib.IMAP4.abort, OSError, EOFError) as exc:
            if action == "connect":
                raise MailboxError(
                    f"cannot connect to IMAP server {self.where} ({exc or 'no answer'}); "
                    "check 'imap.host' and 'imap.port'"
                ) from None
            raise MailboxError(
                f"the connection to IMAP server {self.where} was lost ({exc or 'EOF'}); "
                "messages not yet marked are read again next time, without duplicates"
            ) from None
        except (ImapToolsError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP server {self.where} refused '{action}': {exc}") from None

    def _folder_names(self) -> str:
        try:
            names = [f.name for f in self.box.folder.list()]
        except Exception:  # listing is only a hint for the message
            return "?"
        return ", ".join(names[:15]) or "none"


def _records(data: list[Any]) -> Iterator[Fetched]:
    pending: list[list[bytes]] = []
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            pending.append([bytes(item[0]), bytes(item[1])])
        elif isinstance(item, bytes) and pending:
            pending[-1][0] += b" " + item  # attributes the server sent after the literal
    for info, body in pending:
        uid = _UID.search(info)
        if uid is None:
            continue
        size = _SIZE.search(info)
        yield Fetched(int(uid.group(1)), int(size.group(1)) if size else len(body),
                      _internal_date(info), body)


def _internal_date(info: bytes) -> datetime | None:
    found = _INTERNALDATE.search(info)
    if found is None:
        return None
    try:
        return datetime.strptime(found.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None
