"""``flexchain import items`` checks the installation's SKU rules (``FLEXCHAIN_SKU_RULES``; by
default finished products follow ``{family}-{material}-{colour}-{size?}``), on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from flexchain.adapters.db.engine import make_engine
from flexchain.adapters.db.tables import ItemRow
from tests.integration.test_cli import flexchain_cli

TEES_CSV = """sku,name,kind,family,attributes
TEE-COT-NAVY-M,"Tee, navy, M",finished,TEE,material=COT; colour=NAVY; size=M
WHATEVER-123,"Tee, navy, L",finished,TEE,material=COT; colour=NAVY; size=L
GIFT-CARD,Gift card,finished,,
"""


def _skus(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return sorted(connection.scalars(select(ItemRow.sku)))
    finally:
        engine.dispose()


def test_an_import_refuses_a_sku_that_breaks_the_default_rule_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    # given a file of tees, one of them with a SKU that does not follow the rule
    path = tmp_path / "items.csv"
    path.write_text(TEES_CSV)
    # when it is imported with the default settings
    code, out, err = flexchain_cli(database_url, "import", "items", str(path))
    # then the import fails on that line's sku, saying what it should be, and writes nothing
    assert code == 1, out
    assert (
        "items.csv:3: sku: 'WHATEVER-123' does not follow {family}-{material}-{colour}-{size?}: "
        "expected 'TEE-COT-NAVY-L'"
    ) in " ".join(err.split())
    assert "Traceback" not in err + out
    assert _skus(database_url) == []


def test_the_configured_rules_are_the_ones_checked(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an installation whose finished SKUs are {family}.{colour} and modules have a rule too
    monkeypatch.setenv(
        "FLEXCHAIN_SKU_RULES", '{"finished": "{family}.{colour}", "module": "M-{family}-{part}"}'
    )
    path = tmp_path / "items.csv"
    path.write_text(
        "sku,name,kind,family,attributes,module_type\n"
        "TEE.NAVY,Tee,finished,TEE,colour=navy,\n"
        "M-TEE-BODY,Tee body,module,TEE,part=body,standard\n"
        "TEE-SLEEVE,Tee sleeve,module,TEE,part=sleeve,standard\n"
    )
    # when the file is imported
    code, _, err = flexchain_cli(database_url, "import", "items", str(path))
    # then only the module breaking the module rule is refused
    assert code == 1
    assert "items.csv:4: sku: 'TEE-SLEEVE' does not follow M-{family}-{part}" in err
    assert "items.csv:2" not in err and "items.csv:3" not in err
    # and once it is fixed the whole file goes in
    path.write_text(path.read_text().replace("TEE-SLEEVE", "M-TEE-SLEEVE"))
    code, _, err = flexchain_cli(database_url, "import", "items", str(path))
    assert code == 0, err
    assert _skus(database_url) == ["M-TEE-BODY", "M-TEE-SLEEVE", "TEE.NAVY"]
