"""The API as a help desk uses it: a real `python -m assistant serve` process on a loopback port (conftest.py)."""

from __future__ import annotations

import json
import re
import threading
import time

import httpx
import pytest

from tests.api.fakes import sse_events

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
KESSLER = "Who is the Under Secretary of Commerce for Industry and Security?"


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, headers=server.headers(), timeout=60) as client:
        yield client


def ask(http, **body) -> httpx.Response:
    return http.post("/v1/ask", json=body)


def assert_markers_match(answer: dict) -> None:
    ids = {c["id"] for c in answer["citations"]}
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert markers <= ids, (markers, ids)
    assert len(ids) == len(answer["citations"])


def test_health_and_readiness(server, http):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "alive"}  # no key needed
    ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["documents"] == 5 and body["chunks"] > 5
    assert body["corpus_version"] and body["engines"] == ["extractive", "llm"] and body["audit"]["ok"]
    assert 0 < server.cold_start_s < 180


def test_ask_gives_the_cited_answer(http):
    r = ask(http, question=MISSION)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    data = r.json()
    assert not data["abstained"] and data["citations"] and "910D" in data["answer"]
    assert data["engine"] == "extractive" and data["corpus_version"] and data["warnings"] is not None
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}
    assert r.headers["x-request-id"] == data["request_id"]
    assert int(r.headers["x-ratelimit-remaining"]) < int(r.headers["x-ratelimit-limit"])
    assert_markers_match(data)


def test_history_and_filters_are_used(http):
    history = [{"role": "user", "content": "Which Ascend chips did the guidance name?"},
               {"role": "assistant", "content": "The 910B, 910C and 910D [1]."}]
    data = ask(http, question="Would testing one of them in Malaysia be a violation?", history=history).json()
    assert not data["abstained"] and "anywhere" in data["answer"]
    only = ask(http, question=KESSLER, filters={"publisher": ["Cryptopolitan"]}).json()
    assert only["citations"] and {c["publisher"] for c in only["citations"]} == {"Cryptopolitan"}


def test_every_golden_citation_quotes_its_document(http):
    """The contract: for every citation of every golden answer served, quote == documents/{doc_id}.text[start:end]."""
    from evals.cases import load_cases
    from evals.golden_suite import GOLDEN

    texts: dict[str, str] = {}
    cited = 0
    for case in load_cases(GOLDEN):
        history = [{"role": t.role, "content": t.content} for t in case.history]
        r = ask(http, question=case.question, history=history)
        assert r.status_code == 200, (case.id, r.text)
        data = r.json()
        assert_markers_match(data)
        for c in data["citations"]:
            if c["doc_id"] not in texts:
                doc = http.get(f"/v1/documents/{c['doc_id']}")
                assert doc.status_code == 200, doc.text
                texts[c["doc_id"]] = doc.json()["text"]
            assert texts[c["doc_id"]][c["start"]:c["end"]] == c["quote"], (case.id, c)
            cited += 1
    assert cited > 100


def test_stream_sends_llm_tokens_then_the_verified_answer(http):
    with http.stream("POST", "/v1/ask", json={"question": KESSLER, "engine": "llm", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r.read().decode())
    kinds = [e for e, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1 and kinds.count("token") > 3, events[-1]
    final = json.loads(events[-1][1])
    tokens = "".join(json.loads(d)["text"] for e, d in events if e == "token")
    assert final["engine"] == "llm" and final["citations"] and final["request_id"]
    assert final["draft_replaced"] is (tokens.strip() != final["answer"].strip())
    assert "Kessler" in final["answer"]
    assert_markers_match(final)


def test_a_draft_that_fails_verification_is_replaced_and_the_client_told(http, llm_mode):
    llm_mode("junk")
    r = http.post("/v1/ask", json={"question": KESSLER, "engine": "llm"}, headers={"Accept": "text/event-stream"})
    events = sse_events(r.text)
    tokens = "".join(json.loads(d)["text"] for e, d in events if e == "token")
    final = json.loads(events[-1][1])
    assert "cheese" in tokens and "cheese" not in final["answer"]
    assert final["draft_replaced"] is True and final["citations"]
    assert any("failed verification" in w for w in final["warnings"])


@pytest.mark.parametrize("mode, warning", [("down", "answered 500"), ("slow", "did not finish within 10 s")])
def test_llm_down_or_too_slow_gives_the_extractive_answer_with_200(http, llm_mode, mode, warning):
    llm_mode(mode)
    t0 = time.monotonic()
    r = ask(http, question=KESSLER, engine="llm")
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["citations"] and any(warning in w and "extractive answer" in w for w in data["warnings"])
    assert time.monotonic() - t0 < 25


def test_health_and_answers_are_served_while_an_llm_answer_is_written(server, http, llm_mode):
    llm_mode("slow")
    slow: dict = {}
    worker = threading.Thread(target=lambda: slow.update(r=ask(http, question=KESSLER, engine="llm")))
    worker.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    quick = ask(http, question=MISSION)
    elapsed = time.monotonic() - t0
    assert quick.status_code == 200 and worker.is_alive() and elapsed < 2.5, elapsed
    worker.join(30)
    assert slow["r"].status_code == 200


def test_documents_list_and_text(http):
    listing = http.get("/v1/documents")
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 5 and {d["doc_id"] for d in body["documents"]} >= {"cgtn-us-chip-guidance-deeper-fears"}
    doc = http.get("/v1/documents/cgtn-us-chip-guidance-deeper-fears")
    data = doc.json()
    assert data["text"] and data["publisher"] == "CGTN" and isinstance(data["removed"], list)
    assert all(0 <= c["start"] < c["end"] <= len(data["text"]) for c in data["chunks"])
    assert all(r.get("reason") for r in data["removed"]), data["removed"][:2]
    assert http.get("/v1/documents/cgtn-us-chip-guidance-deeper-fears",
                    headers={"If-None-Match": doc.headers["etag"]}).status_code == 304
    syndicated = [d for d in body["documents"] if http.get(f"/v1/documents/{d['doc_id']}").json()["also_in"]]
    assert syndicated, "the corpus has syndicated copies: some document must list them"


def test_feedback_and_replay_exactly_as_given(server, http):
    original = ask(http, question=MISSION)
    rid = original.json()["request_id"]
    fb = http.post("/v1/feedback", json={"request_id": rid, "rating": "down", "comment": "cite the rule first"})
    assert fb.status_code == 201 and fb.json()["rating"] == "down"
    raw = http.get(f"/v1/answers/{rid}/response")
    assert raw.content == original.content and raw.headers["content-type"] == "application/json"
    replay = http.get(f"/v1/answers/{rid}")
    assert replay.status_code == 200
    record = replay.json()
    assert record["response"] == original.json() and original.content.decode() in replay.text
    assert record["request"]["question"] == MISSION and record["key_name"] == "tester"
    assert record["client"] == "127.0.0.1" and record["endpoint"] == "/v1/ask"
    assert record["corpus_version"] == original.json()["corpus_version"] and record["settings_hash"]
    assert [(f["rating"], f["comment"]) for f in record["feedback"]] == [("down", "cite the rule first")]
    assert server.key not in replay.text


def test_a_key_replays_its_own_answers_and_an_audit_key_all(server, http, keys):
    rid = ask(http, question=KESSLER).json()["request_id"]
    other = {"Authorization": f"Bearer {keys['tight']}"}
    hidden = httpx.get(f"{server.url}/v1/answers/{rid}", headers=other)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert httpx.post(f"{server.url}/v1/feedback", json={"request_id": rid, "rating": "up"},
                      headers=other).status_code == 404
    audit = httpx.get(f"{server.url}/v1/answers/{rid}", headers={"Authorization": f"Bearer {keys['auditor']}"})
    assert audit.status_code == 200 and audit.json()["key_name"] == "tester"


def test_streamed_answers_are_recorded_as_their_final_event(http):
    r = http.post("/v1/ask", json={"question": KESSLER, "stream": True})
    final = sse_events(r.text)[-1][1]
    rid = json.loads(final)["request_id"]
    assert r.headers["x-request-id"] == rid  # the headers carry the id, as a plain answer's do
    for _ in range(50):
        got = http.get(f"/v1/answers/{rid}/response")
        if got.status_code == 200:
            break
        time.sleep(0.05)
    assert got.content.decode() == final and got.headers["content-type"] == "application/json"


def test_a_streamed_answer_replays_as_the_stream_it_was(http, llm_mode):
    """What was served, byte for byte: the whole event stream (LLM tokens, then the answer) with
    `Accept: text/event-stream`; the final event's data as `response` of the record, the stream as its `events`."""
    r = http.post("/v1/ask", json={"question": KESSLER, "engine": "llm", "stream": True})
    events = sse_events(r.text)
    assert [e for e, _ in events].count("token") > 3
    rid = r.headers["x-request-id"]
    for _ in range(50):
        again = http.get(f"/v1/answers/{rid}/response", headers={"Accept": "text/event-stream"})
        if again.status_code == 200:
            break
        time.sleep(0.05)
    assert again.content == r.content and again.headers["content-type"].startswith("text/event-stream")
    record = http.get(f"/v1/answers/{rid}")
    assert record.json()["events"] == r.text and record.json()["request"]["stream"] is True
    assert ',"response":' + events[-1][1] + "}" in record.text  # the final event's data, verbatim
