"""schedule.toml: typed, validated, every mistake named by its key; the CLI never tracebacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from automation import cli
from automation.config import load
from automation.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

BASE = """
[sheets]
backend = "local"
workbook = "book.xlsx"
[mail]
transport = "outbox"
outbox = "out"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_config_loads_and_resolves_paths() -> None:
    config = load(ROOT / "schedule.toml")
    assert config.sheets.backend == "local"
    assert config.sheets.workbook == ROOT / "demo" / "workbook.xlsx"
    assert config.mail.password_env == "SMTP_PASSWORD"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    config = load(write(tmp_path, BASE))
    assert config.sheets.workbook == (tmp_path / "book.xlsx").resolve()
    assert config.mail.outbox == (tmp_path / "out").resolve()
    assert config.ledger_path == tmp_path.resolve() / "ledger.sqlite3"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE + "hots = 1\n", "ไม่รู้จักคีย์ 'mail.hots'"),
        (BASE.replace('[mail]', '[mail]\nport = "587"'), "'mail.port' ต้องเป็น จำนวนเต็ม"),
        (BASE.replace('[mail]', '[mail]\nsecurity = "tls"'), '"none" | "starttls" | "ssl"'),
        (BASE.replace('backend = "local"', 'backend = "excel"'), "'sheets.backend'"),
        (BASE.replace('workbook = "book.xlsx"', ""), "ต้องมี 'sheets.workbook'"),
        (BASE.replace('outbox = "out"', ""), "ต้องมี 'mail.outbox'"),
        (BASE + "rate_per_minute = 0\n", "'mail.rate_per_minute' = 0 ใช้ไม่ได้; ต้องเป็น 1 ขึ้นไป"),
        (BASE + "daily_limit = true\n", "'mail.daily_limit' ต้องเป็น จำนวนเต็ม"),
        (BASE + 'sender = "nobody"\n', "'mail.sender' ต้องเป็นที่อยู่อีเมล"),
        ("[sheets\nbackend = 1", "ผิดรูปแบบ TOML"),
        (BASE + "[sheets.columns.form]\ntitel = ['x']\n", "sheets.columns.form.titel"),
        (BASE + "[sheets.tabs]\nform = 3\n", "'sheets.tabs.form' ต้องเป็น ข้อความ"),
        (BASE + "[publish]\nacknowledge = 'yes'\n", "'publish.acknowledge' ต้องเป็น true หรือ false"),
        ('mail = "x"\n' + BASE.replace("[mail]\n", "[mailx]\n"), "ไม่รู้จักคีย์"),
        ("path = 'x'\n" + BASE, "ไม่รู้จักคีย์ 'path'"),
        (BASE + "port = 70000\n", "'mail.port' = 70000 อยู่นอกช่วง; พอร์ตต้องอยู่ระหว่าง 1 ถึง 65535"),
        (BASE + "timeout = 0\n", "'mail.timeout' = 0.0 ใช้ไม่ได้; เวลารอ (วินาที) ต้องมากกว่า 0"),
        (BASE + "retries = -1\n", "'mail.retries' = -1 ใช้ไม่ได้; ต้องเป็น 0 หรือมากกว่า"),
        (BASE + "[mail.quota]\nrecipients_per_day = -3\n",
         "'mail.quota.recipients_per_day' = -3 ใช้ไม่ได้"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, text))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    path.write_bytes("name = 'สพป.'".encode("tis-620"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load(path)


@pytest.mark.parametrize(
    ("text", "fragment", "code"),
    [
        (BASE + "hots = 1\n", "mail.hots", 2),
        (
            BASE.replace('transport = "outbox"', 'transport = "smtp"')
            + 'password_env = "NO_SUCH_VAR_X"\n',
            "NO_SUCH_VAR_X",
            2,
        ),
        (BASE, "book.xlsx", 1),  # the workbook does not exist
    ],
)
def test_cli_prints_one_line_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, fragment: str, code: int
) -> None:
    path = write(tmp_path, text)
    assert cli.main(["--config", str(path), "run", "--once"]) == code
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", "--once", "--config", str(tmp_path / "none.toml")]) == 2
    assert "automation init" in capsys.readouterr().err


def test_renamed_tab_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.workspace import make_workspace

    config = make_workspace(tmp_path / "office", extra_config="")
    text = config.read_text(encoding="utf-8").replace(
        "[sheets]\n", '[sheets.tabs]\nform = "ข่าว"\n[sheets]\n', 1
    )
    config.write_text(text, encoding="utf-8")
    assert cli.main(["--config", str(config), "run", "--once"]) == 1
    err = capsys.readouterr().err
    assert "'ข่าว'" in err and "Traceback" not in err


def test_broken_override_template_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.workspace import make_workspace

    config = make_workspace(tmp_path / "office")
    mine = tmp_path / "office" / "mine" / "ack"
    mine.mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "ack" / "body.txt", mine / "body.txt")
    (mine / "subject.txt").write_text("ได้รับข่าว {{ item.title ", encoding="utf-8")
    text = config.read_text(encoding="utf-8")
    config.write_text('templates = "mine"\n' + text, encoding="utf-8")
    assert cli.main(["--config", str(config), "run", "--once"]) == 2
    err = capsys.readouterr().err
    assert "ack/subject.txt" in err and "line 1" in err
