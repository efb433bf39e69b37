"""Files for the attachment tests, made in code (never downloaded)."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_TAG = 0x8825  # the EXIF GPS IFD


def photo(fmt: str = "JPEG", *, size=(800, 600), gps: bool = False, color=(120, 80, 40)) -> bytes:
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 7):  # some detail, so encoders have something to compress
        image.putpixel((x, (x * 3) % size[1]), (255, 255, 255))
    out = io.BytesIO()
    kwargs = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PuenteCam"  # Make
        exif.get_ifd(GPS_TAG).update({1: "N", 2: (14.0, 5.0, 30.0), 3: "W", 4: (87.0, 12.0, 0.0)})
        kwargs["exif"] = exif
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _office(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def docx() -> bytes:
    return _office({"_rels/.rels": "<Relationships/>", "word/document.xml": "<w:document/>"})


def xlsx() -> bytes:
    return _office({"_rels/.rels": "<Relationships/>", "xl/workbook.xml": "<workbook/>"})


def csv_text() -> bytes:
    return "producto,precio FOB,moneda\ncafé verde,4.20,USD\ncacao,3.10,USD\n".encode()


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def bomb() -> bytes:
    """A small PNG that decodes to 100 million pixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
