"""The house rules of docs/architecture.md, checked on the source itself (no import is executed).

- Imports point down: domain and planning import nothing of the project above them; services
  import no SQLAlchemy, no table classes and nothing of the server's runtime (threads,
  processes, signals, GC tuning); entrypoints reach adapters and planning only through services.
- No module over 500 lines (migrations excepted), no function over 80 lines.

``KNOWN`` lists what is not reshaped yet, each with where it stands; a new breach fails, and so
does an entry that no longer breaks a rule (take it off the list: the list only shrinks).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "flexchain"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
RUNTIME_MODULES = ("threading", "multiprocessing", "signal", "concurrent", "gc")
# entrypoints may use these directly; anything else of the project goes through services
ENTRYPOINT_REACH = ("services", "entrypoints", "domain", "config", "bootstrap")

KNOWN: frozenset[str] = frozenset()
"""Breaches not fixed yet (``rule: module[: name]``); see the issue notes for each."""


def _modules() -> Iterator[tuple[str, ast.Module, int]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if "migrations" in relative.parts:
            continue
        source = path.read_text(encoding="utf-8")
        yield relative.as_posix(), ast.parse(source), len(source.splitlines())


def _imports(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _calls_gc_freeze(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and node.attr == "freeze"
        and isinstance(node.value, ast.Name)
        and node.value.id == "gc"
        for node in ast.walk(tree)
    )


def _layer_breaches(module: str, tree: ast.Module) -> Iterator[str]:
    layer = module.split("/")[0]
    for name in _imports(tree):
        top = name.split(".")[0]
        project = name.split(".")[1] if top == "flexchain" and "." in name else None
        if layer == "services":
            if top in ("sqlalchemy", *RUNTIME_MODULES) or name.startswith(
                "flexchain.adapters.db.tables"
            ):
                what = "flexchain.adapters.db.tables" if top == "flexchain" else top
                yield f"services import {what}: {module}"
        elif layer in ("domain", "planning") and project is not None:
            allowed = {layer, "domain"} if layer == "planning" else {"domain"}
            if project not in allowed:
                yield f"{layer} imports upward (flexchain.{project}): {module}"
        elif layer == "entrypoints" and project is not None and project not in ENTRYPOINT_REACH:
            yield f"entrypoint skips the services (flexchain.{project}): {module}"
    if layer == "services" and _calls_gc_freeze(tree):
        yield f"services call gc.freeze: {module}"


def _size_breaches(module: str, tree: ast.Module, lines: int) -> Iterator[str]:
    if lines > MAX_MODULE_LINES:
        yield f"module over {MAX_MODULE_LINES} lines: {module}"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                yield f"function over {MAX_FUNCTION_LINES} lines: {module}: {node.name}"


def _breaches() -> set[str]:
    found: set[str] = set()
    for module, tree, lines in _modules():
        found.update(_layer_breaches(module, tree))
        found.update(_size_breaches(module, tree, lines))
    return found


def test_no_new_breach_of_the_house_rules() -> None:
    new = sorted(_breaches() - KNOWN)
    assert not new, "breaks the rules of docs/architecture.md:\n" + "\n".join(new)


def test_the_list_of_known_breaches_only_shrinks() -> None:
    fixed = sorted(KNOWN - _breaches())
    assert not fixed, "fixed, take off tests/unit/test_architecture.py KNOWN:\n" + "\n".join(fixed)


@pytest.mark.parametrize(
    ("module", "source", "breach"),
    [
        ("services/x.py", "import sqlalchemy", "services import sqlalchemy: services/x.py"),
        ("services/x.py", "import threading", "services import threading: services/x.py"),
        (
            "services/x.py",
            "from flexchain.adapters.db.tables import ItemRow",
            "services import flexchain.adapters.db.tables: services/x.py",
        ),
        ("services/x.py", "import gc\ngc.freeze()", "services call gc.freeze: services/x.py"),
        (
            "domain/x.py",
            "from flexchain.services import quotes",
            "domain imports upward (flexchain.services): domain/x.py",
        ),
        (
            "planning/x.py",
            "from flexchain.adapters.db import uow",
            "planning imports upward (flexchain.adapters): planning/x.py",
        ),
        (
            "entrypoints/api/x.py",
            "from flexchain.adapters.storefronts import shopify",
            "entrypoint skips the services (flexchain.adapters): entrypoints/api/x.py",
        ),
    ],
    ids=["sql", "thread", "tables", "gc-freeze", "domain-up", "planning-up", "entrypoint-skip"],
)
def test_each_rule_catches_its_breach(module: str, source: str, breach: str) -> None:
    assert breach in set(_layer_breaches(module, ast.parse(source)))


def test_allowed_imports_are_not_breaches() -> None:
    source = "from flexchain.domain.orders import OrderStatus\nfrom flexchain.services import x"
    assert not set(_layer_breaches("entrypoints/cli/x.py", ast.parse(source)))
    assert not set(_layer_breaches("planning/x.py", ast.parse("from flexchain.domain import bom")))


def test_a_long_function_and_a_long_module_are_caught() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(81))
    tree = ast.parse(f"def long():\n{body}\n")
    assert set(_size_breaches("m.py", tree, 82)) == {"function over 80 lines: m.py: long"}
    assert set(_size_breaches("m.py", ast.parse(""), 501)) == {"module over 500 lines: m.py"}
