"""Errors as ``application/problem+json`` (RFC 9457), one mapping for the whole API.

The service's exceptions say what went wrong; this module says which status that is:
``TokenRefused`` 401, ``PermissionDenied`` 403, ``NotFound`` / ``WorkflowNotFound`` 404,
``Conflict`` (and any other refused control) 409, invalid input 422 with one entry per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.service import (
    Conflict,
    ControlRefused,
    NotFound,
    PermissionDenied,
    TokenRefused,
    UnknownNodeType,
    WorkflowNotFound,
    WorkflowRejected,
)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://mailroom.example/problems/"


class FieldError(BaseModel):
    """One invalid field: where it is (``body.name``, ``query.limit``) and what is wrong."""

    field: str
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class Problem(Exception):
    """Raise to answer with a problem document (``headers``: e.g. Retry-After)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
        errors: Sequence[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.headers = headers or {}
        self.errors = list(errors) if errors is not None else None


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    """The response a ``Problem`` is answered with."""
    body = ProblemDetails(
        type=TYPE_BASE + problem.kind,
        title=HTTPStatus(problem.status).phrase,
        status=problem.status,
        detail=problem.detail,
        instance=instance,
        errors=problem.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=problem.status,
        headers=problem.headers,
        media_type=MEDIA_TYPE,
    )


def field_errors(errors: Sequence[Any]) -> list[FieldError]:
    """pydantic's errors as field errors, each located by a dotted path."""
    found = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()))
        found.append(FieldError(field=location or "body", message=str(error.get("msg", ""))))
    return found


def _mapped(exc: Exception) -> Problem:
    if isinstance(exc, TokenRefused):
        return Problem(401, str(exc), kind="invalid-token", headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, PermissionDenied):
        return Problem(403, str(exc), kind="forbidden")
    if isinstance(exc, NotFound | WorkflowNotFound | UnknownNodeType):
        return Problem(404, str(exc).strip("'\""), kind="not-found")
    if isinstance(exc, WorkflowRejected):
        errors = [
            FieldError(
                field=f"body.nodes.{node_id}" + (f".config.{name}" if name else ""), message=why
            )
            for node_id, settings in exc.fields.items()
            for name, why in settings.items()
        ]
        errors += [FieldError(field="body.connections", message=why) for why in exc.problems]
        return Problem(422, str(exc), kind="workflow-rejected", errors=errors)
    if isinstance(exc, Conflict):
        return Problem(409, str(exc), kind="conflict")
    if isinstance(exc, ControlRefused):
        return Problem(409, str(exc), kind="refused")
    raise exc


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        problem = exc if isinstance(exc, Problem) else _mapped(exc)
        return problem_response(problem, request.url.path)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        errors = field_errors(exc.errors())
        named = ", ".join(error.field for error in errors)
        problem = Problem(
            422, f"the request is not valid: {named}", kind="validation", errors=errors
        )
        return problem_response(problem, request.url.path)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = Problem(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    app.add_exception_handler(Problem, on_problem)
    for kind in (
        TokenRefused,
        PermissionDenied,
        NotFound,
        WorkflowNotFound,
        UnknownNodeType,
        WorkflowRejected,
        ControlRefused,
    ):
        app.add_exception_handler(kind, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
