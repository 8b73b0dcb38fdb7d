"""The Chroma server killed (SIGKILL) during a load run against the API, then started again on the same port: the
requests in flight and those sent while it is down get 503 `index_unavailable` in the error shape within the client
timeout (none hangs), and answering resumes by itself once the server is back. Every request is counted."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from kernel.settings import StoreSettings
from tests.chroma_server import chroma_server
from tests.faults.conftest import fast_server_settings, serving
from tests.helpers import CORPUS, fast_settings

QUESTIONS = ["Who is the Under Secretary of Commerce for Industry and Security?",
             "Is testing a Huawei Ascend 910D in Malaysia a violation?",
             "What did China say about the guidance?",
             "Which Ascend chips did the guidance name?"]
CLIENTS = 4
CLIENT_TIMEOUT_S = 40.0  # above the store's read timeout (30 s): a hung request shows as a client timeout
DOWN_S = 4.0


@pytest.fixture
def chroma(tmp_path):
    with chroma_server(tmp_path / "chroma-server") as server:
        yield server


def _app(chroma, tmp_path):
    """The API app over an index of corpus/ ingested into the Chroma server, loaded, its audit log writing."""
    from assistant.api.app import create_app
    from ingest.pipeline import run

    store = StoreSettings(chroma_url=chroma.url)
    home = tmp_path / "state"
    assert run([CORPUS], fast_settings(home, store=store)).exit_code == 0
    app = create_app(fast_server_settings(home, tmp_path, store=store), load=False)
    app.state.service.load()
    assert app.state.service.state == "ready", app.state.service.error
    app.state.audit.start()
    return app


@pytest.mark.slow
def test_a_hung_chroma_server_is_503_within_the_store_timeout(chroma, tmp_path, monkeypatch):
    """SIGSTOP: the server accepts nothing and answers nothing. chromadb's client waits forever by default; the
    store's read timeout (READ_TIMEOUT_S, 3 s here) makes the request a 503 instead, and answering resumes on SIGCONT."""
    from ingest import chroma_store

    monkeypatch.setattr(chroma_store, "READ_TIMEOUT_S", 3.0, raising=False)  # raising: runs on the code before it
    app = _app(chroma, tmp_path)
    with serving(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=CLIENT_TIMEOUT_S) as http:
        assert http.post("/v1/ask", json={"question": QUESTIONS[0]}).status_code == 200
        chroma.pause()
        try:
            t0 = time.monotonic()
            r = http.post("/v1/ask", json={"question": QUESTIONS[1]})
            took = time.monotonic() - t0
        finally:
            chroma.resume()
        assert r.status_code == 503 and r.json()["error"]["code"] == "index_unavailable", r.text
        assert "Chroma server" in r.json()["error"]["message"] and took < 15, (took, r.text)
        again = http.post("/v1/ask", json={"question": QUESTIONS[1]})
        print(f"\nChroma server hung (SIGSTOP): 503 after {took:.1f} s (read timeout 3 s); after SIGCONT: "
              f"{again.status_code}")
        assert again.status_code == 200
    app.state.audit.close()


@pytest.mark.slow
def test_chroma_server_killed_under_load(chroma, tmp_path):
    app = _app(chroma, tmp_path)
    results: list[tuple[float, float, int, str]] = []  # (sent, took, status, error code)
    stop = threading.Event()
    lock = threading.Lock()

    def client(n: int, port: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=CLIENT_TIMEOUT_S) as http:
            i = n
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    r = http.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                    code = r.json()["error"]["code"] if r.status_code != 200 else ""
                    if r.status_code != 200:
                        assert list(r.json()) == ["error"] and "Traceback" not in r.text
                        assert "Chroma server" in r.json()["error"]["message"], r.text
                    status = r.status_code
                except httpx.TimeoutException:
                    status, code = -1, "client timeout"
                except Exception as exc:  # noqa: BLE001 - counted as "other"
                    status, code = -2, f"{exc.__class__.__name__}: {exc}"[:200]
                with lock:
                    results.append((t0, time.monotonic() - t0, status, code))
                i += 1

    with serving(app) as port:
        threads = [threading.Thread(target=client, args=(n, port)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # under load first: answers are coming back
            with lock:
                if sum(s == 200 for _, _, s, _ in results) >= CLIENTS:
                    break
            time.sleep(0.1)
        killed_at = time.monotonic()
        chroma.kill()
        time.sleep(DOWN_S)
        restart_s = chroma.start()
        back_at = time.monotonic()
        deadline = back_at + 60
        while time.monotonic() < deadline:  # answering resumes by itself: a 200 sent after the restart
            with lock:
                if any(s == 200 and t0 >= back_at for t0, _, s, _ in results):
                    break
            time.sleep(0.2)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join(CLIENT_TIMEOUT_S + 5)
    app.state.audit.close()

    statuses = Counter(s for _, _, s, _ in results)
    before = Counter(s for t0, took, s, _ in results if t0 + took < killed_at)
    in_flight = Counter(s for t0, took, s, _ in results if t0 < killed_at <= t0 + took)
    during = Counter(s for t0, _, s, _ in results if killed_at <= t0 < back_at)  # sent while down (some answered
    # after the restart: they waited for an answer thread)
    after = Counter(s for t0, _, s, _ in results if t0 >= back_at)
    slowest_503 = max((took for _, took, s, _ in results if s == 503), default=0.0)
    print(f"\nChroma killed under load ({CLIENTS} clients): sent {len(results)}, 200: {statuses[200]}, "
          f"503: {statuses[503]}, other: {len(results) - statuses[200] - statuses[503]}; done before the kill "
          f"{dict(before)}, in flight at the kill {dict(in_flight)}, "
          f"while down {dict(during)}, after the restart ({restart_s:.1f} s to start) {dict(after)}; slowest 503 "
          f"{slowest_503:.2f} s, slowest request {max(took for _, took, _, _ in results):.2f} s")
    others = [(s, c) for _, _, s, c in results if s not in (200, 503)]
    assert not others, others[:5]
    assert before == Counter({200: before[200]}) and before[200] > 0
    assert in_flight[503] + during[503] > 0 and after[200] > 0
    assert {c for _, _, s, c in results if s == 503} == {"index_unavailable"}
    assert slowest_503 < CLIENT_TIMEOUT_S
