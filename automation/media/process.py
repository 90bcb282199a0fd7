"""One picture made fit to publish, with Pillow: turned upright, every piece of metadata
dropped (EXIF with its GPS position, XMP, IPTC, ICC profile, comments), resized to a web size
and a thumbnail, saved as JPEG (what LINE and every mail client show).

The pixels are copied into a brand-new image before saving, so nothing the file carried
besides its pixels can reach the output, whatever the encoder would otherwise keep.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from automation.media.fetch import Refused

# Pillow's name for each accepted type (MPO: the JPEG phones write with a preview inside).
FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}, "webp": {"WEBP"}, "heic": {"HEIF"}}
MAX_PIXELS = 60_000_000  # a decompression bomb is refused before it is decoded


@dataclass(frozen=True)
class Rendition:
    data: bytes
    name: str  # content hash: the same picture always has the same name
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    web: Rendition
    thumb: Rendition


def process(
    data: bytes, types: set[str], *, web_size: int, thumb_size: int, quality: int,
) -> Processed:
    image = _open(data, types)
    upright = ImageOps.exif_transpose(image)
    rgb = _rgb(upright)
    web = _resized(rgb, web_size)
    thumb = _resized(rgb, thumb_size)
    return Processed(_save(web, quality), _save(thumb, quality))


def _open(data: bytes, types: set[str]) -> Image.Image:
    accepted = set().union(*(FORMATS.get(t, set()) for t in types))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise Refused(f"ภาพใหญ่ {image.width}×{image.height} พิกเซล เกินที่รับได้")
            if image.format not in accepted:
                names = ", ".join(sorted(types))
                raise Refused(f"ไม่รับภาพชนิด {image.format or 'ไม่ทราบ'} (รับ: {names}; "
                              "ตั้งได้ที่ media.types)")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise Refused("ไฟล์นี้ไม่ใช่ภาพที่เปิดได้ หรือใหญ่เกินไป") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise Refused(f"ไฟล์ภาพเสียหรือไม่ครบ ({str(exc)[:80]})") from None
    return image


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _resized(image: Image.Image, size: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    # Pixels only: a new image has no info, no EXIF, no ICC profile, no XMP.
    return Image.frombytes("RGB", copy.size, copy.tobytes())


def _save(image: Image.Image, quality: int) -> Rendition:
    out = BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    data = out.getvalue()
    name = hashlib.sha256(data).hexdigest()[:20] + ".jpg"
    return Rendition(data, name, image.width, image.height)
