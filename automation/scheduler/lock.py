"""One worker per office: an operating-system lock on a file beside the ledger.

The lock is ``filelock``'s (``flock`` on Linux and macOS, ``LockFileEx`` through ``msvcrt`` on
Windows): it belongs to the open file, so the system releases it the moment the holder exits,
however it exits (kill -9 included), and a lock left by a dead process is simply taken over.
Who holds it (pid, start time, command) is written to a second file beside it, for the
refusal message and `automation status`: the lock file itself may be truncated by a
process that tries it, and on Windows its locked byte cannot be read by others. Whether the
recorded holder is still alive is told by the lock itself (a non-blocking try), never by
signalling the pid (``os.kill(pid, 0)`` ends the process on Windows).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from automation import messages
from automation.errors import LockedError
from automation.thaidate import BANGKOK


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


def holder_path(ledger: Path) -> Path:
    """Who holds the lock: ``pid since command``; empty when nobody runs."""
    return ledger.with_name(ledger.name + ".worker")


@dataclass(frozen=True)
class Holder:
    pid: int
    since: str
    command: str


class InstanceLock:
    def __init__(self, ledger: Path) -> None:
        self.path = lock_path(ledger)
        self.info = holder_path(ledger)
        self._lock: FileLock | None = None

    def acquire(self, command: str = "run") -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise LockedError(messages.locked(_read(self.info), self.path)) from None
        stamp = datetime.now(BANGKOK).isoformat(timespec="seconds")
        try:
            self.info.write_text(f"{os.getpid()} {stamp} {command}\n", encoding="utf-8")
        except OSError:
            lock.release()
            raise
        self._lock = lock
        return self

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is None:
            return
        with contextlib.suppress(OSError):
            self.info.write_text("", encoding="utf-8")  # "nobody is running"
        lock.release()


@contextlib.contextmanager
def single_instance(ledger: Path, command: str) -> Iterator[InstanceLock]:
    """Hold the office's lock for the duration; LockedError if another worker has it."""
    lock = InstanceLock(ledger).acquire(command)
    try:
        yield lock
    finally:
        lock.release()


def holder(ledger: Path) -> Holder | None:
    """Who holds the lock now: the recorded holder while the lock is taken, else None."""
    found = _read(holder_path(ledger))
    if found is None or not lock_path(ledger).exists():
        return None
    probe = FileLock(str(lock_path(ledger)))
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return found  # taken: the recorded worker is alive
    probe.release()
    return None  # free: the recorded worker died without clearing its record


def _read(path: Path) -> Holder | None:
    try:
        data = path.read_bytes()[:200]
    except OSError:
        return None
    parts = data.decode("utf-8", "replace").split()
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    return Holder(int(parts[0]), parts[1], " ".join(parts[2:]) or "run")
