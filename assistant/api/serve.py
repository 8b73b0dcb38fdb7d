"""`python -m assistant serve`: the API (and the chat UI, once installed) under uvicorn.

Refuses a non-loopback address while no API key is active (anyone on the network could ask and read the audit
trail), and a port already in use, each with a one-line message. The index and models load once per worker process,
in the background (/readyz says when). SIGTERM and Ctrl-C stop accepting, let requests in flight finish (up to
`GROUNDED_API__GRACEFUL_SHUTDOWN_S`), write the queued audit rows, then exit.
"""

from __future__ import annotations

import copy
import importlib
import ipaddress
import os
import socket

from assistant.api.keys import KeyStore
from assistant.api.settings import ServerSettings, load_server_settings
from kernel.errors import ConfigError

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ui_mount():
    """The chat UI's `mount(app)` when the UI package is installed (issue 11: `assistant.ui`), else None."""
    try:
        module = importlib.import_module("assistant.ui")
    except ModuleNotFoundError as exc:
        if exc.name in ("assistant.ui", "gradio"):
            return None
        raise
    return getattr(module, "mount", None)


def app_from_env():
    """The app for a uvicorn worker (`--workers N` imports it by name; settings come from the environment)."""
    from assistant.api.app import create_app

    settings = load_server_settings()
    app = create_app(settings, ui=ui_mount())
    app.state.require_keys = os.environ.get("GROUNDED_SERVE_REQUIRE_KEYS") == "1"
    return app


def check_address(host: str, port: int, settings: ServerSettings) -> bool:
    """True when keys are required (non-loopback). ConfigError when serving there is refused or the port is taken."""
    public = not is_loopback(host)
    if public and not KeyStore(settings.keys_path).active():
        raise ConfigError(f"refusing to serve on {host} without an API key: anyone who can reach it could ask "
                          "questions and read recorded answers. Add one with `python -m assistant keys add NAME`, "
                          "or serve on 127.0.0.1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                              f"{' (another server is running there: stop it or pick another --port)' if exc.errno == 98 else ''}"
                              ) from None
    return public


def banner(host: str, port: int, keys: bool) -> str:
    """The URLs and a curl example, printed at start-up."""
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}"
    auth = " -H \"authorization: Bearer $GROUNDED_API_KEY\"" if keys else ""
    return (f"grounded: serving on http://{shown}:{port} (Ctrl-C stops it; /readyz says when the index is loaded)\n"
            f"  chat UI   {base}/\n  API docs  {base}/docs\n  status    {base}/readyz\n"
            f"  try:      curl -H 'content-type: application/json'{auth} \\\n"
            f"              -d '{{\"question\": \"{MISSION}\"}}' {base}/v1/ask")


def log_config() -> dict:
    """uvicorn's logging, with the product's loggers (`grounded.*`) on the same handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["grounded"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, home=None, access_log: bool = True) -> int:
    """Serve until SIGTERM / Ctrl-C; returns the exit code. ConfigError for a refused address or bad settings."""
    import uvicorn

    if workers < 1:
        raise ConfigError("--workers must be at least 1")
    settings = load_server_settings(home)
    require_keys = check_address(host, port, settings)
    keys = KeyStore(settings.keys_path).active()
    print(banner(host, port, keys), flush=True)
    common = {"host": host, "port": port, "access_log": access_log, "log_config": log_config(),
              "timeout_graceful_shutdown": int(settings.api.graceful_shutdown_s), "server_header": False}
    if workers == 1:
        from assistant.api.app import create_app

        app = create_app(settings, ui=ui_mount())
        app.state.require_keys = require_keys
        uvicorn.run(app, **common)
        return 0
    os.environ["GROUNDED_HOME"] = str(settings.home.resolve())  # the workers read their settings from here
    os.environ["GROUNDED_SERVE_REQUIRE_KEYS"] = "1" if require_keys else "0"
    # uvicorn SIGKILLs a worker that leaves its health ping unanswered for timeout_worker_healthcheck (5 s by default):
    # on a busy 2-core machine a worker importing the UI, or answering, missed it and was killed and respawned
    # (losing its queued audit rows), so the supervisor waits longer
    uvicorn.run("assistant.api.serve:app_from_env", factory=True, workers=workers, timeout_worker_healthcheck=60,
                **common)
    return 0
