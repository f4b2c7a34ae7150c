"""Secrets at rest: the installation's key (``flexchain init``, ``flexchain secrets key``) and
its rotation (``flexchain secrets rotate``).

Shop webhook secrets and API tokens are stored encrypted under the first key of
``FLEXCHAIN_SECRET_KEY``, else of the key file (:mod:`flexchain.adapters.secretbox`). Rotating
with the key file takes four steps, each leaving every secret readable if the next never comes:

1. check that the keys there open every stored secret (else stop, having changed nothing);
2. write the key file as ``NEW,OLD`` (atomically, owner-only): both keys open everything;
3. re-encrypt every secret under ``NEW`` in one transaction, with an audit row;
4. write the key file as ``NEW`` alone, then re-encrypt whatever another process stored under
   the old key meanwhile.

With ``FLEXCHAIN_SECRET_KEY`` the user writes step 2 (``NEW,OLD``) and drops ``OLD`` after
step 3; a single key there is refused, since there would be no new key to rotate to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from flexchain.adapters.db.secrets import SecretStore, StoredSecret
from flexchain.adapters.db.uow import UnitOfWork
from flexchain.adapters.secretbox import (
    ENV_NAME,
    Keyring,
    KeySource,
    SecretKeyError,
    create_key_file,
    generate_key,
    write_key_file,
)
from flexchain.config import Settings
from flexchain.domain.errors import ValidationError
from flexchain.services import audit

__all__ = [
    "KeyStatus",
    "Rotation",
    "SecretKeyError",
    "ensure_key",
    "new_key",
    "reencrypt",
    "reencrypted",
    "rotate",
]


def new_key() -> str:
    """A fresh key for ``FLEXCHAIN_SECRET_KEY`` (``flexchain secrets key``)."""
    return generate_key()


@dataclass(frozen=True)
class KeyStatus:
    """Where the installation's key is, and whether :func:`ensure_key` just created it."""

    where: str
    """``FLEXCHAIN_SECRET_KEY`` or ``the key file PATH``."""
    key_file: Path | None
    """The key file, unless the key comes from the environment."""
    created: bool
    fingerprint: str
    """A short id of the encrypting key (a hash; it reveals nothing of the key)."""


def ensure_key(settings: Settings) -> KeyStatus:
    """The key of ``settings``: the key file is created (owner-only) when missing and
    ``FLEXCHAIN_SECRET_KEY`` is unset (``flexchain init``). Raises ``SecretKeyError`` for a
    malformed key."""
    source = KeySource.of(settings)
    created = False if source.env else create_key_file(source.file)
    keyring = source.keyring()
    return KeyStatus(
        source.where, None if source.env else source.file, created, keyring.fingerprint
    )


@dataclass(frozen=True)
class Rotation:
    """What ``flexchain secrets rotate`` did."""

    where: str
    key_file: Path | None
    fingerprint: str
    """A short id of the key that now encrypts."""
    reencrypted: int
    """Secrets re-encrypted under the new key."""
    by_column: dict[str, int]
    """Of which, by ``table.column``."""
    current: int
    """Secrets that were under the new key already (a rotation run again)."""
    old_keys: int
    """Keys that still only decrypt (``FLEXCHAIN_SECRET_KEY``'s after the first): drop them."""


def reencrypted(stored: Iterable[StoredSecret], keyring: Keyring) -> list[StoredSecret]:
    """The secrets of ``stored`` not under ``keyring``'s first key, encrypted under it (raises
    ``SecretKeyError`` if one cannot be opened)."""
    return [
        replace(secret, token=keyring.reencrypt(secret.token))
        for secret in stored
        if not keyring.is_current(secret.token)
    ]


def reencrypt(
    uow: UnitOfWork, keyring: Keyring, *, record: bool = True
) -> tuple[int, Counter[str]]:
    """Re-encrypt every stored secret under ``keyring``'s first key in ``uow`` (uncommitted);
    returns how many there are and how many were re-encrypted by ``table.column``. Audited
    (never a secret) when ``record``, or when something changed."""
    store = SecretStore(uow.session)
    stored = store.stored()
    changed = reencrypted(stored, keyring)
    store.replace(changed)
    counts = Counter(secret.where for secret in changed)
    if record or changed:
        details = {"key": keyring.where, "reencrypted": len(changed), "columns": dict(counts)}
        audit.record(uow, "rotated", "secret_key", keyring.fingerprint, details)
    return len(stored), counts


def rotate(open_uow: Callable[[], UnitOfWork], settings: Settings) -> Rotation:
    """Re-encrypt every stored secret under a new key (see the module's steps).

    ``open_uow``: a new writing unit of work (its actor is the audit's who).

    Raises
    ------
    ValidationError
        ``FLEXCHAIN_SECRET_KEY`` holds a single key, or there is no key file yet.
    SecretKeyError
        The keys there do not open every stored secret (nothing was changed).
    """
    source = KeySource.of(settings)
    if source.env:
        keyring = source.keyring()
        if len(keyring.keys) < 2:
            raise ValidationError(
                ENV_NAME,
                "holds one key, so there is no new key to rotate to: put a new key first "
                f"(flexchain secrets key prints one), {ENV_NAME}=NEW,OLD flexchain secrets "
                f"rotate, then set {ENV_NAME}=NEW",
            )
        total, counts = _committed(open_uow, keyring, record=True)
        return _rotation(source, keyring, counts, total - counts.total(), len(keyring.keys) - 1)
    if not source.file.exists():
        raise ValidationError(
            "key file", f"{source.file} does not exist: flexchain init creates it"
        )
    old = source.keyring()
    _check_readable(open_uow, old)  # step 1
    keyring = Keyring([generate_key(), *old.keys], old.where, hint=old.hint)
    write_key_file(source.file, keyring.keys)  # step 2
    total, counts = _committed(open_uow, keyring, record=True)  # step 3
    write_key_file(source.file, keyring.keys[:1])  # step 4
    _, late = _committed(open_uow, keyring, record=False)
    return _rotation(source, keyring, counts + late, total - counts.total(), 0)


def _check_readable(open_uow: Callable[[], UnitOfWork], keyring: Keyring) -> None:
    with open_uow() as uow:
        for secret in SecretStore(uow.session).stored():
            keyring.decrypt(secret.token)


def _committed(
    open_uow: Callable[[], UnitOfWork], keyring: Keyring, *, record: bool
) -> tuple[int, Counter[str]]:
    with open_uow() as uow:
        result = reencrypt(uow, keyring, record=record)
        uow.commit()
    return result


def _rotation(
    source: KeySource, keyring: Keyring, counts: Counter[str], current: int, old_keys: int
) -> Rotation:
    return Rotation(
        where=source.where,
        key_file=None if source.env else source.file,
        fingerprint=keyring.fingerprint,
        reencrypted=counts.total(),
        by_column=dict(sorted(counts.items())),
        current=current,
        old_keys=old_keys,
    )
