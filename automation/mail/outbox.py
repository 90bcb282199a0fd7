"""The embedded transport: one .eml file per message in a folder.

The file name comes from the Message-ID, so sending the same message again after a crash
rewrites the same file instead of adding a second copy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from automation.errors import DeliveryError
from automation.mail.wire import wire_bytes
from automation.ports import Envelope, nothing


class OutboxTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def open(self) -> OutboxSession:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(
                f"cannot create outbox folder {self.folder}: {exc.strerror}; check 'mail.outbox'",
                permanent=True,
                scope="account",
            ) from None
        return OutboxSession(self.folder)


class OutboxSession:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, envelope: Envelope, meanwhile: Callable[[], None] = nothing) -> None:
        # A file is written at once: nothing to wait for, so ``meanwhile`` is left to the sender.
        digest = hashlib.sha256(envelope.message_id.encode()).hexdigest()[:20]
        name = f"{envelope.kind}-{envelope.item_id}-{digest}.eml"
        data = wire_bytes(envelope.message)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise DeliveryError(
                f"cannot write to outbox {self.folder}: {exc.strerror}", permanent=False
            ) from None

    def close(self) -> None:
        pass
