"""Secrets at rest: a keyring of Fernet keys (``cryptography``) and where its keys come from.

The keys come from ``FLEXCHAIN_SECRET_KEY`` (comma-separated: the first encrypts, every one
decrypts) or, when that is unset, from the key file (``FLEXCHAIN_SECRET_KEY_FILE``, default
``~/.local/share/flexchain/secret.key``), which is created readable by its owner only by
``flexchain init`` or when the first secret is stored. ``bootstrap()`` :func:`install`\\ s the
installation's :class:`KeySource`; a process that never bootstrapped (an applier process, a test)
reads the settings from the environment on first use.

A key file is read again whenever it changes on disk, so a running server follows
``flexchain secrets rotate``: the file holds ``NEW,OLD`` while the secrets are re-encrypted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.exc import DontWrapMixin

if TYPE_CHECKING:
    from flexchain.config import Settings

__all__ = [
    "ENV_NAME",
    "KeySource",
    "Keyring",
    "SecretKeyError",
    "decrypt",
    "encrypt",
    "generate_key",
    "install",
    "installed",
    "parse_keys",
    "write_key_file",
]

logger = logging.getLogger(__name__)

ENV_NAME = "FLEXCHAIN_SECRET_KEY"


class SecretKeyError(DontWrapMixin, Exception):
    """Secrets cannot be encrypted or read with the configured key; ``str(error)`` says where
    the key was looked for and what to do.

    Raised as it is from a statement (SQLAlchemy's ``StatementError`` would wrap it, and its
    message shows the statement's parameters: the plain secret being stored)."""


def generate_key() -> str:
    """A new Fernet key (URL-safe base64 of 32 random bytes) as ``FLEXCHAIN_SECRET_KEY`` takes."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str, where: str) -> tuple[str, ...]:
    """The keys in ``text`` (separated by commas or white space), each checked to be a Fernet key.

    Raises :class:`SecretKeyError` naming ``where`` the text came from.
    """
    keys = tuple(part for part in re.split(r"[,\s]+", text.strip()) if part)
    if not keys:
        raise SecretKeyError(f"{where} holds no key")
    for number, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise SecretKeyError(
                f"{where}: key {number} is not a Fernet key (32 bytes in URL-safe base64; "
                "flexchain secrets key prints a new one)"
            ) from None
    return keys


class Keyring:
    """Fernet keys: the first encrypts, any of them decrypts."""

    def __init__(self, keys: Sequence[str], where: str, *, hint: str = "") -> None:
        if not keys:
            raise SecretKeyError(f"{where} holds no key")
        self.keys = tuple(keys)
        self.where = where
        """Where the keys came from, for messages: ``FLEXCHAIN_SECRET_KEY`` or the key file."""
        self.hint = hint
        """What to do when the keys do not open a secret."""
        self._primary = Fernet(self.keys[0])
        self._all = MultiFernet([Fernet(key) for key in self.keys])

    @property
    def fingerprint(self) -> str:
        """A short id of the encrypting key (a hash: it reveals nothing of the key)."""
        return hashlib.sha256(self.keys[0].encode("ascii")).hexdigest()[:12]

    def encrypt(self, plain: str) -> str:
        return self._primary.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The secret in ``token``; raises :class:`SecretKeyError` if no key opens it."""
        try:
            return self._all.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SecretKeyError(
                f"shop secrets cannot be read: {self.where} does not open them (was the "
                f"database copied without its key? {self.hint})"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is encrypted under the first (encrypting) key."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def reencrypt(self, token: str) -> str:
        """``token`` decrypted with any key and encrypted again under the first."""
        return self.encrypt(self.decrypt(token))


@dataclass
class KeySource:
    """Where an installation's keys live: ``env`` (the value of ``FLEXCHAIN_SECRET_KEY``) if
    set, else the key file ``file``. :meth:`keyring` reads them (again when the file changed)."""

    env: str | None
    file: Path
    _cached: tuple[tuple[int, int, int], Keyring] | None = field(default=None, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def of(cls, settings: Settings) -> KeySource:
        return cls(settings.secret_key or None, Path(settings.secret_key_file).expanduser())

    @property
    def where(self) -> str:
        return ENV_NAME if self.env else f"the key file {self.file}"

    @property
    def hint(self) -> str:
        if self.env:
            return (
                f"set {ENV_NAME} to the key they were stored with, or unset it to use the key "
                f"file {self.file}"
            )
        return f"restore the key file {self.file}, or set {ENV_NAME}"

    def keyring(self, *, create: bool = False) -> Keyring:
        """The keys; with ``create``, a missing key file is created first (owner-only).

        Raises :class:`SecretKeyError` when there is no key (and ``create`` is false) or a key
        is malformed.
        """
        if self.env:
            return Keyring(parse_keys(self.env, ENV_NAME), ENV_NAME, hint=self.hint)
        with self._guard:
            if create:
                create_key_file(self.file)
            try:
                stat = self.file.stat()
            except FileNotFoundError:
                raise SecretKeyError(
                    f"shop secrets cannot be read: {ENV_NAME} is unset and there is no key file "
                    f"{self.file} (was the database copied without its key? {self.hint})"
                ) from None
            signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if self._cached is not None and self._cached[0] == signature:
                return self._cached[1]
            if stat.st_mode & 0o077:
                logger.warning("key file %s is readable by others: chmod 600 it", self.file)
            keyring = Keyring(
                parse_keys(self.file.read_text("ascii"), self.where), self.where, hint=self.hint
            )
            self._cached = (signature, keyring)
            return keyring


def create_key_file(path: Path) -> bool:
    """Create the key file ``path`` with a new key, readable by its owner only, unless it exists
    (its directory is created owner-only too); returns whether it was created.

    Exclusive: of two processes creating it at once, one key wins and both use it.
    """
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = _written(path, [generate_key()])
    try:
        os.link(temporary, path)  # fails if another process created it meanwhile
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)
    _sync_directory(path.parent)
    return True


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file ``path`` by one holding ``keys`` (first encrypting), atomically:
    a crash leaves either the old file or the new one, both readable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = _written(path, keys)
    try:
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _written(path: Path, keys: Sequence[str]) -> str:
    """A new file beside ``path`` (mode 0600) holding ``keys``, flushed to disk; its name."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(",".join(keys) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return name


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_installed: KeySource | None = None
_install_guard = threading.Lock()


def install(source: KeySource | None) -> None:
    """Make ``source`` the keys that :func:`encrypt` and :func:`decrypt` use in this process
    (``None``: read the settings from the environment again on next use)."""
    global _installed
    with _install_guard:
        _installed = source


def installed() -> KeySource:
    """The installed key source, else the one of the settings in the environment."""
    global _installed
    with _install_guard:
        if _installed is None:
            from flexchain.config import Settings  # the settings module imports the domain

            _installed = KeySource.of(Settings())
        return _installed


def encrypt(plain: str) -> str:
    """``plain`` encrypted under the installed key (the key file is created if missing)."""
    return installed().keyring(create=True).encrypt(plain)


def decrypt(token: str) -> str:
    """The secret in ``token``, opened with the installed keys (raises :class:`SecretKeyError`)."""
    return installed().keyring().decrypt(token)
