"""Audit-store errors name no filesystem path of the server (issue 13): a PostgreSQL audit store reached through a
Unix socket that is not there fails with the socket's path in the driver's message; /readyz (its `audit` object and
message) and the API's 503 for a recorded answer say GROUNDED_HOME for a path under it and `<path>` for any other,
as the API's own errors do; the server's log keeps the real path."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.faults.conftest import fast_server_settings


@pytest.mark.parametrize("under_home", [True, False], ids=["socket under GROUNDED_HOME", "socket elsewhere"])
def test_audit_store_errors_reach_clients_without_server_paths(fast_home, tmp_path, caplog, under_home):
    from assistant.api.app import create_app

    socket_dir = (fast_home if under_home else tmp_path) / "no-postgres-here"
    url = f"postgresql://grounded@/postgres?host={socket_dir}"
    with caplog.at_level(logging.ERROR):
        app = create_app(fast_server_settings(fast_home, tmp_path, audit_url=url), load=False)
        app.state.service.load()
        with TestClient(app) as client:
            ready = client.get("/readyz")
            answer = client.get("/v1/answers/r-0001")
    audit = ready.json()["audit"]
    assert audit["ok"] is False and "connection to server on socket" in audit["last_error"], audit  # the driver's text
    assert answer.status_code == 503 and "connection to server on socket" in answer.text, answer.text
    shown = "GROUNDED_HOME/no-postgres-here/.s.PGSQL.5432" if under_home else "<path>"
    for text in (ready.text, answer.text):
        assert str(tmp_path) not in text and str(fast_home) not in text, text
        assert f'socket \\"{shown}\\" failed' in text, text
    assert str(socket_dir) in caplog.text  # the operator's log has the real path
