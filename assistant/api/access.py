"""Who is calling, and may they: bearer-key authentication and per-key rate limits, as FastAPI dependencies.

With no active key, requests are anonymous (the server then listens on loopback only, see `serve`); with keys,
every /v1 request needs `Authorization: Bearer KEY`. A server started on a non-loopback address requires a key even
if every key is later revoked: it never opens up by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import ApiError
from assistant.api.keys import ApiKey

bearer = HTTPBearer(auto_error=False, description="An API key from `python -m assistant keys add NAME`.")
ANSWERS, OTHER = "answers", "other"


@dataclass(frozen=True)
class Caller:
    """The key's name (None when no keys are configured) and the client's address."""

    key: ApiKey | None
    client: str | None

    @property
    def key_name(self) -> str | None:
        return self.key.name if self.key else None

    @property
    def identity(self) -> str:
        return f"key:{self.key.name}" if self.key else f"addr:{self.client}"


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, "unauthorized", {"WWW-Authenticate": "Bearer"})


async def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """The authenticated caller; 401 when keys are required and the bearer key is missing, wrong or revoked.
    Async (a stat of the key file, a dict lookup): a sync dependency would cost a thread-pool hop per request."""
    state = request.app.state
    client = request.client.host if request.client else None
    if not state.keys.active():
        if state.require_keys:
            raise _unauthorized("this server requires an API key and none is active: add one with "
                                "`python -m assistant keys add NAME`")
        return Caller(None, client)
    if credentials is None:
        sent = request.headers.get("authorization")
        raise _unauthorized("the Authorization header must be 'Bearer KEY'" if sent else
                            "missing API key: send the header 'Authorization: Bearer KEY'")
    key = state.keys.match(credentials.credentials)
    if key is None:
        raise _unauthorized("wrong or revoked API key")
    return Caller(key, client)


def limited(scope: str):
    """A dependency: the caller, counted against the rate limit of `scope` (answers or other); 429 beyond it."""

    async def check(request: Request, who: Annotated[Caller, Depends(caller)]) -> Caller:
        api = request.app.state.settings.api
        limit = (who.key.rate_limit if who.key and who.key.rate_limit and scope == ANSWERS
                 else api.rate_limit if scope == ANSWERS else api.rate_limit_other)
        verdict = request.app.state.limiter.hit(scope, who.identity, limit)
        request.state.rate_headers = verdict.headers()
        if not verdict.allowed:
            raise ApiError(429, f"rate limit {limit} reached for {who.key_name or who.client}; retry in "
                           f"{verdict.headers()['Retry-After']} s", "rate_limited", verdict.headers())
        return who

    return check


AnswerCaller = Annotated[Caller, Depends(limited(ANSWERS))]
OtherCaller = Annotated[Caller, Depends(limited(OTHER))]


def rate_headers(request: Request) -> dict[str, str]:
    """The X-RateLimit-* headers for this request's response (empty when it was not limited)."""
    return getattr(request.state, "rate_headers", {}) or {}
