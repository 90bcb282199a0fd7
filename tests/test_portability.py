"""The quick start with Windows' missing pieces taken away from Python.

A ``sitecustomize`` on PYTHONPATH makes the POSIX-only modules unimportable (``fcntl`` and
its kin), removes ``os.pread``/``os.pwrite`` and makes ``os.kill(pid, 0)`` raise (on Windows
it ends the process): every command of the quick start must still work and deliver mail.

One exemption keeps the simulation honest: without ``fcntl`` on a platform that is not
Windows, ``filelock`` falls back to its soft lock, which probes a holder's pid with
``os.kill(pid, 0)``; on real Windows it takes ``msvcrt`` locks and asks ``OpenProcess``
instead. So ``os.kill(pid, 0)`` raises for every caller except filelock itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]

SITECUSTOMIZE = '''
import os
import sys
import warnings

warnings.filterwarnings("ignore", "only soft file lock is available")
MISSING = {"fcntl", "termios", "resource", "pwd", "grp"}


class WindowsHasNo:
    """Refuses the modules that do not exist on Windows."""

    def find_spec(self, name, path=None, target=None):
        if name in MISSING:
            raise ImportError(f"No module named {name!r} (simulated Windows)", name=name)
        return None


sys.meta_path.insert(0, WindowsHasNo())
for _name in MISSING:
    sys.modules.pop(_name, None)
for _name in ("pread", "pwrite"):
    if hasattr(os, _name):
        delattr(os, _name)
_kill = os.kill


def kill(pid, sig):
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if sig == 0 and not caller.startswith("filelock."):
        raise RuntimeError("os.kill(pid, 0) would end the process on Windows (simulated)")
    return _kill(pid, sig)


os.kill = kill
'''


def _windows_like(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "sim"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(CHECKOUT)])
    return env


def _automation(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "automation.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def test_the_simulation_takes_the_pieces_away(tmp_path: Path) -> None:
    probe = ("import os\n"
             "try:\n    import fcntl\nexcept ImportError:\n    print('no fcntl')\n"
             "print(hasattr(os, 'pread'), hasattr(os, 'pwrite'))\n"
             "try:\n    os.kill(os.getpid(), 0)\nexcept RuntimeError:\n    print('no kill 0')\n")
    done = subprocess.run([sys.executable, "-c", probe], env=_windows_like(tmp_path),
                          capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.split("\n")[:3] == ["no fcntl", "False False", "no kill 0"]


def test_quick_start_without_posix_only_calls(tmp_path: Path) -> None:
    env = _windows_like(tmp_path)
    office = tmp_path / "office"
    office.mkdir()
    config = "demo/schedule.toml"
    _automation(env, office, "init", "demo")
    _automation(env, office, "run", "--once", "--config", config)
    outbox = office / "demo" / "outbox"
    mails = sorted(outbox.glob("*.eml"))
    assert len(mails) >= 10
    status = _automation(env, office, "status", "--config", config)
    assert "ไม่ได้ทำงาน" in status.stdout  # the worker is not running: no stale holder
    approved = next(outbox.glob("approved-*.eml")).name.split("-")
    item = f"{approved[1]}-{approved[2]}"
    preview = _automation(env, office, "preview", item, "--config", config,
                          "--html", str(tmp_path / "preview.html"))
    assert item in preview.stdout + preview.stderr or (tmp_path / "preview.html").is_file()
    board = office / "demo" / "site"
    (board / "index.html").unlink()
    _automation(env, office, "site", "build", "--config", config)
    assert (board / "index.html").is_file()


def test_status_names_a_running_worker_without_signalling_it(tmp_path: Path) -> None:
    env = _windows_like(tmp_path)
    office = tmp_path / "office"
    office.mkdir()
    config = "demo/schedule.toml"
    _automation(env, office, "init", "demo")
    ledger = office / "demo" / "ledger.sqlite3"
    hold = subprocess.Popen([sys.executable, "-c", (
        "import time; from pathlib import Path\n"
        "from automation.scheduler.lock import single_instance\n"
        f"with single_instance(Path({str(ledger)!r}), 'run'):\n"
        "    print('locked', flush=True); time.sleep(60)"
    )], stdout=subprocess.PIPE, text=True, env=env, cwd=office)
    try:
        assert hold.stdout is not None and hold.stdout.readline().strip() == "locked"
        status = _automation(env, office, "status", "--config", config)
        assert f"กำลังทำงาน pid {hold.pid}" in status.stdout
        assert hold.poll() is None  # still alive: status did not end it
        refused = subprocess.run([sys.executable, "-m", "automation.cli", "run", "--once",
                                  "--config", config], cwd=office, env=env,
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode == 1 and f"pid {hold.pid}" in refused.stderr
        assert not (office / "demo" / "outbox").exists()
    finally:
        hold.kill()
        hold.wait()
