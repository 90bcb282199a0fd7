"""Writing the site's files: atomically, and only when the bytes change.

A reader (a web server, a sync to the office's host) never sees half a page: each file is
written beside its final name and renamed over it. Unchanged pages keep their modification
time, so a sync or a cache does no work for them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # a page is public; mkstemp makes files private
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return True


def remove_stale(folder: Path, keep: set[Path]) -> int:
    """Delete generated ``.html`` files under ``folder`` that are not in ``keep``."""
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.html"):
        if path not in keep:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
