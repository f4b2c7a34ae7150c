"""The error answers routes declare (``responses=``), so the OpenAPI description lists every status
a route can answer, with its body, for integrators and for the API fuzzer (tests/e2e).

A refused request answers ``{"detail": ...}``: a domain error's message (:mod:`.errors`: 404 for
what does not exist, 422 for what the rules refuse) or, for a request that does not match the
route's description, FastAPI's list of field errors (also 422). A body that is not text at all
(not UTF-8) answers 400 before any of that.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["FieldError", "Problem", "Refusal", "Responses", "errors"]

Responses = dict[int | str, dict[str, Any]]
MISMATCH = "The request does not match this description"


class Problem(BaseModel):
    """What went wrong, in the words the CLI would print."""

    detail: str


class FieldError(BaseModel):
    """One part of the request that does not match the route's description."""

    loc: list[str | int]
    msg: str
    type: str


class Refusal(BaseModel):
    """A refused request: the rule's message, or one entry per field that does not match."""

    detail: str | list[FieldError]


def errors(refused: str = MISMATCH, *, missing: str | None = None, body: bool = False) -> Responses:
    """The answers of a route that takes input: 422 (``refused`` says when), 404 when something
    named may not exist (``missing`` says what), 400 when it reads a JSON ``body``."""
    answers: Responses = {422: {"model": Refusal, "description": refused}}
    if missing is not None:
        answers[404] = {"model": Problem, "description": missing}
    if body:
        answers[400] = {"model": Problem, "description": "The body cannot be decoded (not UTF-8)"}
    return answers
