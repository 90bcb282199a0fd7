"""Pictures, measured and shown: ``python -m benchmarks.bench_photos [--shots]``.

Runs real cycles against the Drive v3 fake (tests/fakes/drive_api.py) with phone-sized
pictures made by Pillow, and prints

* the picture pipeline's time per image (Drive fetch from the fake + Pillow: upright,
  stripped, web size and thumbnail, written to the board);
* the size of a bulletin with 3 hosted thumbnails against the same bulletin without
  pictures (thumbnails are links to the board, so the message hardly grows).

``--shots`` also writes docs/digest-phone.png (the digest at 390 px, headless Chromium) and
docs/news-item.png (the board's item page with its gallery).
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from tests.test_photos import item_id, logo, office_with_pictures, picture, submit
from tests.workspace import outbox

DOCS = Path(__file__).resolve().parent.parent / "docs"
BOARD = "https://pr.office.example.test/"


def measure(folder: Path) -> dict[str, float]:
    driver, urls = office_with_pictures(folder)
    drive = driver.drive
    three = ", ".join([urls["gps"], urls["rotated"],
                       drive.add("1ThirdPhotoEEEEEEEEEE", "IMG_0005.jpg",
                                 picture(4032, 3024, gps=True))])
    submit(driver, three, title="ข่าวทดสอบภาพกิจกรรม ก")
    submit(driver, "", title="ข่าวทดสอบภาพกิจกรรม ข")
    worker = driver.worker()
    worker.cycle()
    media = worker.s.media
    timings = list(getattr(media, "timings", []))
    with_pictures = item_id(driver, "ข่าวทดสอบภาพกิจกรรม ก")
    without = item_id(driver, "ข่าวทดสอบภาพกิจกรรม ข")
    sizes: dict[str, list[int]] = {with_pictures: [], without: []}
    for path in sorted((driver.config.parent / "outbox").glob("*.eml")):
        data = path.read_bytes()
        for item in sizes:
            if f"X-PR-Item: {item}".encode() in data and b"X-PR-Kind: bulletin" in data:
                sizes[item].append(len(data))
    return {
        "images": len(timings),
        "per_image_ms": statistics.mean(timings) * 1000 if timings else 0.0,
        "max_image_ms": max(timings) * 1000 if timings else 0.0,
        "bulletin_with_3_thumbnails": statistics.mean(sizes[with_pictures]),
        "bulletin_without": statistics.mean(sizes[without]),
    }


def _chromium(page: Path, out: Path, size: tuple[int, int], profile: Path) -> None:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--disable-background-networking", "--no-first-run", f"--user-data-dir={profile}",
         f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )


def shots(folder: Path) -> None:
    driver, urls = office_with_pictures(folder)
    text = driver.config.read_text(encoding="utf-8")
    text = text.replace('mode = "per-item"', 'mode = "digest"', 1)
    text = text.replace('folder = "site"', 'folder = "site"\nlogo = "logo.png"', 1)
    driver.config.write_text(text, encoding="utf-8")
    (driver.config.parent / "logo.png").write_bytes(logo())
    submit(driver, ", ".join(urls[k] for k in ("gps", "rotated", "large")))
    driver.run_cycle()
    item = item_id(driver)
    site = driver.config.parent / "site"
    digests = [m for m in outbox(driver.config.parent / "outbox") if m["X-PR-Kind"] == "digest"
               and item in str(m["X-PR-Items"]).split(",")]
    part = digests[0].get_body(("html",))
    assert part is not None
    html = str(part.get_content())
    # The thumbnails are hosted on the board's public address; from disk, the board's files.
    html = html.replace(BOARD, site.as_uri() + "/")
    page = folder / "digest.html"
    page.write_text(html, encoding="utf-8")
    DOCS.mkdir(exist_ok=True)
    _chromium(page, DOCS / "digest-phone.png", (390, 1600), folder / "p1")
    _chromium(site / "news" / f"{item}.html", DOCS / "news-item.png", (1200, 1400),
              folder / "p2")
    shown = re.findall(r'<img src="[^"]*media/', html)
    print(f"digest: {len(shown)} thumbnails; item page: {site / 'news' / f'{item}.html'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shots", action="store_true", help="write docs/*.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(Path(tmp) / "measure")
        print(f"picture pipeline: {figures['images']:.0f} images, "
              f"{figures['per_image_ms']:.0f} ms per image on average "
              f"(slowest {figures['max_image_ms']:.0f} ms; Drive fake fetch + Pillow)")
        print(f"bulletin with 3 hosted thumbnails: {figures['bulletin_with_3_thumbnails']:.0f} "
              f"bytes; the same bulletin without pictures: {figures['bulletin_without']:.0f} "
              "bytes")
        if args.shots:
            shots(Path(tmp) / "shots")


if __name__ == "__main__":
    main()
