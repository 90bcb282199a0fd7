"""A real browser looks at the board: headless Chromium (Debian package ``chromium``) takes
screenshots of the front page and a news page at phone and desktop widths; each must be a
PNG of the asked size with real content on it (not a blank or error page).

``UPDATE_SCREENSHOTS=1 python -m pytest tests/test_site_browser.py`` also refreshes the
README's pictures in docs/.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import struct
import subprocess
import threading
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.workspace import (
    FORM,
    column_of,
    edit_sheet,
    find_row,
    html_of,
    make_workspace,
    outbox,
    run_cycle,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[1] / "docs"
PHONE, DESKTOP = (390, 844), (1280, 900)

SHOTS = {  # name: (page, window size)
    "front-phone": ("index.html", PHONE), "front-desktop": ("index.html", DESKTOP),
    "news-phone": ("news", PHONE), "news-desktop": ("news", DESKTOP),
}
README_SHOTS = ("front-desktop", "news-phone")
BROWSERS_AT_ONCE = 2  # each one keeps a CPU busy while it starts

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="needs the Debian package chromium (apt-get install chromium)",
)


def chromium(
    page: Path, out: Path, size: tuple[int, int], profile: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={out}",
         f"--window-size={size[0]},{size[1]}", page.as_uri()],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG; zlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks += body
        pos += 12 + length
    width, height, depth, color, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, "an unusual PNG"
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def sample(path: Path) -> tuple[int, int, list[tuple[int, int, int]], tuple[int, int, int]]:
    """(width, height, every 4th pixel of every 4th row, the pixel at (0, 10)) as RGB."""
    try:
        from PIL import Image
    except ImportError:
        width, height, rows = decode_png(path.read_bytes())
        channels = len(rows[0]) // width

        def at(x: int, y: int) -> tuple[int, int, int]:
            r, g, b = rows[y][x * channels:x * channels + 3]
            return r, g, b
    else:
        with Image.open(path) as image:
            rgb = image.convert("RGB")
        width, height = rgb.size

        def at(x: int, y: int) -> tuple[int, int, int]:
            r, g, b = rgb.getpixel((x, y))  # type: ignore[misc]
            return int(r), int(g), int(b)

    points = [at(x, y) for y in range(0, height, 4) for x in range(0, width, 4)]
    return width, height, points, at(0, min(10, height - 1))


def looks_like_a_page(path: Path, size: tuple[int, int]) -> None:
    width, height, points, corner = sample(path)
    assert (width, height) == size
    values = [sum(p) // 3 for p in points]
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    colours = len(set(points))
    assert colours > 50, f"{path.name}: only {colours} colours: a blank page"
    assert variance > 200, f"{path.name}: brightness variance {variance:.0f}: nothing on it"
    assert sum(corner) < 600, f"{path.name}: no header band: the stylesheet did not load"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = make_workspace(tmp_path_factory.mktemp("browser") / "office")
    run_cycle(config)
    return config.parent / "site"


@pytest.fixture(scope="module")
def shots(board: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo board after one cycle, photographed four ways, two browsers at a time."""
    folder = tmp_path_factory.mktemp("shots")
    news = next(p for p in sorted((board / "news").glob("*.html"))
                if "ดอนแก้วเกมส์" in p.read_text(encoding="utf-8"))
    outs: dict[str, Path] = {}
    running: list[subprocess.Popen[bytes]] = []
    for name, (page, size) in SHOTS.items():
        if len(running) == BROWSERS_AT_ONCE:
            running.pop(0).communicate(timeout=120)
        outs[name] = folder / f"{name}.png"
        target = news if page == "news" else board / page
        running.append(chromium(target, outs[name], size, folder / f"profile-{name}"))
    for proc in running:
        proc.communicate(timeout=120)
    return outs


@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshots_are_real_pages(shots: dict[str, Path], name: str) -> None:
    out = shots[name]
    assert out.is_file(), f"chromium wrote no screenshot for {name}"
    looks_like_a_page(out, SHOTS[name][1])
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" and name in README_SHOTS:
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(out, DOCS / f"site-{name}.png")


def test_search_runs_in_the_browser(board: Path, tmp_path: Path) -> None:
    """search.html?q=… served over HTTP (as a web host would) lists the matching news."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=board))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/search.html?q=ดอนแก้ว กีฬา"
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
             "--dump-dom", url],
            capture_output=True, timeout=90, check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    dom = result.stdout.decode("utf-8", errors="replace")
    assert "พบ 1 ข่าวสำหรับ" in dom, dom[-1500:]
    assert 'การแข่งขันกีฬาสีภายใน “ดอนแก้วเกมส์”' in dom
    assert '<li><a href="news/N-' in dom


def test_png_decoder_rejects_a_blank_image(tmp_path: Path) -> None:
    """The check above can fail: a blank white screenshot is refused."""
    width, height = 40, 40
    raw = b"".join(b"\x00" + b"\xff" * (width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                            0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    path = tmp_path / "blank.png"
    path.write_bytes(png)
    assert decode_png(png)[:2] == (width, height)
    assert set(decode_png(png)[2]) == {b"\xff" * width * 3}
    with pytest.raises(AssertionError, match="blank"):
        looks_like_a_page(path, (width, height))


def dump_dom(page: str, tmp_path: Path, size: tuple[int, int] = PHONE, *flags: str) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", *flags,
         "--disable-background-networking", "--no-first-run", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / f'profile-{size[0]}'}", "--virtual-time-budget=5000",
         f"--window-size={size[0]},{size[1]}", "--dump-dom", page],
        capture_output=True, timeout=90, check=False,
    )
    return result.stdout.decode("utf-8", errors="replace")


def test_search_runs_from_disk(board: Path, tmp_path: Path) -> None:
    """search.html opened as a file (file://, no server) still finds the news."""
    assert (board / "search-index.js").is_file()
    dom = dump_dom((board / "search.html").as_uri() + "?q=ดอนแก้ว%20กีฬา", tmp_path)
    assert "พบ 1 ข่าวสำหรับ" in dom, dom[-1500:]
    assert '<li><a href="news/N-' in dom


# A body a phone must wrap: an address and a "word" far wider than 390 px.
LONG_URL = "https://drive.google.com/drive/folders/" + "1aGk3sPortsDayAlbum" * 8 + "?usp=sharing"
LONG_WORD = "ก" * 160


def page_width(html_file: Path, tmp_path: Path, width: int) -> int:
    """The laid-out width of a page (its document's scrollWidth) in a ``width``-pixel frame.

    Headless Chromium will not make a window narrower than 500 px, so the page is measured
    in an iframe of the phone's width, by a probe page beside it."""
    probe = html_file.with_name(f"probe-{width}.html")
    probe.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="{html_file.name}" '
        f'style="width:{width}px;height:800px;border:0"></iframe><script>'
        "addEventListener('load',function(){var d=document.getElementById('f')"
        ".contentDocument;document.body.setAttribute('data-width',"
        "d.documentElement.scrollWidth)})</script></body></html>", encoding="utf-8")
    dom = dump_dom(probe.as_uri(), tmp_path, (800, 844), "--allow-file-access-from-files")
    found = re.search(r'data-width="(\d+)"', dom)
    assert found, dom[-800:]
    return int(found.group(1))


@pytest.fixture(scope="module")
def long_item(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the board's page, the bulletin's HTML) of an item whose body holds LONG_URL."""
    folder = tmp_path_factory.mktemp("wide")
    config = make_workspace(folder / "office")

    def change(sheet: Any) -> None:
        row = find_row(sheet, "ชื่อโรงเรียน/หน่วยงาน", "โรงเรียนบ้านดอนแก้ว")
        col = column_of(sheet, "เนื้อหาข่าว")
        body = sheet.cell(row=row, column=col).value
        sheet.cell(row=row, column=col, value=f"{body}\n\nอัลบั้มภาพ {LONG_URL} {LONG_WORD}")

    edit_sheet(config.parent / "workbook.xlsx", FORM, change)
    run_cycle(config)
    news = next(p for p in (config.parent / "site" / "news").glob("*.html")
                if "ดอนแก้วเกมส์" in p.read_text(encoding="utf-8"))
    bulletin = next(m for m in outbox(config.parent / "outbox")
                    if m["X-PR-Kind"] == "bulletin" and "ดอนแก้วเกมส์" in str(m["Subject"]))
    mail = folder / "bulletin.html"
    mail.write_text(html_of(bulletin), encoding="utf-8")
    return news, mail


@pytest.mark.parametrize("width", [360, 390])
def test_long_addresses_wrap_on_phones(
    long_item: tuple[Path, Path], tmp_path: Path, width: int
) -> None:
    news, mail = long_item
    assert LONG_URL[:50] in mail.read_text(encoding="utf-8")
    for page in (news, mail):
        assert page_width(page, tmp_path, width) <= width, page.name
