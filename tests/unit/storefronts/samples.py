"""Sample bodies as a storefront sends them, and an independent way to sign them.

The fixtures' ``.sig`` files were computed once with OpenSSL
(``openssl dgst -sha256 -hmac hush-fixture-secret -binary < body | base64``), not with our code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SECRET = "hush-fixture-secret"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_signature(name: str) -> str:
    return (FIXTURES / f"{name}.sig").read_text().strip()


def hmac_base64(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256) with the standard library, as the platforms document it."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def as_body(payload: dict[str, Any]) -> bytes:
    """A payload serialised the way a platform would (ints and Decimal strings kept exact)."""
    return json.dumps(payload, default=str).encode()


def load(name: str) -> dict[str, Any]:
    """A fixture as Python data (ids stay exact ints)."""
    loaded: dict[str, Any] = json.loads(fixture_bytes(name))
    return loaded
