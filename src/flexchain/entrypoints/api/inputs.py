"""What every router refuses of the text callers send, before its route runs.

A NUL character cannot be stored in PostgreSQL text (psycopg refuses to send it, and the request
ended in a server error) and cuts SQLite's text short, so a request holding one in its path, its
query or its JSON body answers 422 instead. Routers take it as ``dependencies=[STORABLE_TEXT]``;
the webhooks do not: their raw body is checked by its signature, not parsed here.
"""

from __future__ import annotations

import json

from fastapi import Depends, HTTPException, Request

__all__ = ["STORABLE_TEXT", "storable_text"]

NUL = "\x00"


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


async def storable_text(request: Request) -> None:
    """Refuse (422) a request with a NUL character in a path parameter, the query or the JSON
    body, naming where it is."""
    found = [name for name, value in request.path_params.items() if _holds_nul(value)]
    found += [name for name, value in request.query_params.multi_items() if NUL in name + value]
    body = await request.body()
    if body:
        try:
            parsed = json.loads(body)
        except ValueError:  # not JSON: FastAPI already answered for a route that reads JSON
            parsed = None
        if _holds_nul(parsed):
            found.append("body")
    if found:
        raise HTTPException(422, f"{', '.join(found)}: text may not hold a NUL character")


STORABLE_TEXT = Depends(storable_text)
