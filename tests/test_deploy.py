"""The deployment files under deploy/: the systemd unit, the Windows task, the Containerfile."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNIT = DEPLOY / "pr-worker.service"
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine (package systemd)")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    # verify insists the ExecStart program exists: point it at this machine's automation.
    program = shutil.which("automation") or sys.executable
    text = UNIT.read_text(encoding="utf-8").replace("/opt/pr-worker/bin/automation", program)
    assert text != UNIT.read_text(encoding="utf-8")
    copy = tmp_path / UNIT.name
    copy.write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_unit_does_not_restart_on_the_config_error_exit_code(tmp_path: Path) -> None:
    service = _unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["User"] != "root"
    assert "--once" not in service["ExecStart"]  # the long-running worker runs the timed jobs
    bad = tmp_path / "schedule.toml"
    bad.write_text("[mail]\nport = 70000\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "automation.cli", "run", "--config", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert str(done.returncode) in service["RestartPreventExitStatus"].split(), done.stderr


def test_windows_task_runs_the_worker_without_a_time_limit() -> None:
    task = ET.parse(DEPLOY / "pr-worker-task.xml").getroot()
    settings = task.find("t:Settings", TASK_NS)
    assert settings is not None
    assert settings.findtext("t:ExecutionTimeLimit", namespaces=TASK_NS) == "PT0S"
    assert settings.find("t:RestartOnFailure", TASK_NS) is not None
    assert task.find("t:Triggers/t:BootTrigger", TASK_NS) is not None
    command = task.findtext("t:Actions/t:Exec/t:Command", namespaces=TASK_NS) or ""
    arguments = task.findtext("t:Actions/t:Exec/t:Arguments", namespaces=TASK_NS) or ""
    assert command.endswith("automation.exe") and arguments.split()[0] == "run"
    assert "--once" not in arguments


def test_containerfile_installs_the_package_and_runs_unprivileged() -> None:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r"^RUN pip install --no-cache-dir \.", text, re.M)
    assert re.search(r"^COPY templates ", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"chown prworker:prworker /office", text)
    assert "fonts-thai-tlwg" in text
