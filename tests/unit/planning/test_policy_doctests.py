"""Every policy module runs its textbook example as a doctest, and imports nothing it should not."""

import ast
import doctest
import importlib
import sys
from pathlib import Path

import pytest

MODULES = [
    "_checks",
    "continuous",
    "discounts",
    "eoq",
    "gsm",
    "loss",
    "lotsizing",
    "newsvendor",
    "periodic",
    "safety",
]

ALLOWED_PROJECT_IMPORTS = ("flexchain.domain.errors", "flexchain.planning.policy")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(f"flexchain.planning.policy.{name}")

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)

    assert result.attempted > 0
    assert result.failed == 0


def test_policy_imports_only_stdlib_numpy_and_domain_errors() -> None:
    # given every policy module, when we list what it imports, then nothing beyond the allowance
    package = Path(importlib.import_module("flexchain.planning.policy").__file__ or "").parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert (
                    top in sys.stdlib_module_names
                    or top == "numpy"
                    or name.startswith(ALLOWED_PROJECT_IMPORTS)
                ), f"{path.name} imports {name}"


def test_package_reexports_every_policy_function() -> None:
    policy = importlib.import_module("flexchain.planning.policy")
    expected = {
        "eoq",
        "eoq_with_backorders",
        "epq",
        "eoq_all_units_discount",
        "eoq_incremental_discount",
        "newsvendor_normal",
        "newsvendor_poisson",
        "newsvendor_discrete",
        "ss_optimal",
        "ss_optimal_poisson",
        "rq_optimal_poisson",
        "rq_loss_function_approximation",
        "wagner_whitin",
        "standard_normal_loss",
        "safety_stock",
        "gsm_tree",
    }

    assert expected <= set(policy.__all__)
    assert all(callable(getattr(policy, name)) for name in expected)


def test_policy_modules_stay_small() -> None:
    package = Path(importlib.import_module("flexchain.planning.policy").__file__ or "").parent
    for path in package.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 200, path.name
