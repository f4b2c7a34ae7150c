"""The file store: photos, clips, certificates and design files on disk, named by their SHA-256.

``<root>/ab/cd/abcd...`` holds the bytes of the file whose SHA-256 is ``abcd...``; the same
content uploaded twice is stored once. ``root`` is any directory (a mounted object-store bucket
works as well as a local disk: settings ``file_store_dir``). Files are written to a temporary
name and renamed, so a reader never sees half a file, and reading checks the hash again: a file
altered on disk is refused, not served.

What a file is comes from its first bytes (magic numbers), never from its name or the type the
browser claims: :func:`sniff`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CAD_TYPES",
    "DOCUMENT_TYPES",
    "IMAGE_TYPES",
    "VIDEO_TYPES",
    "Blob",
    "FileRefused",
    "FileStore",
    "safe_name",
    "sniff",
]

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
VIDEO_TYPES = frozenset({"video/mp4", "video/webm", "video/quicktime"})
DOCUMENT_TYPES = frozenset({"application/pdf"})
CAD_TYPES = frozenset({"image/vnd.dxf", "model/step", "application/zip"})
_SHA = re.compile(r"[0-9a-f]{64}")


class FileRefused(ValueError):
    """An upload that cannot be stored (too large, empty, of an unknown or unwanted type), or a
    stored file that no longer matches its hash; ``str(error)`` says which and why."""


@dataclass(frozen=True)
class Blob:
    """What the store holds of one file's content."""

    sha256: str
    size: int
    content_type: str


def _is_dxf(head: bytes) -> bool:
    if head.startswith(b"AutoCAD Binary DXF"):
        return True
    lines = head.lstrip().splitlines()
    return len(lines) >= 2 and lines[0].strip() == b"0" and lines[1].strip() == b"SECTION"


def sniff(data: bytes) -> str | None:
    """The content type ``data`` starts like, or ``None`` for anything not accepted.

    >>> sniff(b"%PDF-1.7 ..."), sniff(b"hello")
    ('application/pdf', None)
    """
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:12] == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    if head.lstrip().startswith(b"ISO-10303-21;"):
        return "model/step"
    if _is_dxf(data[:256]):
        return "image/vnd.dxf"
    return None


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(name: str, *, default: str = "file") -> str:
    """A file name fit to store and to send back: its last path part, accents folded to ASCII,
    anything but letters, digits, ``. _ -`` and spaces replaced by ``_``, at most 120
    characters, never hidden (no leading dot).

    >>> safe_name("../../etc/passwd"), safe_name("Foto Qualität 1.JPG"), safe_name("...")
    ('passwd', 'Foto Qualitat 1.JPG', 'file')
    """
    last = re.split(r"[\\/]", name or "")[-1]
    folded = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("_", folded).strip(" .")
    if len(cleaned) > 120:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = (stem[: 119 - len(suffix)] + dot + suffix) if dot and len(suffix) <= 10 else ""
        cleaned = cleaned or folded[:120].strip(" .")
    return cleaned or default


class FileStore:
    """Content-addressed files under ``root``, at most ``max_bytes`` each."""

    def __init__(self, root: Path | str, *, max_bytes: int = 20 * 1024 * 1024) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def _path(self, sha256: str) -> Path:
        if not _SHA.fullmatch(sha256):
            raise FileRefused(f"'{sha256}' is not a SHA-256 (64 hex digits)")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def check(self, data: bytes, *, name: str, allowed: frozenset[str] | None = None) -> Blob:
        """What storing ``data`` would store; refused (:class:`FileRefused`) when empty, over
        the size limit, or not of an ``allowed`` type (any accepted type when ``None``)."""
        if not data:
            raise FileRefused(f"{name}: the file is empty")
        if len(data) > self.max_bytes:
            limit = self.max_bytes / (1024 * 1024)
            raise FileRefused(
                f"{name}: {len(data) / (1024 * 1024):.1f} MB is over the limit of {limit:g} MB"
            )
        content_type = sniff(data)
        if content_type is None or (allowed is not None and content_type not in allowed):
            what = content_type or "a type this store does not accept"
            wanted = ", ".join(sorted(allowed)) if allowed is not None else "images, clips, PDF"
            raise FileRefused(f"{name}: the file is {what}; expected one of: {wanted}")
        return Blob(hashlib.sha256(data).hexdigest(), len(data), content_type)

    def put(self, data: bytes, *, name: str, allowed: frozenset[str] | None = None) -> Blob:
        """Store ``data`` (checked as :meth:`check` does); storing the same content twice
        writes it once."""
        blob = self.check(data, name=name, allowed=allowed)
        path = self._path(blob.sha256)
        if path.exists() and path.stat().st_size == blob.size:
            return blob
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return blob

    def read(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``; :class:`FileRefused` if they are missing or no
        longer hash to it (altered on disk)."""
        path = self._path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FileRefused(f"file {sha256[:12]} is missing from the file store") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise FileRefused(
                f"file {sha256[:12]} was altered on disk: it no longer matches its hash"
            )
        return data

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()
