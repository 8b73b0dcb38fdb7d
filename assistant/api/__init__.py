"""The HTTP edge: `create_app(settings) -> FastAPI` (the API, onto which the chat UI mounts) and `serve`.

Imported only by the command line and the UI; the core never imports it. FastAPI is imported on first use, so
`python -m assistant ask` does not pay for it.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    """See `assistant.api.app.create_app`."""
    from assistant.api.app import create_app as factory

    return factory(*args, **kwargs)
