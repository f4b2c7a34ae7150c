"""Who may ask a shop's quotes without a login, on both databases: each shop has a publishable
key (made by ``shop add``, replaced by ``shop key --new``); ``shop set --public-quotes`` opens
quotes to anyone; :func:`flexchain.services.shops.quote_access` answers the API's access layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from flexchain.adapters.db.uow import UnitOfWork
from flexchain.services import audit, shops
from tests.integration.test_cli import flexchain_cli

UowFactory = Callable[..., UnitOfWork]
SHOP = "brand.myshopify.com"
OTHER = "other.example.com"


def _add(make_uow: UowFactory, domain: str, platform: str = "shopify") -> shops.ShopView:
    with make_uow() as uow:
        view, _ = shops.add_shop(uow, platform=platform, domain=domain, secret="a-secret-123")
        uow.commit()
    return view


def _access(make_uow: UowFactory, key: str | None) -> str | None:
    with make_uow(write=False) as uow:
        return shops.quote_access(uow, key)


def test_a_new_shop_gets_its_own_publishable_key_and_private_quotes(
    make_uow: UowFactory,
) -> None:
    # when two shops are added
    first, second = _add(make_uow, SHOP), _add(make_uow, OTHER, "woocommerce")
    # then each has a pk_ key of its own, and their quotes are not public
    assert first.publishable_key is not None and second.publishable_key is not None
    assert first.publishable_key.startswith("pk_") and len(first.publishable_key) == 35
    assert first.publishable_key != second.publishable_key
    assert (first.quotes_public, second.quotes_public) == (False, False)


def test_adding_a_shop_again_keeps_its_key(make_uow: UowFactory) -> None:
    # given a shop
    key = _add(make_uow, SHOP).publishable_key
    # when it is added again (an update)
    again = _add(make_uow, SHOP)
    # then its pages keep working
    assert again.publishable_key == key


def test_a_key_answers_the_domain_of_its_active_shop_only(make_uow: UowFactory) -> None:
    # given two shops
    key = _add(make_uow, SHOP).publishable_key
    _add(make_uow, OTHER)
    # then its key names the shop, an unknown key nothing
    assert _access(make_uow, key) == SHOP
    assert _access(make_uow, "pk_not-a-key") is None
    # and once the shop is disabled, its key opens nothing
    with make_uow() as uow:
        shops.disable_shop(uow, SHOP)
        uow.commit()
    assert _access(make_uow, key) is None


def test_without_a_key_quotes_are_public_only_while_an_active_shop_says_so(
    make_uow: UowFactory,
) -> None:
    # given two shops, none with public quotes
    _add(make_uow, SHOP)
    _add(make_uow, OTHER)
    assert _access(make_uow, None) is None
    # when one makes its quotes public
    with make_uow() as uow:
        view = shops.set_public_quotes(uow, OTHER, True)
        uow.commit()
    # then anyone may ask
    assert view.quotes_public is True
    assert _access(make_uow, None) == "public"
    # and not once that shop is disabled
    with make_uow() as uow:
        shops.disable_shop(uow, OTHER)
        uow.commit()
    assert _access(make_uow, None) is None


def test_a_new_key_replaces_the_old_one_and_is_audited(make_uow: UowFactory) -> None:
    # given a shop and its key
    old = _add(make_uow, SHOP).publishable_key
    # when a user replaces it
    with make_uow(actor="user:anna@example.com") as uow:
        new = shops.publishable_key(uow, SHOP, new=True)
        uow.commit()
    # then the old one opens nothing, the new one the shop
    assert new != old and new.startswith("pk_")
    assert (_access(make_uow, old), _access(make_uow, new)) == (None, SHOP)
    with make_uow(write=False) as uow:
        entry = audit.list_entries(uow, entity="shop", limit=1)[0]
    assert (entry.actor, entry.action, entry.key) == ("user:anna@example.com", "key_replaced", SHOP)
    assert (entry.before, entry.after) == ({"publishable_key": old}, {"publishable_key": new})


def test_public_quotes_are_audited(make_uow: UowFactory) -> None:
    _add(make_uow, SHOP)
    with make_uow(actor="user:anna@example.com") as uow:
        shops.set_public_quotes(uow, SHOP, True)
        uow.commit()
    with make_uow(write=False) as uow:
        entry = audit.list_entries(uow, entity="shop", limit=1)[0]
    assert (entry.action, entry.before, entry.after) == (
        "updated",
        {"quotes_public": False},
        {"quotes_public": True},
    )


def test_a_key_of_an_unknown_shop_is_refused(make_uow: UowFactory) -> None:
    with make_uow() as uow, pytest.raises(shops.NotFound, match="unknown shop"):
        shops.publishable_key(uow, "nowhere.example.com")


# --- the commands --------------------------------------------------------------------------


def _cli_add(database_url: str, domain: str = SHOP) -> None:
    code, _, err = flexchain_cli(
        database_url, "shop", "add", "--platform", "shopify", "--domain", domain,
        "--secret", "a-secret-123",
    )  # fmt: skip
    assert code == 0, err


def _listed(database_url: str) -> list[dict[str, object]]:
    code, out, err = flexchain_cli(database_url, "shop", "list", "--json")
    assert code == 0, err
    shown: list[dict[str, object]] = json.loads(out)
    return shown


def test_shop_key_prints_the_key_and_new_replaces_it(database_url: str) -> None:
    # given a shop added by the command
    _cli_add(database_url)
    (listed,) = _listed(database_url)
    # when its key is asked for, then replaced
    code, printed, _ = flexchain_cli(database_url, "shop", "key", SHOP)
    code_new, replaced, _ = flexchain_cli(database_url, "shop", "key", SHOP, "--new")
    # then the first is the listed key alone, the second a new one the list now shows
    assert (code, code_new) == (0, 0)
    assert printed == f"{listed['publishable_key']}\n"
    assert replaced.strip().startswith("pk_") and replaced != printed
    assert _listed(database_url)[0]["publishable_key"] == replaced.strip()


def test_shop_set_turns_public_quotes_on_and_off(database_url: str) -> None:
    _cli_add(database_url)
    assert _listed(database_url)[0]["quotes_public"] is False
    code, out, _ = flexchain_cli(database_url, "shop", "set", SHOP, "--public-quotes")
    assert code == 0 and out.strip() == f"shop {SHOP} (shopify) quotes public"
    assert _listed(database_url)[0]["quotes_public"] is True
    code, out, _ = flexchain_cli(database_url, "shop", "set", SHOP, "--no-public-quotes")
    assert out.strip() == f"shop {SHOP} (shopify) quotes by publishable key only"
    assert _listed(database_url)[0]["quotes_public"] is False


def test_shop_set_without_a_setting_says_what_to_give(database_url: str) -> None:
    _cli_add(database_url)
    code, _, err = flexchain_cli(database_url, "shop", "set", SHOP)
    assert code == 1
    assert err.strip() == "Error: nothing to set: give --public-quotes or --no-public-quotes"


def test_shop_list_shows_quote_access(database_url: str) -> None:
    # given a shop with private quotes
    _cli_add(database_url)
    # when the shops are listed as a table (80 columns wide)
    code, out, _ = flexchain_cli(database_url, "shop", "list")
    # then whether its quotes are public shows (the key only where the terminal is wide
    # enough: whole with --json and flexchain shop key)
    assert code == 0
    heading = out.splitlines()[1]
    (row,) = [line for line in out.splitlines() if SHOP in line]
    cells = [cell.strip() for cell in row.split("│")]
    assert heading.split("┃")[7].strip() == "Public" and cells[6:8] == ["True", "False"]
