"""A client of a running server for `python -m assistant ask --url URL`: the same answer without loading a model.

Failures are one-line GroundedErrors with the CLI's exit codes: the server unreachable or failing (4), the key
refused or an unknown engine (2, as when asking in process), the request rejected (1, with the server's message).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from kernel.errors import ConfigError, GroundedError, InputError, LLMUnavailableError


def _error(response: httpx.Response) -> tuple[str, str | None]:
    """The server's error message and the request field it names (`param`), if any."""
    try:
        err = response.json().get("error") or {}
        return str(err.get("message") or response.reason_phrase), err.get("param")
    except (ValueError, AttributeError):
        return " ".join(response.text.split())[:200] or response.reason_phrase, None


def _raise(response: httpx.Response, url: str) -> None:
    text, param = _error(response)
    message = f"{url} answered {response.status_code}: {text}"
    if response.status_code == 422 and param == "engine":
        raise ConfigError(message)
    if response.status_code in (401, 403):
        raise ConfigError(f"{message} (pass --api-key KEY or set GROUNDED_API_KEY)")
    if response.status_code == 404:
        raise InputError(f"{message} (is {url} the server's address?)")
    if response.status_code >= 500:
        raise LLMUnavailableError(message)
    raise InputError(message)


def ask(url: str, body: dict, api_key: str | None = None, on_token: Callable[[str], None] | None = None,
        timeout: float = 300.0) -> dict:
    """POST {url}/v1/ask; with `on_token`, streamed (tokens as they come); returns the /v1/ask object."""
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise InputError(f"--url must start with http:// or https://, not {url!r}")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=httpx.Timeout(timeout, connect=5.0)) as http:
            if on_token is None:
                response = http.post("/v1/ask", json=body)
                if response.status_code != 200:
                    _raise(response, base)
                return response.json()
            with http.stream("POST", "/v1/ask", json={**body, "stream": True}) as response:
                if response.status_code != 200:
                    response.read()
                    _raise(response, base)
                return _read_events(response, on_token, base)
    except httpx.ConnectError:
        raise LLMUnavailableError(f"cannot reach the server at {base}: is it running? "
                                  "(python -m assistant serve)") from None
    except httpx.TimeoutException:
        raise LLMUnavailableError(f"the server at {base} did not answer within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise LLMUnavailableError(f"the server at {base} failed: {exc.__class__.__name__}: {exc}") from None


def _read_events(response: httpx.Response, on_token: Callable[[str], None], base: str) -> dict:
    event, data = None, []
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            payload = json.loads("\n".join(data))
            if event == "token":
                on_token(payload["text"])
            elif event == "answer":
                return payload
            elif event == "error":
                raise GroundedError(f"{base}: {payload['error']['message']}")
            event, data = None, []
    raise LLMUnavailableError(f"the server at {base} closed the stream before the answer")
