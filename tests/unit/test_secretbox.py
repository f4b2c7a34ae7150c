"""The keyring that encrypts shop secrets at rest, and its key file (adapters/secretbox.py)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from flexchain.adapters import secretbox
from flexchain.adapters.secretbox import Keyring, KeySource, SecretKeyError
from flexchain.config import Settings

OLD = secretbox.generate_key()
NEW = secretbox.generate_key()
PLAIN = "shpss_0123456789abcdef"


@pytest.fixture(autouse=True)
def nothing_installed() -> Iterator[None]:
    secretbox.install(None)
    yield
    secretbox.install(None)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_is_not_in_its_token_and_decrypts_back() -> None:
    # given a keyring of one key
    keyring = Keyring([OLD], "test")
    # when a secret is encrypted
    token = keyring.encrypt(PLAIN)
    # then the token holds no trace of it, and decrypts to it
    assert PLAIN not in token
    assert token.startswith("gAAAAA")  # a Fernet token
    assert keyring.decrypt(token) == PLAIN


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    # given a token under the old key, and a keyring of the new key then the old one
    old_token = Keyring([OLD], "test").encrypt(PLAIN)
    both = Keyring([NEW, OLD], "test")
    # then the old token opens, is not current, and re-encrypts under the new key alone
    assert both.decrypt(old_token) == PLAIN
    assert not both.is_current(old_token)
    again = both.reencrypt(old_token)
    assert both.is_current(again)
    assert Keyring([NEW], "test").decrypt(again) == PLAIN
    with pytest.raises(SecretKeyError):
        Keyring([OLD], "test").decrypt(again)


def test_a_key_that_does_not_open_a_secret_says_where_it_was_looked_for() -> None:
    # given a token under another key and the keys of FLEXCHAIN_SECRET_KEY
    token = Keyring([OLD], "test").encrypt(PLAIN)
    source = KeySource(NEW, Path("/nowhere/secret.key"))
    # when it is decrypted
    with pytest.raises(SecretKeyError) as raised:
        source.keyring().decrypt(token)
    # then the message names the variable, the likely cause and what to do
    assert str(raised.value) == (
        "shop secrets cannot be read: FLEXCHAIN_SECRET_KEY does not open them (was the database "
        "copied without its key? set FLEXCHAIN_SECRET_KEY to the key they were stored with, or "
        "unset it to use the key file /nowhere/secret.key)"
    )


def test_a_key_file_that_does_not_open_a_secret_names_the_file(tmp_path: Path) -> None:
    # given a key file of another key
    path = tmp_path / "secret.key"
    secretbox.write_key_file(path, [NEW])
    token = Keyring([OLD], "test").encrypt(PLAIN)
    # when the token is decrypted with it
    with pytest.raises(SecretKeyError) as raised:
        KeySource(None, path).keyring().decrypt(token)
    # then the message names the file
    assert str(raised.value) == (
        f"shop secrets cannot be read: the key file {path} does not open them (was the "
        f"database copied without its key? restore the key file {path}, or set "
        "FLEXCHAIN_SECRET_KEY)"
    )


def test_without_a_key_file_secrets_cannot_be_read_and_none_is_created(tmp_path: Path) -> None:
    # given no key file and no FLEXCHAIN_SECRET_KEY
    path = tmp_path / "secret.key"
    # when the keys are asked for reading
    with pytest.raises(SecretKeyError) as raised:
        KeySource(None, path).keyring()
    # then the error says where it looked, and no key was made up
    assert f"FLEXCHAIN_SECRET_KEY is unset and there is no key file {path}" in str(raised.value)
    assert not path.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "FLEXCHAIN_SECRET_KEY holds no key"),
        ("not-a-key", "FLEXCHAIN_SECRET_KEY: key 1 is not a Fernet key"),
        (f"{NEW},short", "FLEXCHAIN_SECRET_KEY: key 2 is not a Fernet key"),
    ],
    ids=["empty", "garbage", "second-key-bad"],
)
def test_a_malformed_key_is_refused_naming_which(text: str, message: str) -> None:
    with pytest.raises(SecretKeyError) as raised:
        secretbox.parse_keys(text, "FLEXCHAIN_SECRET_KEY")
    assert str(raised.value).startswith(message)


def test_keys_are_separated_by_commas_or_white_space() -> None:
    assert secretbox.parse_keys(f" {NEW}, {OLD}\n", "x") == (NEW, OLD)
    assert secretbox.parse_keys(f"{NEW}\n{OLD}\n", "x") == (NEW, OLD)


def test_the_key_file_is_created_owner_only_in_an_owner_only_directory(tmp_path: Path) -> None:
    # given a key file path in a directory that does not exist yet
    path = tmp_path / "data" / "flexchain" / "secret.key"
    # when a secret is encrypted with that source
    token = KeySource(None, path).keyring(create=True).encrypt(PLAIN)
    # then the file holds one key, readable and writable by its owner only, in a 0700 directory
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    (key,) = secretbox.parse_keys(path.read_text(), "file")
    assert Keyring([key], "file").decrypt(token) == PLAIN
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.key"]  # no temp files


def test_an_existing_key_file_is_kept(tmp_path: Path) -> None:
    # given a key file
    path = tmp_path / "secret.key"
    secretbox.write_key_file(path, [OLD])
    # when it is ensured again
    created = secretbox.create_key_file(path)
    # then it is unchanged
    assert created is False
    assert path.read_text() == f"{OLD}\n"


def test_writing_the_key_file_replaces_it_whole_and_owner_only(tmp_path: Path) -> None:
    # given a key file someone made readable to all
    path = tmp_path / "secret.key"
    path.write_text(f"{OLD}\n")
    path.chmod(0o644)
    # when it is rewritten with the new key first
    secretbox.write_key_file(path, [NEW, OLD])
    # then it holds both, in order, owner-only, and nothing else is left beside it
    assert path.read_text() == f"{NEW},{OLD}\n"
    assert _mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_a_rewritten_key_file_is_read_again(tmp_path: Path) -> None:
    # given a source that has read its key file once
    path = tmp_path / "secret.key"
    secretbox.write_key_file(path, [OLD])
    source = KeySource(None, path)
    assert source.keyring().keys == (OLD,)
    # when another process rotates the file
    secretbox.write_key_file(path, [NEW, OLD])
    # then the next use reads the new keys
    assert source.keyring().keys == (NEW, OLD)


def test_the_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    # given both a key file and FLEXCHAIN_SECRET_KEY
    path = tmp_path / "secret.key"
    secretbox.write_key_file(path, [OLD])
    source = KeySource.of(Settings(secret_key=f"{NEW},{OLD}", secret_key_file=path))
    # then the environment's keys are used, the first encrypting
    assert source.keyring().keys == (NEW, OLD)
    assert source.where == "FLEXCHAIN_SECRET_KEY"


def test_without_an_installed_source_the_environment_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given a process that never bootstrapped (an applier process), with a key in its env
    monkeypatch.setenv("FLEXCHAIN_SECRET_KEY", NEW)
    # when a secret is encrypted and decrypted through the module
    token = secretbox.encrypt(PLAIN)
    # then the environment's key was used
    assert Keyring([NEW], "test").decrypt(token) == PLAIN
    assert secretbox.decrypt(token) == PLAIN


def test_an_installed_source_is_used_until_another_is_installed(tmp_path: Path) -> None:
    # given a source installed (as bootstrap does)
    secretbox.install(KeySource(OLD, tmp_path / "unused.key"))
    token = secretbox.encrypt(PLAIN)
    # when another one is installed
    secretbox.install(KeySource(NEW, tmp_path / "unused.key"))
    # then the first one's tokens no longer open
    with pytest.raises(SecretKeyError):
        secretbox.decrypt(token)
    assert not (tmp_path / "unused.key").exists()


def test_a_fingerprint_names_the_encrypting_key_without_revealing_it() -> None:
    one, other = Keyring([NEW, OLD], "x"), Keyring([NEW], "x")
    assert one.fingerprint == other.fingerprint
    assert one.fingerprint != Keyring([OLD], "x").fingerprint
    assert len(one.fingerprint) == 12 and one.fingerprint not in NEW


def test_a_group_readable_key_file_still_opens_but_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "secret.key"
    secretbox.write_key_file(path, [OLD])
    os.chmod(path, 0o640)
    assert KeySource(None, path).keyring().keys == (OLD,)
    assert f"key file {path} is readable by others" in caplog.text
