"""Files holding personal data and the office's secret are the owner's only; a password is
never sent in the clear to another machine by mistake."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from automation import config as config_mod
from automation.errors import ConfigError
from tests.workspace import make_workspace, run_cycle


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ledger_and_workbook_are_private(tmp_path: Path) -> None:
    config = make_workspace(tmp_path / "office")
    run_cycle(config)
    office = tmp_path / "office"
    assert mode(office / "workbook.xlsx") == 0o600
    for name in ("ledger.sqlite3", "ledger.sqlite3-wal"):
        if (office / name).exists():
            assert mode(office / name) & 0o077 == 0, name
    run_cycle(config)  # a save keeps it private
    assert mode(office / "workbook.xlsx") == 0o600


@pytest.mark.parametrize(("host", "allowed"), [
    ("smtp.example.test", False), ("127.0.0.1", True), ("localhost", True)])
def test_plaintext_login_only_to_this_machine(tmp_path: Path, host: str, allowed: bool) -> None:
    path = tmp_path / "schedule.toml"
    base = ('[sheets]\nworkbook = "w.xlsx"\n'
            f'[mail]\ntransport = "smtp"\nhost = "{host}"\nport = 25\nsecurity = "none"\n'
            'username = "pr@office.example.test"\npassword_env = "X"\n')
    path.write_text(base, encoding="utf-8")
    if allowed:
        config_mod.load(path)
    else:
        with pytest.raises(ConfigError, match=r"mail\.allow_plaintext_login"):
            config_mod.load(path)
        path.write_text(base + "allow_plaintext_login = true\n", encoding="utf-8")
        config_mod.load(path)


def test_commands_that_write_wait_for_no_one(tmp_path: Path) -> None:
    """A site build beside a running worker is refused, naming who holds the office."""
    import os
    import subprocess
    import sys

    from automation.scheduler.lock import single_instance

    config = make_workspace(tmp_path / "office")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with single_instance(config_mod.load(config).ledger_path, "run"):
        run = subprocess.run([sys.executable, "-m", "automation.cli", "site", "build",
                              "--config", str(config)], env=env, capture_output=True,
                             text=True, timeout=120)
    assert run.returncode != 0
    assert str(os.getpid()) in run.stdout + run.stderr
    assert not (tmp_path / "office" / "site" / "index.html").exists()


def test_every_secret_the_config_names_is_masked_in_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from automation import logs

    monkeypatch.setenv("IMAP_SECRET_FOR_TEST", "imap-pass-8431")
    monkeypatch.setenv("LINE_TOKEN_FOR_TEST", "line-token-5520")
    path = tmp_path / "schedule.toml"
    path.write_text(
        '[sheets]\nworkbook = "w.xlsx"\n[mail]\noutbox = "outbox"\n'
        '[imap]\nhost = "imap.example.test"\nusername = "pr@office.example.test"\n'
        'password_env = "IMAP_SECRET_FOR_TEST"\n'
        '[channels.line]\ntoken_env = "LINE_TOKEN_FOR_TEST"\nto = "Cxxxxxxxx"\n',
        encoding="utf-8")
    config_mod.load(path)
    line = logs.mask("login with imap-pass-8431 then token line-token-5520")
    assert "imap-pass-8431" not in line and "line-token-5520" not in line


def test_json_log_mode_keeps_stdout_json(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    config = make_workspace(tmp_path / "office")
    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [sys.executable, "-m", "automation.cli", "--log-format", "json", "run", "--once",
         "--config", str(config)],
        env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines, "the run logs something"
    for line in lines:
        json.loads(line)  # every line on stdout is one JSON object
    assert "รอบการทำงานเสร็จใน" in run.stderr  # people still get the summary
