"""The file store: content-addressed, type by magic bytes, size limit, safe names, and a file
altered on disk refused."""

from __future__ import annotations

import doctest
import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexchain.adapters import files as files_module
from flexchain.adapters.files import IMAGE_TYPES, FileRefused, FileStore, safe_name, sniff

SAMPLES = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    "video/quicktime": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01",
    "application/pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3",
    "application/zip": b"PK\x03\x04\x14\x00\x06\x00",
    "model/step": b"ISO-10303-21;\nHEADER;",
    "image/vnd.dxf": b"  0\nSECTION\n  2\nHEADER\n",
}


@pytest.mark.parametrize(("expected", "head"), SAMPLES.items(), ids=list(SAMPLES))
def test_the_type_comes_from_the_first_bytes(expected: str, head: bytes) -> None:
    assert sniff(head + b"rest of the file") == expected


@pytest.mark.parametrize(
    "data", [b"MZ\x90\x00", b"<html><script>", b"#!/bin/sh\n", b"GIF89a"], ids=str
)
def test_anything_else_is_not_accepted(data: bytes) -> None:
    assert sniff(data) is None


def test_a_file_is_stored_once_under_its_hash(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    data = SAMPLES["image/png"] + b"pixels"

    first = store.put(data, name="a.png")
    again = store.put(data, name="b.png")

    digest = hashlib.sha256(data).hexdigest()
    assert first == again and first.sha256 == digest and first.content_type == "image/png"
    assert (tmp_path / digest[:2] / digest[2:4] / digest).read_bytes() == data
    assert store.read(digest) == data
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [digest]  # no temp left


def test_too_large_empty_and_unwanted_files_are_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path, max_bytes=100)
    with pytest.raises(FileRefused, match=r"big.jpg: 0.0 MB is over the limit"):
        store.put(SAMPLES["image/jpeg"] + b"x" * 200, name="big.jpg")
    with pytest.raises(FileRefused, match="empty"):
        store.put(b"", name="none.jpg")
    with pytest.raises(FileRefused, match=r"cert\.pdf: the file is application/pdf; expected one"):
        store.put(SAMPLES["application/pdf"], name="cert.pdf", allowed=IMAGE_TYPES)
    assert not any(tmp_path.rglob("*"))


def test_a_file_altered_or_missing_on_disk_is_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    blob = store.put(SAMPLES["application/pdf"], name="x.pdf")
    path = tmp_path / blob.sha256[:2] / blob.sha256[2:4] / blob.sha256
    path.write_bytes(SAMPLES["application/pdf"] + b"edited")
    with pytest.raises(FileRefused, match="altered on disk"):
        store.read(blob.sha256)
    path.unlink()
    with pytest.raises(FileRefused, match="missing"):
        store.read(blob.sha256)
    with pytest.raises(FileRefused, match="not a SHA-256"):
        store.read("../../etc/passwd")


@given(st.text(max_size=300))
def test_a_safe_name_never_leaves_its_directory(name: str) -> None:
    cleaned = safe_name(name)
    assert cleaned and len(cleaned) <= 120
    assert "/" not in cleaned and "\\" not in cleaned and "\x00" not in cleaned
    assert not cleaned.startswith(".") and cleaned.isascii()


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(files_module)
    assert result.attempted > 0 and result.failed == 0
