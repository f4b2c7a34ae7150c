import ast
import doctest
import importlib
import sys
from pathlib import Path

import pytest

MODULES = ["values", "bom", "contracts", "orders", "assignment", "quotes"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(f"flexchain.domain.{name}")

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0


def test_domain_imports_only_the_standard_library() -> None:
    # given every domain module, when we list what it imports, then nothing outside stdlib/domain
    package = Path(importlib.import_module("flexchain.domain").__file__ or "").parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith("flexchain.domain"), (
                    f"{path.name} imports {name}"
                )
