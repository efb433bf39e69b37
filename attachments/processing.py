"""What an uploaded file is, decided from its bytes, and the safe copy of it that is stored.

- The type comes from the content (`filetype`, a maintained signature library), never from the name
  or the browser's Content-Type, and must be on the allow-list: JPEG, PNG, WebP, HEIC/HEIF (stored as
  JPEG), PDF, DOCX, XLSX and CSV. SVG, HTML, executables and everything else are refused.
- Images are decoded and encoded again with Pillow: the stored file holds pixels only, so EXIF (GPS
  position, camera serials) is gone and anything appended to the image (a ZIP, a script) is left behind.
  A picture of more than settings.PUENTE_ATTACHMENT_MAX_PIXELS pixels is refused before it is decoded
  (decompression bombs); Image.MAX_IMAGE_PIXELS is set from the same value as a second guard.
- Two thumbnails (WebP) are made for each image.
- The name a person gave is cleaned for showing only; the storage name is random (attachments.services).

Pure functions over bytes: no database, no storage. Slow for big images (tens to hundreds of ms), so
callers on the event loop run them in a thread (views run in threads already).
"""

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "jpg", "image/heif": "jpg"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT_TYPES = {"application/pdf": "pdf", DOCX: "docx", XLSX: "xlsx", "text/csv": "csv"}
# Longest side of the two thumbnails, in pixels: the small one is what rooms and answers show (at up to
# half that size in CSS pixels, sharp on 2x screens), the large one what a phone shows full width.
THUMB_SIZES = {"small": 320, "large": 1280}
THUMB_QUALITY = {"small": 55, "large": 75}
# Bytes a small thumbnail may take: a room shows many of them on its first load (docs/PERFORMANCE.md,
# "Attachments"). A photo full of fine detail (grain, gravel, a sack's weave) is encoded again at a lower
# quality, down to THUMB_LOWEST, until it fits; an ordinary photo fits at the first try.
THUMB_BUDGET = {"small": 10_000, "large": None}
THUMB_LOWEST = 25
_MARKUP = (b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe", b"<head")


@dataclass
class Prepared:
    """A checked upload, ready to store."""

    name: str
    content_type: str
    kind: str  # "image" or "document"
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    thumbs: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return int(settings.PUENTE_ATTACHMENT_MAX_BYTES)


def max_pixels() -> int:
    return int(settings.PUENTE_ATTACHMENT_MAX_PIXELS)


def clean_name(name: str, extension: str) -> str:
    """The name to show: the last path part, printable characters only, at most 120 of them, with the
    extension of what the file really is."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in {"C", "Z"} or ch == " ").strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem[:100].strip(" .") or _("file")
    return f"{stem}.{extension}"


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def too_large(name: str) -> ValidationError:
    return _refuse(
        _("“%(name)s” is larger than %(max)d MB.") % {"name": name[:80], "max": max_bytes() // (1024 * 1024)},
        "too_large",
    )


def _not_allowed(name: str) -> ValidationError:
    return _refuse(
        _("“%(name)s” is not a file type Puente accepts. Attach photos (JPEG, PNG, WebP, HEIC), PDF, "
          "Word (DOCX), Excel (XLSX) or CSV files.") % {"name": name[:80]},
        "file_type",
    )


def _has_zip_directory(data: bytes) -> bool:
    # A ZIP's end-of-central-directory record sits within the last 64 kB + 22 bytes of the file: an image
    # or PDF that has one is also an archive (a polyglot).
    return b"PK\x05\x06" in data[-(65535 + 22):]


def prepare(*, name: str, data: bytes) -> Prepared:
    """Checks one upload and returns what to store; ValidationError (with a code) when it is refused."""
    shown = (name or "")[:200]
    if len(data) > max_bytes():
        raise too_large(shown)
    if not data:
        raise _refuse(_("“%(name)s” is empty.") % {"name": shown[:80]}, "empty")
    guess = filetype.guess(data)
    mime = guess.mime if guess is not None else None
    if mime in IMAGE_TYPES:
        return _prepare_image(shown, data, mime)
    if mime == "application/pdf":
        if _has_zip_directory(data):
            raise _not_allowed(shown)
        return Prepared(name=clean_name(shown, "pdf"), content_type=mime, kind="document", extension="pdf", data=data)
    if mime in {DOCX, XLSX, "application/zip"}:
        return _prepare_office(shown, data)
    if mime is None and shown.lower().endswith(".csv"):
        return _prepare_csv(shown, data)
    raise _not_allowed(shown)


def _prepare_office(name: str, data: bytes) -> Prepared:
    """DOCX and XLSX are ZIP archives of XML: the archive must open and hold the parts of one of them,
    and no macros (a .docm/.xlsm renamed still carries vbaProject.bin)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_allowed(name) from None
    if "[Content_Types].xml" not in names or any(part.lower().endswith("vbaproject.bin") for part in names):
        raise _not_allowed(name)
    if "word/document.xml" in names:
        mime, extension = DOCX, "docx"
    elif "xl/workbook.xml" in names:
        mime, extension = XLSX, "xlsx"
    else:
        raise _not_allowed(name)
    return Prepared(name=clean_name(name, extension), content_type=mime, kind="document", extension=extension, data=data)


def _prepare_csv(name: str, data: bytes) -> Prepared:
    """Text with no signature is accepted only as CSV: it must decode as UTF-8 (or Latin-1 without
    control characters), parse as CSV and hold no markup (an HTML or SVG file renamed .csv)."""
    if b"\x00" in data:
        raise _not_allowed(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in text):
            raise _not_allowed(name) from None
    lowered = data[:4096].lower().lstrip()
    if any(marker in lowered for marker in _MARKUP):
        raise _not_allowed(name)
    try:
        for _row in csv.reader(io.StringIO(text[:65536])):
            pass
    except csv.Error:
        raise _not_allowed(name) from None
    return Prepared(name=clean_name(name, "csv"), content_type="text/csv", kind="document", extension="csv", data=data)


def _prepare_image(name: str, data: bytes, mime: str) -> Prepared:
    Image.MAX_IMAGE_PIXELS = max_pixels()
    if _has_zip_directory(data):
        raise _not_allowed(name)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > max_pixels():
                raise _refuse(
                    _("“%(name)s” has too many pixels (at most %(max)d megapixels).")
                    % {"name": name[:80], "max": max_pixels() // 1_000_000},
                    "too_many_pixels",
                )
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        raise _refuse(_("“%(name)s” could not be read as an image.") % {"name": name[:80]}, "bad_image") from None
    extension = IMAGE_TYPES[mime]
    out = io.BytesIO()
    if extension == "png":
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "PNG")
        content_type = "image/png"
    elif extension == "webp":
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "WEBP", quality=85)
        content_type = "image/webp"
    else:
        image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
        content_type = "image/jpeg"
    # Saved without `exif=` or `pnginfo=`: Pillow writes no metadata it was not given.
    thumbs = {size: _thumbnail(image, edge, THUMB_QUALITY[size], THUMB_BUDGET[size]) for size, edge in THUMB_SIZES.items()}
    return Prepared(
        name=clean_name(name, extension), content_type=content_type, kind="image", extension=extension,
        data=out.getvalue(), width=image.width, height=image.height, thumbs=thumbs,
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)


def _thumbnail(image: Image.Image, edge: int, quality: int, budget: int | None) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    while True:
        out = io.BytesIO()
        thumb.save(out, "WEBP", quality=quality, method=4)
        if budget is None or out.tell() <= budget or quality <= THUMB_LOWEST:
            return out.getvalue()
        quality = max(THUMB_LOWEST, quality - 10)
