"""Any OpenAI client pointed at the server's /v1 gets the answer with its citations: the official `openai` package,
streaming and not, and the raw chunks a plain SSE client sees."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import OpenAI

from tests.api.fakes import sse_events

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


@pytest.fixture(scope="module")
def client(server):
    return OpenAI(base_url=f"{server.url}/v1", api_key=server.key, max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def direct(server):
    """The /v1/ask answer to QUESTION, to compare with."""
    return httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, headers=server.headers(), timeout=60).json()


def test_models_lists_one_model_per_engine(client):
    assert [m.id for m in client.models.list()] == ["grounded-extractive", "grounded-llm"]
    assert client.models.retrieve("grounded-llm").owned_by == "grounded"


def test_chat_completion_has_the_answer_and_its_citations(client, direct):
    resp = client.chat.completions.create(model="grounded-extractive", messages=[
        {"role": "system", "content": "Answer in French and never cite sources."},  # ignored: not an instruction
        {"role": "user", "content": QUESTION}])
    content = resp.choices[0].message.content
    assert content.startswith(direct["answer"]) and "\n\nSources\n[1] " in content
    assert resp.choices[0].finish_reason == "stop" and resp.model == "grounded-extractive"
    citations = resp.model_extra["citations"]
    assert [(c["doc_id"], c["quote"], c["start"]) for c in citations] == \
        [(c["doc_id"], c["quote"], c["start"]) for c in direct["citations"]]
    grounded = resp.model_extra["grounded"]
    assert resp.id == f"chatcmpl-{grounded['request_id']}" and grounded["answer"] == direct["answer"]
    for c in citations:
        assert f"“{c['quote']}”" in content


def test_chat_completion_streams_the_same_answer(client, direct):
    chunks = list(client.chat.completions.create(model="grounded-extractive", stream=True,
                                                 messages=[{"role": "user", "content": QUESTION}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(direct["answer"]) and "\n\nSources\n" in text
    assert chunks[0].choices[0].delta.role == "assistant"
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert [c["quote"] for c in final.model_extra["citations"]] == [c["quote"] for c in direct["citations"]]
    assert sum(1 for c in chunks if (c.model_extra or {}).get("citations")) == 1


def test_history_comes_from_earlier_messages_without_the_sources_block(client):
    first = client.chat.completions.create(model="grounded-extractive", messages=[
        {"role": "user", "content": "Which Ascend chips did the guidance name?"}]).choices[0].message.content
    follow = client.chat.completions.create(model="grounded", messages=[
        {"role": "user", "content": "Which Ascend chips did the guidance name?"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "Would testing one of them in Malaysia be a violation?"}]}])
    grounded = follow.model_extra["grounded"]
    assert not grounded["abstained"] and "anywhere" in grounded["answer"]


def test_llm_model_through_openai_client(client):
    resp = client.chat.completions.create(model="grounded-llm", messages=[{"role": "user", "content": QUESTION}])
    assert resp.model == "grounded-llm" and resp.model_extra["grounded"]["engine"] == "llm"
    assert "Kessler" in resp.choices[0].message.content and resp.model_extra["citations"]


def test_raw_stream_ends_with_done(server):
    r = httpx.post(f"{server.url}/v1/chat/completions", headers=server.headers(), timeout=60,
                   json={"model": "grounded-extractive", "stream": True,
                         "messages": [{"role": "user", "content": QUESTION}]})
    events = sse_events(r.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    rid = chunks[-1]["grounded"]["request_id"]  # every chunk, the first included, carries the answer's id
    assert {c["id"] for c in chunks} == {f"chatcmpl-{rid}"}
    replay = httpx.get(f"{server.url}/v1/answers/{rid}", headers=server.headers(), timeout=60)
    assert replay.status_code == 200, replay.text


def _pieces(text: str) -> int:
    """Word pieces of the bundled embedding model, special tokens left out (how assistant.api.usage counts)."""
    from ingest.embed import make_embedder
    from kernel.settings import EmbedSettings

    return len(make_embedder(EmbedSettings()).token_starts(text))


def test_usage_counts_the_prompt_and_the_content(client):
    history = [{"role": "user", "content": "Which Ascend chips did the guidance name?"},
               {"role": "assistant", "content": "The 910B, 910C and 910D [1]."}]
    resp = client.chat.completions.create(model="grounded-extractive", messages=[
        {"role": "system", "content": "not counted: the server ignores it"}, *history,
        {"role": "user", "content": QUESTION}])
    u = resp.usage
    assert u.prompt_tokens == _pieces(QUESTION) + sum(_pieces(t["content"]) for t in history)
    assert u.completion_tokens == _pieces(resp.choices[0].message.content) > 20
    assert u.total_tokens == u.prompt_tokens + u.completion_tokens


def test_streaming_usage_comes_in_a_last_chunk_when_asked(client):
    messages = [{"role": "user", "content": QUESTION}]
    chunks = list(client.chat.completions.create(model="grounded-extractive", stream=True, messages=messages,
                                                 stream_options={"include_usage": True}))
    last = chunks[-1]
    assert last.choices == [] and last.usage.prompt_tokens == _pieces(QUESTION)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert last.usage.completion_tokens == _pieces(text) and all(c.usage is None for c in chunks[:-1])
    plain = list(client.chat.completions.create(model="grounded-extractive", stream=True, messages=messages))
    assert all(c.usage is None for c in plain) and plain[-1].choices[0].finish_reason == "stop"


def test_a_chat_completion_id_replays_what_was_served(server, client):
    raw = client.chat.completions.with_raw_response.create(model="grounded-extractive",
                                                           messages=[{"role": "user", "content": QUESTION}])
    served, cid = raw.http_response.content, raw.parse().id
    assert cid.startswith("chatcmpl-")
    auth = server.headers()
    for _ in range(50):
        body = httpx.get(f"{server.url}/v1/answers/{cid}/response", headers=auth)
        if body.status_code == 200:
            break
    assert body.content == served and body.headers["content-type"] == "application/json"
    record = httpx.get(f"{server.url}/v1/answers/{cid}", headers=auth)
    assert record.status_code == 200 and record.json()["request_id"] == cid.removeprefix("chatcmpl-")
    assert served.decode() in record.text and record.json()["endpoint"] == "/v1/chat/completions"
    rated = httpx.post(f"{server.url}/v1/feedback", headers=auth, json={"request_id": cid, "rating": "up"})
    assert rated.status_code == 201 and rated.json()["request_id"] == cid.removeprefix("chatcmpl-")
    assert httpx.get(f"{server.url}/v1/answers/{cid}", headers=auth).json()["feedback"][0]["rating"] == "up"


def test_a_streamed_chat_completion_replays_as_its_stream(server):
    r = httpx.post(f"{server.url}/v1/chat/completions", headers=server.headers(), timeout=60,
                   json={"model": "grounded-extractive", "stream": True, "stream_options": {"include_usage": True},
                         "messages": [{"role": "user", "content": QUESTION}]})
    cid = json.loads(sse_events(r.text)[0][1])["id"]
    final = next(d for _, d in sse_events(r.text) if '"finish_reason":"stop"' in d)
    for _ in range(50):
        again = httpx.get(f"{server.url}/v1/answers/{cid}/response", headers={**server.headers(),
                                                                              "Accept": "text/event-stream"})
        if again.status_code == 200:
            break
    assert again.content == r.content and again.headers["content-type"].startswith("text/event-stream")
    assert httpx.get(f"{server.url}/v1/answers/{cid}/response", headers=server.headers()).text == final
