"""Exceptions the API maps to status codes, and the handlers that do it.

Library errors (``ValueError``, ``TypeError``) are bad input: 422 with the
library's message, in FastAPI's validation-error shape. Anything unexpected
is logged with its traceback and answered 503 with a generic message, so a
client never sees a 500 or a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from losslab.web import limits

logger = logging.getLogger("losslab.web")


class ApiError(Exception):
    """An error with its HTTP status and a message for the client."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ApiError):
    """A job or upload id the server does not hold."""

    status_code = 404


class TooManyJobsError(ApiError):
    """A client over its share of concurrent jobs."""

    status_code = 429


class ServerBusyError(ApiError):
    """The server at its total of concurrent jobs."""

    status_code = 503


def field_error(field: str, message: str) -> JSONResponse:
    """A 422 in FastAPI's validation-error shape, naming ``field``."""
    loc = ["body", *field.split(".")] if field else ["body"]
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": loc, "msg": message, "type": "value_error"}]},
    )


class FieldError(ValueError):
    """Bad input in a named request field (``dataset.n_samples``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    status, message = (exc.status_code, exc.message) if isinstance(exc, ApiError) else (400, "")
    return JSONResponse(status_code=status, content={"detail": message})


async def _value_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, FieldError):
        return field_error(exc.field, exc.message)
    return field_error("", str(exc))


def install(app: FastAPI) -> None:
    """Register the handlers and the two middlewares on ``app``."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(TypeError, _value_error)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(BodySizeMiddleware, max_bytes=limits.MAX_BODY_BYTES)


class CatchAllMiddleware:
    """Answer 503 with a generic message for any exception no handler took; log it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; turn an escaped exception into a 503 if nothing was sent yet."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            logger.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = JSONResponse(
                status_code=503,
                content={"detail": "the server could not handle this request; it was logged"},
            )
            await response(scope, receive, send)


class BodySizeMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by header or by counting."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 413 when its body is too large."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        if length is not None:
            await self.app(scope, receive, send)
            return
        # No length given (chunked): read the body here, counting, and replay it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            status_code=413,
            content={"detail": f"request body over the limit of {self.max_bytes} bytes"},
        )
        await response(scope, receive, send)
