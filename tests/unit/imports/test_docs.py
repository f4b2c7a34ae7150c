"""docs/imports.md documents every column and every alias of every kind, in export order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flexchain.services.imports import KINDS, kind_named

DOC = Path(__file__).resolve().parents[3] / "docs" / "imports.md"


def section(kind: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"^### {re.escape(kind)}\n(.*?)(?=^##)", text, re.MULTILINE | re.DOTALL)
    assert found, f"docs/imports.md has no section for {kind}"
    return found.group(1)


def table_columns(text: str) -> list[str]:
    return re.findall(r"^\| `([a-z_.A-Z]+)` \|", text, re.MULTILINE)


@pytest.mark.parametrize("kind", KINDS)
def test_every_column_is_documented_in_order(kind: str) -> None:
    documented = [name for name in table_columns(section(kind)) if name != "attr.NAME"]
    assert documented == [column.name for column in kind_named(kind).columns]


@pytest.mark.parametrize("kind", KINDS)
def test_every_alias_is_documented_on_its_column(kind: str) -> None:
    rows = {name: line for line in section(kind).splitlines() for name in table_columns(line)}
    for column in kind_named(kind).columns:
        for alias in column.aliases:
            assert f"`{alias}`" in rows[column.name], f"{kind}.{column.name}: {alias}"
