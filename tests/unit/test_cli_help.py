"""Every command's and option's help reads in ``--help`` as written: Typer renders help as
Rich markup, where ``[default: today]`` is a style tag and vanishes (``invoice add --currency``
showed an empty help, ``receive PO --location`` "Where ."); such brackets are written ``\\[``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from rich.text import Text

from flexchain.entrypoints.cli.main import app


def _commands(command: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, f"{path} {name}")


def test_no_help_text_is_lost_to_rich_markup() -> None:
    lost = []
    for path, command in _commands(typer.main.get_command(app), "flexchain"):
        texts = [("help", command.help or "")]
        texts += [(param.name, getattr(param, "help", None) or "") for param in command.params]
        for name, written in texts:
            shown = Text.from_markup(written).plain
            if shown != written.replace("\\[", "["):
                lost.append(f"{path} {name}: {written!r} shows as {shown!r}")
    assert lost == []
