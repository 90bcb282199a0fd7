"""One worker per office: an advisory lock on a file beside the ledger.

``flock`` belongs to the open file, so the kernel releases it the moment the holder exits,
however it exits (kill -9 included): a lock left by a dead process is simply taken over. The
file is never deleted (deleting it would let two processes lock two different files); it
holds the holder's pid and start time, for the refusal message and `automation status`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from automation.errors import LockedError
from automation.thaidate import BANGKOK


def lock_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".lock")


@dataclass(frozen=True)
class Holder:
    pid: int
    since: str
    command: str


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, command: str = "run") -> InstanceLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _parse(os.pread(fd, 200, 0))
            os.close(fd)
            who = f"pid {holder.pid}, since {holder.since}" if holder else "another process"
            raise LockedError(
                f"another worker for this office is running ({who}; lock {self.path}); "
                "stop it first, or let it finish"
            ) from None
        stamp = datetime.now(BANGKOK).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {stamp} {command}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        os.ftruncate(fd, 0)  # an empty file says "nobody is running"
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def single_instance(ledger: Path, command: str) -> Iterator[InstanceLock]:
    """Hold the office's lock for the duration; LockedError if another worker has it."""
    lock = InstanceLock(lock_path(ledger)).acquire(command)
    try:
        yield lock
    finally:
        lock.release()


def holder(ledger: Path) -> Holder | None:
    """Who holds the lock now, without taking it (a live pid recorded in the file)."""
    try:
        holder = _parse(lock_path(ledger).read_bytes()[:200])
    except OSError:
        return None
    if holder is None:
        return None
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return None  # a dead holder: the next worker takes the lock over
    except PermissionError:
        pass  # alive, owned by another user
    return holder


def _parse(data: bytes) -> Holder | None:
    parts = data.decode("utf-8", "replace").split()
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    return Holder(int(parts[0]), parts[1], parts[2] if len(parts) > 2 else "run")
