"""Pictures from a Google Form's file-upload answer, end to end: the Drive v3 fake serves real
images made by Pillow (one with a GPS position in its EXIF, one taken sideways, one too
large, one not shared), a cycle runs as `automation run --once` does, and what the world
received is judged: the board's files, its item page, the outbox, the LINE API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.servers.channel_apis import LINE_TO, LINE_TOKEN, ChannelAPIs
from tests.sheet_driver import GoogleDriver
from tests.workspace import FORM, html_of, outbox, text_of

TITLE = "นักเรียนปลูกป่าชายเลนวันเด็ก"
SCHOOL = "โรงเรียนบ้านแม่แรม"
GPS = {1: "N", 2: (18.0, 47.0, 30.5), 3: "E", 4: (98.0, 59.0, 10.25)}


# ------------------------------------------------------------------------- pictures


def picture(width: int, height: int, *, gps: bool = False, orientation: int | None = None,
            fmt: str = "JPEG", noise: bool = False) -> bytes:
    """A real image: a red bar along the scene's top (to see which way is up), EXIF as a phone
    writes it. Orientation 6: the camera was turned, the scene's top is the stored left edge."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (40, 120, 60))
        bar = (0, 0, width // 8, height) if orientation == 6 else (0, 0, width, height // 8)
        ImageDraw.Draw(image).rectangle(bar, fill=(220, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if gps:
        exif[0x8825] = GPS
    if orientation:
        exif[0x0112] = orientation
    out = BytesIO()
    image.save(out, fmt, exif=exif.tobytes(), **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue()


def logo() -> bytes:
    """A stand-in office emblem: a white disc with a gold ring."""
    image = Image.new("RGBA", (96, 96), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, 93, 93), fill=(255, 255, 255, 255), outline=(200, 150, 30, 255), width=8)
    draw.ellipse((32, 32, 63, 63), fill=(29, 79, 145, 255))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def office_with_pictures(tmp_path: Path, extra: str = "") -> tuple[GoogleDriver, dict[str, str]]:
    driver = GoogleDriver(tmp_path / "office")
    with driver.config.open("a", encoding="utf-8") as fh:
        fh.write('\n[media]\nmax_mb = 1.5\n' + extra)
    drive = driver.drive
    urls = {
        "gps": drive.add("1GpsPhotoAAAAAAAAAAA", "ปลูกป่า.jpg", picture(2400, 1600, gps=True)),
        # Taken with the phone turned: stored 1200×900, to be shown 900×1200.
        "rotated": drive.add("1RotatedBBBBBBBBBBBB", "IMG_0002.jpg",
                             picture(1200, 900, gps=True, orientation=6)),
        "large": drive.add("1TooLargeCCCCCCCCCCC", "scan.png",
                           picture(1000, 800, fmt="PNG", noise=True), "image/png"),
        "private": drive.add("1NotSharedDDDDDDDDDD", "IMG_0004.jpg", picture(800, 600),
                             forbidden=True),
    }
    return driver, urls


def submit(driver: GoogleDriver, images: str, title: str = TITLE) -> None:
    """A new approved row with ``images`` as the form writes a file-upload answer."""
    values = {"ประทับเวลา": "25/11/2569 08:00:00", "ที่อยู่อีเมล": "teacher@example.test",
              "ชื่อโรงเรียน/หน่วยงาน": SCHOOL, "หัวข้อข่าว": title,
              "เนื้อหาข่าว": "นักเรียนร่วมกันปลูกต้นโกงกาง 500 ต้น", "ภาพประกอบ": images,
              "อนุมัติ": True, "กลุ่มเป้าหมาย": "เครือข่ายสะเมิง"}

    def change(grid: list[list[object]]) -> list[list[object]]:
        header = [str(h) for h in grid[0]]
        grid.append([values.get(h) for h in header])
        return grid

    driver.edit(FORM, change)


def item_id(driver: GoogleDriver, title: str = TITLE) -> str:
    [row] = [r for r in driver.table(FORM) if r.get("หัวข้อข่าว") == title]
    return str(row["รหัสข่าว"])


def media_files(site: Path, item_id: str) -> list[Path]:
    return sorted((site / "media" / item_id).glob("*.jpg"))


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[GoogleDriver, str, dict[str, str]]]:
    driver, urls = office_with_pictures(tmp_path)
    submit(driver, ", ".join(urls[k] for k in ("gps", "rotated", "large", "private")))
    driver.run_cycle()
    yield driver, item_id(driver), urls


# ------------------------------------------------------------------------- the board


def test_pictures_on_the_board_carry_no_metadata_and_stand_upright(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, item, _urls = published
    site = driver.config.parent / "site"
    files = media_files(site, item)
    assert len(files) == 4  # web size and thumbnail of the two pictures that could be had
    sizes = []
    for path in files:
        with Image.open(path) as image:
            assert image.format == "JPEG"
            assert not image.getexif(), f"{path.name} still has EXIF"
            assert "exif" not in image.info and "icc_profile" not in image.info
            assert "xmp" not in image.info and "comment" not in image.info
            sizes.append(image.size)
        assert b"Exif" not in path.read_bytes() and b"PhoneMaker" not in path.read_bytes()
        assert re.fullmatch(r"[0-9a-f]{20}\.jpg", path.name)  # content-hash names
    assert (1600, 1067) in sizes and (400, 267) in sizes  # the landscape one, resized
    assert (900, 1200) in sizes and (300, 400) in sizes  # the sideways one, turned upright
    with Image.open(next(p for p in files if Image.open(p).size == (900, 1200))) as upright:
        assert upright.getpixel((450, 20))[0] > 180  # the red bar is at the top


def test_item_page_has_a_gallery_and_open_graph_picture(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, item, _urls = published
    site = driver.config.parent / "site"
    page = (site / "news" / f"{item}.html").read_text(encoding="utf-8")
    shown = re.findall(r'<img src="\.\./(media/[^"]+)"', page)
    assert len(shown) == 2 and all((site / p).is_file() for p in shown)
    assert f'alt="{TITLE} ภาพที่ 1"' in page
    og = re.search(r'<meta property="og:image" content="([^"]+)"', page)
    assert og and og.group(1).startswith(f"https://pr.office.example.test/media/{item}/")
    assert (site / og.group(1).removeprefix("https://pr.office.example.test/")).is_file()
    assert '<meta property="og:title"' in page and "drive.google.com" not in page


# ------------------------------------------------------------------------- mail


def test_bulletin_shows_hosted_thumbnails_linked_to_the_board(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, item, _urls = published
    bulletins = [m for m in outbox(driver.config.parent / "outbox")
                 if m["X-PR-Kind"] == "bulletin" and m["X-PR-Item"] == item]
    assert bulletins
    html = html_of(bulletins[0])
    thumbs = re.findall(r'<img src="(https://pr\.office\.example\.test/media/[^"]+)"[^>]*'
                        r'alt="([^"]+)"', html)
    assert len(thumbs) == 2 and all(alt == TITLE for _src, alt in thumbs)
    site = driver.config.parent / "site"
    for src, _alt in thumbs:
        with Image.open(site / src.removeprefix("https://pr.office.example.test/")) as image:
            assert max(image.size) == 400
    assert f'href="https://pr.office.example.test/news/{item}.html"' in html
    assert not any(part.get_content_maintype() == "image" for part in bulletins[0].walk())
    assert "drive.google.com" not in html


def test_pictures_left_out_are_told_to_the_officer_with_their_row(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, item, _urls = published
    reports = [m for m in outbox(driver.config.parent / "outbox")
               if m["X-PR-Kind"] == "officer_report"]
    assert reports
    text = text_of(reports[-1])
    assert f"รหัส {item}" in text and "คอลัมน์ 'ภาพประกอบ'" in text
    assert "ภาพที่ 3: ไฟล์ขนาด" in text and "เกินขนาดที่รับ 1.5 MB" in text
    assert "ภาพที่ 4:" in text and "ไม่มีสิทธิ์อ่านไฟล์ภาพ" in text
    assert "แชร์โฟลเดอร์ที่เก็บไฟล์อัปโหลดของแบบฟอร์ม" in text
    assert "worker@office-pr.iam.gserviceaccount.com" in text or "iam.gserviceaccount.com" in text
    # The text went out anyway, and the large file was never downloaded.
    assert driver.table(FORM)[-1]["สถานะ"] == "เผยแพร่แล้ว"
    large = [c for c in driver.drive.calls if c.file_id == "1TooLargeCCCCCCCCCCC"]
    assert large and not any(c.media for c in large)


def test_a_second_cycle_fetches_nothing_again_and_tells_nothing_again(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, _item, _urls = published
    calls = len(driver.drive.calls)
    before = len([m for m in outbox(driver.config.parent / "outbox")
                  if m["X-PR-Kind"] == "officer_report"])
    driver.run_cycle()
    assert len(driver.drive.calls) == calls
    after = len([m for m in outbox(driver.config.parent / "outbox")
                 if m["X-PR-Kind"] == "officer_report"])
    assert after == before


def test_drive_not_shared_sends_the_text_and_says_whom_to_share_with(tmp_path: Path) -> None:
    driver, urls = office_with_pictures(tmp_path)
    submit(driver, urls["private"])
    report = driver.run_cycle()
    item = item_id(driver)
    assert next(r for r in driver.table(FORM) if r["รหัสข่าว"] == item)["สถานะ"] == "เผยแพร่แล้ว"
    assert not media_files(driver.config.parent / "site", item)
    page = (driver.config.parent / "site" / "news" / f"{item}.html").read_text(encoding="utf-8")
    assert TITLE in page and "og:image" not in page
    [problem] = [p for p in report.problems if p.row_id == item]
    assert problem.severity == "warning" and problem.column == "ภาพประกอบ"
    assert "แชร์โฟลเดอร์ที่เก็บไฟล์อัปโหลดของแบบฟอร์ม" in problem.message


def test_drive_api_not_enabled_says_where_to_enable_it(tmp_path: Path) -> None:
    driver, urls = office_with_pictures(tmp_path)
    driver.drive.api_enabled = False
    submit(driver, urls["gps"])
    report = driver.run_cycle()
    item = item_id(driver)
    [problem] = [p for p in report.problems if p.row_id == item]
    assert "Google Drive API" in problem.message and "Enable" in problem.message
    assert next(r for r in driver.table(FORM) if r["รหัสข่าว"] == item)["สถานะ"] == "เผยแพร่แล้ว"


def test_drive_quota_and_server_errors_are_retried(tmp_path: Path) -> None:
    driver, urls = office_with_pictures(tmp_path)
    submit(driver, urls["gps"])
    driver.drive.fail(429)
    driver.drive.fail(503)
    driver.drive.fail(403)  # userRateLimitExceeded
    report = driver.run_cycle()
    item = item_id(driver)
    assert len(media_files(driver.config.parent / "site", item)) == 2
    assert [c.status for c in driver.drive.calls][:3] == [429, 503, 403]
    assert not [p for p in report.problems if p.row_id == item]
    assert not [p for p in report.problems if "ชั่วคราว" in p.message]


# ------------------------------------------------------------------------- LINE


def test_line_gets_an_image_message_from_the_board(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", LINE_TOKEN)
    with ChannelAPIs() as api:
        driver, urls = office_with_pictures(
            tmp_path, f'\n[channels.line]\nto = "{LINE_TO}"\napi_base = "{api.url}"\n'
                      "min_interval = 0\n")
        submit(driver, f"{urls['rotated']}, {urls['gps']}")
        driver.run_cycle()
        item = item_id(driver)
        [push] = [p for p in api.posts["line"] if TITLE in p["messages"][0]["text"]]
    messages = push["messages"]
    assert messages[0]["type"] == "text" and TITLE in messages[0]["text"]
    images = [m for m in messages if m["type"] == "image"]
    assert len(images) == 2
    for message in images:
        for key in ("originalContentUrl", "previewImageUrl"):
            assert message[key].startswith(f"https://pr.office.example.test/media/{item}/")
            path = driver.config.parent / "site" / message[key].split(".test/", 1)[1]
            assert path.is_file()
    with Image.open(driver.config.parent / "site" /
                    images[0]["previewImageUrl"].split(".test/", 1)[1]) as preview:
        assert preview.size == (300, 400)


def test_the_record_keeps_drive_links_out_of_the_public_pictures(
    published: tuple[GoogleDriver, str, dict[str, str]],
) -> None:
    driver, item, urls = published
    site = driver.config.parent / "site"
    record = json.loads((site / "_data" / "media" / f"{item}.json").read_text())
    assert set(record) == {urls[k] for k in ("gps", "rotated", "large", "private")}
    assert not any("drive" in p.name for p in (site / "media").rglob("*"))


def posted_with_a_picture(tmp_path: Path, channel: str, setting: str,
                          text_field: str) -> tuple[dict[str, Any], str]:
    """One news item with a GPS-tagged picture posted to ``channel``: (its post, item ID)."""
    with ChannelAPIs() as api:
        driver, urls = office_with_pictures(
            tmp_path, f'\n[channels.{channel}]\n{setting}\n'
                      f'api_base = "{api.url}"\nmin_interval = 0\n')
        submit(driver, urls["gps"])
        driver.run_cycle()
        [post] = [p for p in api.posts[channel] if TITLE in p.get(text_field, "")]
        return post, item_id(driver)


def test_facebook_gets_a_photo_post(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers.channel_apis import FACEBOOK_PAGE, FACEBOOK_TOKEN

    monkeypatch.setenv("FACEBOOK_PAGE_TOKEN", FACEBOOK_TOKEN)
    post, item = posted_with_a_picture(
        tmp_path, "facebook", f'page_id = "{FACEBOOK_PAGE}"', "message")
    assert post["url"].startswith(f"https://pr.office.example.test/media/{item}/")
    assert f"https://pr.office.example.test/news/{item}.html" in post["caption"]


def test_office_logo_is_copied_into_the_board_and_shown_in_the_header(tmp_path: Path) -> None:
    driver, urls = office_with_pictures(tmp_path)
    text = driver.config.read_text(encoding="utf-8")
    driver.config.write_text(text.replace('folder = "site"', 'folder = "site"\nlogo = "logo.png"',
                                          1), encoding="utf-8")
    (driver.config.parent / "logo.png").write_bytes(logo())
    submit(driver, urls["gps"])
    driver.run_cycle()
    site = driver.config.parent / "site"
    assert (site / "assets" / "logo.png").read_bytes() == logo()
    for page in (site / "index.html", site / "news" / f"{item_id(driver)}.html"):
        html = page.read_text(encoding="utf-8")
        assert re.search(r'<img class="brand-logo" src="(\.\./)?assets/logo\.png" alt="ตราสัญลักษณ์ ',
                         html), page


def test_digest_carries_thumbnails_linked_to_the_board(tmp_path: Path) -> None:
    driver, urls = office_with_pictures(tmp_path)
    text = driver.config.read_text(encoding="utf-8")
    driver.config.write_text(text.replace('mode = "per-item"', 'mode = "digest"', 1),
                             encoding="utf-8")
    submit(driver, f"{urls['gps']}, {urls['rotated']}")
    driver.run_cycle()
    item = item_id(driver)
    digests = [m for m in outbox(driver.config.parent / "outbox") if m["X-PR-Kind"] == "digest"
               and item in str(m["X-PR-Items"]).split(",")]
    assert digests
    html = html_of(digests[0])
    thumbs = re.findall(r'<a href="([^"]+)"[^>]*><img src="([^"]+)" alt="([^"]+)"', html)
    mine = [t for t in thumbs if f"/media/{item}/" in t[1]]
    assert len(mine) == 2
    for href, src, alt in mine:
        assert href == f"https://pr.office.example.test/news/{item}.html" and alt == TITLE
        assert (driver.config.parent / "site" / src.split(".test/", 1)[1]).is_file()
    assert len(digests[0].as_bytes()) < 60_000  # hosted, not attached


def test_emailed_attachments_are_published_and_nothing_outside_their_folder_is_read(
    tmp_path: Path,
) -> None:
    from tests.workspace import edit_sheet, find_row, make_workspace, run_cycle, table

    config = make_workspace(tmp_path / "office")
    folder = config.parent / "attachments"
    folder.mkdir()
    saved = folder / "N-ABC-1-0123456789abcdef-กิจกรรม.jpg"
    saved.write_bytes(picture(1800, 1200, gps=True))
    outside = config.parent / "secret.jpg"
    outside.write_bytes(picture(640, 480, gps=True))
    school = "โรงเรียนบ้านดอนแก้ว"

    def change(sheet: object) -> None:
        from tests.workspace import column_of

        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", school)
        sheet.cell(row=row, column=column_of(sheet, "ภาพประกอบ"),  # type: ignore[attr-defined]
                   value=f"{saved}, {folder / '..' / 'secret.jpg'}")
        sheet.cell(row=row, column=column_of(sheet, "อนุมัติ"), value=True)  # type: ignore[attr-defined]

    edit_sheet(config.parent / "workbook.xlsx", FORM, change)
    run_cycle(config)
    [row] = [r for r in table(config.parent / "workbook.xlsx", FORM)
             if r["ชื่อโรงเรียน/หน่วยงาน"] == school]
    files = media_files(config.parent / "site", str(row["รหัสข่าว"]))
    assert len(files) == 2  # the saved attachment's web size and thumbnail, not the outsider
    for path in files:
        with Image.open(path) as image:
            assert not image.getexif()
    # `automation site build` (rebuilt from the sheet) keeps the gallery; a take-down
    # removes the pictures from the board with the text.
    item = str(row["รหัสข่าว"])
    page = config.parent / "site" / "news" / f"{item}.html"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for args in (["site", "build"], ["site", "withdraw", item, "--reason", "ภาพไม่มีหนังสือยินยอม"]):
        if args[1] == "withdraw":
            assert 'class="gallery"' in page.read_text(encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "automation.cli", *args, "--config",
                               str(config)], env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    assert not media_files(config.parent / "site", item)
    assert 'class="gallery"' not in page.read_text(encoding="utf-8")


def test_telegram_sends_the_boards_copy_not_the_drive_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.servers.channel_apis import TELEGRAM_CHAT, TELEGRAM_TOKEN

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    post, item = posted_with_a_picture(
        tmp_path, "telegram", f'chat_id = "{TELEGRAM_CHAT}"', "caption")
    assert post["method"] == "sendPhoto"
    assert post["photo"].startswith(f"https://pr.office.example.test/media/{item}/")
